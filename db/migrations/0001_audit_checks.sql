-- Audit log of eligibility checks (監査ログ): one row per check, by card, number or document.
-- Personal data (identifiers, birth date) is stored here because the clinic must be able to
-- answer "who looked at whose insurance"; it is masked whenever logged, never here.
--
-- Monthly range partitions on checked_at (Asia/Tokyo months) so old months can be detached
-- (madoguchictl audit detach-old); a default partition catches anything outside the created
-- months so an insert never fails for want of a partition.
-- Partitioned tables need the partition key in every unique constraint: the idempotency key is
-- (check_id, checked_at); a record's time never changes, so a replay conflicts with itself.

CREATE TABLE audit_checks (
  check_id               uuid        NOT NULL,
  checked_at             timestamptz NOT NULL,
  terminal_id            text        NOT NULL,
  client_id              text        NOT NULL,
  method                 text        NOT NULL CHECK (method IN ('card', 'number', 'document')),
  document_type          text,
  presentation_context   text,
  batch_id               text,
  insurer_number         text,        -- 保険者番号
  insured_symbol         text,        -- 記号
  insured_number         text,        -- 番号
  branch_number          text,        -- 枝番
  birth_date             date,
  qualification_validity smallint CHECK (qualification_validity BETWEEN 1 AND 5),
  processing_status      smallint,    -- ProcessingResultStatus
  processing_code        text,        -- ProcessingResultCode
  gateway_error_code     text,
  outcome                text        NOT NULL
                         CHECK (outcome IN ('accepted', 'accepted_unconfirmed', 'refused', 'failed')),
  reason_codes           text[]      NOT NULL DEFAULT '{}',
  latency_us             bigint      NOT NULL CHECK (latency_us >= 0),
  document_sha256        text        CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
  recorded_at            timestamptz NOT NULL DEFAULT now(),  -- when it reached the database
  PRIMARY KEY (check_id, checked_at)
) PARTITION BY RANGE (checked_at);

CREATE TABLE audit_checks_default PARTITION OF audit_checks DEFAULT;

-- GET /v1/checks: time range, newest first, keyset on (checked_at, check_id).
CREATE INDEX audit_checks_time_idx ON audit_checks (checked_at, check_id);
CREATE INDEX audit_checks_terminal_idx ON audit_checks (terminal_id, checked_at, check_id);
CREATE INDEX audit_checks_outcome_idx ON audit_checks (outcome, checked_at, check_id);
-- "Who looked at this person's insurance?"
CREATE INDEX audit_checks_insured_idx ON audit_checks (insurer_number, insured_number, checked_at);
CREATE INDEX audit_checks_batch_idx ON audit_checks (batch_id) WHERE batch_id IS NOT NULL;

-- Creates the monthly partitions from `months_behind` months ago to `months_ahead` months
-- ahead (Asia/Tokyo months) that do not exist yet, moving matching rows out of the default
-- partition first (ATTACH refuses while the default holds rows of the new range).
-- Returns how many partitions it created. Serialised by an advisory lock.
CREATE FUNCTION audit_ensure_partitions(months_ahead integer DEFAULT 3,
                                        months_behind integer DEFAULT 0)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
  first_month date := date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo')::date;
  m date;
  lo timestamptz;
  hi timestamptz;
  part text;
  created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('madoguchi.audit_partitions'));
  FOR i IN -months_behind .. months_ahead LOOP
    m := (first_month + make_interval(months => i))::date;
    part := 'audit_checks_p' || to_char(m, 'YYYYMM');
    CONTINUE WHEN to_regclass(part) IS NOT NULL;
    lo := m::timestamp AT TIME ZONE 'Asia/Tokyo';
    hi := (m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Tokyo';
    EXECUTE format('CREATE TABLE %I (LIKE audit_checks INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   part);
    EXECUTE format('WITH moved AS (DELETE FROM audit_checks_default'
                   ' WHERE checked_at >= %L AND checked_at < %L RETURNING *)'
                   ' INSERT INTO %I SELECT * FROM moved', lo, hi, part);
    EXECUTE format('ALTER TABLE audit_checks ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   part, lo, hi);
    created := created + 1;
  END LOOP;
  RETURN created;
END
$fn$;

SELECT audit_ensure_partitions(3, 1);
