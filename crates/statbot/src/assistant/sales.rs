//! Sales figures in the chat, for staff: "top customers", "best selling words", "revenue last
//! week", "how did we do in March", promotions ("how did the spring coupon do?", see
//! [`super::promotions`]), and the menu with its buttons (titled "Store metrics", as
//! the bot says it). A question (typed, classified to a `store_*` intent, or a `store:` button)
//! becomes a [`Question`]; its
//! answer is a short text from [`crate::sales::sentences`] and a chart behind a signed,
//! expiring link (`/charts/answers/store/{token}.png`) that is drawn again from the metrics when
//! fetched.
//!
//! Sales figures may read the store and call the Stripe API for seconds, so they never run in
//! the engine's transaction: the engine picks the sales questions of a batch with
//! [`Assistant::sales_question`] first, lets its connection go, checks who is staff and calls
//! [`SalesAnswers::answer`], and then records the replies with the rest of the batch.

use super::chart_links::{ChartLinks, LinkError};
use super::intents::AnswerKind;
use super::promotions::{Ask, PromotionAnswers, subject};
use super::{Assistant, ChartFailure, Prepared};
use crate::dates::DayRange;
use crate::sales::periods::Period;
use crate::sales::when::{self, Preset};
use crate::sales::{Sales, SalesError, charts, sentences};
use crate::store::NewUtterance;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use statbot_charts::Chart;
use statbot_core::{Button, InboundContent, Reply, limits};

/// Payloads of the store buttons start with this: `store:menu`, `store:revenue:last_week`.
pub const PAYLOAD_PREFIX: &str = "store:";
/// The menu's payload.
pub const MENU_PAYLOAD: &str = "store:menu";
/// Where sales answer charts are served, under the public URL.
pub const ROUTE_PREFIX: &str = "/charts/answers/store/";
/// What the key of store chart links is derived for (not the data set charts' key).
const LINK_PURPOSE: &[u8] = b"statbot store chart links v1";
/// Store chart links live at most a day, whatever the data set charts' links do: they show
/// figures only staff may see, to whoever has the link.
const MAX_LINK_TTL_SECS: i64 = 24 * 3600;
/// Customers or words listed when the question does not say ("top 3 customers").
const RANKED: usize = 5;
/// The most a question may ask for.
const MAX_RANKED: usize = 10;

/// What a sales question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Revenue,
    Customers,
    Words,
}

impl Topic {
    pub fn name(self) -> &'static str {
        match self {
            Topic::Revenue => "revenue",
            Topic::Customers => "customers",
            Topic::Words => "words",
        }
    }

    fn parse(name: &str) -> Option<Topic> {
        [Topic::Revenue, Topic::Customers, Topic::Words].into_iter().find(|t| t.name() == name)
    }

    /// The days covered when the question names none.
    fn default_range(self, today: Date) -> DayRange {
        match self {
            Topic::Revenue => when::default_for_revenue(today),
            Topic::Customers | Topic::Words => when::default_for_rankings(today),
        }
    }
}

/// A sales question, understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Question {
    /// The menu of sales figures.
    Menu,
    /// Figures of a topic over a range; `limit` customers or words for a ranking, in `currency`
    /// when the question names one (a ranking is in the range's main currency otherwise).
    Figures { topic: Topic, range: DayRange, limit: usize, currency: Option<String> },
    /// A coupon's, a flow's or a link's figures (see [`super::promotions`]).
    Promotion(Ask),
    /// A question that cannot be answered as asked (its days are still to come): why.
    Unanswerable(String),
}

impl Question {
    /// The question a `store:` button asks; `None` for other payloads (and unknown store ones).
    pub fn from_payload(payload: &str, today: Date) -> Option<Question> {
        let rest = payload.strip_prefix(PAYLOAD_PREFIX)?;
        if rest == "menu" {
            return Some(Question::Menu);
        }
        let (topic, preset) = rest.split_once(':')?;
        let (topic, preset) = (Topic::parse(topic)?, Preset::parse(preset)?);
        Some(Question::Figures { topic, range: preset.range(today), limit: RANKED, currency: None })
    }

    /// The question a text classified to a store intent asks; `None` for other intents.
    pub fn from_text(kind: AnswerKind, text: &str, today: Date) -> Option<Question> {
        let promotion = |text: &str| match Ask::from_text(text, today) {
            Ok(ask) => Question::Promotion(ask),
            Err(why) => Question::Unanswerable(why),
        };
        let topic = match kind {
            AnswerKind::StorePromotion => return Some(promotion(text)),
            // "revenue from the flyer link" is about the link.
            AnswerKind::StoreRevenue if subject::names_a_promotion(text) => return Some(promotion(text)),
            AnswerKind::StoreMenu => return Some(Question::Menu),
            AnswerKind::StoreRevenue => Topic::Revenue,
            AnswerKind::StoreTopCustomers => Topic::Customers,
            AnswerKind::StoreWords => Topic::Words,
            _ => return None,
        };
        Some(match when::range_in(text, today) {
            Ok(range) => Question::Figures {
                topic,
                range: range.unwrap_or_else(|| topic.default_range(today)),
                limit: ranked_in(text),
                currency: currency_in(text),
            },
            Err(why) => Question::Unanswerable(why),
        })
    }
}

