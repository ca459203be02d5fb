//! Answers about a data set: from what was understood (or the button tapped) and the contact's
//! context, first a [`Plan`] (ask a question back, or show some rows), then the replies: the
//! numbers in a short text, a chart link, and buttons to go on.

use super::chart_links::{ChartLinks, ChartSpec};
use super::context::{Awaiting, DataContext};
use super::intents::AnswerKind;
use crate::datasets::model::OTHER_GROUP;
use crate::datasets::{Column, Entity, LoadedSet, format};
use statbot_core::{Button, Reply, limits};

/// Payloads of the assistant's buttons start with this.
pub const PAYLOAD_PREFIX: &str = "ask:";
/// Quick replies offered at most with a pick list.
const PICKS: usize = 11;
/// Metrics drawn at most in one chart.
const CHART_METRICS: usize = 8;

/// What was asked, with names already resolved against the data set.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    /// Rows named, in order; a name matching several rows is a list of candidates.
    pub rows: Vec<Vec<usize>>,
    /// Metrics named (column indexes).
    pub metrics: Vec<usize>,
    /// A year mentioned ("in 2019").
    pub year: Option<i16>,
    /// Names that look like rows but are none ("population of Atlantis").
    pub unknown: Vec<super::unknown::Unknown>,
}

/// A button of the assistant, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tap {
    Row(String),
    Group(String),
    Metric(String),
    Compare,
    Explore,
    Groups,
    /// Back to the main menu (the default flow's entry step).
    Menu,
    /// The data set's full credit.
    Sources,
}

impl Tap {
    pub fn parse(payload: &str) -> Option<Tap> {
        let rest = payload.strip_prefix(PAYLOAD_PREFIX)?;
        let (kind, value) = rest.split_once(':').unwrap_or((rest, ""));
        Some(match (kind, value) {
            ("row", v) if !v.is_empty() => Tap::Row(v.to_owned()),
            ("group", v) if !v.is_empty() => Tap::Group(v.to_owned()),
            ("metric", v) if !v.is_empty() => Tap::Metric(v.to_owned()),
            ("compare", "") => Tap::Compare,
            ("explore", "") => Tap::Explore,
            ("groups", "") => Tap::Groups,
            ("menu", "") => Tap::Menu,
            ("sources", "") => Tap::Sources,
            _ => return None,
        })
    }

    pub fn payload(&self) -> String {
        let (kind, value) = match self {
            Tap::Row(v) => ("row", v.as_str()),
            Tap::Group(v) => ("group", v.as_str()),
            Tap::Metric(v) => ("metric", v.as_str()),
            Tap::Compare => ("compare", ""),
            Tap::Explore => ("explore", ""),
            Tap::Groups => ("groups", ""),
            Tap::Menu => ("menu", ""),
            Tap::Sources => ("sources", ""),
        };
        if value.is_empty() { format!("{PAYLOAD_PREFIX}{kind}") } else { format!("{PAYLOAD_PREFIX}{kind}:{value}") }
    }
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Say something (a question back, a pick list) without reading values.
    Say(Vec<Reply>),
    /// Show these rows (one, or several side by side) on a metric, or an overview.
    Show { rows: Vec<usize>, metric: Option<usize> },
}

