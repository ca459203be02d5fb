//! `statbot bench stripe-metrics`: the sales figures over a large mirror. N generated charges
//! (three years of a shop: repeat customers, product-like descriptions, some failed, some
//! refunded on a later day, two currencies) are written into a fresh mirror; the rollups are
//! built from it, then each metric is timed over a week, a month, a year and everything, and a
//! synced page's upkeep of the rollups is timed too.

use crate::cli::{CliError, outln};
use crate::dates::DayRange;
use crate::sales::periods::Period;
use crate::sales::{Sales, SalesSettings};
use crate::store::{Store, StripeCharge, StripeCustomer, StripePage, StripeRefund};
use jiff::tz::TimeZone;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const DAYS: i64 = 3 * 365;
const ADJECTIVES: &[&str] = &["Sleek", "Rustic", "Ergonomic", "Handmade", "Small", "Gorgeous", "Modern", "Vintage"];
const MATERIALS: &[&str] = &["Steel", "Wooden", "Cotton", "Granite", "Leather", "Linen", "Bronze", "Marble"];
const THINGS: &[&str] = &["Chair", "Table", "Lamp", "Mug", "Towel", "Bag", "Clock", "Bowl", "Shirt", "Vase"];

pub async fn run(charges: usize, database_url: Option<String>) -> Result<(), CliError> {
    let temp = super::temp_dir()?;
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}", temp.join("bench.db").display()));
    let result = bench(charges.max(1), &url).await;
    let _ = std::fs::remove_dir_all(&temp);
    result
}

/// The generated shop: customers, charges and refunds, oldest first, ending now.
fn generate(charges: usize, now: i64) -> (Vec<StripeCustomer>, Vec<StripeCharge>, Vec<StripeRefund>) {
    let mut rng = StdRng::seed_from_u64(7);
    let start = now - DAYS * 86_400;
    let customer_count = (charges / 20).max(1);
    let customers: Vec<StripeCustomer> = (0..customer_count)
        .map(|i| StripeCustomer {
            id: format!("cus_{i:07}"),
            email: Some(format!("customer{i}@example.com")),
            name: Some(format!("Customer {i}")),
            created: start + (i as i64 * DAYS * 86_400) / customer_count as i64,
        })
        .collect();
    let mut refunds = Vec::new();
    let charges = (0..charges)
        .map(|i| {
            let created = start + (i as i64 * DAYS * 86_400) / charges as i64;
            // Repeat buyers: low customer numbers buy more often, among those who exist by then.
            let existing = ((created - start) * customer_count as i64 / (DAYS * 86_400)).max(1) as f64;
            let customer = (existing * rng.random::<f64>().powi(2)) as usize;
            let status = if rng.random_ratio(1, 50) { "failed" } else { "succeeded" };
            let amount = rng.random_range(500..20_000);
            let description = format!(
                "{} {} {}",
                ADJECTIVES[rng.random_range(0..ADJECTIVES.len())],
                MATERIALS[rng.random_range(0..MATERIALS.len())],
                THINGS[rng.random_range(0..THINGS.len())]
            );
            let id = format!("ch_{i:08}");
            if status == "succeeded" && rng.random_ratio(3, 100) {
                refunds.push(StripeRefund {
                    id: format!("re_{i:08}"),
                    charge: Some(id.clone()),
                    amount: amount / 2,
                    currency: if i % 10 == 0 { "eur" } else { "usd" }.into(),
                    status: "succeeded".into(),
                    created: (created + rng.random_range(3_600..20 * 86_400)).min(now),
                });
            }
            StripeCharge {
                id,
                amount,
                amount_refunded: 0,
                currency: if i % 10 == 0 { "eur" } else { "usd" }.into(),
                status: status.into(),
                paid: status == "succeeded",
                refunded: false,
                disputed: false,
                customer: Some(customers[customer.min(customer_count - 1)].id.clone()),
                description: Some(description),
                metadata: "{}".into(),
                created,
                payment_intent: None,
            }
        })
        .collect();
    (customers, charges, refunds)
}

