-- Which running instance holds a reply's lease: a reply created while the same contact's
-- previous one is still being sent by this instance can wait behind it in memory, while one
-- held by another instance makes it wait in the queue.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;

-- Contacts' waiting replies, covering the lease so that checking who holds it reads the index
-- alone.
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (contact_id, id, lease_owner, lease_until) WHERE status = 'pending';
