//! Which variant of a split test converts better, and how sure that is, in a way that stays
//! valid however often people look: an always-valid sequential test (the mixture sequential
//! probability ratio test of Johari, Pekelis and Walsh, "Always valid inference", 2017, with a
//! normal mixture, as Optimizely's Stats Engine uses it).
//!
//! For a variant B compared with the control A, with `n` contacts and `x` conversions each:
//!
//! ```text
//! θ̂ = x_B/n_B − x_A/n_A                                 the observed difference
//! V  = p̃_A(1 − p̃_A)/n_A + p̃_B(1 − p̃_B)/n_B, p̃ = (x + ½)/(n + 1)   its variance
//! Λ  = √(V/(V + τ²)) · exp(θ̂² τ² / (2V(V + τ²)))        mixture likelihood ratio (θ = 0 vs θ ~ N(0, τ²))
//! p  = min(1, 1/Λ)                                        always-valid p-value
//! θ̂ ± √( V(V + τ²)/τ² · (2 ln(1/α) + ln((V + τ²)/V)) )   always-valid (1 − α) interval
//! ```
//!
//! By Ville's inequality, Λ computed at every moment exceeds 1/α with probability at most α
//! when there is no difference: so the interval is a *confidence sequence*, covering the true
//! difference at all times at once with probability 1 − α, and checking it after every new
//! contact does not make a random difference look sure. (`p̃` shrinks the rates a little
//! towards ½ so that `V` is never 0, at 0 % or 100 %.) The price is a wider interval than a
//! fixed-sample test's, more so far from `n ≈ V/τ²`; `τ` = 5 points, the size of difference a
//! chat promotion is run to find, puts the narrowest part where such tests usually end.
//!
//! With more than two variants each is compared with the first (the control) at level
//! `α/(k − 1)` (Bonferroni), so the chance of any false "winner" stays at most α = 5 %.
//! Until every variant has `min_sample` contacts, the verdict is "not enough data yet": the
//! normal approximation behind `V` needs a few conversions per variant.

use serde::Serialize;

/// The mixture's standard deviation: the size of difference (a rate, 0.05 = 5 points) the test
/// is tuned to find fastest.
pub const TAU: f64 = 0.05;
/// The chance of a false "winner", however often the verdict is read: 5 %.
pub const ALPHA: f64 = 0.05;

/// One variant's contacts and how many of them converted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Arm {
    pub contacts: u64,
    pub conversions: u64,
}

impl Arm {
    pub fn rate(self) -> Option<f64> {
        (self.contacts > 0).then(|| self.conversions as f64 / self.contacts as f64)
    }

    /// The shrunk rate `p̃ = (x + ½)/(n + 1)` the variance is computed with.
    fn shrunk(self) -> f64 {
        (self.conversions as f64 + 0.5) / (self.contacts as f64 + 1.0)
    }

    fn variance(self) -> f64 {
        let p = self.shrunk();
        p * (1.0 - p) / self.contacts as f64
    }
}

/// The difference of a variant's rate from the control's (rates: 0.041 = 4.1 points) with its
/// always-valid interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    pub difference: f64,
    pub low: f64,
    pub high: f64,
    /// The always-valid p-value of "no difference", at this moment.
    pub p_value: f64,
}

impl Difference {
    /// Whether the interval leaves out 0: a difference is shown.
    pub fn shown(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }

    /// The same difference seen from the other side (control minus variant).
    fn reversed(self) -> Difference {
        Difference { difference: -self.difference, low: -self.high, high: -self.low, p_value: self.p_value }
    }
}

/// `rate(variant) − rate(control)` with its always-valid `(1 − alpha)` interval; `None` while
/// either has no contacts.
pub fn compare(control: Arm, variant: Arm, alpha: f64) -> Option<Difference> {
    let difference = variant.rate()? - control.rate()?;
    let v = control.variance() + variant.variance();
    let t2 = TAU * TAU;
    let half = (v * (v + t2) / t2 * (2.0 * (1.0 / alpha).ln() + ((v + t2) / v).ln())).sqrt();
    let lambda = (v / (v + t2)).sqrt() * (difference * difference * t2 / (2.0 * v * (v + t2))).exp();
    Some(Difference { difference, low: difference - half, high: difference + half, p_value: (1.0 / lambda).min(1.0) })
}

/// What the test says so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Some variant has fewer contacts than the minimum sample.
    NotEnoughData,
    /// Every interval still contains 0.
    NoDifference,
    /// At least one variant differs from the control.
    Difference,
}

/// One variant's figures, compared with the control's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantResult {
    pub variant: String,
    pub contacts: u64,
    pub conversions: u64,
    pub rate: Option<f64>,
    /// `None` for the control itself, and while either has no contacts.
    pub versus_control: Option<Difference>,
}

/// The test's reading: every variant's figures, the verdict and the sentence that says it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub variants: Vec<VariantResult>,
    pub verdict: Verdict,
    /// "gift converts better than discount (+4.1 points, 95 % interval +0.8 to +7.4)", "no
    /// difference shown yet" or "not enough data yet (…)".
    pub summary: String,
    /// The level each comparison is made at: α over the number of comparisons.
    pub alpha_per_comparison: f64,
}

/// Compares every variant with the first (the control). `min_sample` is the contacts each
/// variant needs before a verdict.
pub fn analyse(variants: &[(String, Arm)], min_sample: u64) -> Analysis {
    let comparisons = variants.len().saturating_sub(1).max(1);
    let alpha = ALPHA / comparisons as f64;
    let control = variants.first().map(|(_, arm)| *arm).unwrap_or_default();
    let results: Vec<VariantResult> = variants
        .iter()
        .enumerate()
        .map(|(i, (id, arm))| VariantResult {
            variant: id.clone(),
            contacts: arm.contacts,
            conversions: arm.conversions,
            rate: arm.rate(),
            versus_control: if i == 0 { None } else { compare(control, *arm, alpha) },
        })
        .collect();
    let short: Vec<&VariantResult> = results.iter().filter(|r| r.contacts < min_sample).collect();
    let (verdict, summary) = if variants.len() < 2 {
        (Verdict::NotEnoughData, "not enough data yet (a split needs two variants to compare)".to_owned())
    } else if !short.is_empty() {
        let waiting: Vec<String> = short.iter().map(|r| format!("{} has {}", r.variant, r.contacts)).collect();
        let summary = format!("not enough data yet ({min_sample} contacts per variant needed; {})", waiting.join(", "));
        (Verdict::NotEnoughData, summary)
    } else {
        let control_id = &variants[0].0;
        let found: Vec<String> = results
            .iter()
            .filter_map(|r| {
                let d = r.versus_control.filter(Difference::shown)?;
                Some(if d.difference > 0.0 {
                    better(&r.variant, control_id, d)
                } else {
                    better(control_id, &r.variant, d.reversed())
                })
            })
            .collect();
        if found.is_empty() {
            (Verdict::NoDifference, "no difference shown yet".to_owned())
        } else {
            (Verdict::Difference, found.join("; "))
        }
    };
    Analysis { variants: results, verdict, summary, alpha_per_comparison: alpha }
}

/// "gift converts better than discount (+4.1 points, 95 % interval +0.8 to +7.4)".
fn better(winner: &str, loser: &str, d: Difference) -> String {
    format!(
        "{winner} converts better than {loser} ({} points, 95 % interval {} to {})",
        points(d.difference),
        points(d.low),
        points(d.high)
    )
}

/// A difference of rates in percentage points, signed, one decimal: `+4.1`, `-0.8`.
pub fn points(rate: f64) -> String {
    format!("{:+.1}", rate * 100.0)
}
