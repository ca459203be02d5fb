//! `statbot bench funnel`: fills a fresh database with realistic journeys through the demo
//! flow (events recorded as the processor records them; a third of the contacts arriving by
//! one of a few refs), rolls them up, and times funnel reports over several ranges (whole, by
//! day, by ref), then again while new events keep arriving.

use crate::cli::CliError;
use crate::engine;
use crate::funnels::{DateRange, Funnels};
use crate::store::{EventKind, NewEvent, NewReferral, Store};
use rand::{Rng, SeedableRng};
use statbot_core::Platform;
use statbot_core::funnel::Rules;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FLOW: &str = "coupon";
/// Events loaded per transaction.
const LOAD_BATCH: usize = 50_000;
/// Reports timed per range.
const RUNS: usize = 20;

pub async fn run(events: usize, days: i64, database_url: Option<String>) -> Result<(), CliError> {
    let temp = super::temp_dir()?;
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}", temp.join("bench.db").display()));
    let result = bench(events, days.max(1), &url).await;
    let _ = std::fs::remove_dir_all(&temp);
    result
}

async fn bench(events: usize, days: i64, url: &str) -> Result<(), CliError> {
    let store = Store::open(url).await?;
    let flows = Arc::new(engine::flows::load(true, None, None)?);
    let funnels = Funnels::new(store.clone(), flows, Rules::DEFAULT_WINDOW_DAYS, jiff::tz::TimeZone::UTC)?;
    crate::cli::outln!("bench funnel: {events} events of journeys through `{FLOW}` over {days} days");

    let started = Instant::now();
    let mut rng = rand::rng();
    let now = crate::store::now_ms();
    let mut loaded = 0;
    while loaded < events {
        let journeys = generate(&mut rng, (events - loaded).min(LOAD_BATCH), now, days);
        loaded += load(&store, &mut rng, journeys).await?;
    }
    let took = started.elapsed();
    crate::cli::outln!(
        "  loaded {loaded} events in {:.1} s ({:.0} events/s)",
        took.as_secs_f64(),
        loaded as f64 / took.as_secs_f64()
    );

    let started = Instant::now();
    let rolled = funnels.catch_up().await?;
    let took = started.elapsed();
    crate::cli::outln!(
        "  rolled up {rolled} events in {:.1} s ({:.0} events/s)",
        took.as_secs_f64(),
        rolled as f64 / took.as_secs_f64()
    );

    let today = funnels.today();
    let ranges = [
        ("last 7 days", 7, By::Nothing),
        ("last 30 days", 30, By::Nothing),
        (&*format!("all {days} days"), days, By::Nothing),
        (&*format!("all {days} days by day"), days, By::Day),
        ("last 30 days by ref", 30, By::Ref),
        (&*format!("all {days} days by ref"), days, By::Ref),
        ("last 30 days by ref, no medians (the flow page)", 30, By::RefSplit),
    ]
    .map(|(name, len, by)| (name.to_owned(), range(today, len), by));
    for (name, range, by) in &ranges {
        let times = time_reports(&funnels, *range, *by).await?;
        crate::cli::outln!(
            "  report {name}: p50 {:.1} ms, max {:.1} ms",
            super::quantile_ms(&times, 0.5),
            super::quantile_ms(&times, 1.0)
        );
    }

    // The same while a writer adds journeys of today, as the processor would.
    let writing = tokio_util::sync::CancellationToken::new();
    let writer = tokio::spawn(write_while(store.clone(), writing.clone(), now));
    tokio::time::sleep(Duration::from_millis(200)).await;
    for (name, range, by) in &ranges {
        let times = time_reports(&funnels, *range, *by).await?;
        crate::cli::outln!(
            "  report {name} while events arrive: p50 {:.1} ms, max {:.1} ms",
            super::quantile_ms(&times, 0.5),
            super::quantile_ms(&times, 1.0)
        );
    }
    writing.cancel();
    let written = writer.await.map_err(|e| CliError(e.to_string()))??;
    crate::cli::outln!("  ({written} events arrived meanwhile, every report counting them all)");
    store.close().await;
    Ok(())
}

fn range(today: jiff::civil::Date, days: i64) -> DateRange {
    DateRange { from: today.saturating_sub(jiff::Span::new().days(days - 1)), to: today }
}

/// What a timed report is broken down by.
#[derive(Clone, Copy)]
enum By {
    Nothing,
    Day,
    Ref,
    /// By ref without the medians, as the flow page reads it.
    RefSplit,
}

