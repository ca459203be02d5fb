-- The shop: each account's Stripe customer, made at its first order (see src/shop/payer.rs) and
-- charged for every order since, so the sales figures count the shop's customers; and when it
-- was first asked for, so a checkout that never stored the answer (a crash, a lost answer) looks
-- for the customer made before asking again. Orders from before have charges without one.
-- PostgreSQL.

ALTER TABLE users ADD COLUMN stripe_customer_id TEXT;
ALTER TABLE users ADD COLUMN stripe_customer_requested_at BIGINT;
-- One account per Stripe customer.
CREATE UNIQUE INDEX users_stripe_customer ON users (stripe_customer_id);
