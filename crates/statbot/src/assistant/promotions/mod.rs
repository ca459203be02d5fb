//! Promotions in the chat, for staff: "how did the spring coupon do?", "how is the coupon flow
//! doing", "revenue from the flyer link", "what did the flyer link bring this month". A text
//! classified to the `store_promotion` intent (or a revenue question that says "coupon", "flow"
//! or "link") becomes an [`Ask`] ([`subject`]); the answer reads the funnel of the coupon's
//! flow, the flow, or the link's flow by ref ([`crate::funnels::Funnels`]), with its
//! redemptions and net revenue per currency, and says it in a sentence ([`sentences`]).
//!
//! Like the sales figures, these are business data: the engine answers them before its
//! transaction and only to staff (see `engine::sales_answers`); customers get the
//! not-understood answer.

pub mod sentences;
pub mod subject;

use crate::funnels::{FunnelError, Funnels, RangeReport};
use crate::sales::when;
use crate::store::{Store, StoreError};
use sentences::Figures;
use statbot_core::{Reply, limits};
pub use subject::Ask;
use subject::{Catalog, Resolution, Target};

/// Answers promotion questions from the funnels and the entry links.
#[derive(Clone)]
pub struct PromotionAnswers {
    funnels: Funnels,
    store: Store,
}

impl PromotionAnswers {
    pub fn new(funnels: Funnels, store: Store) -> PromotionAnswers {
        PromotionAnswers { funnels, store }
    }

    /// The reply to a staff member's question. A failure to read the figures is logged and said
    /// in a sentence; it never fails the batch.
    pub async fn answer(&self, ask: &Ask) -> Vec<Reply> {
        let text = match self.text(ask).await {
            Ok(text) => text,
            Err(e) => {
                tracing::warn!(error = %e, "a promotion question could not be answered");
                "Sorry, I couldn't read the promotion figures just now. Please try again in a moment.".into()
            }
        };
        vec![Reply::Text { text: text.chars().take(limits::TEXT_MAX_CHARS).collect() }]
    }

    async fn text(&self, ask: &Ask) -> Result<String, FunnelError> {
        let catalog = self.catalog().await?;
        let targets = match catalog.resolve(&ask.subject) {
            Resolution::Found(targets) => targets,
            Resolution::Unknown { kind, name } => return Ok(sentences::unknown(&catalog, kind, &name)),
            Resolution::Unnamed(kind) => return Ok(sentences::which(&catalog, kind)),
        };
        let today = self.funnels.today();
        let period = when::describe(ask.range, today);
        let mut lines = Vec::with_capacity(targets.len() + 1);
        for target in &targets {
            lines.push(self.target_text(target, ask, &period).await?);
        }
        if !ask.period_named {
            lines.push(sentences::default_period_note(&period));
        }
        Ok(lines.join("\n"))
    }

    /// The coupons of the loaded flows, the flows, and the entry links.
    async fn catalog(&self) -> Result<Catalog, StoreError> {
        let mut targets = Vec::new();
        for flow in self.funnels.flows() {
            targets.extend(flow.coupons.keys().map(|coupon| Target::Coupon {
                flow: flow.name.clone(),
                title: flow.title.clone(),
                coupon: coupon.clone(),
            }));
        }
        targets.extend(self.funnels.flows().map(|f| Target::Flow { flow: f.name.clone(), title: f.title.clone() }));
        targets.extend(self.store.links().await?.into_iter().map(|l| Target::Link { name: l.name, flow: l.flow }));
        Ok(Catalog { targets })
    }

    /// One target's figures in a sentence.
    async fn target_text(&self, target: &Target, ask: &Ask, period: &str) -> Result<String, FunnelError> {
        let flow_name = match target {
            Target::Coupon { flow, .. } | Target::Flow { flow, .. } | Target::Link { flow, .. } => flow,
        };
        let Ok(flow) = self.funnels.flow(flow_name) else {
            return Ok(format!(
                "The “{}” {} leads to the flow “{flow_name}”, which is not loaded: it has no figures.",
                target.name(),
                target.kind().noun()
            ));
        };
        let range = crate::funnels::DateRange { from: ask.range.from, to: ask.range.to };
        let figures = match target {
            Target::Flow { .. } => {
                let report = self.funnels.report(flow_name, range, false).await?;
                Figures {
                    entered: report.funnel.cohort,
                    revealed: revealed(&report, |_| true),
                    redemptions: report.redemptions,
                }
            }
            Target::Coupon { coupon, .. } => {
                let report = self.funnels.report(flow_name, range, false).await?;
                let reveals_it = |step: &str| flow.steps.get(step).and_then(|s| s.reveal.as_deref()) == Some(coupon);
                let mut by_coupon = self.funnels.redemptions_by_coupon(flow_name, range).await?;
                Figures {
                    entered: report.funnel.cohort,
                    revealed: revealed(&report, reveals_it),
                    redemptions: by_coupon.remove(coupon).unwrap_or_default(),
                }
            }
            Target::Link { name, .. } => {
                let report = self.funnels.split_by_ref(flow_name, range).await?;
                let part = report.by_ref.into_iter().flatten().find(|p| p.reference.as_deref() == Some(name.as_str()));
                match part {
                    Some(part) => Figures {
                        entered: part.funnel.cohort,
                        revealed: part.funnel.steps.iter().map(|s| s.reveal_contacts).sum(),
                        redemptions: part.redemptions,
                    },
                    None => Figures::default(),
                }
            }
        };
        Ok(sentences::figures(target, &flow.title, period, &figures))
    }
}

/// Contacts who revealed a coupon at the steps `counted` picks (a contact revealing at two such
/// steps counts at each: flows reveal a coupon at one step as a rule).
fn revealed(report: &RangeReport, counted: impl Fn(&str) -> bool) -> u64 {
    report.funnel.steps.iter().filter(|s| counted(&s.step)).map(|s| s.reveal_contacts).sum()
}