async fn time_reports(funnels: &Funnels, range: DateRange, by: By) -> Result<Vec<Duration>, CliError> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let report = match by {
            By::Nothing => funnels.report(FLOW, range, false).await?,
            By::Day => funnels.report(FLOW, range, true).await?,
            By::Ref => funnels.report_by_ref(FLOW, range).await?,
            By::RefSplit => funnels.split_by_ref(FLOW, range).await?,
        };
        times.push(started.elapsed());
        std::hint::black_box(report);
    }
    times.sort_unstable();
    Ok(times)
}

/// Adds a few journeys of today every 10 ms until cancelled; returns the events added.
async fn write_while(store: Store, stop: tokio_util::sync::CancellationToken, now: i64) -> Result<usize, CliError> {
    let mut written = 0;
    let mut rng = rand::rngs::StdRng::from_os_rng();
    while !stop.is_cancelled() {
        let journeys = generate(&mut rng, 50, now, 1);
        written += load(&store, &mut rng, journeys).await?;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(written)
}

type Generated = (EventKind, &'static str, Option<&'static str>, i64);

/// The refs a third of the contacts arrive by.
const REFS: [&str; 5] = ["poster", "flyer", "newsletter", "counter", "bio"];

/// Stores journeys, one new contact each, in one transaction (a third of them after a referral
/// by one of [`REFS`]); returns the events stored.
async fn load(store: &Store, rng: &mut impl Rng, journeys: Vec<Vec<Generated>>) -> Result<usize, CliError> {
    let names: Vec<String> =
        (0..journeys.len()).map(|_| format!("bench-{}", hex::encode(rng.random::<[u8; 8]>()))).collect();
    let ids = store.load_contacts(Platform::Messenger, &names).await?;
    let referrals: Vec<NewReferral> = journeys
        .iter()
        .zip(&ids)
        .filter_map(|(journey, id)| {
            let started = journey.first()?.3;
            rng.random_bool(1.0 / 3.0).then(|| NewReferral {
                contact_id: *id,
                inbound_id: None,
                reference: Some(REFS[rng.random_range(0..REFS.len())].to_owned()),
                source: Some("SHORTLINK".into()),
                kind: Some("OPEN_THREAD".into()),
                ad_id: None,
                flow: Some(FLOW.to_owned()),
                step: None,
                at: started - 1_000,
            })
        })
        .collect();
    crate::store::record_referrals(&mut *store.conn().await?, &referrals).await?;
    let events: Vec<(NewEvent, i64)> = journeys
        .into_iter()
        .zip(ids)
        .flat_map(|(journey, id)| {
            journey.into_iter().map(move |(kind, step, button, at)| (event(id, kind, step, button), at))
        })
        .collect();
    store.load_events(&events).await?;
    Ok(events.len())
}

fn event(contact_id: i64, kind: EventKind, step: &str, button: Option<&str>) -> NewEvent {
    NewEvent {
        contact_id,
        inbound_id: None,
        kind,
        flow: Some(FLOW.to_owned()),
        step: Some(step.to_owned()),
        button: button.map(str::to_owned),
        detail: None,
    }
}

/// Journeys (one per contact) with about `events` events in all, started over the `days`
/// days before `now`: most see the offer, most of those reveal the coupon, some say no
/// thanks, some come back days later.
fn generate(rng: &mut impl Rng, events: usize, now: i64, days: i64) -> Vec<Vec<Generated>> {
    const SECOND: i64 = 1_000;
    const DAY: i64 = 86_400_000;
    let mut journeys = Vec::new();
    let mut count = 0;
    while count < events {
        let mut at = now - rng.random_range(0..days * DAY);
        let mut journey = vec![(EventKind::StepEntered, "welcome", None, at)];
        let mut tap = |journey: &mut Vec<Generated>, delay: i64, (step, button, next)| {
            at += delay;
            journey.push((EventKind::ButtonClicked, step, Some(button), at));
            journey.push((EventKind::StepEntered, next, None, at));
        };
        let choice: f64 = rng.random();
        if choice < 0.65 {
            tap(&mut journey, rng.random_range(SECOND..120 * SECOND), ("welcome", "show", "offer"));
            if rng.random_bool(0.7) {
                tap(&mut journey, rng.random_range(SECOND..60 * SECOND), ("offer", "reveal", "revealed"));
                journey.push((EventKind::CouponRevealed, "revealed", None, at));
            }
        } else if choice < 0.85 {
            tap(&mut journey, rng.random_range(SECOND..60 * SECOND), ("welcome", "no", "thanks"));
        }
        if rng.random_bool(0.1) {
            at += rng.random_range(DAY..20 * DAY);
            journey.push((EventKind::StepEntered, "welcome", None, at));
        }
        journey.retain(|e| e.3 <= now);
        count += journey.len();
        journeys.push(journey);
    }
    journeys
}
