//! What the team stats page and its charts are asked for: a range of days (`from`, `to`) and,
//! for admins, a team by name; and the query string that asks for it again.

use crate::team::DayRange;
use jiff::civil::Date;
use serde::Deserialize;

/// `?from=&to=&team=`, and `saved=` (a day) after the day form saved one; empty fields (as a
/// form sends them) count as left out.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TeamParams {
    from: Option<String>,
    to: Option<String>,
    team: Option<String>,
    saved: Option<String>,
}

fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|f| !f.is_empty())
}

impl TeamParams {
    /// The default range of a team (or the account's own).
    pub(super) fn of_team(team: Option<&str>) -> TeamParams {
        TeamParams { team: team.map(str::to_owned), ..TeamParams::default() }
    }

    /// The day the day form just saved, if any.
    pub(super) fn saved(&self) -> Option<Date> {
        given(&self.saved).and_then(|d| d.parse().ok())
    }

    /// The team named, if any.
    pub(super) fn team(&self) -> Option<&str> {
        given(&self.team)
    }

    /// The range asked for; by default the last 7 days ending today. The error is a sentence.
    pub(super) fn range(&self, today: Date) -> Result<DayRange, String> {
        DayRange::parse(given(&self.from), given(&self.to), None, today)
    }
}

/// The default range: the last 7 days ending today.
pub(super) fn default_range(today: Date) -> DayRange {
    DayRange::parse(None, None, None, today).unwrap_or(DayRange { from: today, to: today })
}

/// `from=…&to=…&team=…`, encoded for a URL (not yet escaped for HTML).
pub(super) fn query(range: DayRange, team: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("from", &range.from.to_string())
        .append_pair("to", &range.to.to_string())
        .append_pair("team", team)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn params(from: &str, to: &str, team: &str) -> TeamParams {
        let field = |f: &str| Some(f.to_owned());
        TeamParams { from: field(from), to: field(to), team: field(team), saved: None }
    }

    #[test]
    fn empty_fields_are_left_out_and_the_range_defaults_to_the_last_week() {
        let today = date(2026, 11, 24);
        let empty = params("", " ", "");
        assert_eq!(empty.range(today), Ok(DayRange { from: date(2026, 11, 18), to: today }));
        assert_eq!(empty.team(), None);
        assert_eq!(TeamParams::default().range(today), Ok(default_range(today)));
        let some = params("2026-11-01", "2026-11-03", " Support ");
        assert_eq!(some.range(today), Ok(DayRange { from: date(2026, 11, 1), to: date(2026, 11, 3) }));
        assert_eq!(some.team(), Some("Support"));
    }

    #[test]
    fn bad_ranges_are_sentences() {
        let today = date(2026, 11, 24);
        assert!(params("2026-13-01", "", "").range(today).unwrap_err().contains("is not a date"));
        assert!(params("2026-11-05", "2026-11-01", "").range(today).unwrap_err().contains("after it ends"));
    }

    #[test]
    fn the_query_names_the_range_and_team() {
        let range = DayRange { from: date(2026, 11, 1), to: date(2026, 11, 7) };
        assert_eq!(query(range, "Support & Co"), "from=2026-11-01&to=2026-11-07&team=Support+%26+Co");
    }
}
