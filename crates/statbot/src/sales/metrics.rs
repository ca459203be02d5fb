//! The sales figures, as the Stripe Dashboard shows them for a shop of one-off charges: gross
//! volume, refunds, net volume, successful and failed payments, new customers, spend per
//! customer and average order value, per currency, by day, week or month, each with its change
//! against the previous range of equal length; the top customers by net revenue; and the words
//! that sell. They read the mirror's daily rollups, or, when the mirror is empty or older than
//! allowed, the Stripe API directly ([`super::live`]); every answer says which.

use super::live::{self, LiveData};
use super::periods::{self, Period};
use crate::dates::DayRange;
use crate::store::{CustomerSpend, Store, StoreError, WordRow};
use crate::stripe::{StripeClient, StripeError};
use serde::Serialize;
use statbot_core::sales::rollup::{self, DayNumber, Days, Volume};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum SalesError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Stripe did not answer: {0}")]
    Stripe(#[from] StripeError),
    #[error("Stripe did not answer within {0} s")]
    Timeout(u64),
    #[error("{0}")]
    BadRequest(String),
}

/// Where an answer's figures come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// `mirror` (the store's copy) or `live` (read from the Stripe API for this answer).
    pub source: &'static str,
    /// When the mirror last finished a sync (RFC 3339), for answers from the mirror.
    pub synced_at: Option<String>,
    /// Why the answer comes from where it does, when that is worth saying.
    pub note: Option<String>,
}

/// A figure, its value over the previous range of equal length, and the change in percent
/// (none when the previous value was zero).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Compared {
    pub value: i64,
    pub previous: i64,
    pub change_percent: Option<f64>,
}

impl Compared {
    pub fn new(value: i64, previous: i64) -> Compared {
        let change_percent = (previous != 0)
            .then(|| ((value - previous) as f64 / previous.unsigned_abs() as f64 * 1000.0).round() / 10.0);
        Compared { value, previous, change_percent }
    }
}

/// One currency's figures over a range; amounts in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub gross_volume: i64,
    pub refunds_amount: i64,
    pub refunds_count: i64,
    pub net_volume: i64,
    pub successful_payments: i64,
    pub failed_payments: i64,
    /// Distinct customers with a successful payment.
    pub paying_customers: i64,
    /// Net volume over paying customers, rounded to the minor unit.
    pub spend_per_customer: Option<i64>,
    /// Gross volume over successful payments.
    pub average_order_value: Option<i64>,
}

/// Whether a figure is an amount of money or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Money,
    Count,
}

/// The figures a report shows, in order: key, label, kind.
pub const FIGURES: &[(&str, &str, Kind)] = &[
    ("gross_volume", "Gross volume", Kind::Money),
    ("refunds_amount", "Refunds", Kind::Money),
    ("refunds_count", "Refunds (count)", Kind::Count),
    ("net_volume", "Net volume", Kind::Money),
    ("successful_payments", "Successful payments", Kind::Count),
    ("failed_payments", "Failed payments", Kind::Count),
    ("paying_customers", "Paying customers", Kind::Count),
    ("spend_per_customer", "Spend per customer", Kind::Money),
    ("average_order_value", "Average order value", Kind::Money),
];

fn ratio(numerator: i64, denominator: i64) -> Option<i64> {
    (denominator != 0).then(|| (numerator as f64 / denominator as f64).round() as i64)
}

impl Figures {
    fn from_parts(volume: Volume, paying_customers: i64) -> Figures {
        Figures {
            gross_volume: volume.gross,
            refunds_amount: volume.refunded,
            refunds_count: volume.refunds,
            net_volume: volume.net(),
            successful_payments: volume.payments,
            failed_payments: volume.failed,
            paying_customers,
            spend_per_customer: ratio(volume.net(), paying_customers),
            average_order_value: ratio(volume.gross, volume.payments),
        }
    }

    /// A figure by its key in [`FIGURES`] (`None` for a ratio without a denominator).
    pub fn get(&self, key: &str) -> Option<i64> {
        match key {
            "gross_volume" => Some(self.gross_volume),
            "refunds_amount" => Some(self.refunds_amount),
            "refunds_count" => Some(self.refunds_count),
            "net_volume" => Some(self.net_volume),
            "successful_payments" => Some(self.successful_payments),
            "failed_payments" => Some(self.failed_payments),
            "paying_customers" => Some(self.paying_customers),
            "spend_per_customer" => self.spend_per_customer,
            "average_order_value" => self.average_order_value,
            _ => None,
        }
    }
}

