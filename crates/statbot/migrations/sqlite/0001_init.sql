-- statbot schema, SQLite. Times are integer milliseconds since the Unix epoch.

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    external_id TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    profile_pic TEXT,
    profile_fetched_at INTEGER,
    flow TEXT,
    step TEXT,
    context TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (platform, external_id)
);

-- Every message received, and the queue of messages still to act on.
CREATE TABLE inbound (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    platform TEXT NOT NULL,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT,
    payload TEXT,
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    processed_at INTEGER,
    lease_until INTEGER,
    UNIQUE (platform, message_id)
);
-- The queue: waiting messages in arrival order, and per contact (to find each one's oldest).
CREATE INDEX inbound_queue ON inbound (platform, id) WHERE processed_at IS NULL;
CREATE INDEX inbound_pending ON inbound (contact_id, id) WHERE processed_at IS NULL;
CREATE INDEX inbound_contact ON inbound (contact_id, id);

-- Every reply, stored before it is sent.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    inbound_id INTEGER REFERENCES inbound (id),
    platform TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    platform_message_id TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_queue ON outbox (platform, id) WHERE status = 'pending';
CREATE INDEX outbox_pending ON outbox (contact_id, id) WHERE status = 'pending';
CREATE INDEX outbox_contact ON outbox (contact_id, id);

-- Append-only: steps entered, buttons clicked, coupons revealed, sends given up on.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    inbound_id INTEGER REFERENCES inbound (id),
    kind TEXT NOT NULL,
    flow TEXT,
    step TEXT,
    button TEXT,
    detail TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX events_flow ON events (flow, kind, at);
CREATE INDEX events_contact ON events (contact_id, id);

-- Unique coupon codes; contact_id is set when a code is handed out.
CREATE TABLE coupon_codes (
    flow TEXT NOT NULL,
    coupon TEXT NOT NULL,
    code TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts (id),
    assigned_at INTEGER,
    PRIMARY KEY (flow, coupon, code)
);
CREATE UNIQUE INDEX coupon_codes_one_per_contact ON coupon_codes (flow, coupon, contact_id)
    WHERE contact_id IS NOT NULL;
CREATE INDEX coupon_codes_free ON coupon_codes (flow, coupon, code) WHERE contact_id IS NULL;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
