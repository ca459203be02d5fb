//! The rollups that answer long ranges (paying customer tallies, customer spend per month and
//! year, the threshold search for the top customers), checked against a brute-force count over
//! sixteen months of a shop in America/Chicago: pages written out of order (old charges after
//! newer ones), pending charges that succeed or fail later, charges that move to another
//! customer, refunds months later, pages written twice; then every answer again after a
//! rebuild from the mirror.

use crate::support::{self, mirror};
use jiff::tz::TimeZone;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use statbot::dates::DayRange;
use statbot::sales::periods::Period;
use statbot::sales::top_customers::top_customers;
use statbot::sales::{Sales, SalesSettings};
use statbot::store::{Store, StripeCharge, StripeCustomer, StripePage, StripeRefund};
use statbot_core::sales::rollup::{DayNumber, date_of, number};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// 2025-01-20 00:00 UTC, a Monday.
const START: i64 = 1_737_331_200;
const DAYS: i64 = 480;
const CUSTOMERS: usize = 40;

struct Shop {
    zone: TimeZone,
    charges: Vec<StripeCharge>,
    refunds: Vec<StripeRefund>,
}

impl Shop {
    fn day(&self, unix: i64) -> DayNumber {
        number(jiff::Timestamp::from_second(unix).unwrap().to_zoned(self.zone.clone()).date())
    }

    fn owner(&self, charge: &str) -> &StripeCharge {
        self.charges.iter().find(|c| c.id == charge).unwrap()
    }

    /// Distinct customers with a succeeded charge in the days, per currency.
    fn payers(&self, from: DayNumber, to: DayNumber) -> HashMap<String, i64> {
        let mut who: HashMap<String, BTreeSet<&str>> = HashMap::new();
        for c in self.charges.iter().filter(|c| c.status == "succeeded") {
            if (from..=to).contains(&self.day(c.created)) {
                who.entry(c.currency.clone()).or_default().insert(c.customer.as_deref().unwrap());
            }
        }
        who.into_iter().map(|(currency, set)| (currency, set.len() as i64)).collect()
    }

