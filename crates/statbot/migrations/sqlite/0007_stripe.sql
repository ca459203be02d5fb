-- The Stripe mirror: charges, refunds, customers and products as `statbot stripe sync` last read
-- them, and one row of sync progress per object list. Amounts are integers in the currency's
-- minor units with their (lower-case) currency; times are Stripe's unix seconds. No foreign keys
-- between the objects: a page of refunds may name a charge the mirror does not hold yet.
CREATE TABLE stripe_customers (
    id TEXT PRIMARY KEY,
    email TEXT,
    name TEXT,
    created INTEGER NOT NULL,
    synced_at INTEGER NOT NULL
);
CREATE INDEX stripe_customers_created ON stripe_customers (created);

CREATE TABLE stripe_products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    active INTEGER NOT NULL,
    created INTEGER NOT NULL,
    synced_at INTEGER NOT NULL
);

CREATE TABLE stripe_charges (
    id TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    amount_refunded INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    paid INTEGER NOT NULL,
    refunded INTEGER NOT NULL,
    disputed INTEGER NOT NULL,
    customer TEXT,
    description TEXT,
    metadata TEXT NOT NULL,
    created INTEGER NOT NULL,
    payment_intent TEXT,
    synced_at INTEGER NOT NULL
);
CREATE INDEX stripe_charges_created ON stripe_charges (created);
CREATE INDEX stripe_charges_customer ON stripe_charges (customer, created);

CREATE TABLE stripe_refunds (
    id TEXT PRIMARY KEY,
    charge TEXT,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    synced_at INTEGER NOT NULL
);
CREATE INDEX stripe_refunds_charge ON stripe_refunds (charge);
CREATE INDEX stripe_refunds_created ON stripe_refunds (created);

-- Where each list's sync stands (see src/stripe/sync.rs): the list's order once seen, the first
-- and last objects of the list as last walked, and a walk in progress (its first object and the
-- last object written), saved with each page's rows so a killed sync resumes where it stopped.
CREATE TABLE stripe_sync_state (
    object TEXT PRIMARY KEY,
    list_order TEXT,
    head_id TEXT,
    head_created INTEGER,
    tail_id TEXT,
    run_head TEXT,
    run_head_created INTEGER,
    run_after TEXT,
    run_full INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
