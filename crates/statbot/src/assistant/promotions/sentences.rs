//! The texts of promotion answers: a coupon's, a flow's or a link's figures over the days asked
//! (contacts, reveals, redemptions, net revenue per currency, conversion), a broadcast's over
//! its send, a split test's by variant with its verdict, and the sentences for a name nobody
//! knows or a question that names none. Pure formatting.

use super::subject::{Catalog, Kind, Target};
use crate::engine::BroadcastReport;
use crate::funnels::format::percent;
use crate::funnels::{Redemptions, SplitReport};

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
        Target::Broadcast { name, .. } => format!("The “{name}” broadcast (flow “{flow_title}”)"),
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
        Kind::Coupon | Kind::Flow | Kind::Broadcast => "entered the flow",
    };
    if figures.entered == 0 {
        let nobody = match target.kind() {
            Kind::Link => "no contact came by it",
            Kind::Coupon | Kind::Flow | Kind::Broadcast => "no contact entered the flow",
        };
        return format!("{head} {nobody}.");
    }
    let revealed = match target.kind() {
        Kind::Coupon => format!("{} revealed a code", figures.revealed),
        Kind::Flow | Kind::Link | Kind::Broadcast => format!("{} revealed a coupon", figures.revealed),
    };
    let (redeemed, revenue) = redeemed_and_revenue(&figures.redemptions);
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

/// "2 redeemed one", "revenue €30.00 and $412.50 net"; "none redeemed one yet", "no revenue".
fn redeemed_and_revenue(redemptions: &Redemptions) -> (String, String) {
    let redeemed = match redemptions.redeemed {
        0 => "none redeemed one yet".to_owned(),
        n => format!("{n} redeemed one"),
    };
    let revenue = match revenue_text(redemptions) {
        Some(revenue) => format!("revenue {revenue} net"),
        None => "no revenue".to_owned(),
    };
    (redeemed, revenue)
}

/// A broadcast's figures over its whole send (it is sent once: no period applies). `start` is
/// its start in words ("Dec 6 at 15:49").
pub fn broadcast(report: &BroadcastReport, flow_title: &str, start: &str) -> String {
    let (b, f) = (&report.broadcast, &report.funnel);
    let step = b.step.as_deref().map(|s| format!(", step “{s}”")).unwrap_or_default();
    let head = format!("The “{}” broadcast (flow “{flow_title}”{step})", b.name);
    let when = match b.status.as_str() {
        "scheduled" => format!("is scheduled for {start}"),
        "sending" => format!("is being sent since {start}"),
        "paused" => format!("was started {start} and is paused"),
        "cancelled" => format!("was started {start} and cancelled"),
        "done" => format!("was sent {start}"),
        other => format!("starts {start} ({other})"),
    };
    let recipients = if f.recipients == 1 { "1 recipient".to_owned() } else { format!("{} recipients", f.recipients) };
    if f.recipients == 0 || (f.sent == 0 && f.queued == 0 && f.skipped.is_empty()) {
        return format!("{head} {when}: {recipients}, nothing sent yet.");
    }
    let mut sends = vec![format!("{} sent", f.sent), format!("{} delivered", f.delivered), format!("{} read", f.read)];
    if f.not_sent > 0 {
        sends.push(format!("{} not sent", f.not_sent));
    }
    let skipped: i64 = f.skipped.iter().map(|(_, n)| n).sum();
    if skipped > 0 {
        let reasons: Vec<String> = f.skipped.iter().map(|(reason, n)| format!("{n} {reason}")).collect();
        sends.push(format!("{skipped} skipped ({})", reasons.join(", ")));
    }
    if f.pending > 0 {
        sends.push(format!("{} still to send", f.pending));
    }
    let (redeemed, revenue) = redeemed_and_revenue(&f.redemptions);
    let sent = u64::try_from(f.sent).unwrap_or_default();
    let conversion = percent((sent > 0).then(|| f.redemptions.redeemed as f64 / sent as f64));
    format!(
        "{head} {when}: {recipients}; {}; {} tapped a button, {} revealed a coupon, {redeemed}; {revenue}. \
         Conversion: {conversion} of those sent it redeemed.",
        sends.join(", "),
        f.tapped,
        f.revealed
    )
}

