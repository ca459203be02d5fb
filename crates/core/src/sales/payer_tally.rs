//! Counts of paying customers that any range can be answered from without reading every
//! customer day. Each customer day with a payment is a point (day, previous payment day); a
//! range's distinct paying customers are its points whose previous payment falls before the
//! range. The tally keeps, per day, the points and those whose previous payment was in the
//! same calendar month (so a whole month's payers are one sum), and a grid of points by week
//! and week of the previous payment (so any range is a sum over whole weeks plus a few days
//! read from the customer days). Kept like the other rollups: a change is its new points minus
//! its old ones.

use super::rollup::{DayNumber, month_start, week_of};
use std::collections::HashMap;

/// The grid's week of the previous payment for a customer's first payment.
pub const NO_PREVIOUS_WEEK: i64 = -1_000_000;

/// A customer day with a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerDay {
    pub day: DayNumber,
    pub currency: String,
    /// The customer's previous day with a payment in the currency.
    pub prev_day: Option<DayNumber>,
}

/// One day's points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayPayers {
    /// Customers who paid that day.
    pub payers: i64,
    /// Of those, the ones who had paid earlier in the same calendar month.
    pub month_repeats: i64,
}

/// Signed counts of points, to add to the stored ones.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PayerTally {
    /// By (day, currency).
    pub days: HashMap<(DayNumber, String), DayPayers>,
    /// By (week, week of the previous payment or [`NO_PREVIOUS_WEEK`], currency).
    pub weeks: HashMap<(i64, i64, String), i64>,
}

impl PayerTally {
    /// Counts a point `sign` times (-1 takes it back).
    pub fn add(&mut self, point: &PayerDay, sign: i64) {
        let repeat = point.prev_day.is_some_and(|prev| prev >= month_start(point.day));
        let day = self.days.entry((point.day, point.currency.clone())).or_default();
        day.payers += sign;
        day.month_repeats += if repeat { sign } else { 0 };
        let prev_week = point.prev_day.map_or(NO_PREVIOUS_WEEK, week_of);
        *self.weeks.entry((week_of(point.day), prev_week, point.currency.clone())).or_default() += sign;
    }

    /// Drops counts that sum to nothing (points taken back and counted again unchanged).
    pub fn without_zeros(mut self) -> PayerTally {
        self.days.retain(|_, d| *d != DayPayers::default());
        self.weeks.retain(|_, n| *n != 0);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sales::rollup::number;
    use jiff::civil::date;

    fn point(day: DayNumber, prev_day: Option<DayNumber>) -> PayerDay {
        PayerDay { day, currency: "usd".into(), prev_day }
    }

    #[test]
    fn a_point_counts_on_its_day_and_in_the_grid() {
        let march_3 = number(date(2026, 3, 3));
        let mut tally = PayerTally::default();
        tally.add(&point(march_3, None), 1);
        tally.add(&point(march_3 + 2, Some(march_3)), 1);
        tally.add(&point(march_3, Some(march_3 - 5)), 1);
        let usd = |day| tally.days[&(day, "usd".to_owned())];
        assert_eq!(usd(march_3), DayPayers { payers: 2, month_repeats: 0 });
        assert_eq!(usd(march_3 + 2), DayPayers { payers: 1, month_repeats: 1 });
        let week = week_of(march_3);
        assert_eq!(tally.weeks[&(week, NO_PREVIOUS_WEEK, "usd".to_owned())], 1);
        assert_eq!(tally.weeks[&(week, week, "usd".to_owned())], 1);
        assert_eq!(tally.weeks[&(week, week - 1, "usd".to_owned())], 1);
    }

    #[test]
    fn a_point_taken_back_leaves_nothing() {
        let mut tally = PayerTally::default();
        tally.add(&point(100, Some(90)), 1);
        tally.add(&point(100, Some(90)), -1);
        assert_eq!(tally.without_zeros(), PayerTally::default());
    }
}
