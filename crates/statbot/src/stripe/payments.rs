//! What the shop asks of Stripe: a charge made once under an `Idempotency-Key` and tagged with
//! `metadata[order_id]`, a card payment method from a test card number, and the look-up of an
//! order's charge by that metadata. The look-up walks the charge list rather than the search API
//! because search is eventually consistent (a charge made seconds ago may be missing) and
//! localstripe has none; it reads the list in whichever order the server keeps it (Stripe:
//! newest first, so it stops at charges older than the order; localstripe: oldest first).

use super::client::{StripeClient, StripeError};
use super::types::{Charge, ListPage};

/// Pages of 100 charges read at most when looking for an order's charge.
const MAX_LOOKUP_PAGES: usize = 50;

/// A charge to create.
#[derive(Debug, Clone)]
pub struct NewCharge<'a> {
    pub amount: i64,
    pub currency: &'a str,
    /// A payment method (`pm_...`) or a legacy card or source (`card_...`, `src_...`).
    pub source: &'a str,
    pub description: &'a str,
    pub order_id: i64,
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
            ("description", charge.description),
            ("metadata[order_id]", order_id.as_str()),
        ];
        self.post_once("/v1/charges", &form, charge.idempotency_key).await
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
        let cutoff = not_before - 60;
        let mut found: Option<Charge> = None;
        let mut after: Option<String> = None;
        for _ in 0..MAX_LOOKUP_PAGES {
            let mut query = vec![("limit", "100")];
            if let Some(after) = &after {
                query.push(("starting_after", after.as_str()));
            }
            let page: ListPage<Charge> = self.list("/v1/charges", &query).await?;
            let newest_first = page.data.windows(2).all(|w| w[0].created >= w[1].created);
            let reached_older = newest_first && page.data.last().is_some_and(|c| c.created < cutoff);
            after = page.data.last().map(|c| c.id.clone());
            for charge in page.data {
                if charge.metadata.get("order_id") == Some(&wanted) && charge.created >= cutoff {
                    let better = found.as_ref().is_none_or(|f| f.status != "succeeded");
                    if better {
                        found = Some(charge);
                    }
                }
            }
            if found.as_ref().is_some_and(|c| c.status == "succeeded") || !page.has_more || reached_older {
                break;
            }
        }
        Ok(found)
    }
}
