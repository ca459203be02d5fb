//! Segments: a small expression choosing contacts, shared by the CLI, the API and the dashboard
//! (and, later, broadcasts): `tag:vip and (channel:messenger or ref:flyer) and not opted_out`.
//!
//! Conditions are `KIND:VALUE` (`tag`, `channel`, `ref`, `reached` with `FLOW.STEP`, `revealed`
//! with a flow, `seen` with a period such as `7d`, `window:open`, `id` with a contact's number)
//! or the bare `opted_out`;
//! they combine with `not`, `and` and `or` (binding in that order, tightest first) and
//! parentheses. Keywords and kinds are read in any case; a value may be quoted (`ref:"a b"`).
//! [`Segment::parse`] reads one, saying where it went wrong; [`Segment`]'s `Display` writes its
//! canonical form, which reads back to the same segment. Turning one into SQL is the store's job.

use crate::inbound::Platform;
use std::fmt;
use std::str::FromStr;

/// Characters a segment may have at most.
pub const MAX_LEN: usize = 2000;
/// How deeply `not` and parentheses may nest at most (so reading never exhausts the stack).
const MAX_DEPTH: usize = 64;
/// The kinds of condition, as the error for an unknown one lists them.
const KINDS: &str = "tag, channel, ref, reached, revealed, seen, window, opted_out, id";

/// A contact's tag: 1 to 32 lower-case letters, digits, `_` and `-`. Upper-case letters are
/// read as lower-case, so `VIP` and `vip` are one tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

/// Why a text is not a [`Tag`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a tag: use 1 to 32 lower-case letters, digits, `_` and `-`")]
pub struct BadTag(pub String);

