//! The ask-your-data assistant: free text is matched to an intent of the intents file, its
//! entities are resolved against the data sets, and the answer (text, a signed chart link,
//! buttons) is built from the contact's context, which it then updates. It shares the engine's
//! transaction: replies, context and the record of what was understood commit together. Store
//! metrics for staff (`store`) are the exception: they are answered before it begins.

pub mod answer;
pub mod chart_links;
pub mod charts;
pub mod context;
pub mod intents;
pub mod promotions;
pub mod sales;
pub mod setup;
pub mod understand;
pub mod unknown;

use crate::datasets::{Datasets, Snapshot};
use crate::store::{NewUtterance, StoreError};
use answer::{Plan, Tap};
use chart_links::ChartLinks;
use context::DataContext;
use intents::{AnswerKind, IntentSet};
use sales::SalesAnswers;
use sqlx::AnyConnection;
use statbot_core::{InboundContent, Reply};
use std::sync::{Arc, Mutex};
use understand::{Trained, Understanding};

/// Shared by the engine and the chart route.
#[derive(Clone)]
pub struct Assistant {
    inner: Arc<Inner>,
}

struct Inner {
    intents: IntentSet,
    datasets: Datasets,
    links: ChartLinks,
    time_zone: jiff::tz::TimeZone,
    trained: Mutex<Option<Arc<Trained>>>,
    train_lock: tokio::sync::Mutex<()>,
    charts: charts::ChartCache,
    sales: SalesAnswers,
}

/// The data sets and the classifier trained against them, taken before the engine holds a
/// database connection (loading them needs one).
#[derive(Clone)]
pub struct Prepared {
    snapshot: Arc<Snapshot>,
    trained: Arc<Trained>,
}

/// What the assistant makes of one message.
#[derive(Debug, Default)]
pub struct Outcome {
    pub replies: Vec<Reply>,
    /// The contact's new context, when it changed.
    pub context: Option<serde_json::Map<String, serde_json::Value>>,
    pub utterance: Option<NewUtterance>,
    /// Whether the main menu (the default flow's entry step) follows the replies.
    pub then_menu: bool,
    /// The contact asked for a person: the engine hands the conversation to the inbox.
    pub handoff: bool,
}

impl Assistant {
    pub fn new(
        intents: IntentSet,
        datasets: Datasets,
        links: ChartLinks,
        time_zone: jiff::tz::TimeZone,
        sales: SalesAnswers,
    ) -> Assistant {
        Assistant {
            inner: Arc::new(Inner {
                intents,
                datasets,
                links,
                time_zone,
                trained: Mutex::new(None),
                train_lock: tokio::sync::Mutex::new(()),
                charts: charts::ChartCache::default(),
                sales,
            }),
        }
    }

    /// The PNG behind a chart link's token, drawn off the async threads or taken from the cache.
    pub async fn chart_png(&self, token: &str) -> Result<Arc<[u8]>, ChartFailure> {
        let spec = self.inner.links.verify(token, jiff::Timestamp::now().as_second())?;
        let snapshot = self.inner.datasets.snapshot().await.map_err(crate::datasets::LookupError::from)?;
        let set = snapshot.get(&spec.dataset)?;
        if let Some(png) = self.inner.charts.get(&spec, set.version) {
            return Ok(png);
        }
        let chart = charts::build(&self.inner.datasets, set, &spec).await?;
        let version = set.version;
        let png: Arc<[u8]> = tokio::task::spawn_blocking(move || statbot_charts::render_png(&chart))
            .await
            .map_err(|e| ChartFailure::Draw(e.to_string()))?
            .map_err(|e| ChartFailure::Draw(e.to_string()))?
            .into();
        self.inner.charts.put(spec, version, png.clone());
        Ok(png)
    }

