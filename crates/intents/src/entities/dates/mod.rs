//! Date mentions: finds dates and periods in free text and resolves them to inclusive date ranges
//! relative to a given "today".
//!
//! What is understood, and how it resolves:
//! - "today", "yesterday"; "this week/month/quarter/year", "year to date", "ytd", "mtd": from the start
//!   of the current period to today. Weeks start on **Monday**.
//! - "last/previous/prior week/month/quarter/year": the whole period before the current one.
//! - "last 7 days", "past 30 days", "last two weeks", "past 3 months": that many units ending today,
//!   today included ("last 7 days" on a Sunday is Monday to Sunday). "past week/month/year" is one such
//!   unit.
//! - Month names and abbreviations, with or without a year or day: "March", "in Mar", "March 2025",
//!   "March of 2025", "March 5", "March 5th, 2025", "5 March 2025", "5th of March". Without a year, a
//!   month is its most recent occurrence not after today's month (in November 2026 "March" is March 2026
//!   and "December" December 2025) and a day its most recent occurrence not after today. "may" is the
//!   month only before a day or year, after a word such as "in" or "since", or capitalised and not
//!   followed by a pronoun ("May revenue", not "May I see").
//! - Quarters: "Q1", "Q3 2025", "Q3 of 2025", "2025 Q3"; without a year, the most recent not after
//!   today's quarter.
//! - Years: "2019", "in 2019", "2019-2021". A bare year must be 1990..=2100 and stand alone: not part of
//!   a bigger number or code ("2019.5", "$2019", "-2019", "10/2019"), not a count ("top 2000 customers")
//!   and not an amount ("2019 dollars", "2019%").
//! - Dates: ISO "2026-11-01" (or with `/`), year-month "2026-11", US "11/01/2026". An impossible date
//!   ("2026-02-30", "February 30") gives no mention at all, and none of its parts is read on its own.
//! - Ranges between two of the above: "2026-11-01 to 2026-11-07", "from X until Y", "between X and Y",
//!   "X through Y", "X - Y"; the range runs from the start of the first to the end of the second. A
//!   first end given without a year is resolved against the second end ("March to December 2025" is
//!   March–December 2025; in November 2026 "March to December" is also March–December 2025, the most
//!   recent such span). A range still reversed after that ("2026-11-07 to 2026-11-01") is **swapped**.
//!   "X to Y" after "compare" or "vs" is two dates, not a range.
//! - "since X": from the start of X to today; nothing if X starts after today.

mod calendar;
mod lexicon;

use std::ops::Range;

use jiff::civil::Date;

use super::numbers::word_value;
use super::text::{Token, Tokens, is_capitalised, tokenize};

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    /// First day.
    pub from: Date,
    /// Last day, included; never before `from`.
    pub to: Date,
}

/// A date or period found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    /// Byte span in the original text ("from ..." and "since ..." included).
    pub span: Range<usize>,
    /// The days meant.
    pub range: DateRange,
}

/// The dates and periods mentioned in `text`, in order, never overlapping, resolved against `today`.
pub fn find_dates(text: &str, today: Date) -> Vec<DateMention> {
    find_dates_in(text, &tokenize(text), today)
}

/// [`find_dates`] over already tokenised text.
pub(crate) fn find_dates_in(text: &str, tokens: &[Token], today: Date) -> Vec<DateMention> {
    let parser = Parser { text, tokens, today };
    let mut mentions = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        match parser.range_at(at) {
            Some(Parsed::Found(range, end)) => {
                mentions.push(DateMention { span: tokens[at].span.start..tokens[end - 1].span.end, range });
                at = end;
            }
            Some(Parsed::Skip(end)) => at = end.max(at + 1),
            None => at += 1,
        }
    }
    mentions
}

/// What was read from a token onwards: a range ending before token `.1`, or tokens to skip because they
/// look like a date but are not one (an impossible date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parsed {
    Found(DateRange, usize),
    Skip(usize),
}

struct Parser<'a> {
    text: &'a str,
    tokens: &'a [Token],
    today: Date,
}

