-- Rollups that let a long range read a few rows (see src/stripe/payer_tally.rs and
-- src/stripe/spans.rs). They are filled by the next rollup build: the rollup version rises
-- with this migration, so the rollups are rebuilt from the mirror.

-- Per day and currency: customers who paid, and of those the ones who had already paid earlier
-- in the same calendar month (a whole month's paying customers are payers - month_repeats).
CREATE TABLE stripe_daily_payers (
    day BIGINT NOT NULL,
    currency TEXT NOT NULL,
    payers BIGINT NOT NULL,
    month_repeats BIGINT NOT NULL,
    PRIMARY KEY (day, currency)
);

-- Customer days with a payment by Monday week and the week of the customer's previous payment
-- (-1000000 for a first payment): a range's paying customers are summed over its whole weeks.
CREATE TABLE stripe_payer_weeks (
    week BIGINT NOT NULL,
    prev_week BIGINT NOT NULL,
    currency TEXT NOT NULL,
    payers BIGINT NOT NULL,
    PRIMARY KEY (week, prev_week, currency)
);

-- Customer days with a payment by the customer's previous payment day, for the few days of a
-- range that make no whole week.
CREATE INDEX stripe_customer_days_prev ON stripe_customer_days (prev_day, day, currency) WHERE payments > 0;
-- And by day, for the edge days themselves (an index-only count).
CREATE INDEX stripe_customer_days_paid ON stripe_customer_days (day, prev_day, currency) WHERE payments > 0;

-- A candidate's exact spend is read from the indexes alone.
DROP INDEX stripe_customer_days_customer;
CREATE INDEX stripe_customer_days_customer ON stripe_customer_days (customer, currency, day)
    INCLUDE (gross, refunded, payments);

-- Each customer's spend per calendar month (months = 1) and year (months = 12) starting on
-- day `start`: the top customers of a long range read spans, and the best of each span first.
CREATE TABLE stripe_customer_spans (
    currency TEXT NOT NULL,
    months BIGINT NOT NULL,
    start BIGINT NOT NULL,
    customer TEXT NOT NULL,
    gross BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    payments BIGINT NOT NULL,
    PRIMARY KEY (currency, months, start, customer)
);

CREATE INDEX stripe_customer_spans_gross ON stripe_customer_spans (currency, months, start, gross, customer);
CREATE INDEX stripe_customer_spans_customer ON stripe_customer_spans (customer, currency, months, start)
    INCLUDE (gross, refunded, payments);