/// How many a ranking asks for: "top 3 customers" is 3 (at most [`MAX_RANKED`]); [`RANKED`]
/// unless a number follows "top".
fn ranked_in(text: &str) -> usize {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    words
        .windows(2)
        .find(|pair| pair[0] == "top")
        .and_then(|pair| pair[1].parse::<usize>().ok())
        .map_or(RANKED, |n| n.clamp(1, MAX_RANKED))
}

/// The currency a question names: "in EUR" (any three letters after "in"; a ranking in it that
/// comes out empty, as "in May" does, gives way to the main currency's), or "euros".
fn currency_in(text: &str) -> Option<String> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if words.iter().any(|w| w == "euro" || w == "euros") {
        return Some("eur".into());
    }
    words
        .windows(2)
        .find(|pair| pair[0] == "in" && pair[1].len() == 3 && pair[1].chars().all(|c| c.is_ascii_alphabetic()))
        .map(|pair| pair[1].clone())
}

/// The payload of a button asking for `topic` over a preset range.
pub fn payload(topic: Topic, preset: Preset) -> String {
    format!("{PAYLOAD_PREFIX}{}:{}", topic.name(), preset.name())
}

/// The menu's buttons: title and what they ask.
const MENU: [(&str, Topic, Preset); 4] = [
    ("Revenue this week", Topic::Revenue, Preset::ThisWeek),
    ("Revenue last month", Topic::Revenue, Preset::LastMonth),
    ("Top customers", Topic::Customers, Preset::Last30Days),
    ("Best selling words", Topic::Words, Preset::Last30Days),
];

fn menu_buttons() -> Vec<Button> {
    MENU.iter()
        .map(|(title, topic, preset)| Button { title: (*title).into(), payload: payload(*topic, *preset) })
        .collect()
}

/// A sales question found in a message, and the record of the text (none for a button).
#[derive(Debug)]
pub struct SalesAsk {
    pub question: Question,
    pub utterance: Option<NewUtterance>,
}

impl Assistant {
    /// The sales question a message asks, if it is one: a `store:` button, or a text the
    /// classifier gives to a store intent (texts only when the classifier is `prepared`). Pure
    /// computation, no I/O: the engine calls it before it begins its transaction.
    pub fn sales_question(
        &self,
        prepared: Option<&Prepared>,
        content: &InboundContent,
        contact_id: i64,
        inbound_id: i64,
    ) -> Option<SalesAsk> {
        let today = self.inner.sales.metrics.today();
        match content {
            InboundContent::Payload { payload, .. } => {
                Some(SalesAsk { question: Question::from_payload(payload, today)?, utterance: None })
            }
            InboundContent::Referral | InboundContent::Attachment { .. } => None,
            InboundContent::Text { text } => {
                let prepared = prepared.filter(|_| self.inner.intents.has_store())?;
                let (understood, utterance) = self.understand_text(prepared, text, contact_id, inbound_id);
                let kind = self.inner.intents.intents[understood.intent?].answer;
                Some(SalesAsk { question: Question::from_text(kind, text, today)?, utterance: Some(utterance) })
            }
        }
    }

    /// The sales answers (for the engine and the chart route).
    pub fn sales(&self) -> &SalesAnswers {
        &self.inner.sales
    }
}

/// What a store chart link shows: the topic over a range, in a currency, as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreChart {
    #[serde(rename = "k")]
    pub topic: Topic,
    #[serde(rename = "f")]
    pub from: Date,
    #[serde(rename = "t")]
    pub to: Date,
    /// The revenue series' period (`day`, `week`, `month`).
    #[serde(rename = "p")]
    pub period: String,
    #[serde(rename = "c")]
    pub currency: Option<String>,
    /// Customers or words drawn.
    #[serde(rename = "n")]
    pub limit: usize,
}

/// Answers sales questions from the sales figures, with chart links, and promotion questions
/// from the funnels.
#[derive(Clone)]
pub struct SalesAnswers {
    metrics: Sales,
    links: ChartLinks,
    /// `None` where no flows are loaded for it (`statbot intents classify`, which answers nothing).
    promotions: Option<PromotionAnswers>,
}

