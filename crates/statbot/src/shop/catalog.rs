//! The catalog: products with a price in minor units and a currency, created, changed and
//! taken off sale (never deleted: orders keep pointing at them) by operators, and the demo
//! catalog embedded in the binary.

use super::{Shop, ShopError};
use crate::store::{NewProduct, Product, ProductChange};
use serde::Deserialize;
use statbot_core::money::{Currency, Money};

/// The demo shop's products, loaded on `--demo`.
const DEMO_CATALOG: &str = include_str!("../../data/shop/catalog.toml");

/// A product as operators send it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// A stable code; made from the name when left out.
    pub sku: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Minor units of `currency` (1250 for 12.50 EUR).
    pub price: i64,
    pub currency: String,
}

/// Fields of a product to change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<i64>,
    pub currency: Option<String>,
    pub active: Option<bool>,
}

#[derive(Deserialize)]
struct CatalogFile {
    products: Vec<ProductInput>,
}

fn check_name(name: &str) -> Result<String, ShopError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ShopError::Invalid("a product name is 1 to 100 characters".into()));
    }
    Ok(name.to_owned())
}

fn check_description(description: &str) -> Result<String, ShopError> {
    let description = description.trim();
    if description.chars().count() > 1000 {
        return Err(ShopError::Invalid("a product description is at most 1000 characters".into()));
    }
    Ok(description.to_owned())
}

/// A price the shop can charge: at least one minor unit, at most Stripe's limit.
fn check_price(price: i64, currency: &str) -> Result<Money, ShopError> {
    let currency: Currency =
        currency.parse().map_err(|e: statbot_core::money::MoneyError| ShopError::Invalid(e.to_string()))?;
    if price < 1 {
        return Err(ShopError::Invalid("a price is a whole number of minor units (cents), at least 1".into()));
    }
    Money::new(price, currency).map_err(|e| ShopError::Invalid(e.to_string()))
}

/// `Blue mug, 330 ml` → `blue-mug-330-ml`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(64).collect()
}

impl ProductInput {
    /// The product to store, or what is wrong with it.
    pub fn check(&self) -> Result<NewProduct, ShopError> {
        let name = check_name(&self.name)?;
        let sku = match &self.sku {
            Some(sku) => sku.trim().to_owned(),
            None => slug(&name),
        };
        if sku.is_empty() || sku.len() > 64 || !sku.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(ShopError::Invalid("a SKU is 1 to 64 letters, digits, `-`, `_` or `.`".into()));
        }
        let price = check_price(self.price, &self.currency)?;
        Ok(NewProduct {
            sku,
            name,
            description: check_description(&self.description)?,
            price: price.amount,
            currency: price.currency.to_string(),
        })
    }
}

impl ProductPatch {
    /// The change to store, checked against the product as it is (a new price needs its
    /// currency, old or new).
    pub fn check(&self, current: &Product) -> Result<ProductChange, ShopError> {
        let price = match (self.price, &self.currency) {
            (None, None) => None,
            (price, currency) => {
                Some(check_price(price.unwrap_or(current.price), currency.as_deref().unwrap_or(&current.currency))?)
            }
        };
        Ok(ProductChange {
            name: self.name.as_deref().map(check_name).transpose()?,
            description: self.description.as_deref().map(check_description).transpose()?,
            price: price.as_ref().map(|p| p.amount),
            currency: price.map(|p| p.currency.to_string()),
            active: self.active,
        })
    }
}

/// The embedded demo catalog, checked.
pub fn demo_catalog() -> Result<Vec<NewProduct>, ShopError> {
    let file: CatalogFile =
        toml::from_str(DEMO_CATALOG).map_err(|e| ShopError::Invalid(format!("the demo catalog: {e}")))?;
    file.products.iter().map(ProductInput::check).collect()
}

impl Shop {
    /// What is on sale, or (for operators) everything.
    pub async fn products(&self, include_inactive: bool) -> Result<Vec<Product>, ShopError> {
        Ok(self.store.shop_products(include_inactive).await?)
    }

    pub async fn create_product(&self, input: &ProductInput) -> Result<Product, ShopError> {
        let product = input.check()?;
        self.store.create_shop_product(&product).await.map_err(|e| match e {
            crate::store::StoreError::Conflict(what) => ShopError::Conflict(what),
            other => other.into(),
        })
    }

    pub async fn update_product(&self, id: i64, patch: &ProductPatch) -> Result<Product, ShopError> {
        let current = self.store.shop_product(id).await?.ok_or_else(|| ShopError::NotFound(format!("product {id}")))?;
        let change = patch.check(&current)?;
        self.store.update_shop_product(id, &change).await?.ok_or_else(|| ShopError::NotFound(format!("product {id}")))
    }

    /// Takes a product off sale; past orders keep it.
    pub async fn deactivate_product(&self, id: i64) -> Result<Product, ShopError> {
        self.update_product(id, &ProductPatch { active: Some(false), ..ProductPatch::default() }).await
    }

    /// Adds the demo products that are not in the catalog yet.
    pub async fn load_demo_catalog(&self) -> Result<u64, ShopError> {
        Ok(self.store.ensure_shop_products(&demo_catalog()?).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, price: i64, currency: &str) -> ProductInput {
        ProductInput { sku: None, name: name.into(), description: String::new(), price, currency: currency.into() }
    }

    #[test]
    fn the_demo_catalog_is_valid() {
        let products = demo_catalog().unwrap();
        assert!(products.len() >= 3);
        assert!(products.iter().all(|p| p.price > 0 && p.currency == "eur"));
    }

    #[test]
    fn products_are_checked() {
        let product = input(" Blue mug, 330 ml ", 1200, "EUR").check().unwrap();
        assert_eq!(
            (product.sku.as_str(), product.name.as_str(), product.currency.as_str()),
            ("blue-mug-330-ml", "Blue mug, 330 ml", "eur")
        );
        assert!(input("", 1200, "eur").check().is_err());
        assert!(input("Mug", 0, "eur").check().is_err());
        assert!(input("Mug", 100_000_000, "eur").check().is_err());
        assert!(input("Mug", 100, "euro").check().is_err());
    }

    #[test]
    fn prices_are_kept_in_minor_units_whatever_the_currencys_decimals() {
        for (price, currency) in [(1_234_567, "KWD"), (1_200, "jpy"), (1_250, "eur")] {
            let product = input("Mug", price, currency).check().unwrap();
            assert_eq!((product.price, product.currency.as_str()), (price, currency.to_ascii_lowercase().as_str()));
        }
    }
}
