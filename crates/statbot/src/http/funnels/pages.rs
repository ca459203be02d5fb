//! The flows on the dashboard with their funnels over a date range: the landing page `/`, a card
//! per flow (contacts who entered, who revealed a coupon, the conversion, the funnel chart), and
//! `/flows/{flow}`, one flow's funnel table (every step, and every button under it) and its
//! coupon reveals by day of joining, with their charts and download links, and the split of its
//! cohort by the ref its contacts came by (entry links) and by split variant, each with its
//! redemptions. A bad range is said on the page, which
//! then shows the default range.

use super::charts::{reveals_figure, steps_figure};
use crate::funnels::format::{duration, percent};
use crate::funnels::{DateRange, RangeReport};
use crate::http::AppState;
use crate::http::charts::ChartFigure;
use crate::http::dashboard::{Better, Card, Dashboard, Line, Nav, Preset, collapse, presets, sentence};
use crate::http::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct RangeParams {
    from: Option<String>,
    to: Option<String>,
}

/// The asked range, or the default one and why the asked one was refused.
fn range_of(state: &AppState, params: &RangeParams) -> (DateRange, Option<String>) {
    let today = state.funnels.today();
    match DateRange::parse(params.from.as_deref(), params.to.as_deref(), today) {
        Ok(range) => (range, None),
        Err(e) => {
            let range = DateRange::parse(None, None, today).unwrap_or(DateRange { from: today, to: today });
            (range, Some(sentence(&e.to_string())))
        }
    }
}

struct FlowCard {
    name: String,
    title: String,
    cohort: u64,
    reveal_contacts: u64,
    conversion: String,
    chart: ChartFigure,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/home.html")]
struct HomePage {
    nav: Nav,
    range: DateRange,
    range_error: Option<String>,
    range_action: String,
    presets: Vec<Preset>,
    time_zone: String,
    window_days: i64,
    flows: Vec<FlowCard>,
}

pub(super) async fn home(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Query(params): Query<RangeParams>,
) -> Result<Response, ApiError> {
    let (range, range_error) = range_of(&state, &params);
    let mut flows = Vec::new();
    for flow in state.engine.flows().set.iter() {
        let report = state.funnels.report(&flow.name, range, false).await?;
        let reveal_contacts: u64 = report.funnel.steps.iter().map(|s| s.reveal_contacts).sum();
        let cohort = report.funnel.cohort;
        let query = format!("from={}&to={}", range.from, range.to);
        let chart = steps_figure(&report, &flow.name, &flow.title, &query);
        flows.push(FlowCard {
            name: flow.name.clone(),
            title: flow.title.clone(),
            cohort,
            reveal_contacts,
            conversion: percent((cohort > 0).then(|| reveal_contacts as f64 / cohort as f64)),
            chart,
        });
    }
    let config = &state.config.funnels;
    Ok(HomePage {
        nav: Nav::of(&dashboard),
        range,
        range_error,
        range_action: "/".into(),
        presets: presets(state.funnels.today(), (range.from, range.to), "/", &[]),
        time_zone: state.config.time_zone().to_owned(),
        window_days: config.window_days,
        flows,
    }
    .into_response())
}

/// One line of the funnel table: a step, or a button under it.
struct FunnelRow {
    class: &'static str,
    key: String,
    name: String,
    contacts: u64,
    from_entry: String,
    from_previous: String,
    drop_off: String,
    clicks: String,
    reveals: String,
    median: String,
}

/// One line of the split by ref: a ref's contacts at each step, and its conversion.
struct RefRow {
    label: String,
    cohort: u64,
    /// Contacts at each step after the entry step, with their share of the ref's cohort.
    steps: Vec<String>,
    revealed: u64,
    conversion: String,
    redeemed: u64,
    /// Net revenue per currency, `–` for none.
    revenue: String,
}

/// The split of a funnel by ref: the steps after the entry step (the columns) and a row per ref.
fn ref_rows(report: &RangeReport) -> (Vec<String>, Vec<RefRow>) {
    let steps: Vec<String> = report.funnel.steps.iter().skip(1).map(|s| s.step.clone()).collect();
    let rows = report
        .by_ref
        .iter()
        .flatten()
        .map(|part| {
            let f = &part.funnel;
            let revealed: u64 = f.steps.iter().map(|s| s.reveal_contacts).sum();
            RefRow {
                label: part.label().to_owned(),
                cohort: f.cohort,
                steps: f
                    .steps
                    .iter()
                    .skip(1)
                    .map(|s| format!("{} ({})", s.contacts, percent(s.rate_from_entry)))
                    .collect(),
                revealed,
                conversion: percent((f.cohort > 0).then(|| revealed as f64 / f.cohort as f64)),
                redeemed: part.redemptions.redeemed,
                revenue: part.redemptions.revenue_text().unwrap_or_else(|| "–".into()),
            }
        })
        .collect();
    (steps, rows)
}

struct DayRow {
    date: String,
    cohort: u64,
    reveals: u64,
    reveal_contacts: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/flow.html")]
struct FlowPage {
    nav: Nav,
    title: String,
    report: RangeReport,
    query: String,
    cards: Vec<Card>,
    funnel_chart: ChartFigure,
    reveals_chart: ChartFigure,
    rows: Vec<FunnelRow>,
    days: Vec<Line<DayRow>>,
    ref_steps: Vec<String>,
    refs: Vec<RefRow>,
    splits: Vec<SplitView>,
    range: DateRange,
    range_error: Option<String>,
    range_action: String,
    presets: Vec<Preset>,
    time_zone: String,
    window_days: i64,
}

/// A split step's test as the flow page shows it ("By variant").
struct SplitView {
    step: String,
    goal: String,
    summary: String,
    rows: Vec<VariantRow>,
}

struct VariantRow {
    variant: String,
    next: String,
    contacts: u64,
    converted: u64,
    rate: String,
    difference: String,
    interval: String,
    redeemed: u64,
    /// Net revenue per currency, `–` for none.
    revenue: String,
}

fn split_views(report: &RangeReport) -> Vec<SplitView> {
    let points = statbot_core::split::stats::points;
    report
        .by_variant
        .iter()
        .flatten()
        .map(|split| SplitView {
            step: split.step.clone(),
            goal: split.goal.join(" or "),
            summary: split.summary.clone(),
            rows: split
                .variants
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let (difference, interval) = match (&v.result.versus_control, i) {
                        (Some(d), _) => (points(d.difference), format!("{} to {}", points(d.low), points(d.high))),
                        (None, 0) => ("control".into(), String::new()),
                        (None, _) => ("–".into(), String::new()),
                    };
                    VariantRow {
                        variant: v.result.variant.clone(),
                        next: v.next.clone(),
                        contacts: v.result.contacts,
                        converted: v.result.conversions,
                        rate: percent(v.result.rate),
                        difference,
                        interval,
                        redeemed: v.redemptions.redeemed,
                        revenue: v.redemptions.revenue_text().unwrap_or_else(|| "–".into()),
                    }
                })
                .collect(),
        })
        .collect()
}

