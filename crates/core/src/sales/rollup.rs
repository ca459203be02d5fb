//! Daily rollups of the Stripe mirror, in the business's time zone: what each charge, refund and
//! customer adds to the day it happened. The store keeps these sums so every metric reads a few
//! thousand rows instead of a million charges; the live fallback builds the same sums in memory.
//!
//! A charge that succeeded adds its amount to the gross volume of the day it was created, a
//! failed one counts as a failed payment; a refund subtracts from the day it was made (as the
//! Stripe Dashboard counts it), attributed to the refunded charge's customer and words. A
//! change to an object is its new contribution minus its old one ([`Rollup::add_charge`] with a
//! sign of -1 then +1), so rollups are maintained incrementally as pages are synced.

use super::mirror::{StripeCharge, StripeCustomer, StripeRefund};
use super::words::words;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::HashMap;

/// A day, as days since 1970-01-01 in the business's time zone.
pub type DayNumber = i64;

/// The sums of one day and currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Volume {
    /// Amount of the charges that succeeded (minor units).
    pub gross: i64,
    /// Charges that succeeded.
    pub payments: i64,
    /// Charges that failed.
    pub failed: i64,
    /// Amount refunded (minor units).
    pub refunded: i64,
    /// Refunds made.
    pub refunds: i64,
}

impl Volume {
    pub fn add(&mut self, other: &Volume) {
        self.gross += other.gross;
        self.payments += other.payments;
        self.failed += other.failed;
        self.refunded += other.refunded;
        self.refunds += other.refunds;
    }

    pub fn net(&self) -> i64 {
        self.gross - self.refunded
    }

    fn scaled(self, sign: i64) -> Volume {
        Volume {
            gross: self.gross * sign,
            payments: self.payments * sign,
            failed: self.failed * sign,
            refunded: self.refunded * sign,
            refunds: self.refunds * sign,
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Volume::default()
    }
}

/// What one customer spent on one day, in one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spend {
    pub gross: i64,
    pub refunded: i64,
    pub payments: i64,
}

impl Spend {
    pub fn add(&mut self, other: &Spend) {
        self.gross += other.gross;
        self.refunded += other.refunded;
        self.payments += other.payments;
    }

    pub fn net(&self) -> i64 {
        self.gross - self.refunded
    }

    pub fn is_zero(&self) -> bool {
        *self == Spend::default()
    }
}

/// A word's revenue on one day, in one currency: the net of the charges whose description has
/// it, and how many succeeded charges had it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WordTake {
    pub revenue: i64,
    pub charges: i64,
}

impl WordTake {
    pub fn add(&mut self, other: &WordTake) {
        self.revenue += other.revenue;
        self.charges += other.charges;
    }

    pub fn is_zero(&self) -> bool {
        *self == WordTake::default()
    }
}

/// Maps instants to business days.
#[derive(Debug, Clone)]
pub struct Days {
    zone: TimeZone,
}

const EPOCH: Date = jiff::civil::date(1970, 1, 1);

impl Days {
    pub fn new(zone: TimeZone) -> Days {
        Days { zone }
    }

    /// The unix time (seconds) at which a business day starts.
    pub fn start_of(&self, day: Date) -> i64 {
        day.to_zoned(self.zone.clone()).map(|z| z.timestamp().as_second()).unwrap_or(0)
    }

    /// The business day of a unix time (seconds).
    pub fn of(&self, unix: i64) -> DayNumber {
        let date = Timestamp::from_second(unix).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned(self.zone.clone()).date();
        number(date)
    }
}

/// Days since 1970-01-01.
pub fn number(date: Date) -> DayNumber {
    (date - EPOCH).get_days() as i64
}

/// The date of a day number (the epoch for a number out of the calendar's range).
pub fn date_of(day: DayNumber) -> Date {
    EPOCH.checked_add(jiff::Span::new().days(day)).unwrap_or(EPOCH)
}

/// The first day of the calendar month holding `day`.
pub fn month_start(day: DayNumber) -> DayNumber {
    number(date_of(day).first_of_month())
}

/// The last day of the calendar month holding `day`.
pub fn month_end(day: DayNumber) -> DayNumber {
    number(date_of(day).last_of_month())
}

/// The first day of the calendar year holding `day`.
pub fn year_start(day: DayNumber) -> DayNumber {
    number(date_of(day).first_of_year())
}

