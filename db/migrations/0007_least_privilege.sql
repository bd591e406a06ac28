-- Least privilege (docs/security.md, "Database roles"): migrations and retention run as the
-- owner of these tables (database.owner_conninfo, `madoguchictl audit`); the daemon connects
-- as a login role that is a member of madoguchi_app, which may add to the audit but never
-- change or remove what it holds. The login role itself is the operator's (with its password
-- or certificate): CREATE ROLE madoguchid LOGIN IN ROLE madoguchi_app.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'madoguchi_app') THEN
    CREATE ROLE madoguchi_app NOLOGIN;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO madoguchi_app;
-- Whether the schema is complete (/readyz).
GRANT SELECT ON schema_migrations TO madoguchi_app;

-- The audit: append and read only. Rows reach the monthly
-- partitions through the parent, which is all PostgreSQL checks.
GRANT SELECT, INSERT ON audit_checks TO madoguchi_app;

-- Working state the daemon keeps up to date.
GRANT SELECT, INSERT, UPDATE, DELETE
  ON desk_terminals, desk_enrolment_codes, desk_sessions, unconfirmed_checks,
     batches, batch_entries, idempotency_keys
  TO madoguchi_app;
-- Keys (created, revoked by an UPDATE, marked used; never deleted, so a key's history stays)
-- and the access records (append only), from migration 0006.
DO $$
BEGIN
  IF to_regclass('api_keys') IS NOT NULL THEN
    GRANT SELECT, INSERT, UPDATE ON api_keys TO madoguchi_app;
  END IF;
  IF to_regclass('access_records') IS NOT NULL THEN
    GRANT SELECT, INSERT ON access_records TO madoguchi_app;
  END IF;
END
$$;

-- The audit writer makes next months' partitions ahead of time: DDL the daemon's role may not
-- run itself, so the function runs as its owner, with a fixed search_path (pg_temp last: a
-- caller cannot slip its own tables in).
ALTER FUNCTION audit_ensure_partitions(integer, integer)
  SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION audit_ensure_partitions(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_ensure_partitions(integer, integer) TO madoguchi_app;
