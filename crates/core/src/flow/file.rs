//! The flow file as written (TOML), before validation. Unknown keys are refused so typos such
//! as `buttom` are reported rather than ignored.

use indexmap::IndexMap;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFlow {
    pub name: Spanned<String>,
    pub title: Option<String>,
    pub entry: Spanned<String>,
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    #[serde(default)]
    pub coupons: IndexMap<String, Spanned<RawCoupon>>,
    pub steps: IndexMap<String, Spanned<RawStep>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    /// `"split"`: a split test (see `crate::split`); absent for a step that sends messages.
    pub kind: Option<String>,
    pub variants: Option<Vec<Spanned<RawVariant>>>,
    pub text: Option<String>,
    pub buttons: Option<Vec<Spanned<RawButton>>>,
    pub quick_replies: Option<Vec<Spanned<RawButton>>>,
    pub image: Option<String>,
    pub reveal: Option<String>,
    pub next: Option<String>,
    pub follow_up: Option<RawFollowUp>,
}

/// `follow_up = { after = "23h", step = "reminder", unless = "revealed" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFollowUp {
    pub after: String,
    pub step: String,
    pub unless: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawButton {
    pub id: Option<String>,
    pub title: String,
    pub next: Option<String>,
    /// Tapping it asks for a person (the live inbox); `next` is then optional.
    #[serde(default)]
    pub handoff: bool,
}

/// One variant of a split step: `{ id = "gift", weight = 50, next = "offer_tote" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVariant {
    pub id: String,
    pub weight: i64,
    pub next: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCoupon {
    pub code: Option<String>,
    pub codes: Option<Vec<String>>,
    pub codes_file: Option<String>,
    pub exhausted: Option<String>,
    pub discount: Option<RawDiscount>,
    /// The last day the code can be redeemed, `YYYY-MM-DD`.
    pub ends: Option<String>,
}

/// `discount = { percent = 20 }` or `discount = { amount = "5.00", currency = "usd" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDiscount {
    pub percent: Option<i64>,
    pub amount: Option<String>,
    pub currency: Option<String>,
}