/// The Monday week holding `day`, numbered from the week of 1970-01-05 (a Monday, day 4).
pub fn week_of(day: DayNumber) -> i64 {
    (day - 4).div_euclid(7)
}

/// The Monday that starts a week.
pub fn monday_of(week: i64) -> DayNumber {
    week * 7 + 4
}

/// What the rollups hold for a charge's refunds: whose they are and which words they touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    pub customer: Option<String>,
    pub description: Option<String>,
}

impl Attribution {
    pub fn of(charge: &StripeCharge) -> Attribution {
        Attribution { customer: charge.customer.clone(), description: charge.description.clone() }
    }
}

/// Signed sums per day: a delta to apply to the stored rollups, or, built from every object,
/// the rollups themselves.
#[derive(Debug, Default)]
pub struct Rollup {
    pub volume: HashMap<(DayNumber, String), Volume>,
    pub new_customers: HashMap<DayNumber, i64>,
    pub spend: HashMap<(DayNumber, String, String), Spend>,
    pub words: HashMap<(DayNumber, String, String), WordTake>,
}

/// Refunds that count: pending and succeeded ones (a failed or cancelled refund gave nothing back).
fn refund_counts(status: &str) -> bool {
    !matches!(status, "failed" | "canceled")
}

impl Rollup {
    /// Adds a charge's contribution times `sign` (+1 when it arrives, -1 to take an old version
    /// back).
    pub fn add_charge(&mut self, days: &Days, charge: &StripeCharge, sign: i64) {
        let day = days.of(charge.created);
        let currency = &charge.currency;
        match charge.status.as_str() {
            "succeeded" => {
                let volume = Volume { gross: charge.amount, payments: 1, ..Volume::default() };
                self.add_volume(day, currency, volume.scaled(sign));
                let spend = Spend { gross: charge.amount * sign, refunded: 0, payments: sign };
                self.add_attributed(day, currency, &Attribution::of(charge), spend);
            }
            "failed" => self.add_volume(day, currency, Volume { failed: sign, ..Volume::default() }),
            _ => {}
        }
    }

    /// Adds a refund's contribution times `sign`, attributed as its charge says.
    pub fn add_refund(&mut self, days: &Days, refund: &StripeRefund, charge: &Attribution, sign: i64) {
        if !refund_counts(&refund.status) {
            return;
        }
        let day = days.of(refund.created);
        let currency = &refund.currency;
        self.add_volume(day, currency, Volume { refunded: refund.amount * sign, refunds: sign, ..Volume::default() });
        let spend = Spend { gross: 0, refunded: refund.amount * sign, payments: 0 };
        self.add_attributed(day, currency, charge, spend);
    }

    /// Counts a customer on the day it was created.
    pub fn add_customer(&mut self, days: &Days, customer: &StripeCustomer, sign: i64) {
        *self.new_customers.entry(days.of(customer.created)).or_default() += sign;
    }

    fn add_volume(&mut self, day: DayNumber, currency: &str, volume: Volume) {
        self.volume.entry((day, currency.to_owned())).or_default().add(&volume);
    }

    /// Spend to the charge's customer, and its net to the charge's words (a word's charge count
    /// moves with the payment count).
    fn add_attributed(&mut self, day: DayNumber, currency: &str, to: &Attribution, spend: Spend) {
        if let Some(customer) = &to.customer {
            self.spend.entry((day, customer.clone(), currency.to_owned())).or_default().add(&spend);
        }
        if let Some(description) = &to.description {
            let take = WordTake { revenue: spend.net(), charges: spend.payments };
            for word in words(description) {
                self.words.entry((day, word, currency.to_owned())).or_default().add(&take);
            }
        }
    }

