//! `statbot bench team`: fills a fresh database with years of daily figures for several teams,
//! then times what people wait on: recording a day, and range reports (a week, a month, a year,
//! ten years) with their totals, ratios and missing days.

use crate::cli::{CliError, outln};
use crate::config::TeamConfig;
use crate::store::{DayWrite, Store};
use crate::team::{DayRange, Team, Teams};
use jiff::civil::Date;
use rand::Rng;
use std::time::{Duration, Instant};

/// Timed runs per measurement.
const RUNS: usize = 50;

pub async fn run(days: i64, teams: usize, database_url: Option<String>) -> Result<(), CliError> {
    let temp = super::temp_dir()?;
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}", temp.join("bench.db").display()));
    let result = bench(days.clamp(1, crate::dates::MAX_DAYS - 1), teams.max(1), &url).await;
    let _ = std::fs::remove_dir_all(&temp);
    result
}

async fn bench(days: i64, team_count: usize, url: &str) -> Result<(), CliError> {
    let store = Store::open(url).await?;
    let teams = Teams::new(store.clone(), &TeamConfig::default(), jiff::tz::TimeZone::UTC);
    let today = teams.today();
    let first = today.checked_sub(jiff::Span::new().days(days - 1)).map_err(|e| CliError(e.to_string()))?;
    outln!("bench team: {team_count} teams, {days} days each, default metrics, one day in ten missing");

    let mut rng = rand::rng();
    let mut all = Vec::new();
    let mut writes = Vec::new();
    let started = Instant::now();
    for t in 0..team_count {
        let team = teams.ensure(&format!("Team {t}")).await?;
        for date in days_from(first, today) {
            if rng.random_ratio(1, 10) {
                continue;
            }
            let figures = day_figures(&mut rng);
            let began = Instant::now();
            teams.record(&team, date, &figures, DayWrite::Replace, None).await?;
            writes.push(began.elapsed());
        }
        all.push(team);
    }
    outln!(
        "  recorded {} days in {:.1} s; one day: {}",
        writes.len(),
        started.elapsed().as_secs_f64(),
        figures_of(&mut writes)
    );

    let team: &Team = &all[0];
    for (label, span) in [("7 days", 7), ("30 days", 30), ("365 days", 365), ("3650 days", 3650)] {
        let span = span.min(days);
        let from = today.checked_sub(jiff::Span::new().days(span - 1)).map_err(|e| CliError(e.to_string()))?;
        let range = DayRange::new(from, today)?;
        let mut times = Vec::with_capacity(RUNS);
        let mut missing = 0;
        for _ in 0..RUNS {
            let began = Instant::now();
            let report = teams.report(team, range).await?;
            times.push(began.elapsed());
            missing = report.summary.missing_days.len();
        }
        outln!("  report over {label:>9} ({missing} missing): {}", figures_of(&mut times));
    }
    store.close().await;
    Ok(())
}

fn days_from(first: Date, last: Date) -> impl Iterator<Item = Date> {
    first.series(jiff::Span::new().days(1)).take_while(move |d| *d <= last)
}

fn day_figures(rng: &mut impl Rng) -> Vec<(String, f64)> {
    let solved = rng.random_range(20..80) as f64;
    let good = rng.random_range(10..40) as f64;
    vec![
        ("solved".into(), solved),
        ("chats".into(), rng.random_range(0..30) as f64),
        ("comments".into(), solved * rng.random_range(1.0..3.0_f64).round()),
        ("csat_good".into(), good),
        ("csat_bad".into(), rng.random_range(0..3) as f64),
    ]
}

/// "p50 1.2 ms, max 3.4 ms".
fn figures_of(times: &mut [Duration]) -> String {
    times.sort();
    format!("p50 {:.2} ms, max {:.2} ms", super::quantile_ms(times, 0.5), super::quantile_ms(times, 1.0))
}
