//! Checkout: an order is stored as pending first, then charged through Stripe for the account's
//! customer (`super::payer`) with `metadata[order_id]` and an `Idempotency-Key` derived from
//! the order, then marked paid, or failed with the card's decline reason. A timeout or network
//! failure is retried with the same key, but only after looking for a charge already made for
//! the order (localstripe ignores the key, and a charge must never be made twice). When no
//! answer comes in time the order stays pending and the reconciler settles it. A client's own
//! Idempotency-Key makes a replayed request return the same order without charging again. A
//! coupon code lowers the total first and is held for the order (`super::coupons`).

use super::orders::{self, OrderRequest};
use super::{Shop, ShopError};
use crate::store::{NewOrder, Order, OrderInsert, OrderStatus, Settlement, now_ms};
use crate::stripe::StripeError;
use crate::stripe::payments::NewCharge;
use crate::stripe::types::Charge;
use std::time::Duration;

/// How long a replay waits for the first request's order to settle.
const REPLAY_WAIT: Duration = Duration::from_secs(10);

/// An order placed, or found again under the client's Idempotency-Key.
#[derive(Debug)]
pub struct Placed {
    pub order: Order,
    pub replayed: bool,
}

/// A client's Idempotency-Key: 1 to 255 visible ASCII characters.
fn check_key(key: &str) -> Result<(), ShopError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ShopError::Invalid("an Idempotency-Key is 1 to 255 visible ASCII characters".into()));
    }
    Ok(())
}

/// The key under which Stripe sees an order's charge: the same for every attempt.
pub(super) fn charge_key(order: &Order) -> String {
    format!("statbot-order-{}-{}", order.id, order.created_at)
}

/// The pause before another attempt at a request whose outcome is unknown.
pub(super) fn retry_pause(attempt: u32) -> Duration {
    Duration::from_millis(200 * u64::from(attempt))
}

/// How a refused payment ends its order (nothing charged but a declined card's failed charge).
fn failure(order_id: i64, e: StripeError) -> Settlement {
    match e {
        StripeError::Card { code, message, charge, .. } => Settlement::Failed { charge_id: charge, code, message },
        StripeError::Refused { code, message, .. } => {
            Settlement::Failed { charge_id: None, code: code.unwrap_or_else(|| "payment_refused".into()), message }
        }
        e => {
            tracing::error!(order_id, error = %e, "Stripe refused the shop's request");
            Settlement::Failed {
                charge_id: None,
                code: "payment_unavailable".into(),
                message: "Card payments are unavailable right now; nothing was charged.".into(),
            }
        }
    }
}

/// What a charge that Stripe reports means for its order.
fn settlement_of(charge: &Charge) -> Option<Settlement> {
    match charge.status.as_str() {
        "succeeded" if charge.amount_refunded > 0 => {
            Some(Settlement::Refunded { charge_id: charge.id.clone(), amount_refunded: charge.amount_refunded })
        }
        "succeeded" => Some(Settlement::Paid { charge_id: charge.id.clone() }),
        "failed" => Some(Settlement::Failed {
            charge_id: Some(charge.id.clone()),
            code: charge.failure_code.clone().unwrap_or_else(|| "card_declined".into()),
            message: charge.failure_message.clone().unwrap_or_else(|| "The card was declined.".into()),
        }),
        _ => None,
    }
}

/// Whether a charge found for an order really is its charge (same amount and currency).
pub(super) fn belongs_to(charge: &Charge, order: &Order) -> bool {
    charge.amount == order.amount && charge.currency.eq_ignore_ascii_case(&order.currency)
}

impl Shop {
    /// Places an order for `user_id`. Returns the order (paid, or pending while its outcome is
    /// unknown); a refused payment is [`ShopError::PaymentFailed`], with the order stored as
    /// failed.
    pub async fn place_order(
        &self,
        user_id: i64,
        request: &OrderRequest,
        idempotency_key: Option<&str>,
    ) -> Result<Placed, ShopError> {
        if let Some(key) = idempotency_key {
            check_key(key)?;
        }
        let checked = request.check()?;
        if let Some(key) = idempotency_key
            && let Some(existing) = self.store.order_by_key(user_id, key).await?
        {
            return self.replay(existing, &checked.request_hash).await;
        }
        self.stripe()?;
        let catalog = self.store.shop_products(false).await?;
        let (items, total) = orders::price(&checked, &catalog)?;
        let coupon = match &checked.coupon {
            Some(code) => Some(self.accept_coupon(code, &total).await?),
            None => None,
        };
        let amount = total.amount - coupon.as_ref().map_or(0, |c| c.discount);
        let new = NewOrder {
            user_id,
            items,
            amount,
            currency: total.currency.to_string(),
            payment_method: checked.source.clone(),
            idempotency_key: idempotency_key.map(str::to_owned),
            request_hash: checked.request_hash.clone(),
            lease_until: now_ms() + self.settings.reconcile_after.as_millis() as i64,
        };
        let order = match self.store.insert_order(&new).await? {
            OrderInsert::Created(order) => order,
            OrderInsert::Existing(existing) => return self.replay(existing, &checked.request_hash).await,
        };
        if let Some(coupon) = &coupon
            && !self.store.hold_redemption(&coupon.redemption(order.id, order.amount, &order.currency)).await?
        {
            // Another order took the code meanwhile: this one ends with nothing charged.
            let message = format!("The coupon “{}” has already been used.", coupon.revealed.code);
            let refused = Settlement::Failed { charge_id: None, code: "bad_coupon".into(), message: message.clone() };
            self.store.settle_order(order.id, &refused, None).await?;
            return Err(ShopError::BadCoupon(message));
        }
        tracing::info!(order_id = order.id, amount = order.amount, currency = %order.currency, "order placed");
        // The charge runs to its end even if the client goes away meanwhile.
        let shop = self.clone();
        let order = tokio::spawn(async move { shop.charge(order).await })
            .await
            .map_err(|e| ShopError::Internal(format!("the checkout stopped: {e}")))??;
        outcome(order, false)
    }

