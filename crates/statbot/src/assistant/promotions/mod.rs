//! Promotions in the chat, for staff: "how did the spring coupon do?", "how is the coupon flow
//! doing", "revenue from the flyer link", "what did the flyer link bring this month", "how did
//! the spring-sale broadcast do?", "which variant of the spring offer wins?". A text classified
//! to the `store_promotion` intent (or a revenue question that says "coupon", "flow", "link",
//! "broadcast" or "variant") becomes an [`Ask`] ([`subject`]); the answer reads the funnel of
//! the coupon's flow, the flow, or the link's flow by ref ([`crate::funnels::Funnels`]), with
//! its redemptions and net revenue per currency; a broadcast's funnel over its whole send
//! ([`crate::engine::broadcast_report`]); or, asked about variants, the flow's split report
//! with its verdict ([`crate::funnels::SplitReport`]); and says it in a sentence
//! ([`sentences`]).
//!
//! Like the sales figures, these are business data: the engine answers them before its
//! transaction and only to staff (see `engine::sales_answers`); customers get the
//! not-understood answer.

pub mod sentences;
pub mod subject;

use crate::dates::DayRange;
use crate::engine::{BroadcastError, broadcast_report};
use crate::funnels::{DateRange, FunnelError, Funnels, RangeReport};
use crate::sales::when;
use crate::store::{Store, StoreError};
use sentences::Figures;
use statbot_core::{Reply, limits};
pub use subject::Ask;
use subject::{Catalog, Kind, Resolution, Target};

/// Why the figures could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PromotionError {
    #[error(transparent)]
    Funnel(#[from] FunnelError),
    #[error(transparent)]
    Broadcast(#[from] BroadcastError),
}

impl From<StoreError> for PromotionError {
    fn from(e: StoreError) -> PromotionError {
        PromotionError::Funnel(e.into())
    }
}

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

    async fn text(&self, ask: &Ask) -> Result<String, PromotionError> {
        let catalog = self.catalog().await?;
        let resolution = catalog.resolve(&ask.subject);
        if ask.by_variant {
            return self.variants_text(&catalog, resolution, ask).await;
        }
        let targets = match resolution {
            Resolution::Found(targets) => targets,
            Resolution::Unknown { kind, name } => return Ok(sentences::unknown(&catalog, kind, &name)),
            Resolution::Unnamed(kind) => return Ok(sentences::which(&catalog, kind)),
        };
        let today = self.funnels.today();
        let period = when::describe(ask.range, today);
        let mut lines = Vec::with_capacity(targets.len() + 1);
        for target in &targets {
            lines.push(match target {
                Target::Broadcast { name, .. } => self.broadcast_text(name, today).await?,
                _ => self.target_text(target, ask, &period).await?,
            });
        }
        let over_days = targets.iter().any(|t| t.kind() != Kind::Broadcast);
        if over_days && !ask.period_named {
            lines.push(sentences::default_period_note(&period));
        } else if !over_days && ask.period_named {
            lines.push(sentences::broadcast_period_note().to_owned());
        }
        Ok(lines.join("\n"))
    }

    /// The split tests of the flows a question about variants names (a coupon's, a link's or a
    /// broadcast's flow), or of the one flow with a split step when it names none.
    async fn variants_text(
        &self,
        catalog: &Catalog,
        resolution: Resolution,
        ask: &Ask,
    ) -> Result<String, PromotionError> {
        let mut flows: Vec<String> = Vec::new();
        match resolution {
            Resolution::Found(targets) => {
                for target in &targets {
                    if !flows.iter().any(|f| f == target.flow()) {
                        flows.push(target.flow().to_owned());
                    }
                }
            }
            Resolution::Unknown { kind, name } => return Ok(sentences::unknown(catalog, kind, &name)),
            Resolution::Unnamed(_) => {
                let split: Vec<String> =
                    self.funnels.flows().filter(|f| f.splits().next().is_some()).map(|f| f.name.clone()).collect();
                match split.as_slice() {
                    [one] => flows.push(one.clone()),
                    _ => return Ok(sentences::which_split(&split)),
                }
            }
        }
        let period = when::describe(ask.range, self.funnels.today());
        let mut lines = Vec::new();
        for name in &flows {
            let Ok(flow) = self.funnels.flow(name) else {
                lines.push(format!("The flow “{name}” is not loaded: it has no figures."));
                continue;
            };
            let report = self.funnels.report_by_variant(name, date_range(ask.range), None).await?;
            let splits = report.by_variant.unwrap_or_default();
            if splits.is_empty() {
                lines.push(sentences::no_split(name, &flow.title));
            }
            lines.extend(splits.iter().map(|split| sentences::split(name, &flow.title, &period, split)));
        }
        let any_split = flows.iter().any(|f| self.funnels.flow(f).is_ok_and(|f| f.splits().next().is_some()));
        if any_split && !ask.period_named {
            lines.push(sentences::default_period_note(&period));
        }
        Ok(lines.join("\n"))
    }

    /// A broadcast's figures over its whole send, with when it started and its status.
    async fn broadcast_text(&self, name: &str, today: jiff::civil::Date) -> Result<String, PromotionError> {
        let report = broadcast_report(&self.store, name).await?;
        let title = self.funnels.flow(&report.broadcast.flow).map(|f| f.title.clone());
        let title = title.unwrap_or_else(|_| report.broadcast.flow.clone());
        let start = moment(report.broadcast.start_at, &self.funnels.rules().time_zone, today);
        Ok(sentences::broadcast(&report, &title, &start))
    }

    /// The coupons of the loaded flows, the flows, the entry links and the broadcasts.
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
        let broadcasts = self.store.broadcasts().await?;
        targets.extend(broadcasts.into_iter().map(|b| Target::Broadcast { name: b.name, flow: b.flow }));
        Ok(Catalog { targets })
    }

    /// One target's figures in a sentence.
    async fn target_text(&self, target: &Target, ask: &Ask, period: &str) -> Result<String, FunnelError> {
        let flow_name = target.flow();
        let Ok(flow) = self.funnels.flow(flow_name) else {
            return Ok(format!(
                "The “{}” {} leads to the flow “{flow_name}”, which is not loaded: it has no figures.",
                target.name(),
                target.kind().noun()
            ));
        };
        let range = date_range(ask.range);
        let figures = match target {
            // A broadcast is answered over its send ([`Self::broadcast_text`]); its flow's here.
            Target::Flow { .. } | Target::Broadcast { .. } => {
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

fn date_range(range: DayRange) -> DateRange {
    DateRange { from: range.from, to: range.to }
}

/// "Dec 6 at 15:49" in the reporting time zone ("Dec 29, 2025 at 09:00" in another year).
fn moment(ms: i64, zone: &jiff::tz::TimeZone, today: jiff::civil::Date) -> String {
    let Ok(at) = jiff::Timestamp::from_millisecond(ms) else { return "at an unknown time".into() };
    let at = at.to_zoned(zone.clone());
    let day = at.date();
    format!("{} at {}", when::span_text(DayRange { from: day, to: day }, today), at.strftime("%H:%M"))
}

/// Contacts who revealed a coupon at the steps `counted` picks (a contact revealing at two such
/// steps counts at each: flows reveal a coupon at one step as a rule).
fn revealed(report: &RangeReport, counted: impl Fn(&str) -> bool) -> u64 {
    report.funnel.steps.iter().filter(|s| counted(&s.step)).map(|s| s.reveal_contacts).sum()
}