impl SalesAnswers {
    /// Chart links are signed with a key derived from `secret` for store charts alone, and
    /// live `ttl_secs` (at most a day).
    pub fn new(metrics: Sales, secret: &[u8], ttl_secs: i64, public_base: &str) -> SalesAnswers {
        let links = ChartLinks::for_purpose(secret, LINK_PURPOSE, ttl_secs.min(MAX_LINK_TTL_SECS), public_base);
        SalesAnswers { metrics, links, promotions: None }
    }

    /// Promotion questions answered from `promotions`.
    pub fn with_promotions(self, promotions: PromotionAnswers) -> SalesAnswers {
        SalesAnswers { promotions: Some(promotions), ..self }
    }

    /// The replies to a staff member's question: the figures (text and chart) or the menu.
    /// Only for staff: the engine answers anyone else as it answers what it did not understand.
    /// A failure to read the figures is logged and said in a sentence; it never fails the batch.
    pub async fn answer(&self, question: &Question) -> Vec<Reply> {
        match question {
            Question::Menu => vec![Reply::QuickReplies {
                text: "Store metrics: what would you like to see? You can also ask, e.g. “revenue last week”, \
                       “how did we do in March”, “top customers this month”."
                    .into(),
                replies: menu_buttons(),
            }],
            Question::Unanswerable(why) => vec![Reply::QuickReplies { text: why.clone(), replies: menu_buttons() }],
            Question::Promotion(ask) => match &self.promotions {
                Some(promotions) => promotions.answer(ask).await,
                None => vec![Reply::Text { text: "Sorry, promotion figures are not available here.".into() }],
            },
            Question::Figures { topic, range, limit, currency } => {
                match self.figures(*topic, *range, *limit, currency.as_deref()).await {
                    Ok(replies) => replies,
                    Err(e) => {
                        tracing::warn!(error = %e, topic = topic.name(), "a store question could not be answered");
                        vec![Reply::Text {
                            text: "Sorry, I couldn't read the store figures just now. Please try again in a moment."
                                .into(),
                        }]
                    }
                }
            }
        }
    }

    /// The answer's text (with the menu's buttons to go on) and its chart, when there is data.
    async fn figures(
        &self,
        topic: Topic,
        range: DayRange,
        limit: usize,
        asked: Option<&str>,
    ) -> Result<Vec<Reply>, SalesError> {
        let today = self.metrics.today();
        let period = Period::for_range(range);
        let (text, currency) = match topic {
            Topic::Revenue => {
                let report = self.metrics.revenue(range, period).await?;
                (sentences::revenue(&report, today), report.currencies.first().map(|c| c.currency.clone()))
            }
            Topic::Customers => {
                let mut report = self.metrics.top_customers(range, asked, limit).await?;
                if asked.is_some() && report.customers.is_empty() {
                    report = self.metrics.top_customers(range, None, limit).await?;
                }
                let currency = report.currency.clone().filter(|_| !report.customers.is_empty());
                (sentences::top_customers(&report, today), currency)
            }
            Topic::Words => {
                let mut report = self.metrics.words(range, asked, limit).await?;
                if asked.is_some() && report.words.is_empty() {
                    report = self.metrics.words(range, None, limit).await?;
                }
                let currency = report.currency.clone().filter(|_| !report.words.is_empty());
                (sentences::words(&report, today), currency)
            }
        };
        let text: String = text.chars().take(limits::TEXT_MAX_CHARS).collect();
        let mut replies = vec![Reply::QuickReplies { text, replies: menu_buttons() }];
        if currency.is_some() {
            let chart =
                StoreChart { topic, from: range.from, to: range.to, period: period.name().into(), currency, limit };
            let url = self.links.url_at(ROUTE_PREFIX, &chart, jiff::Timestamp::now().as_second());
            replies.push(Reply::Image { url });
        }
        Ok(replies)
    }

    /// A fresh link to the store chart a link of ours shows, expired or not (for the dashboard).
    pub fn renew_link(&self, token: &str) -> Option<String> {
        self.links.renew(ROUTE_PREFIX, token, jiff::Timestamp::now().as_second())
    }

