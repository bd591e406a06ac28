-- Rules (issue 10): what the acceptance rules were applied to, the needs_more outcome, and the
-- unconfirmed queue — acceptances made while the gateway was unreachable, re-confirmed online
-- when it is back, each re-confirmation a NEW audit record linked to the first (never an edit).

ALTER TABLE audit_checks
  ADD COLUMN visit_date          date,     -- the day the rules were applied for
  ADD COLUMN document_copy       boolean NOT NULL DEFAULT false,  -- a copy (写し) was shown
  ADD COLUMN card_shown          boolean NOT NULL DEFAULT false,  -- the card shown with the paper
  ADD COLUMN card_fault          text CHECK (card_fault IN ('failed_card_check',
                                                             'declared_reader_fault')),
  ADD COLUMN card_check_id       uuid,     -- the failed card check card_unreadable refers to
  ADD COLUMN reconfirms_check_id uuid;     -- a re-confirmation: the unconfirmed check it confirms

-- needs_more (several qualifications match: ask for 枝番 or 生年月日). Partitions inherit the
-- constraint (attached partitions' copies are merged into it), so the parent's change is theirs.
ALTER TABLE audit_checks DROP CONSTRAINT IF EXISTS audit_checks_outcome_check;
ALTER TABLE audit_checks ADD CONSTRAINT audit_checks_outcome_check
  CHECK (outcome IN ('accepted', 'accepted_unconfirmed', 'refused', 'failed', 'needs_more'));

CREATE INDEX audit_checks_reconfirms_idx ON audit_checks (reconfirms_check_id)
  WHERE reconfirms_check_id IS NOT NULL;

-- The queue: one row per accepted_unconfirmed check, made by the trigger below when the audit
-- record reaches the database (directly or replayed from the spool), so no acceptance is missed
-- and none is queued twice. Workers in any number of daemons take rows FOR UPDATE SKIP LOCKED.
CREATE TABLE unconfirmed_checks (
  check_id             uuid        PRIMARY KEY,  -- the accepted_unconfirmed audit record
  checked_at           timestamptz NOT NULL,
  terminal_id          text        NOT NULL,
  visit_date           date        NOT NULL,
  presentation_context text,
  document_type        text,
  insurer_number       text        NOT NULL,
  insured_symbol       text,
  insured_number       text        NOT NULL,
  branch_number        text,
  birth_date           date,
  state                text        NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'reconfirmed', 'follow_up')),
  attempts             integer     NOT NULL DEFAULT 0,
  next_attempt_at      timestamptz NOT NULL DEFAULT now(),
  last_error           text,
  reconfirm_check_id   uuid,        -- the new audit record
  reconfirmed_at       timestamptz,
  outcome              text,
  reason_codes         text[]
);
CREATE INDEX unconfirmed_checks_due_idx ON unconfirmed_checks (next_attempt_at)
  WHERE state = 'pending';
CREATE INDEX unconfirmed_checks_state_idx ON unconfirmed_checks (state, checked_at);

CREATE FUNCTION unconfirmed_enqueue() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO unconfirmed_checks (check_id, checked_at, terminal_id, visit_date,
                                  presentation_context, document_type, insurer_number,
                                  insured_symbol, insured_number, branch_number, birth_date)
  VALUES (NEW.check_id, NEW.checked_at, NEW.terminal_id,
          coalesce(NEW.visit_date, (NEW.checked_at AT TIME ZONE 'Asia/Tokyo')::date),
          NEW.presentation_context, NEW.document_type, NEW.insurer_number, NEW.insured_symbol,
          NEW.insured_number, NEW.branch_number, NEW.birth_date)
  ON CONFLICT (check_id) DO NOTHING;
  RETURN NULL;
END
$fn$;

-- On the partitioned table: cloned to every partition, present and future.
CREATE TRIGGER audit_checks_unconfirmed AFTER INSERT ON audit_checks FOR EACH ROW
  WHEN (NEW.outcome = 'accepted_unconfirmed' AND NEW.insurer_number IS NOT NULL
        AND NEW.insured_number IS NOT NULL)
  EXECUTE FUNCTION unconfirmed_enqueue();
