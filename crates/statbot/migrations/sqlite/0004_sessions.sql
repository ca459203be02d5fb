-- Dashboard sessions: the cookie holds a random token, the database its SHA-256, so a leaked
-- database reveals no usable session. Each session has its own CSRF token for forms.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
