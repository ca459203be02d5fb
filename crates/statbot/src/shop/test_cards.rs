//! Named test cards for test mode: the storefront offers them instead of a card form, and the
//! server turns the chosen one into a payment method, so checkout works with no internet asset
//! and no card number typed. Against a local Stripe stand-in (localstripe) the payment method
//! is created from the card number; the real API in test mode refuses raw card numbers, so
//! there Stripe's ready-made test payment methods are used.

use super::{Shop, ShopError};
use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
pub struct TestCard {
    /// What the storefront sends.
    pub id: &'static str,
    pub label: &'static str,
    #[serde(skip)]
    number: &'static str,
    /// Stripe's own test payment method for the same behaviour.
    #[serde(skip)]
    stripe_test_method: &'static str,
}

pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        id: "visa",
        label: "Visa ending 4242 (succeeds)",
        number: "4242424242424242",
        stripe_test_method: "pm_card_visa",
    },
    TestCard {
        id: "declined",
        label: "Visa ending 0341 (declined)",
        number: "4000000000000341",
        stripe_test_method: "pm_card_chargeDeclined",
    },
];

impl Shop {
    /// A payment method for a named test card; test mode only.
    pub async fn test_payment_method(&self, card: &str) -> Result<String, ShopError> {
        if !self.test_mode() {
            return Err(ShopError::NotConfigured("test cards need a test-mode key (sk_test_...)".into()));
        }
        let card = TEST_CARDS.iter().find(|c| c.id == card).ok_or_else(|| {
            let names: Vec<&str> = TEST_CARDS.iter().map(|c| c.id).collect();
            ShopError::Invalid(format!("unknown test card `{card}` (one of: {})", names.join(", ")))
        })?;
        if self.settings.real_stripe {
            return Ok(card.stripe_test_method.to_owned());
        }
        Ok(self.stripe()?.create_card_payment_method(card.number).await?)
    }
}