    /// A fresh link to the chart an answer of ours linked to (`…/charts/answers/[store/]TOKEN.png`),
    /// expired or not: how the dashboard shows the charts a contact was sent. `None` for any
    /// other address, or a token these links did not sign.
    pub fn renew_chart_url(&self, url: &str) -> Option<String> {
        let (_, token) = url.split_once(chart_links::ROUTE_PREFIX)?;
        let token = token.strip_suffix(".png")?;
        match token.strip_prefix("store/") {
            Some(token) => self.inner.sales.renew_link(token),
            None => self.inner.links.renew(chart_links::ROUTE_PREFIX, token, jiff::Timestamp::now().as_second()),
        }
    }

    fn today(&self) -> jiff::civil::Date {
        jiff::Timestamp::now().to_zoned(self.inner.time_zone.clone()).date()
    }

    /// The current data sets and a classifier trained against them (trained again, off the
    /// async threads, when an import changed a set the intents read).
    pub async fn prepare(&self) -> Result<Prepared, StoreError> {
        let snapshot = self.inner.datasets.snapshot().await?;
        let current = |trained: &Option<Arc<Trained>>| {
            trained.as_ref().filter(|t| t.versions == versions_of(&self.inner.intents, &snapshot)).cloned()
        };
        if let Some(trained) = current(&self.inner.trained.lock().expect("trained lock")) {
            return Ok(Prepared { snapshot, trained });
        }
        let _one_training = self.inner.train_lock.lock().await;
        if let Some(trained) = current(&self.inner.trained.lock().expect("trained lock")) {
            return Ok(Prepared { snapshot, trained });
        }
        let (intents, for_training, today) = (self.inner.intents.clone(), snapshot.clone(), self.today());
        let started = std::time::Instant::now();
        let trained = tokio::task::spawn_blocking(move || Trained::train(&intents, &for_training, today))
            .await
            .map_err(|e| StoreError::Corrupt(format!("intent training stopped: {e}")))?;
        tracing::info!(
            intents = self.inner.intents.intents.len(),
            ms = started.elapsed().as_millis() as u64,
            "intent classifier trained"
        );
        let trained = Arc::new(trained);
        *self.inner.trained.lock().expect("trained lock") = Some(trained.clone());
        Ok(Prepared { snapshot, trained })
    }