fn funnel_rows(report: &RangeReport) -> Vec<FunnelRow> {
    let mut rows = Vec::new();
    for step in &report.funnel.steps {
        rows.push(FunnelRow {
            class: "step",
            key: step.step.clone(),
            name: step.step.clone(),
            contacts: step.contacts,
            from_entry: percent(step.rate_from_entry),
            from_previous: percent(step.rate_from_previous),
            drop_off: step.drop_off.map(|n| format!("{n} ({})", percent(step.drop_off_rate))).unwrap_or_default(),
            clicks: String::new(),
            reveals: if step.reveals > 0 { step.reveals.to_string() } else { String::new() },
            median: String::new(),
        });
        for b in &step.buttons {
            rows.push(FunnelRow {
                class: "button",
                key: format!("{}/{}", step.step, b.button),
                name: format!("→ {}", b.title),
                contacts: b.contacts,
                from_entry: String::new(),
                from_previous: percent(b.rate),
                drop_off: String::new(),
                clicks: b.clicks.to_string(),
                reveals: String::new(),
                median: duration(b.median_ms),
            });
        }
    }
    rows
}

pub(super) async fn flow(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(flow): Path<String>,
    Query(params): Query<RangeParams>,
) -> Result<Response, ApiError> {
    let (range, range_error) = range_of(&state, &params);
    let title = state.funnels.flow(&flow)?.title.clone();
    let splits = match state.funnels.flow(&flow)?.splits().next() {
        Some(_) => split_views(&state.funnels.report_by_variant(&flow, range, None).await?),
        None => Vec::new(),
    };
    let report = state.funnels.report(&flow, range, true).await?;
    let previous = match previous_range(range) {
        Some(previous) => Some(state.funnels.report(&flow, previous, false).await?),
        None => None,
    };
    let days: Vec<DayRow> = report
        .days
        .iter()
        .flatten()
        .map(|d| DayRow {
            date: d.date.to_string(),
            cohort: d.funnel.cohort,
            reveals: d.funnel.steps.iter().map(|s| s.reveals).sum(),
            reveal_contacts: d.funnel.steps.iter().map(|s| s.reveal_contacts).sum(),
        })
        .collect();
    let (ref_steps, refs) = ref_rows(&state.funnels.split_by_ref(&flow, range).await?);
    let cards = cards(&report, previous.as_ref(), &days);
    let days = collapse(days, "day", |d| d.cohort == 0 && d.reveals == 0, |d| d.date.clone());
    let config = &state.config.funnels;
    let query = format!("from={}&to={}", range.from, range.to);
    Ok(FlowPage {
        nav: Nav::of(&dashboard),
        funnel_chart: steps_figure(&report, &flow, &title, &query),
        reveals_chart: reveals_figure(&report, &flow, &title, &query),
        title,
        query,
        cards,
        rows: funnel_rows(&report),
        days,
        ref_steps,
        refs,
        splits,
        report,
        range,
        range_error,
        presets: presets(state.funnels.today(), (range.from, range.to), &format!("/flows/{flow}"), &[]),
        range_action: format!("/flows/{flow}"),
        time_zone: state.config.time_zone().to_owned(),
        window_days: config.window_days,
    }
    .into_response())
}

