//! The Stripe objects the mirror reads, as the API sends them (only the fields kept), and their
//! conversion to the store's rows. Amounts are `i64` in the currency's minor units, never floats.

use crate::store::{StripeCharge, StripeCustomer, StripeProduct, StripeRefund};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A page of a list: `{"object": "list", "data": [...], "has_more": ...}`.
#[derive(Debug, Deserialize)]
pub struct ListPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

/// A field that holds an id, or the object itself when asked for with `expand[]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Expandable<T> {
    Id(String),
    Object(Box<T>),
}

impl<T: HasId> Expandable<T> {
    pub fn id(&self) -> &str {
        match self {
            Expandable::Id(id) => id,
            Expandable::Object(object) => object.id(),
        }
    }
}

/// Every listed object has an id and a creation time (unix seconds).
pub trait HasId {
    fn id(&self) -> &str;
    fn created(&self) -> i64;
}

#[derive(Debug, Deserialize)]
pub struct Customer {
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub created: i64,
    /// The shop's customers carry their account's `statbot_user_id`.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    pub created: i64,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub struct Charge {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_refunded: i64,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub paid: bool,
    #[serde(default)]
    pub refunded: bool,
    /// Absent on servers without disputes (localstripe): not disputed.
    #[serde(default)]
    pub disputed: bool,
    pub customer: Option<Expandable<Customer>>,
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    pub created: i64,
    pub payment_intent: Option<Expandable<IdOnly>>,
    /// Why a failed charge failed (`card_declined`), and the card network's words.
    #[serde(default)]
    pub failure_code: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Refund {
    pub id: String,
    pub charge: Option<Expandable<Charge>>,
    pub amount: i64,
    pub currency: String,
    #[serde(default = "succeeded")]
    pub status: String,
    pub created: i64,
}

fn succeeded() -> String {
    "succeeded".into()
}

/// An expanded object of which only the id is kept.
#[derive(Debug, Deserialize)]
pub struct IdOnly {
    pub id: String,
}

impl HasId for IdOnly {
    fn id(&self) -> &str {
        &self.id
    }
    fn created(&self) -> i64 {
        0
    }
}

macro_rules! has_id {
    ($($t:ty),*) => {$(
        impl HasId for $t {
            fn id(&self) -> &str {
                &self.id
            }
            fn created(&self) -> i64 {
                self.created
            }
        }
    )*};
}
has_id!(Customer, Product, Charge, Refund);

impl Customer {
    pub fn to_row(&self) -> StripeCustomer {
        StripeCustomer {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            created: self.created,
        }
    }
}

impl Product {
    pub fn to_row(&self) -> StripeProduct {
        StripeProduct {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            active: self.active,
            created: self.created,
        }
    }
}

impl Charge {
    pub fn to_row(&self) -> StripeCharge {
        StripeCharge {
            id: self.id.clone(),
            amount: self.amount,
            amount_refunded: self.amount_refunded,
            currency: self.currency.to_ascii_lowercase(),
            status: self.status.clone(),
            paid: self.paid,
            refunded: self.refunded,
            disputed: self.disputed,
            customer: self.customer.as_ref().map(|c| c.id().to_owned()),
            description: self.description.clone(),
            // A map of strings always serialises.
            metadata: serde_json::to_string(&self.metadata).unwrap_or_else(|_| "{}".into()),
            created: self.created,
            payment_intent: self.payment_intent.as_ref().map(|p| p.id().to_owned()),
        }
    }
}

impl Refund {
    pub fn to_row(&self) -> StripeRefund {
        StripeRefund {
            id: self.id.clone(),
            charge: self.charge.as_ref().map(|c| c.id().to_owned()),
            amount: self.amount,
            currency: self.currency.to_ascii_lowercase(),
            status: self.status.clone(),
            created: self.created,
        }
    }

