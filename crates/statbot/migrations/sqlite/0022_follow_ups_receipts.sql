-- Follow-ups and delivery/read receipts (issue 20). SQLite.
--
-- Receipts: when Messenger or Instagram reported a reply delivered and read (ms, Meta's time);
-- matched by the platform's message id (delivery `mids`) or by watermark (every reply to the
-- contact sent before it).
ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
ALTER TABLE outbox ADD COLUMN read_at INTEGER;
CREATE INDEX outbox_platform_message ON outbox (platform_message_id) WHERE platform_message_id IS NOT NULL;

-- A step sent later (a flow step's `follow_up`): `step` of `flow` goes to the contact at due_at
-- unless they did `unless` (revealed, clicked, replied, reached:STEP) after events
-- after_event_id / messages after_inbound_id, opted out, left the window or are with a person.
-- from_step: the step whose follow_up scheduled it; one pending follow-up per (contact, flow,
-- from_step): entering the step again moves it later. status: 'pending', 'sent' or 'skipped'
-- (reason says why); done_at: when it was sent or skipped.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    flow TEXT NOT NULL,
    from_step TEXT NOT NULL,
    step TEXT NOT NULL,
    unless_done TEXT,
    inbound_id INTEGER REFERENCES inbound (id),
    after_event_id INTEGER NOT NULL,
    after_inbound_id INTEGER NOT NULL,
    scheduled_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    done_at INTEGER
);
CREATE UNIQUE INDEX follow_ups_one_pending ON follow_ups (contact_id, flow, from_step) WHERE status = 'pending';
CREATE INDEX follow_ups_due ON follow_ups (due_at, id) WHERE status = 'pending';
