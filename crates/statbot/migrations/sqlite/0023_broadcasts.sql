-- Broadcasts (issue 20). SQLite.
--
-- A broadcast sends `step` of `flow` (its first step when NULL) to the contacts `segment` chose
-- when it was created (docs/segments.md), from start_at on, at most `[broadcasts] rate` a second.
-- status: 'scheduled' (waits for start_at), 'sending', 'paused', 'cancelled' or 'done';
-- recipients: how many the snapshot holds.
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    flow TEXT NOT NULL,
    step TEXT,
    segment TEXT NOT NULL,
    status TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    recipients INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- The audience, snapshotted at creation. The primary key is the "at most once": a contact has
-- one row per broadcast, and the transaction that queues its messages marks it queued.
-- status: 'pending', 'queued' (its messages are in the outbox) or 'skipped' (reason says why:
-- opted out, outside the messaging window, with a person...); done_at: when it was queued or
-- skipped (taps and reveals of the flow after it count for the broadcast).
CREATE TABLE broadcast_recipients (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    status TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    done_at INTEGER,
    PRIMARY KEY (broadcast_id, contact_id)
);
CREATE INDEX broadcast_recipients_contact ON broadcast_recipients (contact_id, done_at);

-- The broadcast a reply belongs to: its sent, delivered and read count for it.
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts (id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, contact_id) WHERE broadcast_id IS NOT NULL;
