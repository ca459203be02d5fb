//! The reconciler: settles pending orders whose checkout is over without an answer (a timeout,
//! a crash, a restart). It looks up each order's charge by `metadata[order_id]`: a charge found
//! settles the order; none, once the checkout's time is up, fails it as not completed. It never
//! creates a charge. `serve` runs it once per interval across its instances (see
//! [`crate::schedule`]), the first as soon as it is due at start-up; orders are claimed row by
//! row as well, so instances sharing PostgreSQL never settle the same order at once.

use super::checkout::belongs_to;
use super::{Shop, ShopError};
use crate::schedule::{Job, Scheduler};
use crate::store::{Settlement, now_ms};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Orders settled per round at most.
const BATCH: i64 = 50;

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileReport {
    pub paid: u32,
    pub failed: u32,
    /// Orders whose charge could not be looked up or is not settled yet: tried again later.
    pub deferred: u32,
}

impl Shop {
    /// One round over the pending orders whose checkout is over.
    pub async fn reconcile_once(&self) -> Result<ReconcileReport, ShopError> {
        let stripe = self.stripe()?;
        let lease_ms = (self.settings.stripe_timeout.as_millis() as i64) * 4 + 30_000;
        let mut report = ReconcileReport::default();
        for order in self.store.claim_stale_orders(lease_ms, BATCH).await? {
            match stripe.find_order_charge(order.id, order.created_at / 1000).await {
                Ok(Some(charge)) if belongs_to(&charge, &order) => {
                    let settled = self.settle_from(&order, &charge).await?;
                    match settled.status {
                        crate::store::OrderStatus::Pending => report.deferred += 1,
                        crate::store::OrderStatus::Failed => report.failed += 1,
                        _ => report.paid += 1,
                    }
                    tracing::info!(order_id = order.id, status = %settled.status, charge = %charge.id, "order reconciled");
                }
                Ok(_) => {
                    let settlement = Settlement::Failed {
                        charge_id: None,
                        code: "payment_not_completed".into(),
                        message: "The payment was not completed; nothing was charged.".into(),
                    };
                    self.store.settle_order(order.id, &settlement, None).await?;
                    report.failed += 1;
                    tracing::info!(order_id = order.id, "order had no charge: failed as not completed");
                }
                Err(e) => {
                    tracing::warn!(order_id = order.id, error = %e, "could not look up the order's charge; later");
                    self.store.release_order(order.id, now_ms() + 10_000).await?;
                    report.deferred += 1;
                }
            }
        }
        Ok(report)
    }
}

/// The `serve` worker: a round once per `interval` across the instances sharing the store (see
/// [`crate::schedule`]); the first as soon as the job is due, which settles what a stopped
/// instance left pending.
pub async fn run_reconciler(shop: Shop, scheduler: Scheduler, interval: Duration, cancel: CancellationToken) {
    let round = || async {
        let result = shop.reconcile_once().await;
        match &result {
            Ok(report) if *report != ReconcileReport::default() => tracing::info!(?report, "pending orders reconciled"),
            _ => {}
        }
        result.map(|_| ())
    };
    scheduler
        .every(Job::ShopReconcile, interval, &cancel, round)
        .instrument(tracing::info_span!("shop_reconcile"))
        .await
}
