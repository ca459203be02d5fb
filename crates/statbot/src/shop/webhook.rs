//! Stripe's webhook events: the `Stripe-Signature` check (HMAC-SHA256 of `timestamp.payload`
//! keyed with the endpoint's secret, compared in constant time against every `v1` signature,
//! refused outside a tolerance around now so an old delivery cannot be replayed), and the events
//! that move orders: `charge.succeeded`, `charge.failed` and `charge.refunded`, matched to an
//! order by `metadata[order_id]` or the charge id. Each event id is recorded with its change in
//! one transaction, so a redelivery changes nothing. Other events are acknowledged and ignored.

use super::checkout::belongs_to;
use super::{Shop, ShopError};
use crate::store::Settlement;
use crate::stripe::types::Charge;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header needs `t=TIMESTAMP` and at least one `v1=SIGNATURE`")]
    Malformed,
    #[error("no v1 signature of the Stripe-Signature header matches the payload")]
    Mismatch,
    #[error("the event was signed {age_secs} s from now, outside the {tolerance_secs} s tolerance")]
    Stale { age_secs: i64, tolerance_secs: i64 },
}

fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> HmacSha256 {
    // Invariant: HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// A `Stripe-Signature` header value for `payload` signed at `timestamp` (tests, and tools
/// that post events).
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(secret, timestamp, payload).finalize().into_bytes()))
}

/// Checks a `Stripe-Signature` header against the raw payload at time `now` (unix seconds).
pub fn verify(
    secret: &str,
    header: Option<&str>,
    payload: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let expected = mac(secret, timestamp, payload);
    // `verify_slice` compares in constant time.
    if !signatures.iter().any(|sig| expected.clone().verify_slice(sig).is_ok()) {
        return Err(SignatureError::Mismatch);
    }
    let age_secs = now - timestamp;
    if age_secs.abs() > tolerance_secs {
        return Err(SignatureError::Stale { age_secs, tolerance_secs });
    }
    Ok(())
}

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: serde_json::Value,
}

/// What a delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub event_id: String,
    /// Seen before: nothing changed.
    pub duplicate: bool,
    /// The order the event concerned, if any.
    pub order_id: Option<i64>,
}

impl Shop {
    /// Verifies and applies one webhook delivery.
    pub async fn handle_webhook(&self, signature: Option<&str>, payload: &[u8]) -> Result<Handled, ShopError> {
        let secret = &self.settings.webhook_secret;
        if !secret.is_set() {
            return Err(ShopError::NotConfigured(
                "the Stripe webhook is off: STATBOT_STRIPE_WEBHOOK_SECRET is empty".into(),
            ));
        }
        let now = crate::store::now_ms() / 1000;
        verify(secret.expose(), signature, payload, now, self.settings.webhook_tolerance_secs).map_err(|e| {
            tracing::warn!(error = %e, "Stripe webhook refused");
            ShopError::BadSignature(e.to_string())
        })?;
        let event: Event = serde_json::from_slice(payload)
            .map_err(|e| ShopError::Invalid(format!("the event is not valid JSON: {e}")))?;
        let (settle, charge) = match event.kind.as_str() {
            "charge.succeeded" | "charge.failed" | "charge.refunded" => {
                let charge: Charge = serde_json::from_value(event.data.object)
                    .map_err(|e| ShopError::Invalid(format!("the event's charge is unreadable: {e}")))?;
                (self.settlement_for(&event.kind, &charge).await?, Some(charge))
            }
            _ => (None, None),
        };
        let order_id = settle.as_ref().map(|(id, _)| *id);
        let fresh = self
            .store
            .record_stripe_event(
                &event.id,
                &event.kind,
                settle.as_ref().map(|(id, s)| (*id, s)),
                charge.map(|c| c.to_row()).as_ref(),
            )
            .await?;
        tracing::info!(event = %event.id, kind = %event.kind, ?order_id, duplicate = !fresh, "Stripe webhook event");
        Ok(Handled { event_id: event.id, duplicate: !fresh, order_id })
    }

    /// The order a charge event is about, and what it changes.
    async fn settlement_for(&self, kind: &str, charge: &Charge) -> Result<Option<(i64, Settlement)>, ShopError> {
        let by_metadata = charge.metadata.get("order_id").and_then(|id| id.parse::<i64>().ok());
        let order_id = match by_metadata {
            Some(id) => Some(id),
            None => self.store.order_id_by_charge(&charge.id).await?,
        };
        let Some(order) = (match order_id {
            Some(id) => self.store.order(id).await?,
            None => None,
        }) else {
            return Ok(None);
        };
        if !belongs_to(charge, &order) {
            tracing::warn!(order_id = order.id, charge = %charge.id, "a charge event names an order of another amount; ignored");
            return Ok(None);
        }
        let settlement = match kind {
            "charge.succeeded" => Settlement::Paid { charge_id: charge.id.clone() },
            "charge.failed" => Settlement::Failed {
                charge_id: Some(charge.id.clone()),
                code: charge.failure_code.clone().unwrap_or_else(|| "card_declined".into()),
                message: charge.failure_message.clone().unwrap_or_else(|| "The card was declined.".into()),
            },
            _ if charge.amount_refunded > 0 => {
                Settlement::Refunded { charge_id: charge.id.clone(), amount_refunded: charge.amount_refunded }
            }
            _ => return Ok(None),
        };
        Ok(Some((order.id, settlement)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const NOW: i64 = 1_795_528_400;

    #[test]
    fn a_signed_payload_verifies_within_the_tolerance() {
        let header = sign(SECRET, NOW - 10, b"{}");
        assert_eq!(verify(SECRET, Some(&header), b"{}", NOW, 300), Ok(()));
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let good = sign(SECRET, NOW, b"{}");
        let v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={NOW},v1={},v0=abc,v1={v1}", "00".repeat(32));
        assert_eq!(verify(SECRET, Some(&header), b"{}", NOW, 300), Ok(()));
    }

    #[test]
    fn wrong_stale_and_malformed_signatures_are_refused() {
        let header = sign(SECRET, NOW, b"{}");
        assert_eq!(verify("whsec_other", Some(&header), b"{}", NOW, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify(SECRET, Some(&header), b"{ }", NOW, 300), Err(SignatureError::Mismatch));
        let old = sign(SECRET, NOW - 301, b"{}");
        assert!(matches!(verify(SECRET, Some(&old), b"{}", NOW, 300), Err(SignatureError::Stale { .. })));
        assert_eq!(verify(SECRET, None, b"{}", NOW, 300), Err(SignatureError::Missing));
        assert_eq!(verify(SECRET, Some("v1=00"), b"{}", NOW, 300), Err(SignatureError::Malformed));
        assert_eq!(verify(SECRET, Some(&format!("t={NOW}")), b"{}", NOW, 300), Err(SignatureError::Malformed));
    }
}
