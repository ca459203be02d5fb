//! The texts of promotion answers: a coupon's, a flow's or a link's figures over the days asked
//! (contacts, reveals, redemptions, net revenue per currency, conversion), and the sentences
//! for a name nobody knows or a question that names none. Pure formatting.

use super::subject::{Catalog, Kind, Target};
use crate::funnels::Redemptions;
use crate::funnels::format::percent;

/// What a target's contacts did over the days asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// Contacts who entered the flow (for a link: by the link).
    pub entered: u64,
    /// Of those, contacts who revealed a code (of the coupon, for a coupon).
    pub revealed: u64,
    pub redemptions: Redemptions,
}

/// "“spring” coupon (flow “Spring coupon”)", "“coupon” flow (Spring coupon)", "“flyer” link (to
/// flow “Spring coupon”)".
fn label(target: &Target, flow_title: &str) -> String {
    match target {
        Target::Coupon { coupon, title, .. } => format!("The “{coupon}” coupon (flow “{title}”)"),
        Target::Flow { flow, title } if title == flow => format!("The “{flow}” flow"),
        Target::Flow { flow, title } => format!("The “{flow}” flow ({title})"),
        Target::Link { name, .. } => format!("The “{name}” link (to flow “{flow_title}”)"),
    }
}

fn contacts(n: u64) -> String {
    if n == 1 { "1 contact".into() } else { format!("{n} contacts") }
}

