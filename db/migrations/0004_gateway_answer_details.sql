-- Gateway interop (issue 11): QualificationValidity 6 (有効・未登録, e.g. 医療扶助) is a valid answer,
-- and what an answer carries besides eligibility (限度額適用認定証 bracket and dates, 高齢受給者証,
-- 公費・医療券, 通称名, consents to share information, 処方箋 form) is kept with the check, as
-- one JSON object (audit::answer_details_json; NULL when the answer had none).

ALTER TABLE audit_checks DROP CONSTRAINT audit_checks_qualification_validity_check;
ALTER TABLE audit_checks ADD CONSTRAINT audit_checks_qualification_validity_check
  CHECK (qualification_validity BETWEEN 1 AND 6);

ALTER TABLE audit_checks ADD COLUMN answer_details jsonb
  CHECK (answer_details IS NULL OR jsonb_typeof(answer_details) = 'object');