/// Median and slowest of `runs` timings of `f`.
async fn time<T, E: Into<CliError>>(
    runs: usize,
    mut f: impl AsyncFnMut() -> Result<T, E>,
) -> Result<(Duration, Duration), CliError> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await.map_err(Into::into)?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], times[times.len() - 1]))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn bench(count: usize, url: &str) -> Result<(), CliError> {
    let store = Store::open(url).await?;
    let now = jiff::Timestamp::now().as_second();
    let (customers, charges, refunds) = generate(count, now);
    outln!(
        "bench stripe-metrics: {} charges, {} refunds, {} customers over {DAYS} days, in {}",
        charges.len(),
        refunds.len(),
        customers.len(),
        crate::store::redact_url(url)
    );
    let started = Instant::now();
    for chunk in customers.chunks(2_000) {
        store.write_stripe_page(&StripePage { customers: chunk.to_vec(), ..StripePage::default() }).await?;
    }
    for chunk in charges.chunks(2_000) {
        store.write_stripe_page(&StripePage { charges: chunk.to_vec(), ..StripePage::default() }).await?;
    }
    for chunk in refunds.chunks(2_000) {
        store.write_stripe_page(&StripePage { refunds: chunk.to_vec(), ..StripePage::default() }).await?;
    }
    outln!("  mirror written in {:.1} s", started.elapsed().as_secs_f64());

    let zone = TimeZone::UTC;
    let started = Instant::now();
    store.rebuild_sales_rollups(&zone).await?;
    store.mark_stripe_synced().await?;
    outln!("  rollups built from the mirror in {:.1} s", started.elapsed().as_secs_f64());

    let settings = SalesSettings {
        zone: zone.clone(),
        max_mirror_age: Duration::from_secs(86_400),
        live_timeout: Duration::from_secs(1),
    };
    let metrics = Sales::new(store.clone(), None, settings);
    let today = metrics.today();
    outln!("  metric (median / slowest of 9, ms)        week      month     year      3 years");
    let ranges: Vec<DayRange> = [6, 29, 364, DAYS - 1]
        .into_iter()
        .map(|extra| DayRange::parse(None, None, Some(extra), today))
        .collect::<Result<_, _>>()
        .map_err(CliError)?;
    let line = |name: &str, figures: Vec<(Duration, Duration)>| {
        let cells: Vec<String> =
            figures.iter().map(|(p50, max)| format!("{:>5.1} / {:<5.1}", ms(*p50), ms(*max))).collect();
        outln!("  {name:<40} {}", cells.join(" "));
    };
    let mut figures = Vec::new();
    for range in &ranges {
        figures.push(time(9, async || metrics.revenue(*range, Period::for_range(*range)).await).await?);
    }
    line("revenue (+ previous range, series)", figures);
    let mut figures = Vec::new();
    for range in &ranges {
        figures.push(time(9, async || metrics.top_customers(*range, None, 10).await).await?);
    }
    line("top customers (10)", figures);
    let mut figures = Vec::new();
    for range in &ranges {
        figures.push(time(9, async || metrics.words(*range, None, 10).await).await?);
    }
    line("words (10)", figures);

    // A synced page of 100 new charges, with the upkeep of the rollups.
    let (_, fresh, _) = generate(100, now);
    let renamed: Vec<StripeCharge> =
        fresh.into_iter().map(|c| StripeCharge { id: format!("{}_new", c.id), created: now, ..c }).collect();
    let (p50, max) = time(5, async || {
        store.write_stripe_page(&StripePage { charges: renamed.clone(), ..StripePage::default() }).await
    })
    .await?;
    outln!("  a page of 100 charges written with its rollups: {:.1} ms (slowest {:.1} ms)", ms(p50), ms(max));
    store.close().await;
    Ok(())
}