impl Parser<'_> {
    /// The number of a word made of at most `max_len` digits.
    fn digits(&self, at: usize, max_len: usize) -> Option<i64> {
        let token = self.tokens.get(at).filter(|t| t.is_digits() && t.norm.len() <= max_len)?;
        token.norm.parse().ok()
    }

    /// A range expression starting at token `at`: "between X and Y", "from X to Y", "since X", "X to Y",
    /// or a single date or period.
    fn range_at(&self, at: usize) -> Option<Parsed> {
        match self.tokens.word(at)? {
            "between" => {
                let Parsed::Found(_, first_end) = self.point_at(at + 1, self.today)? else { return None };
                (self.tokens.word(first_end) == Some("and")).then(|| self.join(at + 1, first_end + 1))?
            }
            "from" => {
                let found = self.point_at(at + 1, self.today)?;
                let Parsed::Found(_, first_end) = found else { return Some(found) };
                // "from March" alone (or not followed by a date) is a mention of "March", found from there.
                self.join(at + 1, self.connector(first_end)?)
            }
            "since" => match self.point_at(at + 1, self.today)? {
                Parsed::Found(range, end) if range.from <= self.today => {
                    Some(Parsed::Found(DateRange { from: range.from, to: self.today }, end))
                }
                Parsed::Found(_, end) | Parsed::Skip(end) => Some(Parsed::Skip(end)),
            },
            _ => {
                let found = self.point_at(at, self.today)?;
                let Parsed::Found(_, first_end) = found else { return Some(found) };
                let compared = at.checked_sub(1).and_then(|p| self.tokens.word(p)).is_some_and(lexicon::comparison);
                let second =
                    self.connector(first_end).filter(|_| !compared || self.tokens.word(first_end) != Some("to"));
                match second {
                    Some(second) => self.join(at, second).or(Some(found)),
                    None => Some(found),
                }
            }
        }
    }

    /// Where the second end of a range starts, if a connector ("to", "until", "-") stands at `at`.
    fn connector(&self, at: usize) -> Option<usize> {
        let is_connector =
            self.tokens.word(at).is_some_and(lexicon::range_connector) || self.tokens.symbol(at) == Some('-');
        is_connector.then_some(at + 1)
    }

    /// The range from the point at `first` to the point at `second`: the second end resolved against
    /// today, the first against the second, swapped if still reversed. `None` unless both are dates.
    fn join(&self, first: usize, second: usize) -> Option<Parsed> {
        let Parsed::Found(end_range, end) = self.point_at(second, self.today)? else { return None };
        let Parsed::Found(start_range, _) = self.point_at(first, end_range.to)? else { return None };
        let range = DateRange { from: start_range.from.min(end_range.from), to: start_range.to.max(end_range.to) };
        Some(Parsed::Found(range, end))
    }

    /// A single date or period starting at token `at`; months and quarters without a year resolve to
    /// their most recent occurrence not after `anchor`.
    fn point_at(&self, at: usize, anchor: Date) -> Option<Parsed> {
        let found =
            |range: Option<DateRange>, end: usize| Some(range.map_or(Parsed::Skip(end), |r| Parsed::Found(r, end)));
        let today = self.today;
        let word = self.tokens.word(at)?;
        match word {
            "today" => return found(Some(calendar::day(today)), at + 1),
            "yesterday" => return found(calendar::add_days(today, -1).map(calendar::day), at + 1),
            "this" | "current" => {
                let unit = lexicon::unit(self.tokens.word(at + 1)?)?;
                return found(calendar::this(unit, today), at + 2);
            }
            "last" | "previous" | "prior" | "past" => return self.relative(at, word == "past"),
            _ => {}
        }
        if let Some(unit) = lexicon::to_date_abbreviation(word) {
            return found(calendar::this(unit, today), at + 1);
        }
        if let Some(unit) = lexicon::unit(word)
            && self.tokens.word(at + 1) == Some("to")
            && self.tokens.word(at + 2) == Some("date")
        {
            return found(calendar::this(unit, today), at + 3);
        }
        if let Some(q) = lexicon::quarter(word) {
            return match self.year_after(at + 1) {
                Some((year, end)) => found(calendar::quarter(year, q), end),
                None => found(calendar::recent_quarter(q, anchor), at + 1),
            };
        }
        if let Some(m) = lexicon::month(word) {
            return self.month_first(at, m, anchor);
        }
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return self.numeric(at, anchor);
        }
        None
    }

    /// "last week", "previous month", "last 7 days", "past 2 weeks", "past year".
    fn relative(&self, at: usize, past: bool) -> Option<Parsed> {
        if let Some(unit) = self.tokens.word(at + 1).and_then(lexicon::unit) {
            let range = if past { calendar::rolling(1, unit, self.today) } else { calendar::last(unit, self.today) };
            return Some(range.map_or(Parsed::Skip(at + 2), |r| Parsed::Found(r, at + 2)));
        }
        let count = self.digits(at + 1, 5).or_else(|| self.tokens.word(at + 1).and_then(word_value).map(i64::from))?;
        let unit = lexicon::unit(self.tokens.word(at + 2)?)?;
        let range = calendar::rolling(count, unit, self.today);
        Some(range.map_or(Parsed::Skip(at + 3), |r| Parsed::Found(r, at + 3)))
    }

    /// A date that starts with a month name: "March", "March 2025", "March 5", "March 5th, 2025".
    fn month_first(&self, at: usize, m: i8, anchor: Date) -> Option<Parsed> {
        if let Some((d, after_day)) = self.day_at(at + 1) {
            return Some(self.month_day(m, d, self.year_after(after_day), after_day, anchor));
        }
        if let Some((year, end)) = self.year_after(at + 1) {
            return Some(calendar::month(year, m).map_or(Parsed::Skip(end), |r| Parsed::Found(r, end)));
        }
        if self.tokens.word(at) == Some("may") && !self.may_is_month(at) {
            return None;
        }
        calendar::recent_month(m, anchor).map(|r| Parsed::Found(r, at + 1))
    }

    /// Whether a "may" with no day or year after it is the month: after a word such as "in", or
    /// capitalised and not followed by a pronoun ("May revenue", but not "May I see").
    fn may_is_month(&self, at: usize) -> bool {
        let after_preposition = at.checked_sub(1).and_then(|p| self.tokens.word(p)).is_some_and(lexicon::before_month);
        let modal = self.tokens.word(at + 1).is_some_and(lexicon::pronoun);
        after_preposition || (is_capitalised(self.text, &self.tokens[at]) && !modal)
    }

    /// Day `d` of month `m`, in `year` (with the token after it) or, without one, resolved against
    /// `anchor`; a day that does not exist is skipped up to `end`.
    fn month_day(&self, m: i8, d: i8, year: Option<(i16, usize)>, end: usize, anchor: Date) -> Parsed {
        let (range, end) = match year {
            Some((year, end)) => (Date::new(year, m, d).ok().map(calendar::day), end),
            None if calendar::day_exists(m, d) => (calendar::recent_day(m, d, anchor), end),
            None => (None, end),
        };
        range.map_or(Parsed::Skip(end), |r| Parsed::Found(r, end))
    }

    /// A day of the month at token `at` ("5", "05", "5th"), and the token after it (and after a comma).
    fn day_at(&self, at: usize) -> Option<(i8, usize)> {
        let token = self.tokens.get(at).filter(|t| t.is_word())?;
        let digits = token.norm.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let suffix = &token.norm[digits.len()..];
        let ordinal_ok = match suffix {
            "" => true,
            "st" | "nd" | "rd" | "th" => !digits.is_empty(),
            _ => false,
        };
        if !ordinal_ok || digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // "March 5:30", "March 5%", "March 5-7" are not days.
        if self.tokens.touching(at) && matches!(self.tokens.symbol(at + 1), Some(':' | '%' | '-' | '/' | '.')) {
            return None;
        }
        let day: i8 = digits.parse().ok().filter(|d| (1..=31).contains(d))?;
        Some((day, at + 1))
    }

    /// A four-digit year at `at`, after an optional "," or "of", and the token after it.
    fn year_after(&self, at: usize) -> Option<(i16, usize)> {
        let at = if self.tokens.symbol(at) == Some(',') || self.tokens.word(at) == Some("of") { at + 1 } else { at };
        let token = self.tokens.get(at).filter(|t| t.is_digits() && t.norm.len() == 4)?;
        if self.tokens.touching(at) && matches!(self.tokens.symbol(at + 1), Some('-' | '/' | ':' | '%' | '.')) {
            return None;
        }
        Some((token.norm.parse().ok()?, at + 1))
    }

    /// Dates that start with digits: ISO and US dates, "5 March", "2025 Q3", year ranges, bare years.
    fn numeric(&self, at: usize, anchor: Date) -> Option<Parsed> {
        let chain = self.chain(at);
        if chain.len() > 1 {
            return self.numeric_chain(at, &chain);
        }
        if let Some((d, after_day)) = self.day_at(at) {
            let month_at = if self.tokens.word(after_day) == Some("of") { after_day + 1 } else { after_day };
            if let Some(m) = self.tokens.word(month_at).and_then(lexicon::month) {
                return Some(self.month_day(m, d, self.year_after(month_at + 1), month_at + 1, anchor));
            }
        }
        let year = self.bare_year(at)?;
        if let Some(q) = self.tokens.word(at + 1).and_then(lexicon::quarter) {
            return Some(calendar::quarter(year, q).map_or(Parsed::Skip(at + 2), |r| Parsed::Found(r, at + 2)));
        }
        calendar::year(year).map(|r| Parsed::Found(r, at + 1))
    }

    /// Digit groups joined, without spaces, by `-`, `/`, `:` or `.` from token `at` on: (token index,
    /// separator before it).
    fn chain(&self, at: usize) -> Vec<(usize, Option<char>)> {
        let mut chain = vec![(at, None)];
        let mut last = at;
        while self.tokens.touching(last)
            && let Some(sep @ ('-' | '/' | ':' | '.')) = self.tokens.symbol(last + 1)
            && self.tokens.touching(last + 1)
            && self.tokens.get(last + 2).is_some_and(Token::is_digits)
        {
            chain.push((last + 2, Some(sep)));
            last += 2;
        }
        chain
    }

    /// "2026-11-01", "2026/11/01", "2026-11", "11/01/2026", "2019-2021"; anything else joined like them
    /// is skipped whole.
    fn numeric_chain(&self, at: usize, chain: &[(usize, Option<char>)]) -> Option<Parsed> {
        let end = chain.last().map_or(at + 1, |&(last, _)| last + 1);
        let skip = Some(Parsed::Skip(end));
        // A year right before the chain ("10/2019") means it is part of something else.
        if at >= 2 && self.tokens.touching(at - 1) && self.tokens.touching(at - 2) && self.tokens[at - 2].is_digits() {
            return skip;
        }
        let group = |k: usize| &self.tokens[chain[k].0].norm;
        let seps: Vec<char> = chain.iter().filter_map(|&(_, sep)| sep).collect();
        let found = |range: Option<DateRange>| Some(range.map_or(Parsed::Skip(end), |r| Parsed::Found(r, end)));
        let number = |k: usize| group(k).parse::<i64>().ok();
        let small = |k: usize| (group(k).len() <= 2).then(|| number(k)).flatten().and_then(|n| i8::try_from(n).ok());
        let year = |k: usize| (group(k).len() == 4).then(|| number(k)).flatten().and_then(|n| i16::try_from(n).ok());
        match (chain.len(), seps.as_slice()) {
            (3, ['-', '-'] | ['/', '/']) if group(0).len() == 4 => {
                let (Some(y), Some(m), Some(d)) = (year(0), small(1), small(2)) else { return skip };
                found(Date::new(y, m, d).ok().map(calendar::day))
            }
            (3, ['/', '/']) => {
                let (Some(m), Some(d), Some(y)) = (small(0), small(1), year(2)) else { return skip };
                found(Date::new(y, m, d).ok().map(calendar::day))
            }
            (2, ['-' | '/']) if group(0).len() == 4 && group(1).len() <= 2 => {
                let (Some(y), Some(m)) = (year(0), small(1)) else { return skip };
                found(calendar::month(y, m))
            }
            (2, ['-']) => {
                let (Some(first), Some(second)) =
                    (year(0).filter(|y| plausible_year(*y)), year(1).filter(|y| plausible_year(*y)))
                else {
                    return skip;
                };
                let (first, second) = (first.min(second), first.max(second));
                found(
                    calendar::year(first)
                        .zip(calendar::year(second))
                        .map(|(a, b)| DateRange { from: a.from, to: b.to }),
                )
            }
            _ => skip,
        }
    }

    /// The year at token `at` if it stands alone as a year (see the module documentation).
    fn bare_year(&self, at: usize) -> Option<i16> {
        let token = &self.tokens[at];
        let year: i16 = (token.is_digits() && token.norm.len() == 4).then(|| token.norm.parse().ok())??;
        if !plausible_year(year) {
            return None;
        }
        if let Some(before) = at.checked_sub(1) {
            let touching = self.tokens.touching(before);
            match self.tokens.symbol(before) {
                Some('$' | '#' | '€' | '£') => return None,
                Some('-' | '+' | '/' | '.' | ':') if touching => return None,
                _ => {}
            }
            if self.tokens.word(before).is_some_and(lexicon::before_count) {
                return None;
            }
        }
        if self.tokens.symbol(at + 1) == Some('%') || self.tokens.word(at + 1).is_some_and(lexicon::after_amount) {
            return None;
        }
        Some(year)
    }
}

fn plausible_year(year: i16) -> bool {
    (1990..=2100).contains(&year)
}

#[cfg(test)]
mod tests;
