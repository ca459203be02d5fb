-- The shop: a product catalog, customer profiles (customers are `users` with the role
-- `customer`), orders with their items as sold (name and unit price copied at the time), and the
-- Stripe webhook events already handled. Prices and amounts are integers in the currency's minor
-- units, currencies lower-case ISO codes; times are milliseconds since the Unix epoch.
CREATE TABLE shop_products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    price INTEGER NOT NULL,
    currency TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE shop_customers (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- status: pending, paid, failed, refunded, partially_refunded. A client's Idempotency-Key is
-- unique per account; request_hash tells a replay from a different request under the same key.
-- lease_until: until then the order's checkout (or a reconciler) owns it; after it, a pending
-- order is for the reconciler to settle.
CREATE TABLE shop_orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    stripe_charge_id TEXT,
    amount_refunded INTEGER NOT NULL DEFAULT 0,
    failure_code TEXT,
    failure_message TEXT,
    idempotency_key TEXT,
    request_hash TEXT NOT NULL,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX shop_orders_user ON shop_orders (user_id, id);
CREATE INDEX shop_orders_pending ON shop_orders (lease_until) WHERE status = 'pending';
CREATE INDEX shop_orders_charge ON shop_orders (stripe_charge_id);

CREATE TABLE shop_order_items (
    order_id INTEGER NOT NULL REFERENCES shop_orders (id),
    line INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES shop_products (id),
    name TEXT NOT NULL,
    unit_price INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (order_id, line)
);

-- Stripe delivers an event at least once: its id is recorded with the change it made, so a
-- redelivery changes nothing.
CREATE TABLE stripe_webhook_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
