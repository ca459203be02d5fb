//! The shop's tables: products, customer profiles, orders with their items, and the Stripe
//! webhook events already handled. Order changes are guarded by the status they start from, so
//! a checkout, the reconciler and webhooks racing on one order each apply only what still holds
//! (a paid order is never failed; a failed one becomes paid when Stripe says its charge
//! succeeded). A settled charge is written to the Stripe mirror in the same transaction, so the
//! order counts in the store metrics at once. Each account's Stripe customer is stored on the
//! account once (the first stored wins) and mirrored in the same transaction.

use super::stripe::{flag, mirror_charge, mirror_customer};
use super::{Result, Role, Store, StoreError, StripeCharge, StripeCustomer, now_ms, params, sql};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub description: String,
    /// Minor units of `currency`.
    pub price: i64,
    pub currency: String,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A product to add (already checked by the shop).
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub currency: String,
}

/// The fields of a product to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct ProductChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<i64>,
    pub currency: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerProfile {
    pub user_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// An account as the shop's Stripe customer: what the customer is made from, and what is
/// known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopPayer {
    pub user_id: i64,
    /// The shop profile's first and last name, or the username of an account without one.
    pub name: String,
    /// The shop profile's email address (operators' accounts have none).
    pub email: Option<String>,
    /// When the account was made (milliseconds since the epoch).
    pub created_at: i64,
    pub stripe_customer_id: Option<String>,
    /// When the account's customer was first asked of Stripe (milliseconds), if ever.
    pub customer_requested_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Paid,
    Failed,
    Refunded,
    PartiallyRefunded,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Failed => "failed",
            OrderStatus::Refunded => "refunded",
            OrderStatus::PartiallyRefunded => "partially_refunded",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        [
            OrderStatus::Pending,
            OrderStatus::Paid,
            OrderStatus::Failed,
            OrderStatus::Refunded,
            OrderStatus::PartiallyRefunded,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
        .ok_or(())
    }
}

/// A line of an order as sold: the product's name and unit price when ordered.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrderItem {
    pub product_id: i64,
    pub name: String,
    pub unit_price: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: i64,
    pub user_id: i64,
    pub items: Vec<OrderItem>,
    pub amount: i64,
    pub currency: String,
    pub status: OrderStatus,
    pub payment_method: String,
    pub stripe_charge_id: Option<String>,
    pub amount_refunded: i64,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    #[serde(skip)]
    pub request_hash: String,
    #[serde(skip)]
    pub lease_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An order to store as pending.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub user_id: i64,
    pub items: Vec<OrderItem>,
    pub amount: i64,
    pub currency: String,
    pub payment_method: String,
    pub idempotency_key: Option<String>,
    pub request_hash: String,
    /// Until then the checkout owns the order.
    pub lease_until: i64,
}

/// What storing an order came to.
#[derive(Debug)]
pub enum OrderInsert {
    Created(Order),
    /// The account already has an order under this idempotency key.
    Existing(Order),
}

/// How an order's payment ended.
#[derive(Debug, Clone)]
pub enum Settlement {
    Paid { charge_id: String },
    Failed { charge_id: Option<String>, code: String, message: String },
    Refunded { charge_id: String, amount_refunded: i64 },
}

const ORDER_COLUMNS: &str = "id, user_id, amount, currency, status, payment_method, stripe_charge_id, amount_refunded, \
     failure_code, failure_message, idempotency_key, request_hash, lease_until, created_at, updated_at";

const INSERT_PRODUCT: &str = "INSERT INTO shop_products (sku, name, description, price, currency, active, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Binds a new product (on sale) to [`INSERT_PRODUCT`].
fn bind_product<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    product: &NewProduct,
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(product.sku.clone())
        .bind(product.name.clone())
        .bind(product.description.clone())
        .bind(product.price)
        .bind(product.currency.clone())
        .bind(true)
        .bind(now)
        .bind(now)
}

fn product_columns() -> &'static str {
    "id, sku, name, description, price, currency, CASE WHEN active THEN 1 ELSE 0 END AS active, created_at, updated_at"
}