/// Decides what a free-text question leads to, updating the context.
pub fn plan_question(kind: AnswerKind, set: &LoadedSet, ask: &Ask, context: &mut DataContext) -> Plan {
    fresh_for(set, context);
    // A name that is no row is said, never replaced by the context's rows: when no row was found,
    // or when it is listed with those that were.
    let unknown: Vec<&super::unknown::Unknown> = match kind {
        AnswerKind::Value | AnswerKind::Compare | AnswerKind::FollowUp => {
            ask.unknown.iter().filter(|u| ask.rows.is_empty() || u.listed).collect()
        }
        _ => Vec::new(),
    };
    if !unknown.is_empty() {
        return Plan::Say(vec![super::unknown::not_a_row(kind, set, ask, &unknown, context)]);
    }
    if let Some(candidates) = ask.rows.iter().find(|c| c.len() > 1) {
        if let Some(&metric) = ask.metrics.first() {
            context.metric = Some(set.meta.columns[metric].name.clone());
        }
        context.awaiting =
            Some(if context.comparing || kind == AnswerKind::Compare { Awaiting::SecondRow } else { Awaiting::Row });
        return Plan::Say(vec![which_one(set, candidates)]);
    }
    let named: Vec<String> = ask.rows.iter().map(|c| set.rows[c[0]].label.clone()).collect();
    if let Some(metric) = chosen_metric(set, ask, context) {
        context.metric = Some(set.meta.columns[metric].name.clone());
    }
    let awaiting_second = context.awaiting == Some(Awaiting::SecondRow);
    context.awaiting = None;
    let kind = match kind {
        AnswerKind::Value | AnswerKind::FollowUp if awaiting_second && !named.is_empty() => AnswerKind::Compare,
        AnswerKind::FollowUp if context.rows.is_empty() => AnswerKind::Value,
        other => other,
    };
    match kind {
        AnswerKind::Explore => {
            context.awaiting = Some(Awaiting::Row);
            let text = format!("Which {} would you like to look at? Type its name or pick one:", noun(set));
            Plan::Say(vec![pick_row(set, &text, &[])])
        }
        AnswerKind::Compare => {
            let mut rows = if named.len() >= 2 { Vec::new() } else { context.rows.clone() };
            for label in &named {
                add_row(&mut rows, label);
            }
            rows.truncate(super::context::MAX_ROWS);
            context.rows = rows;
            if context.rows.len() < 2 {
                context.awaiting = Some(Awaiting::SecondRow);
                return Plan::Say(vec![ask_second_row(set, context)]);
            }
            context.comparing = true;
            show(set, context)
        }
        // "and Boston?" adds a city to the comparison; naming only cities already compared
        // ("and rent in Austin?") asks about them alone, not the comparison again.
        AnswerKind::FollowUp if context.comparing && !named.iter().all(|n| context.rows.contains(n)) => {
            for label in &named {
                context.add_row(label);
            }
            show(set, context)
        }
        _ => {
            if !named.is_empty() {
                context.rows = named.into_iter().take(super::context::MAX_ROWS).collect();
            }
            context.comparing = context.rows.len() > 1;
            if context.rows.is_empty() {
                context.awaiting = Some(Awaiting::Row);
                let text = format!("Which {}? Type its name or pick one:", noun(set));
                return Plan::Say(vec![pick_row(set, &text, &[])]);
            }
            show(set, context)
        }
    }
}

/// Decides what a tapped button leads to, updating the context.
pub fn plan_tap(tap: &Tap, set: &LoadedSet, context: &mut DataContext) -> Plan {
    fresh_for(set, context);
    match tap {
        // The assistant hands the menu to the flows before it plans (see `Assistant::respond`).
        Tap::Menu => Plan::Say(Vec::new()),
        Tap::Explore => plan_question(AnswerKind::Explore, set, &Ask::default(), context),
        Tap::Row(label) => {
            let Some(row) = set.rows.iter().position(|r| &r.label == label) else {
                let text = format!("That {} is no longer in the data. Pick another:", noun(set));
                return Plan::Say(vec![pick_row(set, &text, &[])]);
            };
            let kind =
                if context.awaiting == Some(Awaiting::SecondRow) { AnswerKind::Compare } else { AnswerKind::Value };
            if kind == AnswerKind::Value {
                context.rows.clear();
            }
            plan_question(kind, set, &Ask { rows: vec![vec![row]], ..Ask::default() }, context)
        }
        Tap::Compare => {
            context.awaiting = Some(Awaiting::SecondRow);
            Plan::Say(vec![ask_second_row(set, context)])
        }
        Tap::Groups => Plan::Say(vec![pick_group(set, context)]),
        Tap::Sources => Plan::Say(vec![sources(set, context)]),
        Tap::Group(group) => {
            let metrics = set.group_metrics(group);
            if metrics.is_empty() {
                return Plan::Say(vec![pick_group(set, context)]);
            }
            let subject =
                if context.rows.is_empty() { String::new() } else { format!(" for {}", context.rows.join(" and ")) };
            let buttons = metrics
                .iter()
                .take(PICKS)
                .map(|&m| {
                    button(
                        &capitalize(&short_name(&set.meta.columns[m])),
                        Tap::Metric(set.meta.columns[m].name.clone()),
                    )
                })
                .collect();
            Plan::Say(vec![Reply::QuickReplies { text: format!("Which {group} figure{subject}?"), replies: buttons }])
        }
        Tap::Metric(name) => {
            if set.meta.column(name).is_none() {
                return Plan::Say(vec![pick_group(set, context)]);
            }
            context.metric = Some(name.clone());
            if context.rows.is_empty() {
                context.awaiting = Some(Awaiting::Row);
                return Plan::Say(vec![pick_row(set, &format!("For which {}?", noun(set)), &[])]);
            }
            show(set, context)
        }
    }
}

