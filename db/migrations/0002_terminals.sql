-- Front-desk terminals (受付端末) and their sign-in: an administrator enrols a counter once
-- (madoguchictl terminal enrol NAME prints a one-time code), the page exchanges the code for a
-- session cookie. Only SHA-256 hashes of codes and session secrets are stored: a copy of this
-- database signs nobody in.

CREATE TABLE desk_terminals (
  terminal_id  text        PRIMARY KEY CHECK (terminal_id ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  enrolled_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz  -- set by `terminal revoke`: its codes and sessions stop working
);

-- One-time codes: usable once (used_at), until expires_at.
CREATE TABLE desk_enrolment_codes (
  code_sha256  text        PRIMARY KEY CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
  terminal_id  text        NOT NULL REFERENCES desk_terminals ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);

-- Sessions expire when idle longer than the daemon's web.session_idle_minutes.
CREATE TABLE desk_sessions (
  session_sha256 text        PRIMARY KEY CHECK (session_sha256 ~ '^[0-9a-f]{64}$'),
  terminal_id    text        NOT NULL REFERENCES desk_terminals ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX desk_sessions_terminal_idx ON desk_sessions (terminal_id);
