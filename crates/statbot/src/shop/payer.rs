//! Who pays for an order: the account's Stripe customer, with the order's payment method
//! attached to it, as Stripe needs for a charge made for a customer (and the sales figures need
//! for the shop's sales to count in paying customers, top customers and spend per customer).
//!
//! The customer is made at the account's first order rather than at sign-up: signing up never
//! waits on Stripe nor fails while it is down, and accounts that never buy are no customers in
//! Stripe (nor new customers in the figures). It is named after the account (first and last
//! name, or the username), with its email address and `metadata[statbot_user_id]`, under an
//! `Idempotency-Key` derived from the account (its id and creation time), so that retries and
//! instances asking at once get one customer from Stripe; stored on the account (the first
//! stored wins) and mirrored at once; reused by every later order. As with charges, a creation
//! whose answer was lost is looked up by its metadata before it is sent again (localstripe
//! ignores the key), and so is one asked for by an earlier checkout that never stored the answer
//! (a crash; Stripe forgets keys after a day).
//!
//! A payment method (`pm_...`) is attached to the customer, a token or source (`tok_...`,
//! `src_...`) added to it, under a key derived from the order; a card (`card_...`) is a
//! customer's already. A card refused while being attached fails the order with the card's
//! reason; nothing is charged before the customer and its payment method are ready.

use super::checkout::{charge_key, retry_pause};
use super::{Shop, ShopError};
use crate::store::{Order, now_ms};
use crate::stripe::StripeError;
use crate::stripe::payments::NewCustomer;
use crate::stripe::types::Customer;

/// The customer an order is charged for, and the payment method or card to charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Payer {
    pub customer: String,
    pub source: String,
}

/// The key under which Stripe sees an account's customer: the same for every attempt and every
/// instance.
fn customer_key(user_id: i64, account_created_at: i64) -> String {
    format!("statbot-customer-{user_id}-{account_created_at}")
}

/// The key under which Stripe sees the order's payment method attached.
fn attach_key(order: &Order) -> String {
    format!("{}-attach", charge_key(order))
}

/// A failure whose outcome is unknown: the request may have taken effect, or (409) another
/// request under the same key (another instance's, another order's) is under way.
fn unknown(e: &StripeError) -> bool {
    matches!(e, StripeError::Unanswered { .. } | StripeError::Decode { .. } | StripeError::Refused { status: 409, .. })
}

fn no_answer(path: &str) -> StripeError {
    StripeError::Unanswered { path: path.to_owned(), reason: "no attempt was made in time".into() }
}

impl Shop {
    /// The order's payer: its account's customer (made at the account's first order) and the
    /// order's payment method attached to it. No attempt starts after `until` (unix ms) but the
    /// first. A [`ShopError::Stripe`] means nothing was charged.
    pub(super) async fn payer(&self, order: &Order, until: i64) -> Result<Payer, ShopError> {
        let customer = self.stripe_customer(order.user_id, until).await?;
        let source = self.attached(order, &customer, until).await?;
        Ok(Payer { customer, source })
    }

    /// The account's customer: the one stored, or one found or made and then stored.
    async fn stripe_customer(&self, user_id: i64, until: i64) -> Result<String, ShopError> {
        let account =
            self.store.shop_payer(user_id).await?.ok_or_else(|| ShopError::NotFound(format!("account {user_id}")))?;
        if let Some(customer) = account.stripe_customer_id {
            return Ok(customer);
        }
        let stripe = self.stripe()?;
        let asked_before = account.customer_requested_at;
        let since = match asked_before {
            Some(at) => at,
            None => {
                let now = now_ms();
                self.store.note_stripe_customer_request(user_id, now).await?;
                now
            }
        };
        let key = customer_key(user_id, account.created_at);
        let new = NewCustomer { name: &account.name, email: account.email.as_deref(), user_id, idempotency_key: &key };
        let mut last = None;
        for attempt in 1..=self.settings.charge_attempts {
            if attempt > 1 {
                tokio::time::sleep(retry_pause(attempt)).await;
            }
            if attempt > 1 || asked_before.is_some() {
                match stripe.find_account_customer(user_id, since / 1000).await {
                    Ok(Some(found)) => return self.keep_customer(user_id, &found).await,
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(user_id, error = %e, "could not look for the account's Stripe customer");
                        last = Some(e);
                        continue;
                    }
                }
            }
            if attempt > 1 && now_ms() > until {
                break;
            }
            match stripe.create_customer_once(&new).await {
                Ok(made) => {
                    tracing::info!(user_id, customer = %made.id, "Stripe customer made for the account");
                    return self.keep_customer(user_id, &made).await;
                }
                Err(e) if unknown(&e) => {
                    tracing::warn!(user_id, attempt, error = %e, "the Stripe customer's creation is unknown");
                    last = Some(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.unwrap_or_else(|| no_answer("/v1/customers")).into())
    }

    /// Stores a customer found or made for the account; returns the account's customer (another
    /// one when an instance stored its own first).
    async fn keep_customer(&self, user_id: i64, customer: &Customer) -> Result<String, ShopError> {
        let kept = self.store.keep_stripe_customer(user_id, &customer.to_row()).await?;
        if kept != customer.id {
            tracing::warn!(user_id, kept = %kept, made = %customer.id, "the account had a Stripe customer already");
        }
        Ok(kept)
    }

    /// The order's payment method or card, attached to the customer: what to charge.
    async fn attached(&self, order: &Order, customer: &str, until: i64) -> Result<String, ShopError> {
        let source = order.payment_method.as_str();
        let is_method = source.starts_with("pm_");
        if !is_method && !source.starts_with("tok_") && !source.starts_with("src_") {
            // A card (`card_...`) is its customer's already; Stripe refuses another's.
            return Ok(source.to_owned());
        }
        let stripe = self.stripe()?;
        let key = attach_key(order);
        let mut last = None;
        for attempt in 1..=self.settings.charge_attempts {
            if attempt > 1 {
                if now_ms() > until {
                    break;
                }
                tokio::time::sleep(retry_pause(attempt)).await;
            }
            let attached = if is_method {
                stripe.attach_payment_method_once(source, customer, &key).await
            } else {
                stripe.attach_source_once(customer, source, &key).await
            };
            match attached {
                Ok(id) => return Ok(id),
                Err(e) if unknown(&e) => {
                    tracing::warn!(order_id = order.id, attempt, error = %e, "attaching the payment method is unknown");
                    last = Some(e);
                }
                // Attached before (a replayed checkout, or the customer's saved method): fine.
                Err(e @ StripeError::Refused { .. }) if is_method => {
                    return match stripe.payment_method_customer(source).await {
                        Ok(Some(owner)) if owner == customer => Ok(source.to_owned()),
                        _ => Err(e.into()),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.unwrap_or_else(|| no_answer("/v1/payment_methods")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accounts_customer_key_is_its_own_and_stable() {
        assert_eq!(customer_key(7, 1_795_521_056_000), "statbot-customer-7-1795521056000");
        assert_ne!(customer_key(7, 1), customer_key(8, 1));
        assert_ne!(customer_key(7, 1), customer_key(7, 2), "a database made again has other keys");
    }
}