    /// The PNG behind a store chart link: the report read again, drawn off the async threads.
    pub async fn chart_png(&self, token: &str) -> Result<Vec<u8>, ChartFailure> {
        let spec: StoreChart = self.links.verify_as(token, jiff::Timestamp::now().as_second())?;
        let range = DayRange::new(spec.from, spec.to).map_err(|_| LinkError::Malformed)?;
        let currency = spec.currency.as_deref();
        let limit = spec.limit.clamp(1, MAX_RANKED);
        let chart: Chart = match spec.topic {
            Topic::Revenue => {
                let period = spec.period.parse::<Period>().map_err(|_| LinkError::Malformed)?;
                let report = self.metrics.revenue(range, period).await?;
                charts::revenue_chart(&report, currency.unwrap_or_default(), self.metrics.zone())
            }
            Topic::Customers => charts::top_customers_chart(
                &self.metrics.top_customers(range, currency, limit).await?,
                self.metrics.zone(),
            ),
            Topic::Words => {
                charts::words_chart(&self.metrics.words(range, currency, limit).await?, self.metrics.zone())
            }
        };
        tokio::task::spawn_blocking(move || statbot_charts::render_png(&chart))
            .await
            .map_err(|e| ChartFailure::Draw(e.to_string()))?
            .map_err(|e| ChartFailure::Draw(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 24);

    #[test]
    fn buttons_ask_for_preset_ranges() {
        assert_eq!(Question::from_payload(MENU_PAYLOAD, TODAY), Some(Question::Menu));
        let last_week = DayRange { from: date(2026, 11, 16), to: date(2026, 11, 22) };
        assert_eq!(
            Question::from_payload("store:revenue:last_week", TODAY),
            Some(Question::Figures { topic: Topic::Revenue, range: last_week, limit: RANKED, currency: None })
        );
        for button in menu_buttons() {
            assert!(matches!(Question::from_payload(&button.payload, TODAY), Some(Question::Figures { .. })));
            assert!(button.title.chars().count() <= limits::TITLE_MAX_CHARS, "{}", button.title);
        }
        for other in ["store:revenue", "store:revenue:next_week", "store:sales:today", "ask:explore", "coupon:show"] {
            assert_eq!(Question::from_payload(other, TODAY), None, "{other}");
        }
    }

    #[test]
    fn texts_name_their_range_or_get_the_topics_default() {
        let march = DayRange { from: date(2026, 3, 1), to: date(2026, 3, 31) };
        assert_eq!(
            Question::from_text(AnswerKind::StoreRevenue, "how did we do in March", TODAY),
            Some(Question::Figures { topic: Topic::Revenue, range: march, limit: RANKED, currency: None })
        );
        let this_month = DayRange { from: date(2026, 11, 1), to: TODAY };
        assert_eq!(
            Question::from_text(AnswerKind::StoreRevenue, "revenue", TODAY),
            Some(Question::Figures { topic: Topic::Revenue, range: this_month, limit: RANKED, currency: None })
        );
        let thirty = DayRange { from: date(2026, 10, 26), to: TODAY };
        assert_eq!(
            Question::from_text(AnswerKind::StoreTopCustomers, "Top 3 customers", TODAY),
            Some(Question::Figures { topic: Topic::Customers, range: thirty, limit: 3, currency: None })
        );
        assert_eq!(
            Question::from_text(AnswerKind::StoreWords, "top 50 words", TODAY),
            Some(Question::Figures { topic: Topic::Words, range: thirty, limit: MAX_RANKED, currency: None })
        );
        let eur = Some("eur".to_owned());
        assert_eq!(
            Question::from_text(AnswerKind::StoreTopCustomers, "top 3 customers in EUR", TODAY),
            Some(Question::Figures { topic: Topic::Customers, range: thirty, limit: 3, currency: eur.clone() })
        );
        assert_eq!(
            Question::from_text(AnswerKind::StoreWords, "best selling words in euros", TODAY),
            Some(Question::Figures { topic: Topic::Words, range: thirty, limit: RANKED, currency: eur })
        );
        assert_eq!(Question::from_text(AnswerKind::StoreMenu, "stripe stats", TODAY), Some(Question::Menu));
        assert!(matches!(
            Question::from_text(AnswerKind::StoreRevenue, "revenue in 2030", TODAY),
            Some(Question::Unanswerable(_))
        ));
        assert_eq!(Question::from_text(AnswerKind::Value, "population of Austin", TODAY), None);
    }

    #[test]
    fn promotion_questions_and_revenue_from_a_link_are_promotions() {
        for (kind, text) in [
            (AnswerKind::StorePromotion, "how did the spring coupon do?"),
            (AnswerKind::StoreRevenue, "revenue from the flyer link"),
            (AnswerKind::StoreRevenue, "how much did the coupon flow make last week"),
        ] {
            let Some(Question::Promotion(ask)) = Question::from_text(kind, text, TODAY) else { panic!("{text}") };
            assert!(ask.subject.kind.is_some(), "{text}");
        }
        assert!(matches!(
            Question::from_text(AnswerKind::StorePromotion, "how did the flyer link do in 2030", TODAY),
            Some(Question::Unanswerable(_))
        ));
        assert!(matches!(
            Question::from_text(AnswerKind::StoreRevenue, "refunds last week", TODAY),
            Some(Question::Figures { topic: Topic::Revenue, .. })
        ));
    }
}
