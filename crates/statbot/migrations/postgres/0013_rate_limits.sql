-- Rate limits against abuse: one row per limit and subject (an address, an account, a visitor)
-- counting hits in the current fixed window, updated atomically so that every instance sharing
-- the database counts alike. Rows of past windows are swept by `serve`. PostgreSQL.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (bucket, subject)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- When a name was last tried, so that counts of names nobody logs in with again (unknown names
-- included) are swept rather than kept for ever.
ALTER TABLE login_attempts ADD COLUMN last_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX login_attempts_last ON login_attempts (last_at);
