//! What the sales page (`/store`) and its charts are asked for: a range of days (`from`, `to`; by default
//! the thirty days up to today, as the API's), the series' `period` (by default the one that
//! suits the range) and a `currency` (by default the range's main one); and the query string
//! that asks for it again.

use crate::dates::DayRange;
use crate::sales::periods::{self, Period};
use jiff::civil::Date;
use serde::Deserialize;

/// `?from=&to=&period=&currency=`; empty fields (as a form sends them) count as left out.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SalesParams {
    from: Option<String>,
    to: Option<String>,
    period: Option<String>,
    currency: Option<String>,
}

/// A request understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Asked {
    pub(super) range: DayRange,
    pub(super) period: Period,
    /// Lower case, as Stripe writes it.
    pub(super) currency: Option<String>,
}

fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|f| !f.is_empty())
}

impl SalesParams {
    /// The range, period and currency asked for; the error is a sentence.
    pub(super) fn asked(&self, today: Date) -> Result<Asked, String> {
        let from = given(&self.from);
        let range = periods::asked_range(from, given(&self.to), None, today)?;
        let period = match given(&self.period) {
            Some(text) => text.parse::<Period>()?,
            None => Period::for_range(range),
        };
        let currency = match given(&self.currency) {
            Some(c) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => Some(c.to_ascii_lowercase()),
            Some(c) => return Err(format!("`{c}` is not a currency: write its three-letter code, e.g. usd")),
            None => None,
        };
        Ok(Asked { range, period, currency })
    }
}

/// The default request: the thirty days up to today, by day, in the main currency.
pub(super) fn default_asked(today: Date) -> Asked {
    SalesParams::default().asked(today).unwrap_or(Asked {
        range: DayRange { from: today, to: today },
        period: Period::Day,
        currency: None,
    })
}

/// `from=…&to=…&period=…&currency=…` (the currency when there is one), encoded for a URL (not
/// yet escaped for HTML).
pub(super) fn query(range: DayRange, period: Period, currency: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("from", &range.from.to_string()).append_pair("to", &range.to.to_string());
    query.append_pair("period", period.name());
    if let Some(currency) = currency {
        query.append_pair("currency", currency);
    }
    query.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn params(from: &str, to: &str, period: &str, currency: &str) -> SalesParams {
        let field = |f: &str| Some(f.to_owned());
        SalesParams { from: field(from), to: field(to), period: field(period), currency: field(currency) }
    }

    #[test]
    fn empty_fields_are_left_out_and_the_default_is_thirty_days_by_day() {
        let today = date(2026, 11, 24);
        let asked = params("", " ", "", "").asked(today).unwrap();
        assert_eq!(asked, default_asked(today));
        assert_eq!(asked.range, DayRange { from: date(2026, 10, 26), to: today });
        assert_eq!((asked.period, asked.currency), (Period::Day, None));
        let until = params("", "2026-11-10", "", "").asked(today).unwrap();
        assert_eq!(until.range.from, date(2026, 10, 12), "thirty days up to `to`");
    }

    #[test]
    fn the_period_follows_the_range_unless_asked_and_currencies_are_lower_case() {
        let today = date(2026, 11, 24);
        let year = params("2026-01-01", "2026-11-24", "", "EUR").asked(today).unwrap();
        assert_eq!((year.period, year.currency.as_deref()), (Period::Month, Some("eur")));
        let weekly = params("2026-11-01", "", "week", "").asked(today).unwrap();
        assert_eq!((weekly.range.to, weekly.period), (today, Period::Week));
    }

    #[test]
    fn bad_requests_are_sentences() {
        let today = date(2026, 11, 24);
        let error = |p: SalesParams| p.asked(today).unwrap_err();
        assert!(error(params("2026-13-01", "", "", "")).contains("is not a date"));
        assert!(error(params("2026-11-05", "2026-11-01", "", "")).contains("after it ends"));
        assert!(error(params("", "", "hour", "")).contains("use day, week or month"));
        assert!(error(params("", "", "", "dollars")).contains("three-letter code"));
    }

    #[test]
    fn the_query_asks_for_the_same_again() {
        let range = DayRange { from: date(2026, 11, 1), to: date(2026, 11, 7) };
        assert_eq!(query(range, Period::Week, Some("usd")), "from=2026-11-01&to=2026-11-07&period=week&currency=usd");
        assert_eq!(query(range, Period::Day, None), "from=2026-11-01&to=2026-11-07&period=day");
    }
}
