-- Who may call the API (docs/security.md): API keys with a role, managed with
-- `madoguchictl keys create|list|revoke|rotate`, and the record of every read of a person's data.
-- Only the SHA-256 of a key's token is stored: a copy of this table lets nobody in.

CREATE TABLE api_keys (
  key_id        text        PRIMARY KEY CHECK (key_id ~ '^k-[0-9a-f]{12}$'),
  client_id     text        NOT NULL CHECK (client_id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  role          text        NOT NULL CHECK (role IN ('desk', 'receipt_system', 'auditor', 'admin')),
  -- A desk key acts for one counter (窓口端末); other roles have none.
  terminal_id   text        CHECK ((role = 'desk') = (terminal_id IS NOT NULL)),
  token_sha256  text        NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,  -- NULL: no expiry
  revoked_at    timestamptz,  -- set by `keys revoke` (and by `keys rotate` after its grace)
  last_used_at  timestamptz,  -- refreshed at most once a minute per key
  rotated_from  text        REFERENCES api_keys (key_id)
);
CREATE INDEX api_keys_client_idx ON api_keys (client_id);

-- Reads of personal data (閲覧記録): who read which checks, through which endpoint, when.
-- Ids only — never the data that was shown. Written through the audit writer (spooled while
-- the database is down), never updated.
CREATE TABLE access_records (
  access_id     uuid        PRIMARY KEY,
  accessed_at   timestamptz NOT NULL,
  client_id     text        NOT NULL,
  terminal_id   text        NOT NULL DEFAULT '',
  role          text        NOT NULL,
  endpoint      text        NOT NULL,
  check_ids     uuid[]      NOT NULL
);
CREATE INDEX access_records_time_idx ON access_records (accessed_at);
CREATE INDEX access_records_check_ids_idx ON access_records USING gin (check_ids);