impl Tag {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Tag {
    type Err = BadTag;
    fn from_str(text: &str) -> Result<Tag, BadTag> {
        let tag = text.to_lowercase();
        let ok = (1..=32).contains(&tag.chars().count())
            && tag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok { Ok(Tag(tag)) } else { Err(BadTag(text.to_owned())) }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stretch of time back from now, for `seen:`: `30m`, `12h`, `7d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub amount: u32,
    pub unit: PeriodUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    Minutes,
    Hours,
    Days,
}

/// The largest amount of a period (in any unit): far beyond any data kept.
const MAX_AMOUNT: u32 = 100_000;

impl Period {
    /// The period in milliseconds.
    pub fn as_ms(self) -> i64 {
        let unit: i64 = match self.unit {
            PeriodUnit::Minutes => 60_000,
            PeriodUnit::Hours => 3_600_000,
            PeriodUnit::Days => 86_400_000,
        };
        i64::from(self.amount) * unit
    }
}

impl FromStr for Period {
    type Err = ();
    fn from_str(text: &str) -> Result<Period, ()> {
        let split = text.len().checked_sub(1).filter(|&i| text.is_char_boundary(i)).ok_or(())?;
        let (digits, unit) = text.split_at(split);
        let unit = match unit {
            "m" | "M" => PeriodUnit::Minutes,
            "h" | "H" => PeriodUnit::Hours,
            "d" | "D" => PeriodUnit::Days,
            _ => return Err(()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        let amount: u32 = digits.parse().map_err(|_| ())?;
        if amount == 0 || amount > MAX_AMOUNT {
            return Err(());
        }
        Ok(Period { amount, unit })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            PeriodUnit::Minutes => 'm',
            PeriodUnit::Hours => 'h',
            PeriodUnit::Days => 'd',
        };
        write!(f, "{}{unit}", self.amount)
    }
}

/// A segment: which contacts a condition, or a combination of them, chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// `tag:vip`: tagged so.
    Tag(Tag),
    /// `channel:messenger`: on that channel.
    Channel(Platform),
    /// `ref:flyer`: arrived at least once by a link (or ad) with this ref.
    Ref(String),
    /// `reached:coupon.offer`: entered this step of this flow at least once.
    Reached {
        flow: String,
        step: String,
    },
    /// `revealed:coupon`: was shown a coupon of this flow.
    Revealed {
        flow: String,
    },
    /// `seen:7d`: wrote within this period.
    Seen(Period),
    /// `window:open`: Meta's messaging window is open now (Messenger, Instagram).
    WindowOpen,
    /// `opted_out`: asked to hear nothing statbot starts.
    OptedOut,
    /// `id:42`: the contact with this id (one contact, or none).
    Id(i64),
    And(Box<Segment>, Box<Segment>),
    Or(Box<Segment>, Box<Segment>),
    Not(Box<Segment>),
}

/// Why a text is not a segment, and where: `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at column {column}")]
pub struct SegmentError {
    pub message: String,
    pub column: usize,
    /// The text read, for [`SegmentError::pointer`].
    pub input: String,
}

impl SegmentError {
    /// The text read and a caret under the column where it went wrong, on two lines.
    pub fn pointer(&self) -> String {
        let line: String = self.input.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        format!("{line}\n{}^", " ".repeat(self.column.saturating_sub(1)))
    }

    /// The sentence and the caret lines, as a terminal or a page shows them.
    pub fn explained(&self) -> String {
        format!("{self}:\n{}", self.pointer())
    }
}

impl FromStr for Segment {
    type Err = SegmentError;
    fn from_str(text: &str) -> Result<Segment, SegmentError> {
        Segment::parse(text)
    }
}

impl Segment {
    /// Reads a segment, or says where and why it is not one.
    pub fn parse(text: &str) -> Result<Segment, SegmentError> {
        let fail = |message: String, column: usize| SegmentError { message, column, input: text.to_owned() };
        if text.chars().count() > MAX_LEN {
            return Err(fail(format!("a segment has at most {MAX_LEN} characters"), MAX_LEN + 1));
        }
        let tokens = tokenize(text).map_err(|(message, column)| fail(message, column))?;
        let end = text.chars().count() + 1;
        if tokens.is_empty() {
            return Err(fail("the segment is empty: write a condition such as tag:vip".to_owned(), 1));
        }
        let mut parser = Parser { tokens, at: 0, end, depth: 0 };
        let segment = parser.or().map_err(|(message, column)| fail(message, column))?;
        match parser.peek() {
            None => Ok(segment),
            Some(token) if token.kind == TokenKind::Close => {
                Err(fail("this `)` closes no `(`".to_owned(), token.column))
            }
            Some(token) => {
                Err(fail(format!("expected `and`, `or` or the end, found {}", token.describe()), token.column))
            }
        }
    }

    /// `a and b`.
    pub fn and(self, other: Segment) -> Segment {
        Segment::And(Box::new(self), Box::new(other))
    }

    /// `a or b`.
    pub fn or(self, other: Segment) -> Segment {
        Segment::Or(Box::new(self), Box::new(other))
    }

    /// `not a`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Segment {
        Segment::Not(Box::new(self))
    }

    /// How tightly the form binds, for writing parentheses only where needed.
    fn precedence(&self) -> u8 {
        match self {
            Segment::Or(..) => 1,
            Segment::And(..) => 2,
            _ => 3,
        }
    }

    /// Writes `self`, in parentheses unless it binds at least as tightly as `min`.
    fn write_at(&self, f: &mut fmt::Formatter<'_>, min: u8) -> fmt::Result {
        if self.precedence() < min { write!(f, "({self})") } else { write!(f, "{self}") }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Tag(tag) => write!(f, "tag:{tag}"),
            Segment::Channel(platform) => write!(f, "channel:{platform}"),
            Segment::Ref(value) => write!(f, "ref:{}", Quoted(value)),
            Segment::Reached { flow, step } => write!(f, "reached:{}", Quoted(&format!("{flow}.{step}"))),
            Segment::Revealed { flow } => write!(f, "revealed:{}", Quoted(flow)),
            Segment::Seen(period) => write!(f, "seen:{period}"),
            Segment::WindowOpen => f.write_str("window:open"),
            Segment::OptedOut => f.write_str("opted_out"),
            Segment::Id(id) => write!(f, "id:{id}"),
            // Both read left to right, so a right operand of the same form needs parentheses.
            Segment::And(a, b) => {
                a.write_at(f, 2)?;
                f.write_str(" and ")?;
                b.write_at(f, 3)
            }
            Segment::Or(a, b) => {
                a.write_at(f, 1)?;
                f.write_str(" or ")?;
                b.write_at(f, 2)
            }
            Segment::Not(a) => {
                f.write_str("not ")?;
                a.write_at(f, 3)
            }
        }
    }
}

/// A value as written in a segment: bare when it reads back as one word, else quoted.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.is_empty() && self.0.chars().all(is_bare) {
            return f.write_str(self.0);
        }
        f.write_str("\"")?;
        for c in self.0.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

