-- Durable batches and idempotency keys (services/audit/batches.cpp), on the tables of
-- db/migrations/0005. Conventions: docs/development.md, "SQL".

-- name: batch.create
INSERT INTO batches (batch_id, client_id, terminal_id, visit_date, total)
VALUES ($1::uuid, $2, $3, $4::date, $5::integer)

-- name: batch.insert_entries
-- Every item of a new batch at once: one row per array element, seq from 0 in array order.
INSERT INTO batch_entries (batch_id, seq, reference, insurer_number, insured_symbol,
                           insured_number, branch_number, birth_date, visit_date, error_code)
SELECT $1::uuid, (n - 1)::integer, reference, insurer_number, insured_symbol, insured_number,
       branch_number, birth_date, visit_date, error_code
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[]) WITH ORDINALITY
  AS e (reference, insurer_number, insured_symbol, insured_number, branch_number, birth_date,
        visit_date, error_code, n)

-- name: batch.info
-- One batch, within the caller's scope ($2 NULL: any client).
SELECT batch_id::text, client_id, terminal_id, to_char(visit_date, 'YYYY-MM-DD'), state, total,
       (extract(epoch FROM created_at) * 1000000)::bigint,
       (extract(epoch FROM finished_at) * 1000000)::bigint
FROM batches WHERE batch_id = $1::uuid AND ($2::text IS NULL OR client_id = $2)

-- name: batch.counts
-- Progress: entries by state and, for the done ones, by outcome.
SELECT state, coalesce(outcome, ''), count(*)::integer
FROM batch_entries WHERE batch_id = $1::uuid GROUP BY 1, 2

-- name: batch.results
-- A page of results in seq order from seq $2.
SELECT seq, reference, state, coalesce(result::text, '')
FROM batch_entries WHERE batch_id = $1::uuid AND seq >= $2::integer
ORDER BY seq LIMIT $3::integer

-- name: batch.lock
-- Serialises the finishing of one batch's chunks, so exactly one sees the last entry go.
SELECT state FROM batches WHERE batch_id = $1::uuid FOR UPDATE

-- name: batch.cancel_entries
-- Entries not yet sent are cancelled; a claimed chunk (being sent) finishes.
UPDATE batch_entries SET state = 'cancelled', done_at = now()
WHERE batch_id = $1::uuid AND state = 'pending'

-- name: batch.mark_cancelled
UPDATE batches SET state = 'cancelled', finished_at = now()
WHERE batch_id = $1::uuid AND state IN ('queued', 'running')

-- name: batch.next_batch
-- A batch with claimable entries: pending, or claimed under an expired lease. The oldest first.
SELECT b.batch_id::text, b.client_id, b.terminal_id, to_char(b.visit_date, 'YYYY-MM-DD')
FROM batches b
WHERE b.state IN ('queued', 'running')
  AND EXISTS (SELECT 1 FROM batch_entries e
              WHERE e.batch_id = b.batch_id
                AND (e.state = 'pending' OR (e.state = 'claimed' AND e.lease_until < now())))
ORDER BY b.created_at
LIMIT 8

-- name: batch.claim
-- Takes up to $3 claimable entries of batch $1 under claim token $2 until now() + $4 ms; entries
-- another daemon is taking at this moment are skipped, not waited for.
WITH picked AS (
  SELECT batch_id, seq FROM batch_entries
  WHERE batch_id = $1::uuid
    AND (state = 'pending' OR (state = 'claimed' AND lease_until < now()))
  ORDER BY seq
  LIMIT $3::integer
  FOR UPDATE SKIP LOCKED)
UPDATE batch_entries e
SET state = 'claimed', claim_token = $2::uuid,
    lease_until = now() + $4::integer * interval '1 millisecond', attempts = e.attempts + 1
FROM picked
WHERE e.batch_id = picked.batch_id AND e.seq = picked.seq
RETURNING e.seq, e.reference, e.insurer_number, e.insured_symbol, e.insured_number,
          e.branch_number, e.birth_date, e.visit_date, coalesce(e.error_code, ''), e.attempts

-- name: batch.mark_running
UPDATE batches SET state = 'running' WHERE batch_id = $1::uuid AND state = 'queued'

-- name: batch.finish_entries
-- The finished entries the claim $2 still holds; returns their seqs (only their audit records
-- are then inserted, in the same transaction).
UPDATE batch_entries e
SET state = 'done', claim_token = NULL, lease_until = NULL, check_id = f.check_id,
    outcome = f.outcome, result = f.result, done_at = now()
FROM unnest($3::integer[], $4::uuid[], $5::text[], $6::jsonb[]) AS f (seq, check_id, outcome,
                                                                       result)
WHERE e.batch_id = $1::uuid AND e.seq = f.seq AND e.state = 'claimed' AND e.claim_token = $2::uuid
RETURNING e.seq

-- name: batch.mark_done
-- Done once no entry is pending or claimed (run while holding batch.lock).
UPDATE batches SET state = 'done', finished_at = now()
WHERE batch_id = $1::uuid AND state IN ('queued', 'running')
  AND NOT EXISTS (SELECT 1 FROM batch_entries
                  WHERE batch_id = $1::uuid AND state IN ('pending', 'claimed'))

-- name: batch.idempotency_begin
-- Reserves (client $1, key $2) for a request with fingerprint $3, kept $4 seconds; an expired
-- key, or a reservation left unanswered for $5 seconds (its daemon died), is taken over.
-- Returns the row as it now stands and whether this call reserved it.
INSERT INTO idempotency_keys AS k (client_id, key, fingerprint, expires_at)
VALUES ($1, $2, $3, now() + $4::integer * interval '1 second')
ON CONFLICT (client_id, key) DO UPDATE
SET fingerprint = EXCLUDED.fingerprint, status = NULL, content_type = NULL, headers = NULL,
    body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
WHERE k.expires_at < now()
   OR (k.status IS NULL AND k.created_at < now() - $5::integer * interval '1 second')
RETURNING fingerprint

-- name: batch.idempotency_get
SELECT fingerprint, status, coalesce(content_type, ''), coalesce(headers::text, '[]'),
       coalesce(body, '')
FROM idempotency_keys WHERE client_id = $1 AND key = $2

-- name: batch.idempotency_complete
UPDATE idempotency_keys SET status = $3::integer, content_type = $4, headers = $5::jsonb,
       body = $6
WHERE client_id = $1 AND key = $2

-- name: batch.idempotency_release
DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND status IS NULL

-- name: batch.idempotency_expire
-- Old answers go (called now and then by the daemon).
DELETE FROM idempotency_keys WHERE expires_at < now()
