//! An order request as the client sends it, checked and normalised (lines of one product
//! merged, in product order) and fingerprinted, so a replay under the same Idempotency-Key can
//! be told from a different request; and its pricing from the catalog: the client never names
//! an amount.

use super::ShopError;
use crate::store::{OrderItem, Product};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use statbot_core::money::{Currency, Money};
use std::collections::BTreeMap;

/// Lines per order at most.
const MAX_LINES: usize = 50;
/// Units of one product per order at most.
const MAX_QUANTITY: i64 = 99;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    pub items: Vec<ItemRequest>,
    /// A Stripe payment method (`pm_...`).
    pub payment_method: Option<String>,
    /// Or a legacy card or source (`card_...`, `src_...`, `tok_...`).
    pub source: Option<String>,
    /// A coupon code a flow revealed, for its discount.
    pub coupon: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    pub product_id: i64,
    pub quantity: i64,
}

/// A checked request: quantities per product, the payment source, and the fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedOrder {
    pub quantities: BTreeMap<i64, i64>,
    pub source: String,
    /// The coupon code, trimmed; `None` when none was given.
    pub coupon: Option<String>,
    pub request_hash: String,
}

fn check_source(value: &str, prefixes: &[&str], what: &str) -> Result<String, ShopError> {
    let value = value.trim();
    let well_formed = value.len() <= 255 && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed || !prefixes.iter().any(|p| value.starts_with(p) && value.len() > p.len()) {
        return Err(ShopError::Invalid(format!("{what} must start with {}", prefixes.join(" or "))));
    }
    Ok(value.to_owned())
}

impl OrderRequest {
    pub fn check(&self) -> Result<CheckedOrder, ShopError> {
        if self.items.is_empty() {
            return Err(ShopError::Invalid("an order needs at least one item".into()));
        }
        if self.items.len() > MAX_LINES {
            return Err(ShopError::Invalid(format!("an order has at most {MAX_LINES} items")));
        }
        let mut quantities = BTreeMap::new();
        for item in &self.items {
            if !(1..=MAX_QUANTITY).contains(&item.quantity) {
                return Err(ShopError::Invalid(format!("a quantity is from 1 to {MAX_QUANTITY}")));
            }
            let total: &mut i64 = quantities.entry(item.product_id).or_default();
            *total += item.quantity;
            if *total > MAX_QUANTITY {
                return Err(ShopError::Invalid(format!("at most {MAX_QUANTITY} of one product per order")));
            }
        }
        let source = match (&self.payment_method, &self.source) {
            (Some(pm), None) => check_source(pm, &["pm_"], "payment_method")?,
            (None, Some(source)) => check_source(source, &["card_", "src_", "tok_"], "source")?,
            _ => return Err(ShopError::Invalid("give either payment_method (pm_...) or source (card_...)".into())),
        };
        let mut canonical = String::new();
        for (product, quantity) in &quantities {
            canonical.push_str(&format!("{product}x{quantity};"));
        }
        canonical.push_str(&source);
        let coupon = self.coupon.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        if let Some(coupon) = &coupon {
            if coupon.chars().count() > 64 {
                return Err(ShopError::BadCoupon("A coupon code has at most 64 characters.".into()));
            }
            canonical.push_str(&format!(";coupon={coupon}"));
        }
        let request_hash = hex::encode(Sha256::digest(canonical.as_bytes()));
        Ok(CheckedOrder { quantities, source, coupon, request_hash })
    }
}