/// Said after a broadcast's figures when the question named days.
pub fn broadcast_period_note() -> &'static str {
    "A broadcast is sent once: its figures cover its whole send, whatever the days asked."
}

/// "The “promo” flow (Promo)", "The “limits” flow".
fn flow_label(flow: &str, title: &str) -> String {
    label(&Target::Flow { flow: flow.to_owned(), title: title.to_owned() }, title)
}

/// A split test over the days asked: each variant's contacts, conversions (reaching a goal
/// step), difference from the control, redemptions and revenue, then the verdict the dashboard
/// and `statbot funnel --by variant` give ([`SplitReport::summary`]).
pub fn split(flow: &str, flow_title: &str, period: &str, split: &SplitReport) -> String {
    let head = format!("The split “{}” of {}, {period}:", split.step, lower_first(&flow_label(flow, flow_title)));
    if split.contacts == 0 {
        return format!("{head} no contact passed it.");
    }
    let goal: Vec<String> = split.goal.iter().map(|g| format!("“{g}”")).collect();
    let control = split.variants.first().map(|v| v.result.variant.clone()).unwrap_or_default();
    let variants: Vec<String> = split
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let r = &v.result;
            let versus = match (&r.versus_control, i) {
                (_, 0) => " (control)".to_owned(),
                (Some(d), _) => {
                    format!(" ({} points vs {control})", statbot_core::split::stats::points(d.difference))
                }
                (None, _) => String::new(),
            };
            let (redeemed, revenue) = redeemed_and_revenue(&v.redemptions);
            format!(
                "{}{versus}: {}, {} converted ({}), {redeemed}; {revenue}",
                r.variant,
                contacts(r.contacts),
                r.conversions,
                percent(r.rate)
            )
        })
        .collect();
    format!(
        "{head} {} passed it; converting is reaching {}. {}. Verdict: {}.",
        contacts(split.contacts),
        or_list(&goal),
        variants.join(". "),
        split.summary
    )
}

/// "“code”", "“code” or “tote_code”", "“a”, “b” or “c”".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn lower_first(text: &str) -> String {
    match text.strip_prefix("The ") {
        Some(rest) => format!("the {rest}"),
        None => text.to_owned(),
    }
}

/// A flow with no split step, asked about its variants.
pub fn no_split(flow: &str, flow_title: &str) -> String {
    format!("{} has no split step: there are no variants to compare.", flow_label(flow, flow_title))
}