fn product_from_row(row: &AnyRow) -> Result<Product> {
    Ok(Product {
        id: row.try_get("id")?,
        sku: row.try_get("sku")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        price: row.try_get("price")?,
        currency: row.try_get("currency")?,
        active: flag(row, "active")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn order_from_row(row: &AnyRow) -> Result<Order> {
    let status: String = row.try_get("status")?;
    Ok(Order {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        items: Vec::new(),
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        status: status.parse().map_err(|()| StoreError::Corrupt(format!("order status `{status}`")))?,
        payment_method: row.try_get("payment_method")?,
        stripe_charge_id: row.try_get("stripe_charge_id")?,
        amount_refunded: row.try_get("amount_refunded")?,
        failure_code: row.try_get("failure_code")?,
        failure_message: row.try_get("failure_message")?,
        idempotency_key: row.try_get("idempotency_key")?,
        request_hash: row.try_get("request_hash")?,
        lease_until: row.try_get("lease_until")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Fills in the orders' items (one query for all of them).
async fn with_items(conn: &mut AnyConnection, mut orders: Vec<Order>) -> Result<Vec<Order>> {
    if orders.is_empty() {
        return Ok(orders);
    }
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    for chunk in super::id_chunks(&ids) {
        let text = format!(
            "SELECT order_id, product_id, name, unit_price, quantity FROM shop_order_items \
             WHERE order_id IN ({}) ORDER BY order_id, line",
            params(1, chunk.len())
        );
        let mut query = sqlx::query(sql(text));
        for id in &chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let order_id: i64 = row.try_get("order_id")?;
            if let Some(order) = orders.iter_mut().find(|o| o.id == order_id) {
                order.items.push(OrderItem {
                    product_id: row.try_get("product_id")?,
                    name: row.try_get("name")?,
                    unit_price: row.try_get("unit_price")?,
                    quantity: row.try_get("quantity")?,
                });
            }
        }
    }
    Ok(orders)
}

async fn order_in(conn: &mut AnyConnection, id: i64) -> Result<Option<Order>> {
    let row = sqlx::query(sql(format!("SELECT {ORDER_COLUMNS} FROM shop_orders WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(with_items(conn, vec![order_from_row(&row)?]).await?.pop())
}

async fn order_by_key_in(conn: &mut AnyConnection, user_id: i64, key: &str) -> Result<Option<Order>> {
    let row = sqlx::query(sql(format!(
        "SELECT {ORDER_COLUMNS} FROM shop_orders WHERE user_id = $1 AND idempotency_key = $2"
    )))
    .bind(user_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(with_items(conn, vec![order_from_row(&row)?]).await?.pop())
}

/// Applies a settlement if the order's status allows it; returns whether it changed the order.
async fn settle_in(conn: &mut AnyConnection, order_id: i64, settlement: &Settlement, now: i64) -> Result<bool> {
    let result =
        match settlement {
            Settlement::Paid { charge_id } => {
                sqlx::query(
                    "UPDATE shop_orders SET status = 'paid', stripe_charge_id = $1, failure_code = NULL, \
                 failure_message = NULL, lease_until = NULL, updated_at = $2 \
                 WHERE id = $3 AND status IN ('pending', 'failed')",
                )
                .bind(charge_id.clone())
                .bind(now)
                .bind(order_id)
                .execute(&mut *conn)
                .await?
            }
            Settlement::Failed { charge_id, code, message } => {
                sqlx::query(
                    "UPDATE shop_orders SET status = 'failed', stripe_charge_id = COALESCE($1, stripe_charge_id), \
                 failure_code = $2, failure_message = $3, lease_until = NULL, updated_at = $4 \
                 WHERE id = $5 AND status = 'pending'",
                )
                .bind(charge_id.clone())
                .bind(code.clone())
                .bind(message.clone())
                .bind(now)
                .bind(order_id)
                .execute(&mut *conn)
                .await?
            }
            Settlement::Refunded { charge_id, amount_refunded } => sqlx::query(
                "UPDATE shop_orders SET status = CASE WHEN $1 >= amount THEN 'refunded' ELSE 'partially_refunded' END, \
                 amount_refunded = $2, stripe_charge_id = $3, lease_until = NULL, updated_at = $4 \
                 WHERE id = $5 AND amount_refunded <= $6",
            )
            .bind(*amount_refunded)
            .bind(*amount_refunded)
            .bind(charge_id.clone())
            .bind(now)
            .bind(order_id)
            .bind(*amount_refunded)
            .execute(&mut *conn)
            .await?,
        };
    Ok(result.rows_affected() > 0)
}

impl Store {
    /// The catalog, by name; only what is on sale unless `include_inactive`.
    pub async fn shop_products(&self, include_inactive: bool) -> Result<Vec<Product>> {
        let filter = if include_inactive { "" } else { "WHERE active" };
        let text = format!("SELECT {} FROM shop_products {filter} ORDER BY name, id", product_columns());
        let rows = sqlx::query(sql(text)).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(product_from_row).collect()
    }

    pub async fn shop_product(&self, id: i64) -> Result<Option<Product>> {
        let text = format!("SELECT {} FROM shop_products WHERE id = $1", product_columns());
        let row = sqlx::query(sql(text)).bind(id).fetch_optional(&mut *self.conn().await?).await?;
        row.as_ref().map(product_from_row).transpose()
    }

    /// Adds a product; a taken SKU is a [`StoreError::Conflict`].
    pub async fn create_shop_product(&self, product: &NewProduct) -> Result<Product> {
        let now = now_ms();
        let text = format!("{INSERT_PRODUCT} RETURNING id");
        let result = bind_product(sqlx::query(sql(text)), product, now).fetch_one(&mut *self.conn().await?).await;
        let id: i64 = match result {
            Ok(row) => row.try_get(0)?,
            Err(e) => {
                let e = StoreError::from(e);
                return Err(if e.is_unique_violation() {
                    StoreError::Conflict(format!("product `{}`", product.sku))
                } else {
                    e
                });
            }
        };
        self.shop_product(id).await?.ok_or_else(|| StoreError::NotFound(format!("product {id}")))
    }

    /// Adds the products whose SKU is not in the catalog yet (the demo catalog, loaded on every
    /// start); returns how many were added.
    pub async fn ensure_shop_products(&self, products: &[NewProduct]) -> Result<u64> {
        let now = now_ms();
        let mut added = 0;
        let mut conn = self.conn().await?;
        for product in products {
            let text = format!("{INSERT_PRODUCT} ON CONFLICT (sku) DO NOTHING");
            added += bind_product(sqlx::query(sql(text)), product, now).execute(&mut *conn).await?.rows_affected();
        }
        Ok(added)
    }

    /// Changes a product's fields; `None` when there is no such product.
    pub async fn update_shop_product(&self, id: i64, change: &ProductChange) -> Result<Option<Product>> {
        sqlx::query(
            "UPDATE shop_products SET name = COALESCE($1, name), description = COALESCE($2, description), \
             price = COALESCE($3, price), currency = COALESCE($4, currency), active = COALESCE($5, active), \
             updated_at = $6 WHERE id = $7",
        )
        .bind(change.name.clone())
        .bind(change.description.clone())
        .bind(change.price)
        .bind(change.currency.clone())
        .bind(change.active)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        self.shop_product(id).await
    }

    /// Creates a customer account and its profile together; a taken email (or username) is a
    /// [`StoreError::Conflict`].
    pub async fn create_customer(&self, profile: &CustomerProfile, password_hash: &str) -> Result<i64> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let inserted = async {
            let row = sqlx::query(
                "INSERT INTO users (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(profile.email.clone())
            .bind(Role::Customer.as_str())
            .bind(password_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get(0)?;
            sqlx::query(
                "INSERT INTO shop_customers (user_id, first_name, last_name, email, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(profile.first_name.clone())
            .bind(profile.last_name.clone())
            .bind(profile.email.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await;
        match inserted {
            Ok(id) => {
                tx.commit().await?;
                Ok(id)
            }
            Err(e) => {
                let e = StoreError::from(e);
                Err(if e.is_unique_violation() { StoreError::Conflict("an account with this email".into()) } else { e })
            }
        }
    }

    pub async fn shop_customer(&self, user_id: i64) -> Result<Option<CustomerProfile>> {
        let row = sqlx::query("SELECT user_id, first_name, last_name, email FROM shop_customers WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(CustomerProfile {
            user_id: row.try_get("user_id")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            email: row.try_get("email")?,
        }))
    }

    /// An account as the shop's Stripe customer; `None` when there is no such account.
    pub async fn shop_payer(&self, user_id: i64) -> Result<Option<ShopPayer>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.created_at, u.stripe_customer_id, u.stripe_customer_requested_at, \
             c.first_name, c.last_name, c.email FROM users u LEFT JOIN shop_customers c ON c.user_id = u.id \
             WHERE u.id = $1",
        )
        .bind(user_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let first: Option<String> = row.try_get("first_name")?;
        let last: Option<String> = row.try_get("last_name")?;
        let name = match (first, last) {
            (Some(first), Some(last)) => format!("{first} {last}"),
            _ => row.try_get("username")?,
        };
        Ok(Some(ShopPayer {
            user_id: row.try_get("id")?,
            name,
            email: row.try_get("email")?,
            created_at: row.try_get("created_at")?,
            stripe_customer_id: row.try_get("stripe_customer_id")?,
            customer_requested_at: row.try_get("stripe_customer_requested_at")?,
        }))
    }

    /// Records that the account's Stripe customer is being asked for, unless it was before.
    pub async fn note_stripe_customer_request(&self, user_id: i64, at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE users SET stripe_customer_requested_at = $1 WHERE id = $2 AND stripe_customer_requested_at IS NULL",
        )
        .bind(at)
        .bind(user_id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Stores the account's Stripe customer unless it has one already, and mirrors it in the
    /// same transaction. Returns the customer the account has: the first stored.
    pub async fn keep_stripe_customer(&self, user_id: i64, customer: &StripeCustomer) -> Result<String> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let stored =
            sqlx::query("UPDATE users SET stripe_customer_id = $1 WHERE id = $2 AND stripe_customer_id IS NULL")
                .bind(customer.id.clone())
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
        if stored {
            mirror_customer(&mut tx, customer, now).await?;
        }
        let row = sqlx::query("SELECT stripe_customer_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten()
            .ok_or_else(|| StoreError::NotFound(format!("account {user_id}")))
    }

    /// Stores a pending order with its items, or finds the account's order already stored under
    /// the same idempotency key.
    pub async fn insert_order(&self, order: &NewOrder) -> Result<OrderInsert> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        if let Some(key) = &order.idempotency_key
            && let Some(existing) = order_by_key_in(&mut conn, order.user_id, key).await?
        {
            return Ok(OrderInsert::Existing(existing));
        }
        let mut tx = self.begin(&mut conn).await?;
        let inserted = sqlx::query(
            "INSERT INTO shop_orders (user_id, amount, currency, status, payment_method, idempotency_key, \
             request_hash, lease_until, created_at, updated_at) VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(order.user_id)
        .bind(order.amount)
        .bind(order.currency.clone())
        .bind(order.payment_method.clone())
        .bind(order.idempotency_key.clone())
        .bind(order.request_hash.clone())
        .bind(order.lease_until)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get(0)?,
            Err(e) => {
                let e = StoreError::from(e);
                drop(tx);
                // Another request with the same key got there first.
                if e.is_unique_violation()
                    && let Some(key) = &order.idempotency_key
                    && let Some(existing) = order_by_key_in(&mut conn, order.user_id, key).await?
                {
                    return Ok(OrderInsert::Existing(existing));
                }
                return Err(e);
            }
        };
        for (line, item) in order.items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO shop_order_items (order_id, line, product_id, name, unit_price, quantity) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(line as i64)
            .bind(item.product_id)
            .bind(item.name.clone())
            .bind(item.unit_price)
            .bind(item.quantity)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        order_in(&mut conn, id)
            .await?
            .map(OrderInsert::Created)
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))
    }

    pub async fn order(&self, id: i64) -> Result<Option<Order>> {
        order_in(&mut *self.conn().await?, id).await
    }

    /// The account's order stored under an idempotency key.
    pub async fn order_by_key(&self, user_id: i64, key: &str) -> Result<Option<Order>> {
        order_by_key_in(&mut *self.conn().await?, user_id, key).await
    }

    /// The newest orders first: one account's, or everyone's with `None`.
    pub async fn orders(&self, user_id: Option<i64>, limit: i64) -> Result<Vec<Order>> {
        let mut conn = self.conn().await?;
        let rows = match user_id {
            Some(user) => {
                sqlx::query(sql(format!(
                    "SELECT {ORDER_COLUMNS} FROM shop_orders WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
                )))
                .bind(user)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
            }
            None => {
                sqlx::query(sql(format!("SELECT {ORDER_COLUMNS} FROM shop_orders ORDER BY id DESC LIMIT $1")))
                    .bind(limit)
                    .fetch_all(&mut *conn)
                    .await?
            }
        };
        let orders = rows.iter().map(order_from_row).collect::<Result<Vec<_>>>()?;
        with_items(&mut conn, orders).await
    }

    /// The order a charge paid for, when the order already names it.
    pub async fn order_id_by_charge(&self, charge_id: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM shop_orders WHERE stripe_charge_id = $1")
            .bind(charge_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Settles an order if its status allows; mirrors `charge` when given. Returns the order as
    /// it now stands, and whether this changed it.
    pub async fn settle_order(
        &self,
        order_id: i64,
        settlement: &Settlement,
        charge: Option<&StripeCharge>,
    ) -> Result<(Order, bool)> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let changed = settle_in(&mut tx, order_id, settlement, now).await?;
        // (Only a settlement the order takes: a late "succeeded" after a refund changes nothing.)
        if changed {
            super::redemptions::settle_in(&mut tx, order_id, settlement).await?;
        }
        if let Some(charge) = charge {
            mirror_charge(&mut tx, charge, now).await?;
        }
        tx.commit().await?;
        let order =
            order_in(&mut conn, order_id).await?.ok_or_else(|| StoreError::NotFound(format!("order {order_id}")))?;
        Ok((order, changed))
    }

    /// Hands the order back to the reconciler after `lease_until` (a checkout that could not
    /// learn its charge's outcome).
    pub async fn release_order(&self, order_id: i64, lease_until: i64) -> Result<()> {
        sqlx::query("UPDATE shop_orders SET lease_until = $1 WHERE id = $2 AND status = 'pending'")
            .bind(lease_until)
            .bind(order_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Claims up to `limit` pending orders whose lease has run out, leasing them to the caller
    /// for `lease_ms`: instances sharing PostgreSQL each claim different ones.
    pub async fn claim_stale_orders(&self, lease_ms: i64, limit: i64) -> Result<Vec<Order>> {
        let now = now_ms();
        let skip_locked = self.backend().skip_locked();
        let text = format!(
            "UPDATE shop_orders SET lease_until = $1 WHERE id IN (SELECT id FROM shop_orders \
             WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < $2) ORDER BY id LIMIT $3 {skip_locked}) \
             AND status = 'pending' RETURNING {ORDER_COLUMNS}"
        );
        let mut conn = self.conn().await?;
        let rows = sqlx::query(sql(text)).bind(now + lease_ms).bind(now).bind(limit).fetch_all(&mut *conn).await?;
        let orders = rows.iter().map(order_from_row).collect::<Result<Vec<_>>>()?;
        with_items(&mut conn, orders).await
    }

    /// Records a webhook event and applies its settlement in one transaction. Returns `false`
    /// (and changes nothing) when the event was handled before.
    pub async fn record_stripe_event(
        &self,
        event_id: &str,
        kind: &str,
        settle: Option<(i64, &Settlement)>,
        charge: Option<&StripeCharge>,
    ) -> Result<bool> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let fresh = sqlx::query(
            "INSERT INTO stripe_webhook_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(event_id)
        .bind(kind)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !fresh {
            return Ok(false);
        }
        if let Some((order_id, settlement)) = settle {
            settle_in(&mut tx, order_id, settlement, now).await?;
        }
        if let Some(charge) = charge {
            mirror_charge(&mut tx, charge, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