    /// Drops entries that sum to nothing (a delta where old and new versions cancel out).
    pub fn without_zeros(mut self) -> Rollup {
        self.volume.retain(|_, v| !v.is_zero());
        self.new_customers.retain(|_, n| *n != 0);
        self.spend.retain(|_, s| !s.is_zero());
        self.words.retain(|_, w| !w.is_zero());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.volume.is_empty() && self.new_customers.is_empty() && self.spend.is_empty() && self.words.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(day: DayNumber) -> Date {
        date_of(day)
    }

    #[test]
    fn calendar_of_day_numbers() {
        let day = number(jiff::civil::date(2026, 2, 18));
        assert_eq!(date_of(day), jiff::civil::date(2026, 2, 18));
        assert_eq!(date_of(month_start(day)), jiff::civil::date(2026, 2, 1));
        assert_eq!(date_of(month_end(day)), jiff::civil::date(2026, 2, 28));
        assert_eq!(date_of(year_start(day)), jiff::civil::date(2026, 1, 1));
        // 2026-02-18 is a Wednesday: its week starts on Monday the 16th.
        assert_eq!(date_of(monday_of(week_of(day))), jiff::civil::date(2026, 2, 16));
        assert_eq!(week_of(monday_of(week_of(day))), week_of(day));
        assert_eq!(week_of(3), -1);
        assert_eq!(week_of(4), 0);
    }

    fn charge(id: &str, amount: i64, status: &str, created: i64) -> StripeCharge {
        StripeCharge {
            id: id.into(),
            amount,
            amount_refunded: 0,
            currency: "usd".into(),
            status: status.into(),
            paid: status == "succeeded",
            refunded: false,
            disputed: false,
            customer: Some("cus_1".into()),
            description: Some("Sleek Steel Chair".into()),
            metadata: "{}".into(),
            created,
            payment_intent: None,
        }
    }

    fn utc() -> Days {
        Days::new(TimeZone::UTC)
    }

    #[test]
    fn days_follow_the_business_time_zone() {
        // 2026-03-01 03:00 UTC is still February 28th in Chicago.
        let instant = 1_772_334_000;
        let chicago = Days::new(TimeZone::get("America/Chicago").unwrap());
        assert_eq!(date(utc().of(instant)), jiff::civil::date(2026, 3, 1));
        assert_eq!(date(chicago.of(instant)), jiff::civil::date(2026, 2, 28));
        assert_eq!(number(jiff::civil::date(1970, 1, 2)), 1);
    }

    #[test]
    fn a_charge_then_its_refund_on_a_later_day() {
        let days = utc();
        let mut rollup = Rollup::default();
        let sold = charge("ch_1", 5000, "succeeded", 86_400 * 10 + 5);
        rollup.add_charge(&days, &sold, 1);
        rollup.add_charge(&days, &charge("ch_2", 700, "failed", 86_400 * 10 + 9), 1);
        let refund = StripeRefund {
            id: "re_1".into(),
            charge: Some("ch_1".into()),
            amount: 1500,
            currency: "usd".into(),
            status: "succeeded".into(),
            created: 86_400 * 12,
        };
        rollup.add_refund(&days, &refund, &Attribution::of(&sold), 1);
        let sale_day = rollup.volume[&(10, "usd".to_owned())];
        assert_eq!((sale_day.gross, sale_day.payments, sale_day.failed), (5000, 1, 1));
        assert_eq!(rollup.volume[&(12, "usd".to_owned())].net(), -1500);
        assert_eq!(rollup.spend[&(12, "cus_1".to_owned(), "usd".to_owned())].refunded, 1500);
        assert_eq!(rollup.words[&(10, "sleek".to_owned(), "usd".to_owned())], WordTake { revenue: 5000, charges: 1 });
        assert_eq!(rollup.words[&(12, "chair".to_owned(), "usd".to_owned())], WordTake { revenue: -1500, charges: 0 });
    }

    #[test]
    fn an_update_is_the_new_version_minus_the_old() {
        let days = utc();
        let mut delta = Rollup::default();
        delta.add_charge(&days, &charge("ch_1", 5000, "pending", 100), -1);
        delta.add_charge(&days, &charge("ch_1", 5000, "succeeded", 100), 1);
        let delta = delta.without_zeros();
        assert_eq!(delta.volume[&(0, "usd".to_owned())].gross, 5000);

        let mut unchanged = Rollup::default();
        unchanged.add_charge(&days, &charge("ch_1", 5000, "succeeded", 100), -1);
        unchanged.add_charge(&days, &charge("ch_1", 5000, "succeeded", 100), 1);
        assert!(unchanged.without_zeros().is_empty());
    }

    #[test]
    fn failed_refunds_give_nothing_back() {
        let mut rollup = Rollup::default();
        let refund = StripeRefund {
            id: "re_1".into(),
            charge: None,
            amount: 100,
            currency: "usd".into(),
            status: "failed".into(),
            created: 0,
        };
        rollup.add_refund(&utc(), &refund, &Attribution::default(), 1);
        assert!(rollup.is_empty());
    }
}
