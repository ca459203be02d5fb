//! The Stripe mirror written as a sync writes it, for tests that seed known figures: the
//! rollups built first, then pages that keep them, then the sync marked finished. Call it with
//! the server stopped: on SQLite a second connection's read-then-write transactions fail
//! (`SQLITE_BUSY_SNAPSHOT`) when the server's own connection commits in between.

use jiff::tz::TimeZone;
use statbot::store::{Store, StripeCharge, StripeCustomer, StripePage, StripeRefund, StripeSyncState};

/// A customer as the sync stores it; an empty name is none.
pub fn customer(id: &str, name: &str, email: &str, created: i64) -> StripeCustomer {
    StripeCustomer { id: id.into(), email: Some(email.into()), name: (!name.is_empty()).then(|| name.into()), created }
}

/// A charge as the sync stores it (nothing refunded, no metadata, not disputed, no payment
/// intent).
pub fn charge(
    id: &str,
    customer: &str,
    amount: i64,
    currency: &str,
    succeeded: bool,
    created: i64,
    description: &str,
) -> StripeCharge {
    StripeCharge {
        id: id.into(),
        amount,
        amount_refunded: 0,
        currency: currency.into(),
        status: (if succeeded { "succeeded" } else { "failed" }).into(),
        paid: succeeded,
        refunded: false,
        disputed: false,
        customer: Some(customer.into()),
        description: Some(description.into()),
        metadata: "{}".into(),
        created,
        payment_intent: None,
    }
}

/// A refund that went through.
pub fn refund(id: &str, charge: &str, amount: i64, currency: &str, created: i64) -> StripeRefund {
    StripeRefund {
        id: id.into(),
        charge: Some(charge.into()),
        amount,
        currency: currency.into(),
        status: "succeeded".into(),
        created,
    }
}

/// Writes customers, charges and refunds (days in UTC) and marks the mirror synced.
pub async fn write(
    store: &Store,
    customers: Vec<StripeCustomer>,
    charges: Vec<StripeCharge>,
    refunds: Vec<StripeRefund>,
) {
    store.ensure_sales_rollups(&TimeZone::UTC).await.unwrap();
    let state = |object: &str| StripeSyncState { object: object.into(), ..StripeSyncState::default() };
    let pages = [
        StripePage { customers, state: state("customers"), ..StripePage::default() },
        StripePage { charges, state: state("charges"), ..StripePage::default() },
        StripePage { refunds, state: state("refunds"), ..StripePage::default() },
    ];
    for page in &pages {
        store.write_stripe_page(page).await.unwrap();
    }
    store.mark_stripe_synced().await.unwrap();
}