/// The range of equal length just before `range`.
fn previous_range(range: DateRange) -> Option<DateRange> {
    let days = range.from.until(range.to).ok()?.get_days();
    let to = range.from.yesterday().ok()?;
    Some(DateRange { from: to.checked_sub(jiff::Span::new().days(days)).ok()?, to })
}

/// Contacts entered, contacts who revealed a coupon, and the conversion between them.
fn totals(report: &RangeReport) -> (f64, f64) {
    (report.funnel.cohort as f64, report.funnel.steps.iter().map(|s| s.reveal_contacts).sum::<u64>() as f64)
}

/// The flow's headline cards: entered, revealed and conversion, against the previous range, with
/// their trend by day.
fn cards(report: &RangeReport, previous: Option<&RangeReport>, days: &[DayRow]) -> Vec<Card> {
    let (cohort, revealed) = totals(report);
    let before = previous.map(totals);
    let conversion = |(cohort, revealed): (f64, f64)| (cohort > 0.0).then(|| revealed / cohort);
    let count = |v: f64| format!("{v}");
    let daily = |f: &dyn Fn(&DayRow) -> Option<f64>| days.iter().map(f).collect::<Vec<_>>();
    let entered = Card::new(
        "entered",
        "Contacts entered",
        (cohort, before.map(|b| b.0)),
        (count(cohort), before.map(|b| count(b.0))),
    )
    .better(Better::Higher, cohort, before.map(|b| b.0))
    .spark(&daily(&|d| Some(d.cohort as f64)), "Contacts entered per day");
    let revealing = Card::new(
        "revealing",
        "Revealed a coupon",
        (revealed, before.map(|b| b.1)),
        (count(revealed), before.map(|b| count(b.1))),
    )
    .better(Better::Higher, revealed, before.map(|b| b.1))
    .spark(&daily(&|d| Some(d.reveal_contacts as f64)), "Contacts revealing a coupon per day");
    let rate = conversion((cohort, revealed));
    let rate_before = before.and_then(conversion);
    let mut converting = Card::new(
        "conversion",
        "Conversion",
        (rate.unwrap_or(0.0), rate_before),
        (percent(rate), rate_before.map(|r| percent(Some(r)))),
    )
    .spark(
        &daily(&|d| (d.cohort > 0).then(|| d.reveal_contacts as f64 / d.cohort as f64)),
        "Conversion per day of joining",
    );
    converting = match (rate, rate_before) {
        (Some(now), Some(then)) => converting.better(Better::Higher, now, Some(then)),
        _ => converting.with_change("–".into(), "flat"),
    };
    vec![entered, revealing, converting]
}
