-- Daily sums of the Stripe mirror in the business's time zone (see src/stripe/rollup.rs), kept
-- up to date with each synced page so every store metric reads days, not charges. `day` counts
-- days since 1970-01-01 in the zone named by stripe_rollup_meta; amounts are minor units.
-- Without a meta row the rollups are not built: the next sync or metric builds them from the
-- mirror, as it does when the time zone changes. The tables are clustered by their keys
-- (WITHOUT ROWID), so a range of days is read in order from one b-tree.
CREATE TABLE stripe_rollup_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    time_zone TEXT NOT NULL,
    version INTEGER NOT NULL,
    built_at INTEGER NOT NULL,
    synced_at INTEGER
);

CREATE TABLE stripe_daily_volume (
    day INTEGER NOT NULL,
    currency TEXT NOT NULL,
    gross INTEGER NOT NULL,
    payments INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    refunded INTEGER NOT NULL,
    refunds INTEGER NOT NULL,
    PRIMARY KEY (day, currency)
) WITHOUT ROWID;

CREATE TABLE stripe_daily_new_customers (
    day INTEGER PRIMARY KEY,
    customers INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE stripe_customer_days (
    day INTEGER NOT NULL,
    customer TEXT NOT NULL,
    currency TEXT NOT NULL,
    gross INTEGER NOT NULL,
    refunded INTEGER NOT NULL,
    payments INTEGER NOT NULL,
    -- The customer's previous day with a payment in this currency: a range's paying customers
    -- are its rows with a payment whose previous one falls before the range (no DISTINCT).
    prev_day INTEGER,
    PRIMARY KEY (day, customer, currency)
) WITHOUT ROWID;

CREATE INDEX stripe_customer_days_customer ON stripe_customer_days (customer, currency, day);

CREATE TABLE stripe_word_days (
    day INTEGER NOT NULL,
    word TEXT NOT NULL,
    currency TEXT NOT NULL,
    revenue INTEGER NOT NULL,
    charges INTEGER NOT NULL,
    PRIMARY KEY (day, word, currency)
) WITHOUT ROWID;
