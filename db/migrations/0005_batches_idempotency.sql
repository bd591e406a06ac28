-- Durable batches (一括確認, issue 12) and idempotency keys.
--
-- A batch and its entries live here, not in a request: any daemon on this database works on
-- any batch. Workers claim a chunk of entries FOR UPDATE SKIP LOCKED and hold it by a lease (a
-- random claim token and an expiry); a daemon killed mid-chunk loses its lease and another
-- daemon claims the chunk again. An entry is finished — its result stored and its audit record
-- inserted — in ONE transaction that also checks the claim token is still the entry's, so an
-- entry is audited exactly once however often it was claimed.

CREATE TABLE batches (
  batch_id     uuid        PRIMARY KEY,  -- also the audit records' batch_id
  client_id    text        NOT NULL,     -- who created it: only that client sees it
  terminal_id  text        NOT NULL,
  visit_date   date        NOT NULL,
  state        text        NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'running', 'done', 'cancelled')),
  total        integer     NOT NULL CHECK (total >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz            -- done or cancelled
);
CREATE INDEX batches_client_idx ON batches (client_id, created_at);

-- One row per item, in the order sent (seq from 0). The identifiers are stored as sent, except
-- that an item refused at intake (error_code set) keeps only the sanitised fields — and none at
-- all for a 12-digit individual number, which never enters the system.
CREATE TABLE batch_entries (
  batch_id       uuid        NOT NULL REFERENCES batches ON DELETE CASCADE,
  seq            integer     NOT NULL CHECK (seq >= 0),
  reference      text        NOT NULL DEFAULT '',  -- the receipt system's own reference
  insurer_number text        NOT NULL DEFAULT '',  -- 保険者番号
  insured_symbol text        NOT NULL DEFAULT '',  -- 記号
  insured_number text        NOT NULL DEFAULT '',  -- 番号
  branch_number  text        NOT NULL DEFAULT '',  -- 枝番
  birth_date     text        NOT NULL DEFAULT '',
  visit_date     text        NOT NULL DEFAULT '',
  error_code     text,                             -- refused at intake: the validation code
  state          text        NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'claimed', 'done', 'cancelled')),
  claim_token    uuid,                             -- the claim holding it (state 'claimed')
  lease_until    timestamptz,
  attempts       integer     NOT NULL DEFAULT 0,   -- times claimed
  check_id       uuid,                             -- its audit record, once done
  outcome        text,                             -- accepted ... failed, or 'error'
  result         jsonb,                            -- the entry's answer as the API shows it
  done_at        timestamptz,
  PRIMARY KEY (batch_id, seq)
);
-- What workers look for: entries not finished yet.
CREATE INDEX batch_entries_open_idx ON batch_entries (batch_id, seq)
  WHERE state IN ('pending', 'claimed');

-- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): the first answer to a POST
-- with a key is kept, per client, for `expires_at`; a retry gets it back instead of a second
-- check. The request's fingerprint (method, path, SHA-256 of the body) tells a retry from a
-- different request reusing the key. A row without an answer is a request still in flight.
CREATE TABLE idempotency_keys (
  client_id    text        NOT NULL,
  key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint  text        NOT NULL,
  status       integer,                  -- the first answer, once there is one
  content_type text,
  headers      jsonb,
  body         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
