//! Coupon codes at checkout: a code a flow revealed, whose coupon declares a discount, not past
//! its last day and not redeemed yet, lowers the order's total before it is charged. The code is
//! held for the order when it is placed, redeemed when its charge succeeds and freed when it
//! fails (`store/redemptions.rs`); the storefront and the API refuse any other code with a
//! sentence ([`ShopError::BadCoupon`]).

use super::{Shop, ShopError};
use crate::store::{NewRedemption, RevealedCode};
use statbot_core::flow::Discount;
use statbot_core::money::{self, Money};

/// A code accepted for an order, and what it takes off.
#[derive(Debug, Clone)]
pub(super) struct Accepted {
    pub revealed: RevealedCode,
    /// Minor units of the order's currency, less than its total.
    pub discount: i64,
}

impl Accepted {
    /// The redemption to hold for `order_id`, which is charged `amount`.
    pub(super) fn redemption(&self, order_id: i64, amount: i64, currency: &str) -> NewRedemption {
        NewRedemption {
            revealed: self.revealed.clone(),
            source: "shop",
            order_id: Some(order_id),
            charge_id: None,
            amount,
            discount: self.discount,
            currency: currency.to_owned(),
            // Nothing is earned until the charge succeeds.
            net: 0,
        }
    }
}

fn refuse(message: String) -> ShopError {
    ShopError::BadCoupon(message)
}

impl Shop {
    /// Checks `code` against an order of `total`: what it takes off, or why not.
    pub(super) async fn accept_coupon(&self, code: &str, total: &Money) -> Result<Accepted, ShopError> {
        let code = code.trim();
        let unknown = || refuse(format!("“{code}” is not a coupon code of this shop."));
        let mut revealed = self.store.revealed_code(code).await?;
        if revealed.is_none() && code != code.to_ascii_uppercase() {
            revealed = self.store.revealed_code(&code.to_ascii_uppercase()).await?;
        }
        let revealed = revealed.ok_or_else(unknown)?;
        let coupon = self
            .flows
            .as_ref()
            .and_then(|flows| flows.set.get(&revealed.flow))
            .and_then(|flow| flow.coupons.get(&revealed.coupon))
            .ok_or_else(unknown)?;
        let code = revealed.code.as_str();
        let discount = coupon
            .discount
            .as_ref()
            .ok_or_else(|| refuse(format!("The coupon “{code}” gives no discount at this shop.")))?;
        if let Some(ends) = coupon.ends
            && jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date() > ends
        {
            return Err(refuse(format!("The coupon “{code}” ended on {ends}.")));
        }
        if self.store.code_taken(code).await? {
            return Err(refuse(format!("The coupon “{code}” has already been used.")));
        }
        let off = discount.off(total).ok_or_else(|| match discount {
            Discount::Amount(amount) => refuse(format!(
                "The coupon “{code}” takes {} off orders in {} only.",
                money::format(amount.amount, amount.currency.as_str()),
                amount.currency.as_str().to_ascii_uppercase()
            )),
            Discount::Percent(_) => unknown(),
        })?;
        if off >= total.amount {
            return Err(refuse(format!("The coupon “{code}” is worth more than this order: add to it first.")));
        }
        Ok(Accepted { revealed: revealed.clone(), discount: off })
    }
}
