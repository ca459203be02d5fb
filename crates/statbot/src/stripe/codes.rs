//! Redemptions found in the mirror: after each sync, the succeeded charges written since the
//! last scan are read for revealed coupon codes in their description and metadata values (the
//! mirror keeps no promotion codes: one counts when its code is written in the metadata). A
//! charge naming a code records a redemption (source
//! `stripe`) unless the code or the charge already counts, and a charge already counted has its
//! net revenue (amount less refunds) brought up to date.

use crate::store::{NewRedemption, Result, ScannedCharge, Store, is_code_char};
use std::collections::HashSet;

/// Charges read per round.
const BATCH: i64 = 500;

/// What a scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeScan {
    pub charges: u64,
    pub redeemed: u64,
}

/// Reads the charges written since the last scan for revealed codes.
pub async fn scan(store: &Store) -> Result<CodeScan> {
    let mut report = CodeScan::default();
    let mut known: Option<HashSet<String>> = None;
    loop {
        let (charges, cursor) = store.charges_to_scan(BATCH).await?;
        let Some(cursor) = cursor else { break };
        let codes = match &known {
            Some(codes) => codes,
            None => known.insert(store.all_revealed_codes().await?),
        };
        for charge in &charges {
            report.charges += 1;
            if record(store, charge, codes).await? {
                report.redeemed += 1;
            }
        }
        store.move_charge_scan(&cursor).await?;
        if (charges.len() as i64) < BATCH {
            break;
        }
    }
    if report.redeemed > 0 {
        tracing::info!(charges = report.charges, redeemed = report.redeemed, "coupon codes found in Stripe charges");
    }
    Ok(report)
}

async fn record(store: &Store, charge: &ScannedCharge, codes: &HashSet<String>) -> Result<bool> {
    let net = charge.amount - charge.amount_refunded;
    if store.refresh_charge_redemption(&charge.id, net).await? {
        return Ok(false);
    }
    for code in codes_in(charge).into_iter().filter(|c| codes.contains(c)) {
        let Some(revealed) = store.revealed_code(&code).await? else { continue };
        let new = NewRedemption {
            revealed,
            source: "stripe",
            order_id: None,
            charge_id: Some(charge.id.clone()),
            amount: charge.amount,
            discount: 0,
            currency: charge.currency.to_ascii_lowercase(),
            net,
        };
        return store.record_charge_redemption(&new).await;
    }
    Ok(false)
}

/// The words of a charge's description and metadata values that could be codes, in order.
fn codes_in(charge: &ScannedCharge) -> Vec<String> {
    let mut texts: Vec<String> = charge.description.iter().cloned().collect();
    if let Ok(serde_json::Value::Object(metadata)) = serde_json::from_str(&charge.metadata) {
        texts.extend(metadata.into_iter().filter_map(|(_, value)| value.as_str().map(str::to_owned)));
    }
    texts
        .iter()
        .flat_map(|text| text.split(|c: char| !is_code_char(c)))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_looked_for_in_the_description_and_every_metadata_value() {
        let charge = ScannedCharge {
            id: "ch_1".into(),
            amount: 1000,
            amount_refunded: 0,
            currency: "usd".into(),
            description: Some("Flyer order (code SPRING-7Q2).".into()),
            metadata: r#"{"order_id":"12","promo":"GIFT_5"}"#.into(),
        };
        assert_eq!(codes_in(&charge), ["Flyer", "order", "code", "SPRING-7Q2", "12", "GIFT_5"]);
    }
}
