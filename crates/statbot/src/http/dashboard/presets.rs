//! The date presets beside a page's date pickers: today, the last 7 days, this month, last
//! month and the last 90 days, in the business time zone, each a link to the same page with
//! that range (and the page's other choices kept), so they work without JavaScript.

use jiff::ToSpan;
use jiff::civil::Date;

/// One preset as a link; `current` when it is the range shown.
pub(crate) struct Preset {
    pub(crate) label: &'static str,
    pub(crate) href: String,
    pub(crate) current: bool,
}

/// The presets' ranges, as of `today`.
fn ranges(today: Date) -> [(&'static str, Date, Date); 5] {
    let days_back = |n: i64| today.checked_sub(n.days()).unwrap_or(today);
    let this_month = today.first_of_month();
    let last_month_end = this_month.yesterday().unwrap_or(this_month);
    [
        ("Today", today, today),
        ("Last 7 days", days_back(6), today),
        ("This month", this_month, today),
        ("Last month", last_month_end.first_of_month(), last_month_end),
        ("Last 90 days", days_back(89), today),
    ]
}

/// The presets of the page at `path`, which shows `shown` (from, to); `keep` are the page's
/// other query pairs (a team, a currency), put in every link.
pub(crate) fn presets(today: Date, shown: (Date, Date), path: &str, keep: &[(&str, &str)]) -> Vec<Preset> {
    ranges(today)
        .into_iter()
        .map(|(label, from, to)| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("from", &from.to_string()).append_pair("to", &to.to_string());
            for (key, value) in keep.iter().filter(|(_, value)| !value.is_empty()) {
                query.append_pair(key, value);
            }
            Preset { label, href: format!("{path}?{}", query.finish()), current: (from, to) == shown }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn presets_cover_the_usual_ranges_and_keep_the_page_choices() {
        let today = date(2026, 3, 15);
        let shown = (date(2026, 3, 9), today);
        let links = presets(today, shown, "/team", &[("team", "Support & Co"), ("currency", "")]);
        let hrefs: Vec<(&str, &str, bool)> = links.iter().map(|p| (p.label, p.href.as_str(), p.current)).collect();
        assert_eq!(
            hrefs,
            [
                ("Today", "/team?from=2026-03-15&to=2026-03-15&team=Support+%26+Co", false),
                ("Last 7 days", "/team?from=2026-03-09&to=2026-03-15&team=Support+%26+Co", true),
                ("This month", "/team?from=2026-03-01&to=2026-03-15&team=Support+%26+Co", false),
                ("Last month", "/team?from=2026-02-01&to=2026-02-28&team=Support+%26+Co", false),
                ("Last 90 days", "/team?from=2025-12-16&to=2026-03-15&team=Support+%26+Co", false),
            ]
        );
        let january = presets(date(2026, 1, 1), shown, "/", &[]);
        assert_eq!(january[3].href, "/?from=2025-12-01&to=2025-12-31", "last month of a new year");
    }
}