/// The order's lines as sold and its total, from the catalog: every product on sale, one
/// currency for the whole order.
pub fn price(order: &CheckedOrder, catalog: &[Product]) -> Result<(Vec<OrderItem>, Money), ShopError> {
    let mut items = Vec::with_capacity(order.quantities.len());
    let mut total: Option<Money> = None;
    for (&product_id, &quantity) in &order.quantities {
        let product = catalog
            .iter()
            .find(|p| p.id == product_id && p.active)
            .ok_or_else(|| ShopError::Invalid(format!("product {product_id} is not on sale")))?;
        let currency: Currency = product
            .currency
            .parse()
            .map_err(|_| ShopError::Invalid(format!("product {product_id} has no valid currency")))?;
        let unit = Money::new(product.price, currency).map_err(|e| ShopError::Invalid(e.to_string()))?;
        let line = unit.times(quantity).map_err(|e| ShopError::Invalid(e.to_string()))?;
        total = Some(match total {
            None => line,
            Some(sum) => sum.plus(&line).map_err(|e| match e {
                statbot_core::money::MoneyError::MixedCurrencies(a, b) => ShopError::Invalid(format!(
                    "one order is paid in one currency: these products are priced in {a} and {b}"
                )),
                other => ShopError::Invalid(other.to_string()),
            })?,
        });
        items.push(OrderItem { product_id, name: product.name.clone(), unit_price: product.price, quantity });
    }
    let total = total.ok_or_else(|| ShopError::Invalid("an order needs at least one item".into()))?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, price: i64, currency: &str) -> Product {
        Product {
            id,
            sku: format!("p{id}"),
            name: format!("Product {id}"),
            description: String::new(),
            price,
            currency: currency.into(),
            active: true,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn request(items: &[(i64, i64)], pm: &str) -> OrderRequest {
        OrderRequest {
            coupon: None,
            items: items.iter().map(|&(product_id, quantity)| ItemRequest { product_id, quantity }).collect(),
            payment_method: Some(pm.into()),
            source: None,
        }
    }

    #[test]
    fn the_same_order_written_differently_has_one_fingerprint() {
        let a = request(&[(2, 1), (1, 2)], "pm_1").check().unwrap();
        let b = request(&[(1, 1), (2, 1), (1, 1)], "pm_1").check().unwrap();
        assert_eq!(a, b);
        assert_ne!(a.request_hash, request(&[(1, 2), (2, 1)], "pm_2").check().unwrap().request_hash);
        assert_ne!(a.request_hash, request(&[(1, 3), (2, 1)], "pm_1").check().unwrap().request_hash);
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        assert!(request(&[], "pm_1").check().is_err());
        assert!(request(&[(1, 0)], "pm_1").check().is_err());
        assert!(request(&[(1, 60), (1, 60)], "pm_1").check().is_err());
        assert!(request(&[(1, 1)], "tok_visa").check().is_err());
        let mut both = request(&[(1, 1)], "pm_1");
        both.source = Some("card_1".into());
        assert!(both.check().is_err());
    }

    #[test]
    fn the_total_comes_from_the_catalog_in_one_currency() {
        let catalog = [product(1, 1200, "eur"), product(2, 450, "eur"), product(3, 500, "usd")];
        let (items, total) = price(&request(&[(1, 2), (2, 1)], "pm_1").check().unwrap(), &catalog).unwrap();
        assert_eq!((total.amount, total.currency.as_str()), (2850, "eur"));
        assert_eq!(items[0], OrderItem { product_id: 1, name: "Product 1".into(), unit_price: 1200, quantity: 2 });
        let mixed = price(&request(&[(1, 1), (3, 1)], "pm_1").check().unwrap(), &catalog).unwrap_err();
        assert!(mixed.to_string().contains("one currency"), "{mixed}");
        assert!(price(&request(&[(9, 1)], "pm_1").check().unwrap(), &catalog).is_err());
        let mut off_sale = catalog.to_vec();
        off_sale[0].active = false;
        assert!(price(&request(&[(1, 1)], "pm_1").check().unwrap(), &off_sale).is_err());
    }

    #[test]
    fn three_decimal_prices_are_totalled_in_thousandths() {
        let catalog = [product(1, 1_250, "kwd"), product(2, 12_340, "kwd")];
        let (_, total) = price(&request(&[(1, 2), (2, 1)], "pm_1").check().unwrap(), &catalog).unwrap();
        assert_eq!((total.amount, total.currency.as_str()), (14_840, "kwd"));
        assert_eq!(statbot_core::money::format(total.amount, total.currency.as_str()), "14.840 KWD");
    }
}