/// What a row is called: the key column's name ("city").
pub(super) fn noun(set: &LoadedSet) -> String {
    set.meta.key.replace('_', " ")
}

/// Forgets a context about another data set.
fn fresh_for(set: &LoadedSet, context: &mut DataContext) {
    if context.dataset.as_deref() != Some(set.meta.name.as_str()) {
        *context = DataContext { dataset: Some(set.meta.name.clone()), ..DataContext::default() };
    }
    context.rows.retain(|label| set.rows.iter().any(|r| &r.label == label));
}

fn add_row(rows: &mut Vec<String>, label: &str) {
    if !rows.iter().any(|r| r == label) {
        rows.push(label.to_owned());
    }
}

/// The metric asked for (moved to the year asked for when it is one of a yearly series), or the
/// context's metric moved to a newly asked year.
pub(super) fn chosen_metric(set: &LoadedSet, ask: &Ask, context: &DataContext) -> Option<usize> {
    let base = ask
        .metrics
        .first()
        .copied()
        .or_else(|| context.metric.as_deref().and_then(|m| set.meta.column(m)).map(|(i, _)| i))?;
    Some(match ask.year {
        Some(year) => in_year(set, base, year),
        None => base,
    })
}

/// The column of `metric`'s series for `year`: that year, else the latest before it, else the
/// earliest.
fn in_year(set: &LoadedSet, metric: usize, year: i16) -> usize {
    let Some(series) = set.meta.columns[metric].series() else { return metric };
    let years: Vec<(usize, i16)> = set
        .meta
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.series() == Some(series))
        .filter_map(|(i, c)| c.year().map(|y| (i, y)))
        .collect();
    years
        .iter()
        .filter(|(_, y)| *y <= year)
        .max_by_key(|(_, y)| *y)
        .or_else(|| years.iter().min_by_key(|(_, y)| *y))
        .map_or(metric, |(i, _)| *i)
}

fn show(set: &LoadedSet, context: &DataContext) -> Plan {
    let rows = context.rows.iter().filter_map(|label| set.rows.iter().position(|r| &r.label == label)).collect();
    let metric = context.metric.as_deref().and_then(|m| set.meta.column(m)).map(|(i, _)| i);
    Plan::Show { rows, metric }
}

/// "Which Portland?" with one button per candidate.
fn which_one(set: &LoadedSet, candidates: &[usize]) -> Reply {
    let key = set.rows[candidates[0]].label.split(", ").next().unwrap_or_default().to_owned();
    let replies = candidates
        .iter()
        .take(PICKS)
        .map(|&i| button(&set.rows[i].label, Tap::Row(set.rows[i].label.clone())))
        .collect();
    Reply::QuickReplies { text: format!("There are {} places called {key}. Which one?", candidates.len()), replies }
}

/// A question with the first rows of the set as buttons (the largest cities come first in the
/// shipped set), leaving out `except`.
pub(super) fn pick_row(set: &LoadedSet, text: &str, except: &[String]) -> Reply {
    let replies = set
        .rows
        .iter()
        .filter(|r| !except.contains(&r.label))
        .take(PICKS)
        .map(|r| button(&r.label, Tap::Row(r.label.clone())))
        .collect();
    Reply::QuickReplies { text: text.to_owned(), replies }
}

fn ask_second_row(set: &LoadedSet, context: &DataContext) -> Reply {
    let text = match context.rows.first() {
        Some(first) => format!("Compare {first} with which {}? Type its name or pick one:", noun(set)),
        None => format!("Which {}s shall I compare? Type their names, or pick a first one:", noun(set)),
    };
    pick_row(set, &text, &context.rows)
}

