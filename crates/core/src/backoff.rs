//! Exponential backoff with jitter for retried deliveries: the delay doubles per attempt up to a
//! ceiling, and a random share of it is taken off so that many retries do not fire together.

use std::time::Duration;

/// The delay before retry number `attempt` (1 for the first retry). `jitter` in `[0, 1)` is a
/// random draw; up to half the delay is taken off in proportion to it ("equal jitter").
pub fn delay(attempt: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let full = base.saturating_mul(1u32 << exponent).min(max);
    let jitter = jitter.clamp(0.0, 1.0);
    full.mul_f64(1.0 - jitter / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BASE: Duration = Duration::from_millis(500);
    const MAX: Duration = Duration::from_secs(60);

    #[test]
    fn doubles_per_attempt_without_jitter() {
        let delays: Vec<_> = (1..=4).map(|a| delay(a, BASE, MAX, 0.0).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000]);
    }

    #[test]
    fn stops_at_the_ceiling() {
        assert_eq!(delay(40, BASE, MAX, 0.0), MAX);
    }

    proptest! {
        #[test]
        fn stays_between_half_and_full(attempt in 1u32..64, jitter in 0.0f64..1.0) {
            let d = delay(attempt, BASE, MAX, jitter);
            let full = delay(attempt, BASE, MAX, 0.0);
            prop_assert!(d <= full && d >= full / 2);
        }
    }
}
