-- Privacy (issue 18): opting out, and requests to erase a person's data. PostgreSQL.
--
-- When the contact asked to hear nothing statbot starts itself (promotions); NULL while they
-- have not, or since they opted back in. Answers to their own messages are not affected.
ALTER TABLE contacts ADD COLUMN opted_out_at BIGINT;

-- Every request to erase a person's data: from Meta's data deletion callback (source 'meta') or
-- `statbot contacts forget` (source 'cli'). The code is the confirmation code the person is
-- given (32 hex digits, 16 random bytes); the id they were known by is kept only as its
-- SHA-256 (subject_hash), so the record keeps no personal data. contact_id: the (now
-- anonymous) contact erased first, NULL when no data was held; contacts_erased: how many.
-- completed_at is set when the erasure committed (the same transaction, today).
CREATE TABLE data_deletions (
    code TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    contact_id BIGINT REFERENCES contacts (id),
    contacts_erased BIGINT NOT NULL DEFAULT 0,
    requested_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX data_deletions_subject ON data_deletions (subject_hash);
