//! Split tests: assignment is stable and proportional to the weights; the sequential test gives
//! the documented values; and, simulated, 1,000 A/A experiments read after every batch of
//! contacts name a false winner at most 5 % of the time, where a naive fixed-sample z-test read
//! the same way does far more often.

use super::pick;
use super::stats::{ALPHA, Arm, Verdict, analyse, compare};
use crate::flow::Variant;
use proptest::prelude::*;

fn variants(weights: &[u32]) -> Vec<Variant> {
    weights
        .iter()
        .enumerate()
        .map(|(i, &weight)| Variant { id: format!("v{i}"), weight, next: "next".into() })
        .collect()
}

proptest! {
    #[test]
    fn the_same_contact_always_gets_the_same_variant(contact in any::<i64>(), weights in prop::collection::vec(1u32..100, 1..10)) {
        let variants = variants(&weights);
        let first = pick("promo", "pick", &variants, contact).unwrap();
        for _ in 0..3 {
            prop_assert_eq!(pick("promo", "pick", &variants, contact).unwrap(), first);
        }
    }
}

#[test]
fn shares_over_100_000_contacts_are_within_1_percent_of_the_weights() {
    for weights in [&[50, 50][..], &[1, 3], &[10, 20, 30, 40], &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]] {
        let variants = variants(weights);
        let mut counts = vec![0u32; weights.len()];
        for contact in 1..=100_000 {
            let v = pick("coupon", "pick", &variants, contact).unwrap();
            counts[variants.iter().position(|x| x == v).unwrap()] += 1;
        }
        let total: u32 = weights.iter().sum();
        for (count, weight) in counts.iter().zip(weights) {
            let share = f64::from(*count) / 100_000.0;
            let expected = f64::from(*weight) / f64::from(total);
            assert!((share - expected).abs() < 0.01, "weights {weights:?}: {counts:?}");
        }
    }
}

#[test]
fn assignment_is_fixed_and_depends_on_flow_and_step() {
    let variants = variants(&[50, 50]);
    let ids = |flow: &str, step: &str| -> Vec<&str> {
        (1..=12).map(|c| pick(flow, step, &variants, c).unwrap().id.as_str()).collect()
    };
    // The algorithm is part of the format: these must never change.
    assert_eq!(ids("coupon", "pick"), ["v0", "v1", "v1", "v0", "v1", "v0", "v1", "v1", "v0", "v0", "v0", "v1"]);
    assert_ne!(ids("coupon", "pick"), ids("coupon", "other"));
    assert_ne!(ids("coupon", "pick"), ids("promo", "pick"));
    assert!(pick("coupon", "pick", &[], 1).is_none());
}

fn arm(contacts: u64, conversions: u64) -> Arm {
    Arm { contacts, conversions }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_interval_and_p_value_match_the_documented_formulas() {
    // Computed independently from the formulas in the module documentation.
    let d = compare(arm(1000, 100), arm(1000, 150), 0.05).unwrap();
    assert!(close(d.difference, 0.05) && close(d.low, 0.005070897014863754), "{d:?}");
    assert!(close(d.high, 0.09492910298513622) && close(d.p_value, 0.018116557610854313), "{d:?}");
    assert!(d.shown());
    let d = compare(arm(200, 40), arm(200, 40), 0.05).unwrap();
    assert!(close(d.low, -0.13536318163284625) && close(d.high, 0.13536318163284625) && d.p_value == 1.0);
    let d = compare(arm(5000, 500), arm(5000, 560), 0.05).unwrap();
    assert!(close(d.low, -0.0078096920602807145) && !d.shown(), "{d:?}");
    assert!(compare(arm(0, 0), arm(10, 1), 0.05).is_none());
    // No conversions at all still gives an interval (the shrunk rates keep V above 0).
    assert!(compare(arm(100, 0), arm(100, 0), 0.05).unwrap().high > 0.0);
}

#[test]
fn verdicts_wait_for_the_minimum_sample_then_name_the_better_variant() {
    let named = |a: Arm, b: Arm| analyse(&[("discount".into(), a), ("gift".into(), b)], 100);
    let early = named(arm(99, 10), arm(500, 200));
    assert_eq!(early.verdict, Verdict::NotEnoughData);
    assert_eq!(early.summary, "not enough data yet (100 contacts per variant needed; discount has 99)");
    let shown = named(arm(1000, 100), arm(1000, 150));
    assert_eq!(shown.verdict, Verdict::Difference);
    assert_eq!(shown.summary, "gift converts better than discount (+5.0 points, 95 % interval +0.5 to +9.5)");
    let reversed = named(arm(1000, 150), arm(1000, 100));
    assert_eq!(reversed.summary, "discount converts better than gift (+5.0 points, 95 % interval +0.5 to +9.5)");
    assert_eq!(named(arm(200, 40), arm(200, 44)).summary, "no difference shown yet");
    assert!(shown.variants[0].versus_control.is_none() && shown.variants[1].versus_control.is_some());
}

#[test]
fn three_variants_are_each_compared_with_the_control_at_a_bonferroni_level() {
    let a = analyse(&[("a".into(), arm(1000, 100)), ("b".into(), arm(1000, 150)), ("c".into(), arm(1000, 100))], 100);
    assert!(close(a.alpha_per_comparison, ALPHA / 2.0));
    let at_half = compare(arm(1000, 100), arm(1000, 150), ALPHA / 2.0).unwrap();
    assert_eq!(a.variants[1].versus_control, Some(at_half));
    assert_eq!(a.summary, "b converts better than a (+5.0 points, 95 % interval +0.2 to +9.8)");
}

/// A fixed-seed generator for the simulation (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        (super::splitmix64(self.0) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The share of 1,000 A/A experiments (both variants convert at 20 %) in which `winner` names
/// a winner at some look: contacts arrive 10 per variant at a time, up to 2,000 per variant,
/// and `winner` is asked after every batch once each variant has the minimum sample (100).
fn false_winner_rate(winner: impl Fn(Arm, Arm) -> bool) -> f64 {
    const EXPERIMENTS: u32 = 1_000;
    let mut rng = Rng(20);
    let mut false_winners = 0;
    for _ in 0..EXPERIMENTS {
        let (mut a, mut b) = (Arm::default(), Arm::default());
        for _ in 0..200 {
            for arm in [&mut a, &mut b] {
                for _ in 0..10 {
                    arm.contacts += 1;
                    arm.conversions += u64::from(rng.next_f64() < 0.2);
                }
            }
            if a.contacts >= 100 && winner(a, b) {
                false_winners += 1;
                break;
            }
        }
    }
    f64::from(false_winners) / f64::from(EXPERIMENTS)
}

#[test]
fn peeking_after_every_batch_of_1000_a_a_tests_names_a_false_winner_at_most_5_percent_of_the_time() {
    let sequential =
        false_winner_rate(|a, b| analyse(&[("a".into(), a), ("b".into(), b)], 100).verdict == Verdict::Difference);
    assert!(sequential <= 0.05, "always-valid test: {sequential}");
    // The same looks with a fixed-sample z-test (|z| > 1.96) name far more false winners.
    let naive = false_winner_rate(|a, b| {
        let (pa, pb) = (a.rate().unwrap(), b.rate().unwrap());
        let se = (pa * (1.0 - pa) / a.contacts as f64 + pb * (1.0 - pb) / b.contacts as f64).sqrt();
        se > 0.0 && ((pb - pa) / se).abs() > 1.96
    });
    assert!(naive > 0.05, "naive z-test: {naive}");
    println!("false winners in 1,000 A/A tests: always-valid {sequential}, naive z-test {naive}");
}