/// "$412.50", "$412.50 and €30.00", "$1.00, €2.00 and ¥300": net revenue in each currency.
pub fn revenue_text(redemptions: &Redemptions) -> Option<String> {
    let parts: Vec<String> =
        redemptions.revenue.iter().map(|r| statbot_core::money::format(r.amount, &r.currency)).collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

/// The answer for one target: `period` is the days in words ("the last 30 days (Oct 26–Nov
/// 24)"), `flow_title` the title of the target's flow.
pub fn figures(target: &Target, flow_title: &str, period: &str, figures: &Figures) -> String {
    let head = format!("{}, {period}:", label(target, flow_title));
    let came = match target.kind() {
        Kind::Link => "came by it",
        Kind::Coupon | Kind::Flow => "entered the flow",
    };
    if figures.entered == 0 {
        let nobody = match target.kind() {
            Kind::Link => "no contact came by it",
            Kind::Coupon | Kind::Flow => "no contact entered the flow",
        };
        return format!("{head} {nobody}.");
    }
    let revealed = match target.kind() {
        Kind::Coupon => format!("{} revealed a code", figures.revealed),
        Kind::Flow | Kind::Link => format!("{} revealed a coupon", figures.revealed),
    };
    let redeemed = match figures.redemptions.redeemed {
        0 => "none redeemed one yet".to_owned(),
        n => format!("{n} redeemed one"),
    };
    let revenue = match revenue_text(&figures.redemptions) {
        Some(revenue) => format!("revenue {revenue} net"),
        None => "no revenue".to_owned(),
    };
    let rate = |of: u64| (of > 0).then(|| figures.redemptions.redeemed as f64 / of as f64);
    let conversion = match rate(figures.revealed) {
        Some(of_revealed) => format!(
            "Conversion: {} of those who {} redeemed ({} of those who revealed).",
            percent(rate(figures.entered)),
            if target.kind() == Kind::Link { "came" } else { "entered" },
            percent(Some(of_revealed))
        ),
        None => format!(
            "Conversion: {} of those who {} redeemed.",
            percent(rate(figures.entered)),
            if target.kind() == Kind::Link { "came" } else { "entered" }
        ),
    };
    format!("{head} {} {came}, {revealed}, {redeemed}; {revenue}. {conversion}", contacts(figures.entered))
}

/// Said after the figures when the question named no days.
pub fn default_period_note(period: &str) -> String {
    format!("No period was named, so this is {period}; ask e.g. “… this month” or “… last 7 days”.")
}

/// The known names of a kind: "“spring” (flow “Spring coupon”), “old” (flow “limits”)".
fn known(catalog: &Catalog, kind: Kind) -> Option<String> {
    let names: Vec<String> = catalog
        .of(kind)
        .map(|t| match t {
            Target::Coupon { coupon, title, .. } => format!("“{coupon}” (flow “{title}”)"),
            Target::Flow { flow, .. } | Target::Link { name: flow, .. } => format!("“{flow}”"),
        })
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn plural(kind: Kind) -> String {
    format!("{}s", kind.noun())
}

/// "I don't know a coupon called “autumn”. The coupons are “spring” (flow “Spring coupon”)."
pub fn unknown(catalog: &Catalog, kind: Kind, name: &str) -> String {
    let noun = kind.noun();
    match known(catalog, kind) {
        Some(names) => format!("I don't know a {noun} called “{name}”. The {} are {names}.", plural(kind)),
        None => format!("I don't know a {noun} called “{name}”: there are no {} yet.", plural(kind)),
    }
}

/// Which one, when the question names none: what there is to ask about, with an example.
pub fn which(catalog: &Catalog, kind: Option<Kind>) -> String {
    let kinds = match kind {
        Some(kind) => vec![kind],
        None => vec![Kind::Coupon, Kind::Link, Kind::Flow],
    };
    let lists: Vec<String> =
        kinds.iter().filter_map(|&k| known(catalog, k).map(|names| format!("{}: {names}", plural(k)))).collect();
    if lists.is_empty() {
        let what = kinds.iter().map(|&k| plural(k)).collect::<Vec<_>>().join(" or ");
        return format!("There are no {what} to report on yet.");
    }
    let example = catalog
        .of(Kind::Coupon)
        .next()
        .map(|t| format!("“how did the {} coupon do?”", t.name()))
        .or_else(|| catalog.of(Kind::Link).next().map(|t| format!("“revenue from the {} link”", t.name())))
        .or_else(|| catalog.of(Kind::Flow).next().map(|t| format!("“how is the {} flow doing?”", t.name())))
        .unwrap_or_default();
    format!("Which one? The {}. Ask e.g. {example}", lists.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::funnels::Revenue;

    fn spring() -> Target {
        Target::Coupon { flow: "coupon".into(), title: "Spring coupon".into(), coupon: "spring".into() }
    }

    fn redeemed(n: u64, revenue: &[(&str, i64)]) -> Redemptions {
        Redemptions {
            redeemed: n,
            revenue: revenue.iter().map(|(c, a)| Revenue { currency: (*c).into(), amount: *a }).collect(),
        }
    }

    #[test]
    fn figures_with_revenue_in_each_currency() {
        let figures = Figures { entered: 8, revealed: 4, redemptions: redeemed(2, &[("eur", 3000), ("usd", 41250)]) };
        assert_eq!(
            super::figures(&spring(), "Spring coupon", "this month (Nov 1–24)", &figures),
            "The “spring” coupon (flow “Spring coupon”), this month (Nov 1–24): 8 contacts entered the flow, \
             4 revealed a code, 2 redeemed one; revenue €30.00 and $412.50 net. Conversion: 25.0% of those \
             who entered redeemed (50.0% of those who revealed)."
        );
        let link = Target::Link { name: "flyer".into(), flow: "coupon".into() };
        let figures = Figures { entered: 1, revealed: 0, redemptions: Redemptions::default() };
        assert_eq!(
            super::figures(&link, "Spring coupon", "Nov 3–20", &figures),
            "The “flyer” link (to flow “Spring coupon”), Nov 3–20: 1 contact came by it, 0 revealed a coupon, \
             none redeemed one yet; no revenue. Conversion: 0.0% of those who came redeemed."
        );
        assert_eq!(
            super::figures(&link, "Spring coupon", "today (Nov 24)", &Figures::default()),
            "The “flyer” link (to flow “Spring coupon”), today (Nov 24): no contact came by it."
        );
        assert_eq!(
            revenue_text(&redeemed(3, &[("eur", 100), ("jpy", 300), ("usd", 200)])).unwrap(),
            "€1.00, ¥300 and $2.00"
        );
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let catalog =
            Catalog { targets: vec![spring(), Target::Flow { flow: "coupon".into(), title: "Spring coupon".into() }] };
        assert_eq!(
            unknown(&catalog, Kind::Coupon, "autumn"),
            "I don't know a coupon called “autumn”. The coupons are “spring” (flow “Spring coupon”)."
        );
        assert_eq!(
            unknown(&catalog, Kind::Link, "poster"),
            "I don't know a link called “poster”: there are no links yet."
        );
        assert_eq!(
            which(&catalog, None),
            "Which one? The coupons: “spring” (flow “Spring coupon”); flows: “coupon”. Ask e.g. “how did the \
             spring coupon do?”"
        );
        assert_eq!(which(&catalog, Some(Kind::Link)), "There are no links to report on yet.");
    }
}
