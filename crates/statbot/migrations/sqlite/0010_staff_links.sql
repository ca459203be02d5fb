-- Staff links: a contact (on any channel) linked to an operator account is staff. SQLite.

-- One-time link codes from `statbot users link` or `POST /api/v1/me/link-code`. Only the
-- SHA-256 of each code is kept; a code is deleted when used (so it works once) or replaced.
CREATE TABLE link_codes (
    code_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX link_codes_user ON link_codes (user_id);
CREATE INDEX link_codes_expiry ON link_codes (expires_at);

-- Which operator account a contact is: one at most per contact, any number per account
-- (Messenger, the web chat, the terminal). Looked up by contact on every staff check.
CREATE TABLE contact_links (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    linked_at INTEGER NOT NULL
);
CREATE INDEX contact_links_user ON contact_links (user_id);

-- Wrong, expired or used codes sent by a contact: the rate limit counts those of the last hour.
CREATE TABLE link_failures (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at INTEGER NOT NULL
);
CREATE INDEX link_failures_contact ON link_failures (contact_id, at);
