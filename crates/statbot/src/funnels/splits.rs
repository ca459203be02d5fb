//! Funnels by variant: for each split step of a flow, every variant's contacts, what they
//! reached from the split on, how many converted (reached a goal step) and the always-valid
//! comparison with the control (the first variant; see `statbot_core::split::stats`).
//!
//! The goal is `--goal STEP` (`goal=STEP` in the API) when given; by default every step that
//! reveals a coupon and can be reached from the split step, or, when none can, the flow's last
//! step.

use super::{DateRange, FunnelError, Funnels, RangeReport, Redemptions};
use crate::store::RedeemedBy;
use serde::Serialize;
use statbot_core::flow::{Flow, Step};
use statbot_core::funnel::{Metric, day_number};
use statbot_core::split::stats::{self, Arm, VariantResult, Verdict};
use std::collections::BTreeSet;

/// Contacts each variant needs, by default, before a verdict (`funnels.min_sample_per_variant`).
pub const DEFAULT_MIN_SAMPLE: u64 = 100;

/// One split step's test over a range.
#[derive(Debug, Clone, Serialize)]
pub struct SplitReport {
    /// The split step.
    pub step: String,
    /// The steps whose reaching counts as converting.
    pub goal: Vec<String>,
    pub min_sample_per_variant: u64,
    /// Contacts of the range's cohort who passed the split: the variants' contacts add up to it.
    pub contacts: u64,
    pub verdict: Verdict,
    /// "gift converts better than discount (+4.1 points, 95 % interval +0.8 to +7.4)", "no
    /// difference shown yet" or "not enough data yet (…)".
    pub summary: String,
    /// Each comparison's level: 5 % over the number of variants compared with the control.
    pub alpha_per_comparison: f64,
    /// In file order; the first is the control.
    pub variants: Vec<VariantReport>,
}

/// One variant: its figures, its comparison with the control, and its funnel from the split on.
#[derive(Debug, Clone, Serialize)]
pub struct VariantReport {
    #[serde(flatten)]
    pub result: VariantResult,
    pub weight: u32,
    pub next: String,
    /// The steps reachable from the split, in flow order, with the variant's contacts who
    /// reached each from the split on.
    pub steps: Vec<StepContacts>,
    /// What the variant's contacts redeemed (whenever they redeemed, in the range's cohort).
    #[serde(flatten)]
    pub redemptions: Redemptions,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepContacts {
    pub step: String,
    pub contacts: u64,
}

impl Funnels {
    /// Contacts each variant needs before a split test's verdict (default
    /// [`DEFAULT_MIN_SAMPLE`]).
    pub fn with_min_sample(mut self, min_sample: u64) -> Funnels {
        self.min_sample = min_sample;
        self
    }

    /// The funnel of `flow` over `range` with, for each split step, the funnel by variant and
    /// which converts better (`by_variant`). `goal` overrides the default goal steps.
    pub async fn report_by_variant(
        &self,
        flow: &str,
        range: DateRange,
        goal: Option<&str>,
    ) -> Result<RangeReport, FunnelError> {
        let mut report = self.report(flow, range, false).await?;
        let flow = self.flow(flow)?;
        let (from, to) = (day_number(range.from), day_number(range.to));
        let mut splits = Vec::new();
        for split in flow.splits() {
            let goals = goal_steps(flow, split, goal)?;
            let counts = self.store.funnel_counts_by_variant(&flow.name, &split.id, &goals, from, to).await?;
            let mut redeemed =
                self.store.funnel_redemptions(&flow.name, from, to, RedeemedBy::Variant(&split.id)).await?;
            let split_metric = Metric::Step(split.id.clone()).key();
            let onward = reachable(flow, split);
            let arms: Vec<(String, Arm)> = split
                .variants
                .iter()
                .map(|v| {
                    let c = counts.get(&v.id).cloned().unwrap_or_default();
                    let contacts = c.contacts.get(&split_metric).copied().unwrap_or_default();
                    (v.id.clone(), Arm { contacts, conversions: c.converted })
                })
                .collect();
            let analysis = stats::analyse(&arms, self.min_sample);
            let variants = split
                .variants
                .iter()
                .zip(analysis.variants)
                .map(|(v, result)| {
                    let reached = counts.get(&v.id).map(|c| &c.contacts);
                    let steps = flow
                        .steps
                        .keys()
                        .filter(|id| onward.contains(id.as_str()))
                        .map(|id| StepContacts {
                            step: id.clone(),
                            contacts: reached
                                .and_then(|r| r.get(&Metric::Step(id.clone()).key()))
                                .copied()
                                .unwrap_or_default(),
                        })
                        .collect();
                    let redemptions = Redemptions::from_counts(redeemed.remove(&Some(v.id.clone())));
                    VariantReport { result, weight: v.weight, next: v.next.clone(), steps, redemptions }
                })
                .collect();
            splits.push(SplitReport {
                step: split.id.clone(),
                goal: goals,
                min_sample_per_variant: self.min_sample,
                contacts: arms.iter().map(|(_, arm)| arm.contacts).sum(),
                verdict: analysis.verdict,
                summary: analysis.summary,
                alpha_per_comparison: analysis.alpha_per_comparison,
                variants,
            });
        }
        report.by_variant = Some(splits);
        Ok(report)
    }
}

/// The steps whose reaching converts: `goal` when given, else the coupon-revealing steps
/// reachable from the split, else the flow's last step.
fn goal_steps(flow: &Flow, split: &Step, goal: Option<&str>) -> Result<Vec<String>, FunnelError> {
    if let Some(goal) = goal {
        if flow.step(goal).is_none() {
            return Err(FunnelError::UnknownStep { flow: flow.name.clone(), step: goal.to_owned() });
        }
        return Ok(vec![goal.to_owned()]);
    }
    let onward = reachable(flow, split);
    let revealing: Vec<String> = flow
        .steps
        .values()
        .filter(|s| s.reveal.is_some() && onward.contains(s.id.as_str()))
        .map(|s| s.id.clone())
        .collect();
    if !revealing.is_empty() {
        return Ok(revealing);
    }
    Ok(flow.steps.keys().last().cloned().into_iter().collect())
}

/// The steps a contact can reach after `from` (by `next`, buttons and variants).
fn reachable<'a>(flow: &'a Flow, from: &Step) -> BTreeSet<&'a str> {
    let links = |step: &'a Step| -> Vec<&'a str> {
        let buttons = step.choices.buttons().iter().filter_map(|b| b.next.as_deref());
        step.next.as_deref().into_iter().chain(buttons).chain(step.variants.iter().map(|v| v.next.as_str())).collect()
    };
    let mut seen = BTreeSet::new();
    let mut pending: Vec<&str> = flow.step(&from.id).map(links).unwrap_or_default();
    while let Some(id) = pending.pop() {
        if let Some(step) = flow.step(id)
            && seen.insert(step.id.as_str())
        {
            pending.extend(links(step));
        }
    }
    seen.remove(from.id.as_str());
    seen
}