    /// Every customer's (net, gross, refunded, payments) in the currency over the days, best
    /// first, ties by id.
    fn top(&self, from: DayNumber, to: DayNumber, currency: &str) -> Vec<(String, i64, i64, i64, i64)> {
        let mut sums: HashMap<String, (i64, i64, i64)> = HashMap::new();
        for c in self.charges.iter().filter(|c| c.status == "succeeded" && c.currency == currency) {
            if (from..=to).contains(&self.day(c.created)) {
                let entry = sums.entry(c.customer.clone().unwrap()).or_default();
                entry.0 += c.amount;
                entry.2 += 1;
            }
        }
        for r in self.refunds.iter().filter(|r| r.currency == currency) {
            if (from..=to).contains(&self.day(r.created)) {
                let owner = self.owner(r.charge.as_deref().unwrap()).customer.clone().unwrap();
                sums.entry(owner).or_default().1 += r.amount;
            }
        }
        let mut rows: Vec<_> = sums.into_iter().map(|(id, (g, r, p))| (id, g - r, g, r, p)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows
    }
}

async fn write(store: &Store, charges: &[StripeCharge], refunds: &[StripeRefund]) {
    let page = StripePage { charges: charges.to_vec(), refunds: refunds.to_vec(), ..StripePage::default() };
    store.write_stripe_page(&page).await.unwrap();
}

/// The shop's history, written page by page in a shuffled order, then changed.
async fn make_shop(store: &Store, rng: &mut StdRng) -> Shop {
    let zone = TimeZone::get("America/Chicago").unwrap();
    let mut charges: Vec<StripeCharge> = (0..2_400)
        .map(|i| {
            let created = START + rng.random_range(0..DAYS * 86_400);
            // A few customers buy most: the shape the threshold search relies on, and a long tail.
            let who = (CUSTOMERS as f64 * rng.random::<f64>().powi(3)) as usize;
            let status = match rng.random_range(0..100) {
                0..5 => "failed",
                5..12 => "pending",
                _ => "succeeded",
            };
            let currency = if i % 7 == 0 { "eur" } else { "usd" };
            let mut charge = mirror::charge(
                &format!("ch_{i:05}"),
                &format!("cus_{who:02}"),
                rng.random_range(100..30_000),
                currency,
                true,
                created,
                "Sleek Chair",
            );
            charge.status = status.into();
            charge
        })
        .collect();
    let customers: Vec<StripeCustomer> = (0..CUSTOMERS)
        .map(|i| mirror::customer(&format!("cus_{i:02}"), &format!("Customer {i}"), "c@example.com", START))
        .collect();
    store.write_stripe_page(&StripePage { customers, ..StripePage::default() }).await.unwrap();
    let mut order: Vec<usize> = (0..charges.len()).collect();
    order.shuffle(rng);
    for chunk in order.chunks(60) {
        let page: Vec<StripeCharge> = chunk.iter().map(|&i| charges[i].clone()).collect();
        write(store, &page, &[]).await;
    }
    // Pending charges settle; some charges move to another customer.
    let mut changed = Vec::new();
    for charge in &mut charges {
        if charge.status == "pending" {
            charge.status = if rng.random_ratio(2, 3) { "succeeded" } else { "failed" }.into();
            changed.push(charge.clone());
        } else if rng.random_ratio(1, 40) {
            charge.customer = Some(format!("cus_{:02}", rng.random_range(0..CUSTOMERS)));
            changed.push(charge.clone());
        }
    }
    changed.shuffle(rng);
    for chunk in changed.chunks(45) {
        write(store, chunk, &[]).await;
    }
    // Refunds of succeeded charges, some months later (never after the shop's last day).
    let sold: Vec<&StripeCharge> = charges.iter().filter(|c| c.status == "succeeded").collect();
    let refunds: Vec<StripeRefund> = (0..150)
        .map(|i| {
            let charge = sold[rng.random_range(0..sold.len())];
            let created = (charge.created + rng.random_range(3_600..120 * 86_400)).min(START + DAYS * 86_400 - 1);
            mirror::refund(
                &format!("re_{i:04}"),
                &charge.id,
                rng.random_range(1..=charge.amount / 4),
                &charge.currency,
                created,
            )
        })
        .collect();
    for chunk in refunds.chunks(40) {
        write(store, &[], chunk).await;
    }
    // A few pages again, unchanged.
    for chunk in charges.chunks(300).take(2) {
        write(store, chunk, &refunds[..20]).await;
    }
    Shop { zone, charges, refunds }
}

/// Ranges of every length across the shop's days, whole months and weeks among them.
fn ranges(rng: &mut StdRng, first: DayNumber) -> Vec<(DayNumber, DayNumber)> {
    let mut out = vec![(first, first + DAYS), (first - 10, first + 40), (first + 7, first + 13)];
    let month = |y, m| {
        let start = jiff::civil::date(y, m, 1);
        (number(start), number(start.last_of_month()))
    };
    out.extend([month(2025, 2), month(2025, 12), month(2026, 1)]);
    for _ in 0..40 {
        let from = first - 5 + rng.random_range(0..DAYS);
        let length = [1, 5, 13, 14, 20, 40, 61, 62, 63, 100, 200, 366, 450][rng.random_range(0..13)];
        out.push((from, from + length - 1));
    }
    out
}

async fn check(store: &Store, shop: &Shop, metrics: &Sales, rng: &mut StdRng) {
    let first = shop.day(START);
    for (from, to) in ranges(rng, first) {
        let got = store.sales_paying_customers(&[(from, to)]).await.unwrap();
        assert_eq!(got[0], shop.payers(from, to), "payers {from}..={to}");
        for limit in [1, 3, 10, 60] {
            for currency in ["usd", "eur"] {
                let got: Vec<(String, i64, i64, i64, i64)> = top_customers(store, from, to, currency, limit)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| (c.customer, c.spend.net(), c.spend.gross, c.spend.refunded, c.spend.payments))
                    .collect();
                let mut expected = shop.top(from, to, currency);
                expected.truncate(limit);
                assert_eq!(got, expected, "top {limit} in {currency} over {from}..={to}");
            }
        }
    }
    // Series by week and by month: each period's distinct payers.
    for (from, to, period) in [(first + 3, first + 150, Period::Week), (first - 20, first + DAYS, Period::Month)] {
        let range = DayRange { from: date_of(from), to: date_of(to) };
        let report = metrics.revenue(range, period).await.unwrap();
        for currency in &report.currencies {
            for p in &currency.series {
                let expected = shop.payers(number(p.from), number(p.to));
                let want = expected.get(&currency.currency).copied().unwrap_or_default();
                assert_eq!(p.figures.paying_customers, want, "{} {p:?}", currency.currency);
            }
            let expected = shop.payers(from, to).get(&currency.currency).copied().unwrap_or_default();
            assert_eq!(currency.figures.paying_customers, expected);
        }
    }
}

#[tokio::test]
async fn long_ranges_read_from_tallies_and_spans_equal_a_brute_force_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(&support::fresh_database_url(dir.path()).await, 4).await.unwrap();
    let chicago = TimeZone::get("America/Chicago").unwrap();
    store.ensure_sales_rollups(&chicago).await.unwrap();
    store.mark_stripe_synced().await.unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    let shop = make_shop(&store, &mut rng).await;
    let settings = SalesSettings {
        zone: chicago.clone(),
        max_mirror_age: Duration::from_secs(3600),
        live_timeout: Duration::from_secs(1),
    };
    let metrics = Sales::new(store.clone(), None, settings);
    check(&store, &shop, &metrics, &mut StdRng::seed_from_u64(5)).await;

    store.rebuild_sales_rollups(&chicago).await.unwrap();
    check(&store, &shop, &metrics, &mut StdRng::seed_from_u64(6)).await;
}