/// One period of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One currency's part of a revenue report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrencyRevenue {
    pub currency: String,
    pub figures: Figures,
    pub previous: Figures,
    /// Each figure compared with the previous range, by key.
    pub compared: BTreeMap<&'static str, Compared>,
    pub series: Vec<PeriodFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCustomers {
    pub compared: Compared,
    /// Per period of the series.
    pub series: Vec<i64>,
}

/// The revenue report of a range: per currency (the largest gross volume first), and the new
/// customers, which have no currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueReport {
    pub range: DayRange,
    pub previous_range: DayRange,
    pub period: Period,
    pub currencies: Vec<CurrencyRevenue>,
    pub new_customers: NewCustomers,
    pub provenance: Provenance,
}

/// A customer's net revenue over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopCustomer {
    pub customer: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub net_revenue: i64,
    pub gross: i64,
    pub refunded: i64,
    pub payments: i64,
}

impl TopCustomer {
    fn from_spend(row: CustomerSpend) -> TopCustomer {
        TopCustomer {
            customer: row.customer,
            name: row.name,
            email: row.email,
            net_revenue: row.spend.net(),
            gross: row.spend.gross,
            refunded: row.spend.refunded,
            payments: row.spend.payments,
        }
    }

    /// The name people know the customer by: name, email, or id.
    pub fn label(&self) -> &str {
        self.name.as_deref().filter(|n| !n.is_empty()).or(self.email.as_deref()).unwrap_or(&self.customer)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopCustomers {
    pub range: DayRange,
    pub currency: Option<String>,
    pub customers: Vec<TopCustomer>,
    /// Average order value in the currency over the range.
    pub average_order_value: Option<i64>,
    /// The range's other currencies with sales, the largest gross volume first.
    pub other_currencies: Vec<String>,
    pub provenance: Provenance,
}

/// A word and the revenue of the charges that had it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopWord {
    pub word: String,
    pub revenue: i64,
    pub charges: i64,
    /// Revenue per charge with the word.
    pub per_charge: Option<i64>,
}

impl TopWord {
    fn from_row(row: WordRow) -> TopWord {
        TopWord {
            per_charge: ratio(row.take.revenue, row.take.charges),
            word: row.word,
            revenue: row.take.revenue,
            charges: row.take.charges,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopWords {
    pub range: DayRange,
    pub currency: Option<String>,
    pub words: Vec<TopWord>,
    /// The range's other currencies with sales, the largest gross volume first.
    pub other_currencies: Vec<String>,
    pub provenance: Provenance,
}

/// Where figures are read: the store's rollups, or data just read from the API.
enum Source<'a> {
    Mirror(&'a Store),
    Live(&'a LiveData),
}

fn days_of(range: DayRange) -> (DayNumber, DayNumber) {
    (rollup::number(range.from), rollup::number(range.to))
}

impl Source<'_> {
    async fn volume_days(&self, range: DayRange) -> Result<Vec<(DayNumber, String, Volume)>, StoreError> {
        let (from, to) = days_of(range);
        match self {
            Source::Mirror(store) => store.sales_volume_days(from, to).await,
            Source::Live(data) => Ok(data.volume_days(from, to)),
        }
    }

    async fn new_customer_days(&self, range: DayRange) -> Result<Vec<(DayNumber, i64)>, StoreError> {
        let (from, to) = days_of(range);
        match self {
            Source::Mirror(store) => store.sales_new_customer_days(from, to).await,
            Source::Live(data) => Ok(data.new_customer_days(from, to)),
        }
    }

    async fn paying_customers(&self, ranges: &[DayRange]) -> Result<Vec<HashMap<String, i64>>, StoreError> {
        let periods: Vec<(DayNumber, DayNumber)> = ranges.iter().map(|r| days_of(*r)).collect();
        match self {
            Source::Mirror(store) => store.sales_paying_customers(&periods).await,
            Source::Live(data) => Ok(data.paying_customers(&periods)),
        }
    }

    async fn top_customers(
        &self,
        range: DayRange,
        currency: &str,
        limit: usize,
    ) -> Result<Vec<CustomerSpend>, StoreError> {
        let (from, to) = days_of(range);
        match self {
            Source::Mirror(store) => super::top_customers::top_customers(store, from, to, currency, limit).await,
            Source::Live(data) => Ok(data.top_customers(from, to, currency, limit)),
        }
    }

    async fn top_words(&self, range: DayRange, currency: &str, limit: usize) -> Result<Vec<WordRow>, StoreError> {
        let (from, to) = days_of(range);
        match self {
            Source::Mirror(store) => store.sales_top_words(from, to, currency, limit).await,
            Source::Live(data) => Ok(data.top_words(from, to, currency, limit)),
        }
    }

    /// Gross volume per currency over the range, largest first.
    async fn currencies(&self, range: DayRange) -> Result<Vec<(String, Volume)>, StoreError> {
        let mut totals: HashMap<String, Volume> = HashMap::new();
        for (_, currency, volume) in self.volume_days(range).await? {
            totals.entry(currency).or_default().add(&volume);
        }
        let mut totals: Vec<(String, Volume)> = totals.into_iter().collect();
        totals.sort_by(|a, b| b.1.gross.cmp(&a.1.gross).then_with(|| a.0.cmp(&b.0)));
        Ok(totals)
    }
}

/// How the metrics read Stripe data.
#[derive(Debug, Clone)]
pub struct SalesSettings {
    /// The business's time zone: days start at its midnight.
    pub zone: jiff::tz::TimeZone,
    /// A mirror last synced longer ago than this is stale: answers come from the API.
    pub max_mirror_age: Duration,
    /// How long an answer read from the API may take.
    pub live_timeout: Duration,
}

/// The sales figures of one Stripe account.
#[derive(Clone)]
pub struct Sales {
    store: Store,
    client: Option<StripeClient>,
    settings: SalesSettings,
    /// The last read from the API, reused for a minute (a page asks for several metrics), and
    /// locked while a read is under way so that concurrent answers share it.
    live: Arc<tokio::sync::Mutex<Option<LiveRead>>>,
}

/// Data read from the API: when, and from which unix time on.
struct LiveRead {
    at: Instant,
    since: i64,
    data: Arc<LiveData>,
}

/// How long data read from the API answers further questions.
const LIVE_REUSE: Duration = Duration::from_secs(60);

/// A source chosen for one answer.
enum Chosen {
    Mirror(Provenance),
    Live(Arc<LiveData>, Provenance),
}

fn rfc3339(ms: i64) -> Option<String> {
    jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_string())
}

impl Sales {
    pub fn new(store: Store, client: Option<StripeClient>, settings: SalesSettings) -> Sales {
        Sales { store, client, settings, live: Arc::default() }
    }

    pub fn zone(&self) -> &jiff::tz::TimeZone {
        &self.settings.zone
    }

    pub fn days(&self) -> Days {
        Days::new(self.settings.zone.clone())
    }

    /// Today in the business's time zone.
    pub fn today(&self) -> jiff::civil::Date {
        jiff::Timestamp::now().to_zoned(self.settings.zone.clone()).date()
    }

    /// The mirror when it is fresh; otherwise the API (within the timeout), falling back to
    /// whatever the mirror holds when the API cannot answer.
    async fn choose(&self, needed_from: jiff::civil::Date) -> Result<Chosen, SalesError> {
        self.store.ensure_sales_rollups(&self.settings.zone).await?;
        let meta = self.store.sales_rollup_meta().await?;
        let synced_at = meta.and_then(|m| m.synced_at);
        let age_ms = synced_at.map(|at| crate::store::now_ms() - at);
        let max_ms = i64::try_from(self.settings.max_mirror_age.as_millis()).unwrap_or(i64::MAX);
        let reason = match (synced_at, age_ms) {
            (None, _) if self.store.stripe_counts().await?[2] == 0 => {
                Some("the mirror is empty (no sync yet)".to_owned())
            }
            (None, _) => Some("the mirror has not finished a sync".to_owned()),
            (Some(_), Some(age)) if age > max_ms => Some(format!("the mirror is {} old", human_age(age))),
            _ => None,
        };
        let mirror =
            |note: Option<String>| Provenance { source: "mirror", synced_at: synced_at.and_then(rfc3339), note };
        let (Some(reason), Some(client)) = (reason.clone(), &self.client) else {
            return Ok(Chosen::Mirror(mirror(reason.map(|r| format!("{r}; no Stripe key to ask the API")))));
        };
        let since = self.days().start_of(needed_from);
        let timeout = self.settings.live_timeout;
        let note = Some(format!("{reason}: read from the Stripe API just now"));
        let provenance = Provenance { source: "live", synced_at: None, note };
        let mut last = self.live.lock().await;
        if let Some(read) = last.as_ref().filter(|r| r.at.elapsed() < LIVE_REUSE && r.since <= since) {
            return Ok(Chosen::Live(read.data.clone(), provenance));
        }
        match tokio::time::timeout(timeout, live::read(client, &self.days(), since)).await {
            Ok(Ok(data)) => {
                let data = Arc::new(data);
                *last = Some(LiveRead { at: Instant::now(), since, data: data.clone() });
                Ok(Chosen::Live(data, provenance))
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "Stripe did not answer; store metrics from the mirror");
                Ok(Chosen::Mirror(mirror(Some(format!("{reason}, and Stripe did not answer ({e})")))))
            }
            Err(_) => Ok(Chosen::Mirror(mirror(Some(format!(
                "{reason}, and Stripe did not answer within {} s",
                timeout.as_secs()
            ))))),
        }
    }

    /// Runs `read` on the chosen source.
    async fn with_source<T>(
        &self,
        needed_from: jiff::civil::Date,
        read: impl AsyncFnOnce(&Source<'_>) -> Result<T, StoreError>,
    ) -> Result<(T, Provenance), SalesError> {
        match self.choose(needed_from).await? {
            Chosen::Mirror(provenance) => Ok((read(&Source::Mirror(&self.store)).await?, provenance)),
            Chosen::Live(data, provenance) => Ok((read(&Source::Live(&data)).await?, provenance)),
        }
    }

    /// The revenue report of a range, with its series by `period`.
    pub async fn revenue(&self, range: DayRange, period: Period) -> Result<RevenueReport, SalesError> {
        let previous_range = periods::previous(range);
        let series_ranges = periods::split(range, period);
        let (report, provenance) = self
            .with_source(previous_range.from, async |source| {
                revenue_report(source, range, previous_range, period, &series_ranges).await
            })
            .await?;
        Ok(RevenueReport { provenance, ..report })
    }

    /// The customers with the most net revenue over a range, in `currency` (by default the
    /// range's main currency).
    pub async fn top_customers(
        &self,
        range: DayRange,
        currency: Option<&str>,
        limit: usize,
    ) -> Result<TopCustomers, SalesError> {
        let wanted = currency.map(str::to_ascii_lowercase);
        let ((currency, customers, average, others), provenance) = self
            .with_source(range.from, async |source| {
                let totals = source.currencies(range).await?;
                let Some(currency) = wanted.or_else(|| totals.first().map(|t| t.0.clone())) else {
                    return Ok((None, Vec::new(), None, Vec::new()));
                };
                let volume = totals.iter().find(|t| t.0 == currency).map(|t| t.1).unwrap_or_default();
                let rows = source.top_customers(range, &currency, limit).await?;
                let customers = rows.into_iter().map(TopCustomer::from_spend).collect();
                let others = others_with_sales(&totals, &currency);
                Ok((Some(currency), customers, ratio(volume.gross, volume.payments), others))
            })
            .await?;
        Ok(TopCustomers {
            range,
            currency,
            customers,
            average_order_value: average,
            other_currencies: others,
            provenance,
        })
    }

    /// The words whose charges brought the most revenue over a range.
    pub async fn words(&self, range: DayRange, currency: Option<&str>, limit: usize) -> Result<TopWords, SalesError> {
        let wanted = currency.map(str::to_ascii_lowercase);
        let ((currency, words, others), provenance) = self
            .with_source(range.from, async |source| {
                let totals = source.currencies(range).await?;
                let Some(currency) = wanted.or_else(|| totals.first().map(|t| t.0.clone())) else {
                    return Ok((None, Vec::new(), Vec::new()));
                };
                let rows = source.top_words(range, &currency, limit).await?;
                let others = others_with_sales(&totals, &currency);
                Ok((Some(currency), rows.into_iter().map(TopWord::from_row).collect(), others))
            })
            .await?;
        Ok(TopWords { range, currency, words, other_currencies: others, provenance })
    }
}

/// The currencies other than `shown` with a successful payment, in the order of `totals`.
fn others_with_sales(totals: &[(String, Volume)], shown: &str) -> Vec<String> {
    totals.iter().filter(|(c, v)| c != shown && v.payments > 0).map(|(c, _)| c.clone()).collect()
}

async fn revenue_report(
    source: &Source<'_>,
    range: DayRange,
    previous_range: DayRange,
    period: Period,
    series_ranges: &[DayRange],
) -> Result<RevenueReport, StoreError> {
    let whole = DayRange { from: previous_range.from, to: range.to };
    let days = source.volume_days(whole).await?;
    let mut ranges = vec![range, previous_range];
    ranges.extend_from_slice(series_ranges);
    // Counted separately: the series' periods overlap the range.
    let mut paying = source.paying_customers(&ranges[..2]).await?;
    paying.extend(source.paying_customers(series_ranges).await?);
    // Volume per currency for each of `ranges`.
    let mut volumes: HashMap<String, Vec<Volume>> = HashMap::new();
    for (day, currency, volume) in &days {
        let slots = volumes.entry(currency.clone()).or_insert_with(|| vec![Volume::default(); ranges.len()]);
        for (i, r) in ranges.iter().enumerate() {
            let (from, to) = days_of(*r);
            if (from..=to).contains(day) {
                slots[i].add(volume);
            }
        }
    }
    let mut currencies: Vec<CurrencyRevenue> = volumes
        .into_iter()
        .map(|(currency, slots)| {
            let figures_at =
                |i: usize| Figures::from_parts(slots[i], paying[i].get(&currency).copied().unwrap_or_default());
            let figures = figures_at(0);
            let previous = figures_at(1);
            let compared = FIGURES
                .iter()
                .filter_map(|(key, _, _)| Some((*key, Compared::new(figures.get(key)?, previous.get(key)?))))
                .collect();
            let series = series_ranges
                .iter()
                .enumerate()
                .map(|(i, r)| PeriodFigures { from: r.from, to: r.to, figures: figures_at(i + 2) })
                .collect();
            CurrencyRevenue { currency, figures, previous, compared, series }
        })
        .filter(|c| c.figures != Figures::default() || c.previous != Figures::default())
        .collect();
    currencies.sort_by(|a, b| b.figures.gross_volume.cmp(&a.figures.gross_volume).then(a.currency.cmp(&b.currency)));

    let new_days = source.new_customer_days(whole).await?;
    let count = |r: DayRange| {
        let (from, to) = days_of(r);
        new_days.iter().filter(|(day, _)| (from..=to).contains(day)).map(|(_, n)| n).sum::<i64>()
    };
    let new_customers = NewCustomers {
        compared: Compared::new(count(range), count(previous_range)),
        series: series_ranges.iter().map(|r| count(*r)).collect(),
    };
    let provenance = Provenance { source: "mirror", synced_at: None, note: None };
    Ok(RevenueReport { range, previous_range, period, currencies, new_customers, provenance })
}

/// "3 h", "2 days", "45 min".
fn human_age(ms: i64) -> String {
    let minutes = ms / 60_000;
    match minutes {
        ..=89 => format!("{minutes} min"),
        90..=2879 => format!("{} h", minutes / 60),
        _ => format!("{} days", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_percentages_of_the_previous_value() {
        assert_eq!(Compared::new(150, 100).change_percent, Some(50.0));
        assert_eq!(Compared::new(50, 200).change_percent, Some(-75.0));
        assert_eq!(Compared::new(5, 0).change_percent, None);
        assert_eq!(Compared::new(1, 3).change_percent, Some(-66.7));
    }

    #[test]
    fn figures_from_a_day_volume() {
        let volume = Volume { gross: 10_000, payments: 4, failed: 1, refunded: 2_000, refunds: 1 };
        let figures = Figures::from_parts(volume, 3);
        assert_eq!(figures.net_volume, 8_000);
        assert_eq!(figures.spend_per_customer, Some(2_667));
        assert_eq!(figures.average_order_value, Some(2_500));
        assert_eq!(Figures::from_parts(Volume::default(), 0).average_order_value, None);
        assert!(FIGURES.iter().all(|(key, _, _)| figures.get(key).is_some()));
    }

    #[test]
    fn ages_are_said_in_round_units() {
        assert_eq!(human_age(30 * 60_000), "30 min");
        assert_eq!(human_age(5 * 3_600_000), "5 h");
        assert_eq!(human_age(3 * 86_400_000), "3 days");
    }
}