/// Characters of an unquoted word.
fn is_bare(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !matches!(c, '(' | ')' | ':' | '"')
}

/// Characters of flow and step names (as flows allow them).
fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TokenKind {
    Open,
    Close,
    Colon,
    Word { text: String, quoted: bool },
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    /// Where it starts, counting characters from 1.
    column: usize,
}

impl Token {
    /// The token as an error names it.
    fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Open => "`(`".to_owned(),
            TokenKind::Close => "`)`".to_owned(),
            TokenKind::Colon => "`:`".to_owned(),
            TokenKind::Word { text, quoted: false } => format!("`{text}`"),
            TokenKind::Word { text, quoted: true } => format!("`{}`", Quoted(text)),
        }
    }

    /// The keyword this token is (any case), if it is an unquoted word.
    fn keyword(&self) -> Option<String> {
        match &self.kind {
            TokenKind::Word { text, quoted: false } => Some(text.to_lowercase()),
            _ => None,
        }
    }
}

type Failure = (String, usize);

fn tokenize(text: &str) -> Result<Vec<Token>, Failure> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().enumerate().map(|(i, c)| (i + 1, c)).peekable();
    while let Some((column, c)) = chars.next() {
        let kind = match c {
            _ if c.is_whitespace() => continue,
            '(' => TokenKind::Open,
            ')' => TokenKind::Close,
            ':' => TokenKind::Colon,
            '"' => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err((format!("the quote opened at column {column} is never closed"), column)),
                        Some((_, '"')) => break,
                        Some((at, '\\')) => match chars.next() {
                            Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                            _ => return Err(("only `\\\"` and `\\\\` may follow a `\\` in quotes".to_owned(), at)),
                        },
                        Some((_, other)) => value.push(other),
                    }
                }
                TokenKind::Word { text: value, quoted: true }
            }
            _ if c.is_control() => return Err(("a control character cannot be part of a segment".to_owned(), column)),
            _ => {
                let mut word = c.to_string();
                while let Some((_, next)) = chars.peek().copied().filter(|&(_, n)| is_bare(n)) {
                    word.push(next);
                    chars.next();
                }
                TokenKind::Word { text: word, quoted: false }
            }
        };
        tokens.push(Token { kind, column });
    }
    Ok(tokens)
}