/// The data set's full credit, with a way on: about the cities of the context, or exploring.
fn sources(set: &LoadedSet, context: &DataContext) -> Reply {
    let text = set.meta.attribution.clone().unwrap_or_else(|| "No source is recorded for this data.".to_owned());
    let replies = if context.rows.is_empty() {
        vec![button("Explore the data", Tap::Explore)]
    } else {
        vec![button("Compare with…", Tap::Compare), button("Other topics", Tap::Groups)]
    };
    Reply::QuickReplies { text: truncate(&text, limits::TEXT_MAX_CHARS), replies }
}

fn pick_group(set: &LoadedSet, context: &DataContext) -> Reply {
    let subject =
        if context.rows.is_empty() { String::new() } else { format!(" about {}", context.rows.join(" and ")) };
    let replies =
        set.meta.groups().into_iter().take(PICKS).map(|g| button(&capitalize(g), Tap::Group(g.to_owned()))).collect();
    Reply::QuickReplies { text: format!("What would you like to know{subject}?"), replies }
}

pub(super) fn button(title: &str, tap: Tap) -> Button {
    Button { title: truncate(title, limits::TITLE_MAX_CHARS), payload: tap.payload() }
}

pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A metric's name in a few words: its first synonym ("2 bedroom rent"), else its title.
pub fn short_name(column: &Column) -> String {
    column.synonyms.first().cloned().unwrap_or_else(|| column.title())
}

/// The metric that stands for a group in an overview: the one with the most synonyms (the one
/// people ask about most), the first on a tie.
pub fn headline(set: &LoadedSet, group: &str) -> Option<usize> {
    let metrics = set.group_metrics(group);
    let most = metrics.iter().map(|&m| set.meta.columns[m].synonyms.len()).max()?;
    metrics.into_iter().find(|&m| set.meta.columns[m].synonyms.len() == most)
}

/// Groups with their headline metric, the most asked about first (by the headline's synonyms;
/// column order on a tie).
fn ranked_groups(set: &LoadedSet) -> Vec<(&str, usize)> {
    let mut groups: Vec<(&str, usize)> =
        set.meta.groups().into_iter().filter_map(|g| Some((g, headline(set, g)?))).collect();
    groups.sort_by_key(|(_, m)| std::cmp::Reverse(set.meta.columns[*m].synonyms.len()));
    groups
}

/// The metrics drawn with `metric`: its yearly series, or the metrics of its group in the same
/// unit around it.
pub fn chart_metrics(set: &LoadedSet, metric: usize) -> Vec<usize> {
    let column = &set.meta.columns[metric];
    let siblings: Vec<usize> = match column.series() {
        Some(series) => set.meta.metrics().filter(|(_, c)| c.series() == Some(series)).map(|(i, _)| i).collect(),
        None => set
            .group_metrics(column.group.as_deref().unwrap_or(OTHER_GROUP))
            .into_iter()
            .filter(|&m| set.meta.columns[m].unit == column.unit && set.meta.columns[m].series().is_none())
            .collect(),
    };
    if siblings.len() <= CHART_METRICS || column.series().is_some() {
        return siblings;
    }
    let at = siblings.iter().position(|&m| m == metric).unwrap_or(0);
    let start = at.saturating_sub(CHART_METRICS / 2).min(siblings.len() - CHART_METRICS);
    siblings[start..start + CHART_METRICS].to_vec()
}

