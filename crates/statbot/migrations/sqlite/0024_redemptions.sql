-- Coupon redemptions (issue 20).
--
-- A revealed code redeemed at /shop checkout (source 'shop': held when the order is placed,
-- 'redeemed' when its charge succeeds, 'released' when it fails, which frees the code) or found
-- in a mirrored Stripe charge (source 'stripe': its description, metadata or promotion code).
-- A code is redeemed once (the unique index over the rows that hold it) and a charge counts
-- once (charge_id unique when set), however it was seen. The contact, flow, coupon, the step
-- that revealed it, the contact's ref and split variant are copied when it is redeemed;
-- broadcast_id is for the broadcasts that revealed it. Amounts are in minor units of
-- `currency`: `amount` charged, `discount` taken off by the coupon at the shop, `net` the
-- amount less what was refunded since. Times are milliseconds since the Unix epoch.
CREATE TABLE redemptions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    flow TEXT NOT NULL,
    coupon TEXT NOT NULL,
    contact_id BIGINT,
    step TEXT,
    revealed_at BIGINT,
    ref TEXT,
    variant TEXT,
    broadcast_id BIGINT,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    order_id BIGINT,
    charge_id TEXT,
    amount BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    net BIGINT NOT NULL,
    redeemed_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX redemptions_code ON redemptions (code) WHERE status <> 'released';
CREATE UNIQUE INDEX redemptions_charge ON redemptions (charge_id);
CREATE INDEX redemptions_order ON redemptions (order_id);
CREATE INDEX redemptions_flow ON redemptions (flow, contact_id);

-- How far the scan of mirrored charges for codes has read: the last charge read, in the order
-- (synced_at, id).
CREATE TABLE redemption_scan (
    name TEXT PRIMARY KEY,
    synced_at BIGINT NOT NULL,
    charge_id TEXT NOT NULL
);
