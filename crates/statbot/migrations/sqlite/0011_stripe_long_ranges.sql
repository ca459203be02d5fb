-- Rollups that let a long range read a few rows (see src/stripe/payer_tally.rs and
-- src/stripe/spans.rs). They are filled by the next rollup build: the rollup version rises
-- with this migration, so the rollups are rebuilt from the mirror.

-- Per day and currency: customers who paid, and of those the ones who had already paid earlier
-- in the same calendar month (a whole month's paying customers are payers - month_repeats).
CREATE TABLE stripe_daily_payers (
    day INTEGER NOT NULL,
    currency TEXT NOT NULL,
    payers INTEGER NOT NULL,
    month_repeats INTEGER NOT NULL,
    PRIMARY KEY (day, currency)
) WITHOUT ROWID;

-- Customer days with a payment by Monday week and the week of the customer's previous payment
-- (-1000000 for a first payment): a range's paying customers are summed over its whole weeks.
CREATE TABLE stripe_payer_weeks (
    week INTEGER NOT NULL,
    prev_week INTEGER NOT NULL,
    currency TEXT NOT NULL,
    payers INTEGER NOT NULL,
    PRIMARY KEY (week, prev_week, currency)
) WITHOUT ROWID;

-- Customer days with a payment by the customer's previous payment day, for the few days of a
-- range that make no whole week.
CREATE INDEX stripe_customer_days_prev ON stripe_customer_days (prev_day, day) WHERE payments > 0;

-- Each customer's spend per calendar month (months = 1) and year (months = 12) starting on
-- day `start`: the top customers of a long range read spans, and the best of each span first.
CREATE TABLE stripe_customer_spans (
    currency TEXT NOT NULL,
    months INTEGER NOT NULL,
    start INTEGER NOT NULL,
    customer TEXT NOT NULL,
    gross INTEGER NOT NULL,
    refunded INTEGER NOT NULL,
    payments INTEGER NOT NULL,
    PRIMARY KEY (currency, months, start, customer)
) WITHOUT ROWID;

CREATE INDEX stripe_customer_spans_gross ON stripe_customer_spans (currency, months, start, gross);
CREATE INDEX stripe_customer_spans_customer ON stripe_customer_spans (customer, currency, months, start);