/// Recursive descent: `or := and ("or" and)*`, `and := unary ("and" unary)*`,
/// `unary := "not" unary | "(" or ")" | condition`.
struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// The column just past the text, where "the end" is.
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    /// Whether the next token is the keyword `word`; if so, moves past it.
    fn eat(&mut self, word: &str) -> bool {
        let found = self.peek().and_then(Token::keyword).is_some_and(|k| k == word);
        if found {
            self.at += 1;
        }
        found
    }

    fn or(&mut self) -> Result<Segment, Failure> {
        let mut segment = self.and()?;
        while self.eat("or") {
            segment = segment.or(self.and()?);
        }
        Ok(segment)
    }

    fn and(&mut self) -> Result<Segment, Failure> {
        let mut segment = self.unary()?;
        while self.eat("and") {
            segment = segment.and(self.unary()?);
        }
        Ok(segment)
    }

    fn unary(&mut self) -> Result<Segment, Failure> {
        let Some(token) = self.next() else {
            return Err(("expected a condition, `not` or `(`, found the end".to_owned(), self.end));
        };
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((format!("`not` and parentheses nest at most {MAX_DEPTH} deep"), token.column));
        }
        let segment = match &token.kind {
            TokenKind::Open => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token { kind: TokenKind::Close, .. }) => inner,
                    Some(other) => {
                        return Err((format!("expected `and`, `or` or `)`, found {}", other.describe()), other.column));
                    }
                    None => {
                        return Err((format!("the `(` at column {} is never closed", token.column), self.end));
                    }
                }
            }
            _ if token.keyword().as_deref() == Some("not") => self.unary()?.not(),
            TokenKind::Word { quoted: false, .. } => self.condition(&token)?,
            _ => return Err((format!("expected a condition, `not` or `(`, found {}", token.describe()), token.column)),
        };
        self.depth -= 1;
        Ok(segment)
    }

    /// `KIND:VALUE` or `opted_out`, `kind` being its first token.
    fn condition(&mut self, kind: &Token) -> Result<Segment, Failure> {
        let name = kind.keyword().unwrap_or_default();
        if !matches!(
            name.as_str(),
            "tag" | "channel" | "ref" | "reached" | "revealed" | "seen" | "window" | "opted_out" | "id"
        ) {
            let hint = if matches!(name.as_str(), "and" | "or") { "expected a condition before it: " } else { "" };
            return Err((format!("{hint}{} is not a kind of condition ({KINDS})", kind.describe()), kind.column));
        }
        let has_value = self.peek().is_some_and(|t| t.kind == TokenKind::Colon);
        if name == "opted_out" {
            if has_value {
                return Err(("opted_out takes no value".to_owned(), self.tokens[self.at].column));
            }
            return Ok(Segment::OptedOut);
        }
        let example = match name.as_str() {
            "tag" => "tag:vip",
            "channel" => "channel:messenger",
            "ref" => "ref:flyer",
            "reached" => "reached:coupon.offer",
            "revealed" => "revealed:coupon",
            "seen" => "seen:7d",
            "id" => "id:42",
            _ => "window:open",
        };
        let missing = |column| (format!("`{name}` needs a value, as in {example}"), column);
        if !has_value {
            let column = self.peek().map_or(self.end, |t| t.column);
            return Err(missing(column));
        }
        let colon = self.next().map_or(self.end, |t| t.column);
        let (value, column) = match self.next() {
            Some(Token { kind: TokenKind::Word { text, .. }, column }) if !text.is_empty() => (text, column),
            Some(token) => return Err(missing(token.column)),
            None => return Err(missing(colon + 1)),
        };
        let bad = |what: String| Err((what, column));
        match name.as_str() {
            "tag" => match value.parse() {
                Ok(tag) => Ok(Segment::Tag(tag)),
                Err(e) => bad(BadTag::to_string(&e)),
            },
            "channel" => match value.to_lowercase().parse() {
                Ok(platform) => Ok(Segment::Channel(platform)),
                Err(_) => bad(format!("`{value}` is not a channel (messenger, instagram, web, console)")),
            },
            "ref" => Ok(Segment::Ref(value)),
            "reached" => match value.split_once('.') {
                Some((flow, step))
                    if !flow.is_empty()
                        && !step.is_empty()
                        && flow.chars().all(is_name)
                        && step.chars().all(is_name) =>
                {
                    Ok(Segment::Reached { flow: flow.to_owned(), step: step.to_owned() })
                }
                _ => bad(format!("`{value}` is not FLOW.STEP, as in reached:coupon.offer")),
            },
            "revealed" if value.chars().all(is_name) => Ok(Segment::Revealed { flow: value }),
            "revealed" => bad(format!("`{value}` is not a flow's name, as in revealed:coupon")),
            "seen" => match value.parse() {
                Ok(period) => Ok(Segment::Seen(period)),
                Err(()) => {
                    bad(format!("`{value}` is not a period: a number of m, h or d up to {MAX_AMOUNT}, as in seen:7d"))
                }
            },
            "id" => match value.parse::<i64>() {
                Ok(id) if id >= 1 && value.bytes().all(|b| b.is_ascii_digit()) => Ok(Segment::Id(id)),
                _ => bad(format!("`{value}` is not a contact's id: a whole number from 1, as in id:42")),
            },
            _ if value.eq_ignore_ascii_case("open") => Ok(Segment::WindowOpen),
            _ => bad(format!("`{value}` is not a window's state: write window:open")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Segment {
        Segment::parse(text).unwrap_or_else(|e| panic!("{text}: {}", e.explained()))
    }

    fn tag(t: &str) -> Segment {
        Segment::Tag(t.parse().unwrap())
    }

    fn error(text: &str) -> String {
        Segment::parse(text).map(|s| s.to_string()).expect_err(text).to_string()
    }

    #[test]
    fn not_binds_tighter_than_and_and_and_than_or() {
        assert_eq!(parse("tag:a or not tag:b and tag:c"), tag("a").or(tag("b").not().and(tag("c"))));
        assert_eq!(parse("(tag:a or tag:b) and tag:c"), tag("a").or(tag("b")).and(tag("c")));
        assert_eq!(parse("tag:a and tag:b and tag:c"), tag("a").and(tag("b")).and(tag("c")));
    }

    #[test]
    fn every_kind_of_condition_reads() {
        assert_eq!(parse("TAG:VIP"), tag("vip"));
        assert_eq!(parse("channel:Messenger"), Segment::Channel(Platform::Messenger));
        assert_eq!(parse("ref:\"spring flyer\""), Segment::Ref("spring flyer".into()));
        assert_eq!(parse("ref : flyer"), Segment::Ref("flyer".into()));
        assert_eq!(parse("reached:coupon.offer"), Segment::Reached { flow: "coupon".into(), step: "offer".into() });
        assert_eq!(parse("revealed:coupon"), Segment::Revealed { flow: "coupon".into() });
        assert_eq!(parse("seen:7d"), Segment::Seen(Period { amount: 7, unit: PeriodUnit::Days }));
        assert_eq!(parse("seen:12h").to_string(), "seen:12h");
        assert_eq!(parse("seen:30m").to_string(), "seen:30m");
        assert_eq!(parse("window:OPEN"), Segment::WindowOpen);
        assert_eq!(parse("Opted_Out"), Segment::OptedOut);
        assert_eq!(parse("ID:42"), Segment::Id(42));
        assert_eq!(parse("id:007").to_string(), "id:7");
        assert_eq!(parse("id:12 or id:13"), Segment::Id(12).or(Segment::Id(13)));
        assert_eq!(parse("NOT opted_out AND tag:x OR tag:y"), Segment::OptedOut.not().and(tag("x")).or(tag("y")));
    }

    #[test]
    fn the_canonical_form_has_only_needed_parentheses() {
        assert_eq!(parse("(tag:a) and ((tag:b or tag:c))").to_string(), "tag:a and (tag:b or tag:c)");
        assert_eq!(parse("tag:a or (tag:b or tag:c)").to_string(), "tag:a or (tag:b or tag:c)");
        assert_eq!(parse("not (tag:a and tag:b)").to_string(), "not (tag:a and tag:b)");
        assert_eq!(parse("ref:\"a \\\"b\\\"\"").to_string(), "ref:\"a \\\"b\\\"\"");
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(error("tag:vip and (ref:x tag:y)"), "expected `and`, `or` or `)`, found `tag` at column 20");
        assert_eq!(
            error("chanel:messenger"),
            "`chanel` is not a kind of condition (tag, channel, ref, reached, revealed, seen, window, opted_out, id) at column 1"
        );
        assert_eq!(error("id:"), "`id` needs a value, as in id:42 at column 4");
        for bad in ["0", "-3", "+3", "4.5", "x", "99999999999999999999"] {
            assert_eq!(
                error(&format!("tag:a and id:{bad}")),
                format!("`{bad}` is not a contact's id: a whole number from 1, as in id:42 at column 14")
            );
        }
        assert_eq!(error(""), "the segment is empty: write a condition such as tag:vip at column 1");
        assert_eq!(error("tag:vip and"), "expected a condition, `not` or `(`, found the end at column 12");
        assert_eq!(error("(tag:vip"), "the `(` at column 1 is never closed at column 9");
        assert_eq!(error("tag:vip)"), "this `)` closes no `(` at column 8");
        assert_eq!(error("tag:"), "`tag` needs a value, as in tag:vip at column 5");
        assert_eq!(error("tag and x"), "`tag` needs a value, as in tag:vip at column 5");
        assert_eq!(error("channel:fax"), "`fax` is not a channel (messenger, instagram, web, console) at column 9");
        assert_eq!(error("seen:7w").split(" at column ").nth(1), Some("6"));
        assert_eq!(error("reached:coupon").split(" at column ").nth(1), Some("9"));
        assert_eq!(error("ref:\"open"), "the quote opened at column 5 is never closed at column 5");
        assert_eq!(error("tag:a b"), "expected `and`, `or` or the end, found `b` at column 7");
        assert_eq!(error("opted_out:yes"), "opted_out takes no value at column 10");
        assert!(error(&"(".repeat(100)).contains("nest at most"));
    }

    #[test]
    fn the_pointer_is_under_the_column() {
        let e = Segment::parse("tag:vip or chanel:web").unwrap_err();
        assert_eq!(e.pointer(), "tag:vip or chanel:web\n           ^");
    }

    #[test]
    fn tags_are_short_lower_case_words() {
        assert_eq!("VIP".parse::<Tag>().unwrap().as_str(), "vip");
        assert!("spring_2026-a".parse::<Tag>().is_ok());
        for bad in ["", "a b", "é", "x:y", &"a".repeat(33)] {
            assert!(bad.parse::<Tag>().is_err(), "{bad}");
        }
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_-]{1,8}"
    }

    fn leaf() -> impl Strategy<Value = Segment> {
        prop_oneof![
            "[a-z0-9_-]{1,32}".prop_map(|t| Segment::Tag(t.parse().unwrap())),
            prop_oneof![
                Just(Platform::Messenger),
                Just(Platform::Instagram),
                Just(Platform::Web),
                Just(Platform::Console)
            ]
            .prop_map(Segment::Channel),
            "\\PC{1,12}".prop_map(Segment::Ref),
            (name(), name()).prop_map(|(flow, step)| Segment::Reached { flow, step }),
            name().prop_map(|flow| Segment::Revealed { flow }),
            (1..=MAX_AMOUNT, prop_oneof![Just(PeriodUnit::Minutes), Just(PeriodUnit::Hours), Just(PeriodUnit::Days)])
                .prop_map(|(amount, unit)| Segment::Seen(Period { amount, unit })),
            Just(Segment::WindowOpen),
            Just(Segment::OptedOut),
            (1..=i64::MAX).prop_map(Segment::Id),
        ]
    }

    fn segment() -> impl Strategy<Value = Segment> {
        leaf().prop_recursive(6, 40, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
                inner.prop_map(Segment::not),
            ]
        })
    }

    proptest! {
        #[test]
        fn the_canonical_form_reads_back(segment in segment()) {
            let written = segment.to_string();
            prop_assert_eq!(Segment::parse(&written).map_err(|e| e.explained()), Ok(segment));
        }

        #[test]
        fn any_text_is_read_or_refused_with_a_column(text in "\\PC{0,60}|[a-z:() \"\\\\.]{0,60}") {
            match Segment::parse(&text) {
                Ok(segment) => prop_assert_eq!(Segment::parse(&segment.to_string()), Ok(segment)),
                Err(e) => prop_assert!(e.column >= 1 && e.column <= text.chars().count() + 1),
            }
        }
    }
}
