-- Login attempts, counted per username before the password is checked, so that guesses sent
-- at once cannot outrun the lockout. Keyed by the name typed, known or not, so an unknown name
-- is answered exactly as a known one. SQLite.

-- Attempts since the last success (those still being checked included) and, once they reach
-- auth.max_failed_logins, until when the name is locked. A success deletes the row.
CREATE TABLE login_attempts (
    username TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    locked_until INTEGER
);
CREATE INDEX login_attempts_expiry ON login_attempts (locked_until);

-- The count on the account itself is replaced by the table above.
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