/// Which split test, when the question names no flow and not exactly one has a split step.
pub fn which_split(flows: &[String]) -> String {
    match flows {
        [] => "No flow has a split step yet: there are no variants to compare.".to_owned(),
        [first, ..] => {
            let names: Vec<String> = flows.iter().map(|f| format!("“{f}”")).collect();
            format!(
                "Which split test? The flows with a split step: {}. Ask e.g. “which variant of the {first} flow wins?”",
                names.join(", ")
            )
        }
    }
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
            Target::Flow { flow, .. } | Target::Link { name: flow, .. } | Target::Broadcast { name: flow, .. } => {
                format!("“{flow}”")
            }
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
        None => vec![Kind::Coupon, Kind::Link, Kind::Flow, Kind::Broadcast],
    };
    let lists: Vec<String> =
        kinds.iter().filter_map(|&k| known(catalog, k).map(|names| format!("{}: {names}", plural(k)))).collect();
    if lists.is_empty() {
        let what = kinds.iter().map(|&k| plural(k)).collect::<Vec<_>>().join(" or ");
        return format!("There are no {what} to report on yet.");
    }
    let example = |kind: Kind| {
        let name = catalog.of(kind).next()?.name();
        Some(match kind {
            Kind::Coupon => format!("“how did the {name} coupon do?”"),
            Kind::Link => format!("“revenue from the {name} link”"),
            Kind::Flow => format!("“how is the {name} flow doing?”"),
            Kind::Broadcast => format!("“how did the {name} broadcast do?”"),
        })
    };
    // The kind asked about first, then the others in the usual order.
    let example = kinds
        .iter()
        .chain(&[Kind::Coupon, Kind::Link, Kind::Flow, Kind::Broadcast])
        .find_map(|&k| example(k))
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
    fn a_broadcast_over_its_send() {
        use crate::engine::BroadcastReport;
        use crate::store::{Broadcast, BroadcastFunnel};
        let broadcast = Broadcast {
            id: 1,
            name: "spring-sale".into(),
            flow: "promo".into(),
            step: Some("news".into()),
            segment: "channel:messenger".into(),
            status: "done".into(),
            start_at: 0,
            created_at: 0,
            created_by: "lead".into(),
            recipients: 5,
        };
        let funnel = BroadcastFunnel {
            recipients: 5,
            queued: 4,
            skipped: vec![("opted out".into(), 1)],
            sent: 4,
            delivered: 2,
            read: 1,
            tapped: 3,
            revealed: 2,
            redemptions: redeemed(1, &[("usd", 41250)]),
            ..BroadcastFunnel::default()
        };
        let report = BroadcastReport { broadcast: broadcast.clone(), funnel };
        assert_eq!(
            super::broadcast(&report, "Promo", "Dec 6 at 15:49"),
            "The “spring-sale” broadcast (flow “Promo”, step “news”) was sent Dec 6 at 15:49: 5 recipients; 4 sent, \
             2 delivered, 1 read, 1 skipped (1 opted out); 3 tapped a button, 2 revealed a coupon, 1 redeemed one; \
             revenue $412.50 net. Conversion: 25.0% of those sent it redeemed."
        );
        let scheduled = BroadcastReport {
            broadcast: Broadcast { status: "scheduled".into(), step: None, ..broadcast },
            funnel: BroadcastFunnel { recipients: 5, pending: 5, ..BroadcastFunnel::default() },
        };
        assert_eq!(
            super::broadcast(&scheduled, "Promo", "Dec 8 at 09:00"),
            "The “spring-sale” broadcast (flow “Promo”) is scheduled for Dec 8 at 09:00: 5 recipients, nothing sent yet."
        );
    }

    #[test]
    fn a_split_test_by_variant_with_its_verdict() {
        use crate::funnels::VariantReport;
        use statbot_core::split::stats::{Arm, analyse};
        let arms = vec![
            ("discount".to_owned(), Arm { contacts: 6, conversions: 3 }),
            ("gift".to_owned(), Arm { contacts: 4, conversions: 1 }),
        ];
        let analysis = analyse(&arms, 100);
        let redemptions = [redeemed(2, &[("usd", 41250)]), Redemptions::default()];
        let variants = analysis
            .variants
            .into_iter()
            .zip(redemptions)
            .map(|(result, redemptions)| VariantReport {
                result,
                weight: 50,
                next: "offer".into(),
                steps: Vec::new(),
                redemptions,
            })
            .collect();
        let report = SplitReport {
            step: "pick".into(),
            goal: vec!["code".into(), "tote_code".into()],
            min_sample_per_variant: 100,
            contacts: 10,
            verdict: analysis.verdict,
            summary: analysis.summary,
            alpha_per_comparison: analysis.alpha_per_comparison,
            variants,
        };
        assert_eq!(
            super::split("promo", "Promo", "this month (Nov 1–24)", &report),
            "The split “pick” of the “promo” flow (Promo), this month (Nov 1–24): 10 contacts passed it; converting \
             is reaching “code” or “tote_code”. discount (control): 6 contacts, 3 converted (50.0%), 2 redeemed one; \
             revenue $412.50 net. gift (-25.0 points vs discount): 4 contacts, 1 converted (25.0%), none redeemed one \
             yet; no revenue. Verdict: not enough data yet (100 contacts per variant needed; discount has 6, gift \
             has 4)."
        );
        assert_eq!(
            no_split("coupon", "Spring coupon"),
            "The “coupon” flow (Spring coupon) has no split step: there are no variants to compare."
        );
        assert_eq!(which_split(&[]), "No flow has a split step yet: there are no variants to compare.");
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
        let broadcast = |name: &str| Target::Broadcast { name: name.into(), flow: "coupon".into() };
        let catalog = Catalog { targets: vec![spring(), broadcast("spring-sale"), broadcast("black-friday")] };
        assert_eq!(
            which(&catalog, Some(Kind::Broadcast)),
            "Which one? The broadcasts: “spring-sale”, “black-friday”. Ask e.g. “how did the spring-sale broadcast \
             do?”"
        );
    }
}
