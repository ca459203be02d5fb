-- Account management: each account's token version, written into its API tokens and dashboard
-- sessions and checked on every request, so a role change, a password change, disabling or
-- removing an account ends what it had open at once; and when it was disabled. PostgreSQL.

ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
-- Set while the account is disabled (it cannot log in, its tokens and sessions stop working).
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

-- The account's token version when the session started; a session of another version is over.
ALTER TABLE sessions ADD COLUMN user_version BIGINT NOT NULL DEFAULT 0;
-- An account's sessions are ended together.
CREATE INDEX sessions_user ON sessions (user_id);
