-- The audit store's statements (services/audit), on the tables of db/migrations/0001, 0003, 0004.
-- Conventions: docs/development.md, "SQL".

-- name: audit.insert_checks
-- A group commit: one row per array element, the same position in every array. reason_codes
-- travels as one text[] literal per row. A replayed record (same id and time) is not doubled.
INSERT INTO audit_checks (visit_date, document_copy, card_shown, card_fault, card_check_id,
                          reconfirms_check_id, check_id, checked_at, terminal_id, client_id, method,
                          document_type, presentation_context, batch_id, insurer_number,
                          insured_symbol, insured_number, branch_number, birth_date,
                          qualification_validity, processing_status, processing_code,
                          gateway_error_code, outcome, reason_codes, latency_us, document_sha256,
                          answer_details)
SELECT visit_date, document_copy, card_shown, card_fault, card_check_id, reconfirms_check_id,
       check_id, checked_at, terminal_id, client_id, method, document_type, presentation_context,
       batch_id, insurer_number, insured_symbol, insured_number, branch_number, birth_date,
       qualification_validity, processing_status, processing_code, gateway_error_code, outcome,
       reason_codes::text[], latency_us, document_sha256, answer_details
FROM unnest($1::date[], $2::boolean[], $3::boolean[], $4::text[], $5::uuid[], $6::uuid[],
            $7::uuid[], $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[],
            $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
            $19::date[], $20::smallint[], $21::smallint[], $22::text[], $23::text[], $24::text[],
            $25::text[], $26::bigint[], $27::text[], $28::jsonb[])
  AS r (visit_date, document_copy, card_shown, card_fault, card_check_id, reconfirms_check_id,
        check_id, checked_at, terminal_id, client_id, method, document_type,
        presentation_context, batch_id, insurer_number, insured_symbol, insured_number,
        branch_number, birth_date, qualification_validity, processing_status, processing_code,
        gateway_error_code, outcome, reason_codes, latency_us, document_sha256, answer_details)
ON CONFLICT (check_id, checked_at) DO NOTHING

-- name: audit.find_checks
-- GET /v1/checks: a NULL parameter is no filter; newest first, keyset after ($7, $8); $9 rows.
-- The columns are those row_to_record reads (services/audit/pgsql.cpp), in its order.
SELECT to_char(visit_date, 'YYYY-MM-DD'), document_copy, card_shown, coalesce(card_fault, ''),
       coalesce(card_check_id::text, ''), coalesce(reconfirms_check_id::text, ''),
       check_id::text, (extract(epoch FROM checked_at) * 1000000)::bigint, terminal_id,
       client_id, method, coalesce(document_type, ''), coalesce(presentation_context, ''),
       coalesce(batch_id, ''), coalesce(insurer_number, ''), coalesce(insured_symbol, ''),
       coalesce(insured_number, ''), coalesce(branch_number, ''),
       to_char(birth_date, 'YYYY-MM-DD'), qualification_validity, processing_status,
       coalesce(processing_code, ''), coalesce(gateway_error_code, ''), outcome,
       array_to_json(reason_codes)::text, latency_us, coalesce(document_sha256, ''),
       coalesce(answer_details::text, '')
FROM audit_checks
WHERE ($1::timestamptz IS NULL OR checked_at >= $1)
  AND ($2::timestamptz IS NULL OR checked_at < $2)
  AND ($3::text IS NULL OR terminal_id = $3)
  AND ($4::text IS NULL OR client_id = $4)
  AND ($5::uuid IS NULL OR check_id = $5)
  AND ($6::text IS NULL OR outcome = $6)
  AND ($7::timestamptz IS NULL OR (checked_at, check_id) < ($7, $8::uuid))
ORDER BY checked_at DESC, check_id DESC
LIMIT $9

-- name: audit.get_check
-- GET /v1/checks/{id}: the first record of a check id.
SELECT to_char(visit_date, 'YYYY-MM-DD'), document_copy, card_shown, coalesce(card_fault, ''),
       coalesce(card_check_id::text, ''), coalesce(reconfirms_check_id::text, ''),
       check_id::text, (extract(epoch FROM checked_at) * 1000000)::bigint, terminal_id,
       client_id, method, coalesce(document_type, ''), coalesce(presentation_context, ''),
       coalesce(batch_id, ''), coalesce(insurer_number, ''), coalesce(insured_symbol, ''),
       coalesce(insured_number, ''), coalesce(branch_number, ''),
       to_char(birth_date, 'YYYY-MM-DD'), qualification_validity, processing_status,
       coalesce(processing_code, ''), coalesce(gateway_error_code, ''), outcome,
       array_to_json(reason_codes)::text, latency_us, coalesce(document_sha256, ''),
       coalesce(answer_details::text, '')
FROM audit_checks
WHERE check_id = $1::uuid
ORDER BY checked_at
LIMIT 1

