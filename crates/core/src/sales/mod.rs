//! The sales maths over the Stripe mirror, pure: what each charge, refund and customer adds to
//! its day ([`rollup`]), the paying-customer tallies that answer any range without reading every
//! customer day ([`payer_tally`]), calendar spans for long ranges ([`spans`]) and the words of
//! charge descriptions ([`words`]). The store keeps these sums in SQL; `statbot::sales` reads
//! them into figures.

pub mod mirror;
pub mod payer_tally;
pub mod rollup;
pub mod spans;
pub mod words;

pub use mirror::{StripeCharge, StripeCustomer, StripeProduct, StripeRefund};
