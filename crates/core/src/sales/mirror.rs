//! The Stripe mirror's rows: charges, refunds, customers and products as last read from Stripe
//! (only the fields kept). The store writes and reads them; the rollups sum them. Amounts are
//! integers in the currency's minor units, never floats.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeCustomer {
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub created: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeProduct {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub active: bool,
    pub created: i64,
}

/// A charge; amounts are integers in the currency's minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeCharge {
    pub id: String,
    pub amount: i64,
    pub amount_refunded: i64,
    /// Lower-case ISO code, e.g. `usd`.
    pub currency: String,
    /// `succeeded`, `pending` or `failed`.
    pub status: String,
    pub paid: bool,
    pub refunded: bool,
    pub disputed: bool,
    pub customer: Option<String>,
    pub description: Option<String>,
    /// The charge's metadata as a JSON object.
    pub metadata: String,
    pub created: i64,
    pub payment_intent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeRefund {
    pub id: String,
    pub charge: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub created: i64,
}