/// The replies showing rows (already read) on a metric, or an overview when there is none. The
/// data set's credit ends the text unless the conversation was `credited` already; then a
/// "Sources" button gives it (the chart carries it in its footnote either way).
pub fn render(
    set: &LoadedSet,
    rows: &[Entity],
    metric: Option<usize>,
    credited: bool,
    links: &ChartLinks,
    now_secs: i64,
) -> Vec<Reply> {
    let source = match &set.meta.attribution {
        Some(credit) if !credited => format!("\n\n{credit}"),
        _ => String::new(),
    };
    let sources_button = (credited && set.meta.attribution.is_some()).then(|| button("Sources", Tap::Sources));
    let chart = |metric: usize| {
        let spec = ChartSpec {
            dataset: set.meta.name.clone(),
            rows: rows.iter().map(|r| r.label.clone()).collect(),
            metrics: chart_metrics(set, metric).into_iter().map(|m| set.meta.columns[m].name.clone()).collect(),
        };
        Reply::Image { url: links.url(&spec, now_secs) }
    };
    let Some(metric) = metric else {
        let groups = ranked_groups(set);
        let mut replies = vec![overview(set, &groups, rows, &source, sources_button)];
        replies.extend(groups.first().map(|(_, m)| chart(*m)));
        return replies;
    };
    let column = &set.meta.columns[metric];
    let mut text = String::new();
    if let [row] = rows {
        text.push_str(&format!(
            "{}: {} is {}.",
            row.label,
            short_name(column),
            format::value(column, &row.values[metric].1)
        ));
    } else {
        text.push_str(&format!("{}:", capitalize(&short_name(column))));
        for row in rows {
            text.push_str(&format!("\n• {}: {}", row.label, format::value(column, &row.values[metric].1)));
        }
        if let Some(line) = highest(rows, metric) {
            text.push_str(&format!("\n{line}"));
        }
    }
    if let Some(description) = &column.description {
        text.push_str(&format!("\n({description})"));
    }
    text.push_str(&source);
    let mut buttons = vec![button("Compare with…", Tap::Compare)];
    let group = column.group.as_deref().unwrap_or(OTHER_GROUP);
    buttons.extend(
        set.group_metrics(group)
            .into_iter()
            .filter(|&m| m != metric && set.meta.columns[m].series().is_none_or(|s| column.series() != Some(s)))
            .take(4)
            .map(|m| {
                button(&capitalize(&short_name(&set.meta.columns[m])), Tap::Metric(set.meta.columns[m].name.clone()))
            }),
    );
    buttons.push(button("Other topics", Tap::Groups));
    buttons.extend(sources_button);
    vec![Reply::QuickReplies { text: truncate(&text, limits::TEXT_MAX_CHARS), replies: buttons }, chart(metric)]
}

/// "Denver is 13 % higher than Austin." for two rows; the highest of more.
fn highest(rows: &[Entity], metric: usize) -> Option<String> {
    let values: Vec<(&str, f64)> =
        rows.iter().filter_map(|r| Some((r.label.as_str(), r.values[metric].1.as_f64()?))).collect();
    if values.len() < 2 {
        return None;
    }
    let (top, top_value) = values.iter().copied().fold(values[0], |a, b| if b.1 > a.1 { b } else { a });
    if let [(a, x), (b, y)] = values.as_slice() {
        if x == y {
            return Some(format!("{a} and {b} are level."));
        }
        let (low, low_value) = if top == *a { (*b, *y) } else { (*a, *x) };
        if low_value > 0.0 {
            return Some(format!("{top} is {:.0} % higher than {low}.", (top_value / low_value - 1.0) * 100.0));
        }
    }
    Some(format!("{top} is highest."))
}

/// One line per group's headline metric, and buttons to pick a group or compare.
fn overview(
    set: &LoadedSet,
    groups: &[(&str, usize)],
    rows: &[Entity],
    source: &str,
    sources_button: Option<Button>,
) -> Reply {
    let mut text = rows.iter().map(|r| r.label.as_str()).collect::<Vec<_>>().join(" / ");
    for &(_, metric) in groups {
        let column = &set.meta.columns[metric];
        let values: Vec<String> = rows.iter().map(|r| format::value(column, &r.values[metric].1)).collect();
        text.push_str(&format!("\n• {}: {}", short_name(column), values.join(" / ")));
    }
    text.push_str(source);
    let mut replies: Vec<Button> =
        groups.iter().take(PICKS - 1).map(|(g, _)| button(&capitalize(g), Tap::Group((*g).to_owned()))).collect();
    replies.push(button("Compare with…", Tap::Compare));
    replies.extend(sources_button);
    Reply::QuickReplies { text: truncate(&text, limits::TEXT_MAX_CHARS), replies }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_round_trip() {
        for tap in [
            Tap::Row("Portland, OR".into()),
            Tap::Group("housing".into()),
            Tap::Metric("fmr_2br_usd".into()),
            Tap::Compare,
            Tap::Explore,
            Tap::Groups,
            Tap::Menu,
            Tap::Sources,
        ] {
            assert_eq!(Tap::parse(&tap.payload()), Some(tap));
        }
        assert_eq!(Tap::parse("coupon:show"), None);
        assert_eq!(Tap::parse("ask:row:"), None);
        assert_eq!(Tap::parse("ask:dance"), None);
    }

    #[test]
    fn titles_fit_messenger() {
        assert_eq!(truncate("median household income change", 20).chars().count(), 20);
        assert_eq!(truncate("Austin", 20), "Austin");
    }
}