    /// Answers a message when it is the assistant's: free text, or one of its buttons. `None`
    /// leaves the message to the flows.
    pub async fn respond(
        &self,
        conn: &mut AnyConnection,
        prepared: &Prepared,
        content: &InboundContent,
        stored_context: &serde_json::Map<String, serde_json::Value>,
        contact_id: i64,
        inbound_id: i64,
    ) -> Result<Option<Outcome>, StoreError> {
        let mut context = DataContext::from_contact(stored_context);
        let (plan, set_name, utterance) = match content {
            InboundContent::Payload { payload, .. } => {
                let Some(tap) = Tap::parse(payload) else { return Ok(None) };
                if tap == Tap::Menu {
                    return Ok(Some(Outcome { then_menu: true, ..Outcome::default() }));
                }
                let Some(name) = context.dataset.clone().or_else(|| self.first_dataset()) else { return Ok(None) };
                let Ok(set) = prepared.snapshot.get(&name) else { return Ok(Some(not_loaded(&name))) };
                (answer::plan_tap(&tap, set, &mut context), name, None)
            }
            InboundContent::Referral | InboundContent::Attachment { .. } => return Ok(None),
            InboundContent::Text { text } => {
                let intents = &self.inner.intents;
                let (understood, utterance) = self.understand_text(prepared, text, contact_id, inbound_id);
                let Some(index) = understood.intent else {
                    let replies = vec![self.not_understood(Some(text))];
                    return Ok(Some(Outcome { replies, utterance: Some(utterance), ..Outcome::default() }));
                };
                let intent = &intents.intents[index];
                match intent.answer {
                    AnswerKind::Menu => {
                        return Ok(Some(Outcome { utterance: Some(utterance), then_menu: true, ..Outcome::default() }));
                    }
                    AnswerKind::Handoff => {
                        return Ok(Some(Outcome { utterance: Some(utterance), handoff: true, ..Outcome::default() }));
                    }
                    AnswerKind::Help => {
                        return Ok(Some(Outcome {
                            replies: vec![self.help()],
                            utterance: Some(utterance),
                            ..Outcome::default()
                        }));
                    }
                    // The engine answers these before its transaction; here only when it did
                    // not (it always does while it runs the assistant).
                    kind if kind.is_store() => {
                        let text = "Sorry, store metrics are not available right now.".to_owned();
                        return Ok(Some(Outcome {
                            replies: vec![Reply::Text { text }],
                            utterance: Some(utterance),
                            ..Outcome::default()
                        }));
                    }
                    kind => {
                        let name = intent.dataset.clone().unwrap_or_default();
                        let Ok(set) = prepared.snapshot.get(&name) else {
                            let mut outcome = not_loaded(&name);
                            outcome.utterance = Some(utterance);
                            return Ok(Some(outcome));
                        };
                        let ask = understood
                            .asks
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, a)| a.clone())
                            .unwrap_or_default();
                        (answer::plan_question(kind, set, &ask, &mut context), name, Some(utterance))
                    }
                }
            }
        };
        let set = prepared.snapshot.get(&set_name).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let replies = match plan {
            Plan::Say(replies) => replies,
            Plan::Show { rows, metric } => {
                let mut entities = Vec::with_capacity(rows.len());
                for row in rows {
                    entities.push(self.inner.datasets.entity_in(conn, set, row).await?);
                }
                let now = jiff::Timestamp::now().as_second();
                let replies = answer::render(set, &entities, metric, context.credited, &self.inner.links, now);
                context.credited |= set.meta.attribution.is_some();
                replies
            }
        };
        let mut stored = stored_context.clone();
        context.store_in(&mut stored);
        Ok(Some(Outcome { replies, context: Some(stored), utterance, ..Outcome::default() }))
    }

    /// Classifies a text, and the record of what it was understood as.
    fn understand_text(
        &self,
        prepared: &Prepared,
        text: &str,
        contact_id: i64,
        inbound_id: i64,
    ) -> (Understanding, NewUtterance) {
        let intents = &self.inner.intents;
        let understood = prepared.trained.understand(intents, &prepared.snapshot, text, self.today());
        let utterance = NewUtterance {
            contact_id,
            inbound_id: Some(inbound_id),
            text: text.to_owned(),
            normalized: normalize(text),
            intent: Some(intents.intents[understood.best].name.clone()),
            confidence: understood.confidence,
            understood: understood.intent.is_some(),
        };
        (understood, utterance)
    }

    /// What a phrase is understood as, in words: for writing and checking intents.
    pub async fn explain(&self, text: &str) -> Result<String, StoreError> {
        let prepared = self.prepare().await?;
        let intents = &self.inner.intents;
        let understood = prepared.trained.understand(intents, &prepared.snapshot, text, self.today());
        let mut out = format!(
            "intent: {} (confidence {:.2}{})",
            intents.intents[understood.best].name,
            understood.confidence,
            if understood.intent.is_none() {
                format!(", under the threshold {:.2}: not understood", intents.threshold)
            } else {
                String::new()
            }
        );
        out.push_str(&format!(
            "
masked: {}",
            understood.masked
        ));
        for (name, ask) in &understood.asks {
            let Ok(set) = prepared.snapshot.get(name) else { continue };
            let rows: Vec<String> = ask
                .rows
                .iter()
                .map(|c| c.iter().map(|&r| set.rows[r].label.as_str()).collect::<Vec<_>>().join(" | "))
                .collect();
            let metrics: Vec<&str> = ask.metrics.iter().map(|&m| set.meta.columns[m].name.as_str()).collect();
            out.push_str(&format!(
                "
{name}: rows [{}], metrics [{}]",
                rows.join(", "),
                metrics.join(", ")
            ));
            if let Some(year) = ask.year {
                out.push_str(&format!(", year {year}"));
            }
            for unknown in &ask.unknown {
                let near: Vec<&str> = unknown.suggestions.iter().map(|&r| set.rows[r].label.as_str()).collect();
                out.push_str(&format!(
                    "
{name}: unknown {:?}{}{}",
                    unknown.said,
                    if unknown.listed { " (listed with a row)" } else { "" },
                    if near.is_empty() { String::new() } else { format!(", near {}", near.join(" | ")) }
                ));
            }
        }
        Ok(out)
    }

    fn first_dataset(&self) -> Option<String> {
        self.inner.intents.datasets().first().map(|s| (*s).to_owned())
    }

    /// Examples of what can be asked: the first example of each intent that reads data.
    fn examples(&self) -> Vec<&str> {
        self.inner
            .intents
            .intents
            .iter()
            .filter(|i| matches!(i.answer, AnswerKind::Value | AnswerKind::Compare))
            .flat_map(|i| i.examples.iter().take(2).map(String::as_str))
            .collect()
    }

    fn help(&self) -> Reply {
        let examples: Vec<String> = self.examples().iter().map(|e| format!("“{e}”")).collect();
        Reply::QuickReplies {
            text: format!(
                "You can ask me about the data I have, for example {}. Or tap below to explore.",
                examples.join(", ")
            ),
            replies: vec![statbot_core::Button { title: "Explore the data".into(), payload: Tap::Explore.payload() }],
        }
    }

    /// The answer to what was not understood: one reply, with examples and its own choices
    /// (exploring the data, or the main menu), so no other set of buttons follows it.
    /// `said` is what the contact typed (or the title of the button they tapped), quoted back.
    pub fn not_understood(&self, said: Option<&str>) -> Reply {
        let examples: Vec<String> = self.examples().iter().take(3).map(|e| format!("“{e}”")).collect();
        let shown = match said.map(str::trim).filter(|s| !s.is_empty()) {
            Some(said) => format!("“{}”", said.chars().take(80).collect::<String>()),
            None => "that".to_owned(),
        };
        Reply::QuickReplies {
            text: format!(
                "Sorry, I didn't understand {shown}. You can ask things like {}, or pick one of these:",
                examples.join(", ")
            ),
            replies: vec![
                statbot_core::Button { title: "Explore the data".into(), payload: Tap::Explore.payload() },
                statbot_core::Button { title: "Main menu".into(), payload: Tap::Menu.payload() },
            ],
        }
    }
}