    /// The charge, when the list was asked to expand it.
    pub fn expanded_charge(&self) -> Option<&Charge> {
        match &self.charge {
            Some(Expandable::Object(charge)) => Some(charge),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_localstripe_charge_parses_with_integer_amounts() {
        let text = r#"{"id":"ch_1","amount":1000,"amount_refunded":250,"currency":"USD","status":"succeeded",
            "paid":true,"refunded":false,"customer":"cus_1","description":"blue mug","metadata":{"order":"42"},
            "created":1795521056,"payment_intent":null,"refunds":{"data":[]}}"#;
        let charge: Charge = serde_json::from_str(text).unwrap();
        let row = charge.to_row();
        assert_eq!((row.amount, row.amount_refunded, row.currency.as_str()), (1000, 250, "usd"));
        assert_eq!(row.customer.as_deref(), Some("cus_1"));
        assert_eq!(row.metadata, r#"{"order":"42"}"#);
        assert!(!row.disputed);
    }

    #[test]
    fn a_fractional_amount_is_refused() {
        let text = r#"{"id":"ch_1","amount":10.5,"currency":"usd","status":"succeeded","created":1}"#;
        assert!(serde_json::from_str::<Charge>(text).is_err());
    }

    #[test]
    fn a_refund_with_its_charge_expanded() {
        let text = r#"{"id":"re_1","amount":500,"currency":"eur","created":2,"status":"succeeded",
            "charge":{"id":"ch_9","amount":2000,"amount_refunded":500,"currency":"eur","status":"succeeded","created":1}}"#;
        let refund: Refund = serde_json::from_str(text).unwrap();
        assert_eq!(refund.to_row().charge.as_deref(), Some("ch_9"));
        assert_eq!(refund.expanded_charge().map(|c| c.amount_refunded), Some(500));
    }
}

/// Property tests: lists, charges and refunds as Stripe sends them (the shop's webhook
/// testdata), damaged byte by byte and value by value, are read or refused, never a panic, and
/// whatever is read converts to rows.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn object_of(event: &str) -> Value {
        let event: Value = serde_json::from_str(event).expect("testdata is JSON");
        event["data"]["object"].clone()
    }

    fn charges() -> Value {
        json!({
            "object": "list",
            "data": [
                object_of(include_str!("../shop/testdata/event-charge-succeeded.json")),
                object_of(include_str!("../shop/testdata/event-charge-refunded.json")),
                object_of(include_str!("../shop/testdata/event-charge-failed.json")),
            ],
            "has_more": true,
            "url": "/v1/charges",
        })
    }

    fn refund() -> Value {
        let mut refund =
            object_of(include_str!("../shop/testdata/event-charge-refunded.json"))["refunds"]["data"][0].clone();
        refund["charge"] = object_of(include_str!("../shop/testdata/event-charge-succeeded.json"));
        refund
    }

    fn damaged(seed: &Value) -> impl Strategy<Value = Vec<u8>> + use<> {
        let text = seed.to_string();
        prop_oneof![fuzz::mutated_bytes(text.as_bytes()), fuzz::mutated_json(&text).prop_map(String::into_bytes)]
    }

    /// Reads `bytes` as every object the sync reads, and converts what is read to rows.
    fn read_any(bytes: &[u8]) {
        if let Ok(page) = serde_json::from_slice::<ListPage<Charge>>(bytes) {
            page.data.iter().for_each(|c| drop(c.to_row()));
        }
        if let Ok(refund) = serde_json::from_slice::<Refund>(bytes) {
            drop(refund.to_row());
        }
        if let Ok(page) = serde_json::from_slice::<ListPage<Customer>>(bytes) {
            page.data.iter().for_each(|c| drop(c.to_row()));
        }
        if let Ok(page) = serde_json::from_slice::<ListPage<Product>>(bytes) {
            page.data.iter().for_each(|p| drop(p.to_row()));
        }
    }

    fn not_json(bytes: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err()
    }

    proptest! {
        #![proptest_config(fuzz::config(256))]

        #[test]
        fn damaged_lists_of_charges_are_read_or_refused(page in damaged(&charges())) {
            match serde_json::from_slice::<ListPage<Charge>>(&page) {
                Ok(read) => {
                    prop_assert!(!not_json(&page));
                    for charge in &read.data {
                        let row = charge.to_row();
                        prop_assert_eq!(&row.id, &charge.id);
                        prop_assert_eq!(row.customer.as_deref(), charge.customer.as_ref().map(Expandable::id));
                        prop_assert!(serde_json::from_str::<BTreeMap<String, String>>(&row.metadata).is_ok());
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }

        #[test]
        fn damaged_refunds_are_read_or_refused(refund in damaged(&refund())) {
            if let Ok(read) = serde_json::from_slice::<Refund>(&refund) {
                prop_assert!(!not_json(&refund));
                let row = read.to_row();
                prop_assert_eq!(row.charge.as_deref(), read.charge.as_ref().map(Expandable::id));
                if let Some(charge) = read.expanded_charge() {
                    prop_assert_eq!(charge.to_row().id, row.charge.unwrap_or_default());
                }
            }
        }

        #[test]
        fn any_bytes_are_read_or_refused(bytes in fuzz::any_bytes()) {
            read_any(&bytes);
        }
    }
}
