//! What the shop asks of Stripe: its accounts' customers (made once under an
//! `Idempotency-Key` and tagged with `metadata[statbot_user_id]`), the order's payment method or
//! card attached to the customer, a charge made once for the customer under an
//! `Idempotency-Key` and tagged with `metadata[order_id]`, a card payment method from a test card
//! number, and the look-up of an order's charge or an account's customer by that metadata. The
//! look-ups walk the list rather than the search API because search is eventually consistent (an
//! object made seconds ago may be missing) and localstripe has none; they read the list in
//! whichever order the server keeps it (Stripe: newest first, so they stop at objects older than
//! wanted; localstripe: oldest first).

use super::client::{StripeClient, StripeError};
use super::types::{Charge, Customer, HasId, ListPage};
use serde::de::DeserializeOwned;

/// Pages of 100 objects read at most when looking for an order's charge or an account's customer.
const MAX_LOOKUP_PAGES: usize = 50;
/// Slack for clocks when looking for objects made since a time.
const CLOCK_SLACK_SECS: i64 = 60;

/// A charge to create.
#[derive(Debug, Clone)]
pub struct NewCharge<'a> {
    pub amount: i64,
    pub currency: &'a str,
    /// A payment method (`pm_...`) or a legacy card or source (`card_...`, `src_...`), the
    /// customer's.
    pub source: &'a str,
    /// The customer (`cus_...`) paying.
    pub customer: &'a str,
    pub description: &'a str,
    pub order_id: i64,
    pub idempotency_key: &'a str,
}

/// A customer to create for a shop account.
#[derive(Debug, Clone)]
pub struct NewCustomer<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    /// The account, as `metadata[statbot_user_id]`.
    pub user_id: i64,
    pub idempotency_key: &'a str,
}

#[derive(serde::Deserialize)]
struct Created {
    id: String,
}

impl StripeClient {
    /// Creates a charge with one request. A declined card is [`StripeError::Card`]; a request
    /// whose outcome is unknown is [`StripeError::Unanswered`], to be looked up before retrying.
    pub async fn create_charge_once(&self, charge: &NewCharge<'_>) -> Result<Charge, StripeError> {
        let amount = charge.amount.to_string();
        let order_id = charge.order_id.to_string();
        let form = [
            ("amount", amount.as_str()),
            ("currency", charge.currency),
            ("source", charge.source),
            ("customer", charge.customer),
            ("description", charge.description),
            ("metadata[order_id]", order_id.as_str()),
        ];
        self.post_once("/v1/charges", &form, charge.idempotency_key).await
    }

    /// Creates a customer with one request; a request whose outcome is unknown is
    /// [`StripeError::Unanswered`], to be looked up ([`Self::find_account_customer`]) before
    /// retrying.
    pub async fn create_customer_once(&self, customer: &NewCustomer<'_>) -> Result<Customer, StripeError> {
        let user_id = customer.user_id.to_string();
        let mut form = vec![("name", customer.name), ("metadata[statbot_user_id]", user_id.as_str())];
        if let Some(email) = customer.email {
            form.push(("email", email));
        }
        self.post_once("/v1/customers", &form, customer.idempotency_key).await
    }

    /// Attaches a payment method (`pm_...`) to a customer with one request; returns the payment
    /// method to charge (Stripe's ready-made test methods such as `pm_card_visa` come back as a
    /// new one). A card refused on attaching is [`StripeError::Card`].
    pub async fn attach_payment_method_once(
        &self,
        payment_method: &str,
        customer: &str,
        idempotency_key: &str,
    ) -> Result<String, StripeError> {
        let path = format!("/v1/payment_methods/{payment_method}/attach");
        Ok(self.post_once::<Created>(&path, &[("customer", customer)], idempotency_key).await?.id)
    }

    /// The customer a payment method (`pm_...`) is attached to, if any.
    pub async fn payment_method_customer(&self, payment_method: &str) -> Result<Option<String>, StripeError> {
        #[derive(serde::Deserialize)]
        struct Attached {
            customer: Option<String>,
        }
        let path = format!("/v1/payment_methods/{payment_method}");
        Ok(self.get::<Attached>(&path, &[]).await?.customer)
    }

    /// Adds a legacy token or source (`tok_...`, `src_...`) to a customer with one request;
    /// returns the card or source to charge.
    pub async fn attach_source_once(
        &self,
        customer: &str,
        source: &str,
        idempotency_key: &str,
    ) -> Result<String, StripeError> {
        let path = format!("/v1/customers/{customer}/sources");
        Ok(self.post_once::<Created>(&path, &[("source", source)], idempotency_key).await?.id)
    }

    /// A card payment method (`pm_...`) from a card number: for test cards only, as real card
    /// numbers never reach statbot (Stripe.js sends them to Stripe).
    pub async fn create_card_payment_method(&self, number: &str) -> Result<String, StripeError> {
        let form = [
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ];
        Ok(self.post::<Created>("/v1/payment_methods", &form).await?.id)
    }

    /// The charge made for an order (`metadata[order_id]`), preferring a succeeded one, among
    /// the charges created since `not_before` (unix seconds, with a minute of slack for clocks).
    pub async fn find_order_charge(&self, order_id: i64, not_before: i64) -> Result<Option<Charge>, StripeError> {
        let wanted = order_id.to_string();
        let mut found: Option<Charge> = None;
        self.walk_recent("/v1/charges", not_before, |charge: Charge| {
            if charge.metadata.get("order_id") == Some(&wanted)
                && found.as_ref().is_none_or(|f| f.status != "succeeded")
            {
                found = Some(charge);
            }
            found.as_ref().is_some_and(|c| c.status == "succeeded")
        })
        .await?;
        Ok(found)
    }

    /// The customer made for a shop account (`metadata[statbot_user_id]`) among the customers
    /// created since `not_before` (unix seconds, with a minute of slack for clocks).
    pub async fn find_account_customer(&self, user_id: i64, not_before: i64) -> Result<Option<Customer>, StripeError> {
        let wanted = user_id.to_string();
        let mut found: Option<Customer> = None;
        self.walk_recent("/v1/customers", not_before, |customer: Customer| {
            if customer.metadata.get("statbot_user_id") == Some(&wanted) {
                found = Some(customer);
            }
            found.is_some()
        })
        .await?;
        Ok(found)
    }

    /// Walks a list, handing `visit` each object created since `not_before` (less the slack)
    /// until it says it has found what it wants, the list ends, or a newest-first list reaches
    /// older objects.
    async fn walk_recent<T: DeserializeOwned + HasId>(
        &self,
        path: &str,
        not_before: i64,
        mut visit: impl FnMut(T) -> bool,
    ) -> Result<(), StripeError> {
        let cutoff = not_before - CLOCK_SLACK_SECS;
        let mut after: Option<String> = None;
        for _ in 0..MAX_LOOKUP_PAGES {
            let mut query = vec![("limit", "100")];
            if let Some(after) = &after {
                query.push(("starting_after", after.as_str()));
            }
            let page: ListPage<T> = self.list(path, &query).await?;
            let newest_first = page.data.windows(2).all(|w| w[0].created() >= w[1].created());
            let reached_older = newest_first && page.data.last().is_some_and(|o| o.created() < cutoff);
            after = page.data.last().map(|o| o.id().to_owned());
            let mut done = false;
            for object in page.data.into_iter().filter(|o| o.created() >= cutoff) {
                if visit(object) {
                    done = true;
                    break;
                }
            }
            if done || !page.has_more || reached_older {
                break;
            }
        }
        Ok(())
    }
}