-- name: audit.ensure_partitions
-- This month's and the next $1 months' partitions (migration 0001's function).
SELECT audit_ensure_partitions($1)

-- name: audit.unconfirmed_due
-- The unconfirmed queue (migration 0003): up to $1 entries due for re-confirmation, locked for
-- this transaction; rows another daemon holds are skipped. Columns in to_entry's order
-- (services/audit/unconfirmed.cpp).
SELECT check_id::text, (extract(epoch FROM checked_at) * 1000000)::bigint, terminal_id,
       to_char(visit_date, 'YYYY-MM-DD'), coalesce(presentation_context, ''),
       coalesce(document_type, ''), insurer_number, coalesce(insured_symbol, ''), insured_number,
       coalesce(branch_number, ''), to_char(birth_date, 'YYYY-MM-DD'), state, attempts,
       coalesce(last_error, ''), coalesce(reconfirm_check_id::text, ''),
       (extract(epoch FROM reconfirmed_at) * 1000000)::bigint, coalesce(outcome, ''),
       array_to_json(coalesce(reason_codes, '{}'))::text
FROM unconfirmed_checks
WHERE state = 'pending' AND next_attempt_at <= now()
ORDER BY checked_at, check_id
LIMIT $1
FOR UPDATE SKIP LOCKED

-- name: audit.unconfirmed_retry_later
-- Not reconfirmed now ($2 the error code): back off, doubling from $3 seconds up to $4.
UPDATE unconfirmed_checks
SET attempts = attempts + 1, last_error = $2,
    next_attempt_at = now() + least($4::bigint, $3::bigint * power(2, least(attempts, 20)))
                              * interval '1 second'
WHERE check_id = $1::uuid

-- name: audit.unconfirmed_done
-- Reconfirmed ($2 'reconfirmed' or 'follow_up') by the check $3 with outcome $4, reasons $5.
UPDATE unconfirmed_checks
SET state = $2, attempts = attempts + 1, last_error = NULL, reconfirm_check_id = $3::uuid,
    reconfirmed_at = now(), outcome = $4, reason_codes = $5::text[]
WHERE check_id = $1::uuid

-- name: audit.unconfirmed_list
-- GET /v1/unconfirmed: $1 one state, or NULL for the open ones (pending, follow_up), or 'all';
-- newest first, $2 rows.
SELECT check_id::text, (extract(epoch FROM checked_at) * 1000000)::bigint, terminal_id,
       to_char(visit_date, 'YYYY-MM-DD'), coalesce(presentation_context, ''),
       coalesce(document_type, ''), insurer_number, coalesce(insured_symbol, ''), insured_number,
       coalesce(branch_number, ''), to_char(birth_date, 'YYYY-MM-DD'), state, attempts,
       coalesce(last_error, ''), coalesce(reconfirm_check_id::text, ''),
       (extract(epoch FROM reconfirmed_at) * 1000000)::bigint, coalesce(outcome, ''),
       array_to_json(coalesce(reason_codes, '{}'))::text
FROM unconfirmed_checks
WHERE CASE WHEN $1::text IS NULL THEN state IN ('pending', 'follow_up')
           WHEN $1 = 'all' THEN true
           ELSE state = $1 END
ORDER BY checked_at DESC, check_id
LIMIT $2

-- name: audit.unconfirmed_counts
-- The queue's length by state, for /metrics (madoguchi_unconfirmed_checks).
SELECT state, count(*) FROM unconfirmed_checks GROUP BY state

-- name: audit.migration_lock
-- Serialises concurrent starters (a session-level advisory lock; $1 the key).
SELECT pg_advisory_lock($1::bigint)

-- name: audit.applied_migrations
SELECT version, sha256 FROM schema_migrations

-- name: audit.record_migration
-- A migration file applied (in the same transaction as its SQL).
INSERT INTO schema_migrations (version, name, sha256) VALUES ($1::integer, $2, $3)

-- name: audit.insert_access
-- Access records (migration 0006), one row per array element; check_ids travels as one uuid[]
-- literal per row. A replay after a lost acknowledgement is a no-op.
INSERT INTO access_records (access_id, accessed_at, client_id, terminal_id, role, endpoint,
                            check_ids)
SELECT access_id, accessed_at, client_id, terminal_id, role, endpoint, check_ids::uuid[]
FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[])
  AS r (access_id, accessed_at, client_id, terminal_id, role, endpoint, check_ids)
ON CONFLICT (access_id) DO NOTHING

-- name: audit.find_access
-- Who read a check ($1; NULL: any), newest first, $2 rows.
SELECT access_id::text, (extract(epoch FROM accessed_at) * 1000000)::bigint, client_id,
       terminal_id, role, endpoint, check_ids::text[]
FROM access_records
WHERE $1::uuid IS NULL OR $1 = ANY (check_ids)
ORDER BY accessed_at DESC
LIMIT $2