/// Why a chart link gives no chart.
#[derive(Debug, thiserror::Error)]
pub enum ChartFailure {
    #[error(transparent)]
    Link(#[from] chart_links::LinkError),
    #[error(transparent)]
    Lookup(#[from] crate::datasets::LookupError),
    #[error(transparent)]
    Metrics(#[from] crate::sales::SalesError),
    #[error("drawing a chart: {0}")]
    Draw(String),
}

fn versions_of(intents: &IntentSet, snapshot: &Snapshot) -> Vec<(String, i64)> {
    intents
        .datasets()
        .into_iter()
        .filter_map(|name| snapshot.get(name).ok().map(|s| (s.meta.name.clone(), s.version)))
        .collect()
}

fn not_loaded(name: &str) -> Outcome {
    tracing::warn!(dataset = name, "an intent reads a data set that is not loaded");
    let text = "Sorry, that data is not available right now.".to_owned();
    Outcome { replies: vec![Reply::Text { text }], then_menu: true, ..Outcome::default() }
}

/// Lower case, single spaces, without closing punctuation: "Population of AUSTIN?" and
/// "population of austin" are the same miss.
pub fn normalize(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    words.join(" ").trim_end_matches(['?', '!', '.', ',', ';', ':']).trim().to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn misses_group_by_normalized_text() {
        assert_eq!(super::normalize("  Population of   AUSTIN?! "), "population of austin");
    }
}
