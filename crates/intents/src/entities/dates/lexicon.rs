//! The words of date expressions: month names, units, and the words around dates that decide how a
//! number or "May" is read.

use super::calendar::Unit;

/// The month number of a month name or abbreviation ("march", "mar", "sept").
pub fn month(word: &str) -> Option<i8> {
    Some(match word {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// The unit named by "day", "weeks", ...
pub fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "day" | "days" => Unit::Day,
        "week" | "weeks" | "wk" | "wks" => Unit::Week,
        "month" | "months" => Unit::Month,
        "quarter" | "quarters" => Unit::Quarter,
        "year" | "years" | "yr" | "yrs" => Unit::Year,
        _ => return None,
    })
}

/// The quarter number of "q1" ... "q4".
pub fn quarter(word: &str) -> Option<i8> {
    match word.as_bytes() {
        [b'q', q @ b'1'..=b'4'] => Some((q - b'0') as i8),
        _ => None,
    }
}

/// "ytd", "mtd", ...: the unit whose period runs to date.
pub fn to_date_abbreviation(word: &str) -> Option<Unit> {
    Some(match word {
        "ytd" => Unit::Year,
        "qtd" => Unit::Quarter,
        "mtd" => Unit::Month,
        "wtd" => Unit::Week,
        _ => return None,
    })
}

/// Words after which a lowercase "may" is the month ("in may", "since may").
pub fn before_month(word: &str) -> bool {
    BEFORE_MONTH.contains(&word)
}

const BEFORE_MONTH: &[&str] = &[
    "in", "since", "from", "until", "till", "to", "through", "thru", "during", "for", "of", "between", "and", "early",
    "mid", "late", "before", "after", "last", "this", "next", "by",
];

/// Pronouns after which "May" is the verb ("May I see ...").
pub fn pronoun(word: &str) -> bool {
    PRONOUNS.contains(&word)
}

const PRONOUNS: &[&str] = &["i", "we", "you", "he", "she", "they", "it", "this", "that"];

/// Words after which a four-digit number is a count, not a year ("top 2000 customers").
pub fn before_count(word: &str) -> bool {
    BEFORE_COUNT.contains(&word)
}

const BEFORE_COUNT: &[&str] = &[
    "top",
    "bottom",
    "first",
    "last",
    "next",
    "past",
    "best",
    "worst",
    "over",
    "under",
    "above",
    "below",
    "than",
    "about",
    "around",
    "approximately",
    "approx",
    "exactly",
    "least",
    "most",
    "only",
];

/// Words after which a four-digit number is an amount, not a year ("2019 dollars", "2000 percent").
pub fn after_amount(word: &str) -> bool {
    AFTER_AMOUNT.contains(&word)
}

const AFTER_AMOUNT: &[&str] =
    &["percent", "pct", "k", "thousand", "million", "billion", "dollars", "dollar", "usd", "bucks"];

/// Words that join the two ends of a range ("March to May", "2019 through 2021").
pub fn range_connector(word: &str) -> bool {
    RANGE_CONNECTORS.contains(&word)
}

const RANGE_CONNECTORS: &[&str] = &["to", "until", "till", "til", "through", "thru"];

/// Words before "X to Y" that make it a comparison rather than a range ("compare 2019 to 2020").
pub fn comparison(word: &str) -> bool {
    COMPARISON.contains(&word)
}

const COMPARISON: &[&str] = &["compare", "compared", "comparing", "comparison", "vs", "versus"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(month("sept"), Some(9));
        assert_eq!(month("mayo"), None);
        assert_eq!(unit("weeks"), Some(Unit::Week));
        assert_eq!(quarter("q3"), Some(3));
        assert_eq!(quarter("q5"), None);
        assert_eq!(quarter("q"), None);
        assert_eq!(to_date_abbreviation("ytd"), Some(Unit::Year));
    }
}