    /// The same key again: the same request gets its order back (once it has settled, or
    /// after a short wait); a different request is refused.
    async fn replay(&self, existing: Order, request_hash: &str) -> Result<Placed, ShopError> {
        if existing.request_hash != request_hash {
            return Err(ShopError::IdempotencyMismatch);
        }
        let deadline = tokio::time::Instant::now() + REPLAY_WAIT;
        let mut order = existing;
        while order.status == OrderStatus::Pending && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            order =
                self.store.order(order.id).await?.ok_or_else(|| ShopError::NotFound(format!("order {}", order.id)))?;
        }
        outcome(order, true)
    }

    /// Charges a pending order for its account's customer: each attempt after the first looks
    /// for the order's charge before sending again. Stops trying in time for the last attempt
    /// to end before the order's lease does, so the reconciler never meets an order still being
    /// charged. When the customer or its payment method cannot be had, the order fails with
    /// nothing charged.
    async fn charge(&self, order: Order) -> Result<Order, ShopError> {
        let stripe = self.stripe()?;
        let timeout_ms = self.settings.stripe_timeout.as_millis() as i64;
        let last_start = order.lease_until.unwrap_or(0) - timeout_ms - 1000;
        let payer = match self.payer(&order, last_start).await {
            Ok(payer) => payer,
            Err(ShopError::Stripe(e)) => {
                tracing::warn!(order_id = order.id, error = %e, "no Stripe customer to charge: nothing was charged");
                return Ok(self.store.settle_order(order.id, &failure(order.id, e), None).await?.0);
            }
            Err(e) => return Err(e),
        };
        let key = charge_key(&order);
        // What was bought, so the sales figures' words see the product names.
        let items: Vec<String> = order.items.iter().map(|i| format!("{} × {}", i.quantity, i.name)).collect();
        let mut description = format!("Order {}: {}", order.id, items.join(", "));
        // The code in the charge too, as a shop selling elsewhere would write it: a sync that
        // finds it there counts the same redemption, not a second one.
        if let Some(code) = self.store.order_coupon(order.id).await? {
            description.push_str(&format!(" (coupon {code})"));
        }
        let charge = NewCharge {
            amount: order.amount,
            currency: &order.currency,
            source: &payer.source,
            customer: &payer.customer,
            description: &description,
            order_id: order.id,
            idempotency_key: &key,
        };
        for attempt in 1..=self.settings.charge_attempts {
            if attempt > 1 {
                tokio::time::sleep(retry_pause(attempt)).await;
                match stripe.find_order_charge(order.id, order.created_at / 1000).await {
                    Ok(Some(found)) if belongs_to(&found, &order) => return self.settle_from(&order, &found).await,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(order_id = order.id, error = %e, "could not look for the order's charge");
                        continue;
                    }
                }
            }
            if attempt > 1 && now_ms() > last_start {
                break;
            }
            match stripe.create_charge_once(&charge).await {
                Ok(made) => return self.settle_from(&order, &made).await,
                Err(e @ (StripeError::Unanswered { .. } | StripeError::Decode { .. })) => {
                    tracing::warn!(order_id = order.id, attempt, error = %e, "the charge's outcome is unknown");
                }
                Err(e) => return Ok(self.store.settle_order(order.id, &failure(order.id, e), None).await?.0),
            }
        }
        tracing::warn!(order_id = order.id, "no answer from Stripe: the order stays pending for the reconciler");
        self.store.order(order.id).await?.ok_or_else(|| ShopError::NotFound(format!("order {}", order.id)))
    }

    /// Settles an order from its charge as Stripe reports it, and mirrors the charge.
    pub(super) async fn settle_from(&self, order: &Order, charge: &Charge) -> Result<Order, ShopError> {
        match settlement_of(charge) {
            Some(settlement) => Ok(self.store.settle_order(order.id, &settlement, Some(&charge.to_row())).await?.0),
            None => {
                tracing::info!(order_id = order.id, status = %charge.status, "the order's charge is not settled yet");
                Ok(order.clone())
            }
        }
    }
}

/// A failed order is an error for the caller; others are placed.
fn outcome(order: Order, replayed: bool) -> Result<Placed, ShopError> {
    if order.status == OrderStatus::Failed {
        return Err(ShopError::PaymentFailed {
            order_id: order.id,
            code: order.failure_code.clone().unwrap_or_else(|| "payment_failed".into()),
            message: order.failure_message.clone().unwrap_or_else(|| "The payment failed.".into()),
        });
    }
    Ok(Placed { order, replayed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_visible_ascii() {
        assert!(check_key("order-2026-11-24-0001").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("with space").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
    }
}
