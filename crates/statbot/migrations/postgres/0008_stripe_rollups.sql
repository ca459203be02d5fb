-- Daily sums of the Stripe mirror in the business's time zone (see src/stripe/rollup.rs), kept
-- up to date with each synced page so every store metric reads days, not charges. `day` counts
-- days since 1970-01-01 in the zone named by stripe_rollup_meta; amounts are minor units.
-- Without a meta row the rollups are not built: the next sync or metric builds them from the
-- mirror, as it does when the time zone changes.
CREATE TABLE stripe_rollup_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    time_zone TEXT NOT NULL,
    version BIGINT NOT NULL,
    built_at BIGINT NOT NULL,
    synced_at BIGINT
);

CREATE TABLE stripe_daily_volume (
    day BIGINT NOT NULL,
    currency TEXT NOT NULL,
    gross BIGINT NOT NULL,
    payments BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    refunds BIGINT NOT NULL,
    PRIMARY KEY (day, currency)
);

CREATE TABLE stripe_daily_new_customers (
    day BIGINT PRIMARY KEY,
    customers BIGINT NOT NULL
);

CREATE TABLE stripe_customer_days (
    day BIGINT NOT NULL,
    customer TEXT NOT NULL,
    currency TEXT NOT NULL,
    gross BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    payments BIGINT NOT NULL,
    -- The customer's previous day with a payment in this currency: a range's paying customers
    -- are its rows with a payment whose previous one falls before the range (no DISTINCT).
    prev_day BIGINT,
    PRIMARY KEY (day, customer, currency)
);

CREATE INDEX stripe_customer_days_customer ON stripe_customer_days (customer, currency, day);

CREATE TABLE stripe_word_days (
    day BIGINT NOT NULL,
    word TEXT NOT NULL,
    currency TEXT NOT NULL,
    revenue BIGINT NOT NULL,
    charges BIGINT NOT NULL,
    PRIMARY KEY (day, word, currency)
);
