//! What a staff question about a promotion names, and which coupon, flow, link or broadcast that
//! is. Pure computation: [`Ask::from_text`] reads the kind ("coupon", "flow", "link",
//! "broadcast"…), the name next to it ("the spring coupon", "link flyer"), whether it asks about
//! the variants of a split test ("which variant wins", "the split test") and the days;
//! [`Catalog::resolve`] finds it among the loaded flows' coupons, the flows, the entry links and
//! the broadcasts, with a typo or two in longer names.

use crate::dates::DayRange;
use crate::sales::when::{self, Preset};
use jiff::civil::Date;
use statbot_intents::entities::distance_within;

/// What a promotion question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A coupon of a flow (`[coupons.spring]`).
    Coupon,
    /// A flow as a whole.
    Flow,
    /// An entry link (its ref).
    Link,
    /// A broadcast (`statbot broadcast create NAME`).
    Broadcast,
}

/// The kinds, in the order a question saying two is read: "the spring-sale broadcast of the
/// coupon flow" is about the broadcast, "the coupon flow" about the flow.
const KINDS: [Kind; 4] = [Kind::Broadcast, Kind::Link, Kind::Flow, Kind::Coupon];

/// The words that ask about a split test's variants rather than the figures as a whole.
const VARIANT_WORDS: &[&str] = &["variant", "variants", "split", "splits", "ab"];

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Coupon => "coupon",
            Kind::Flow => "flow",
            Kind::Link => "link",
            Kind::Broadcast => "broadcast",
        }
    }

    /// The words that say the kind, as typed (lower case).
    fn words(self) -> &'static [&'static str] {
        match self {
            Kind::Coupon => &[
                "coupon",
                "coupons",
                "code",
                "codes",
                "promo",
                "promotion",
                "promotions",
                "voucher",
                "offer",
                "discount",
                "campaign",
            ],
            Kind::Flow => &["flow", "flows", "funnel", "funnels"],
            Kind::Link => &["link", "links", "ref", "url", "qr"],
            Kind::Broadcast => &["broadcast", "broadcasts", "blast", "blasts"],
        }
    }

    fn of(word: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.words().contains(&word))
    }
}

/// Words never taken for a promotion's name: articles, prepositions, the verbs of "how did it
/// do", periods and what is asked for.
const NOT_NAMES: &[&str] = &[
    "a",
    "an",
    "the",
    "our",
    "my",
    "your",
    "its",
    "this",
    "that",
    "these",
    "those",
    "last",
    "next",
    "past",
    "from",
    "by",
    "of",
    "for",
    "in",
    "on",
    "at",
    "to",
    "with",
    "via",
    "through",
    "since",
    "so",
    "far",
    "and",
    "or",
    "per",
    "each",
    "all",
    "new",
    "how",
    "what",
    "which",
    "who",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "it",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "go",
    "went",
    "going",
    "goes",
    "bring",
    "brought",
    "bringing",
    "brings",
    "make",
    "made",
    "making",
    "earn",
    "earned",
    "earning",
    "perform",
    "performed",
    "performing",
    "work",
    "worked",
    "working",
    "much",
    "many",
    "revenue",
    "sales",
    "money",
    "today",
    "yesterday",
    "week",
    "month",
    "year",
    "days",
    "day",
    "weeks",
    "months",
    "results",
    "result",
    "stats",
    "figures",
    "numbers",
    "conversion",
    "redeemed",
    "redemptions",
    "revealed",
    "reveals",
    "we",
    "us",
    "get",
    "got",
    "me",
    "show",
    "tell",
    "about",
    "variant",
    "variants",
    "split",
    "splits",
    "ab",
    "b",
    "test",
    "tests",
    "testing",
    "win",
    "wins",
    "won",
    "winning",
    "winner",
    "compare",
    "comparing",
    "better",
    "best",
    "sent",
    "send",
    "when",
];

/// A promotion question: what it names and over which days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    pub subject: Subject,
    pub range: DayRange,
    /// Whether the question named the days (else [`default_range`]).
    pub period_named: bool,
    /// Whether it asks which variant of a split test does better (the flow's split report).
    pub by_variant: bool,
}

impl Ask {
    /// The question in `text`, on `today`. The error is a sentence for the person asking (days
    /// still to come).
    pub fn from_text(text: &str, today: Date) -> Result<Ask, String> {
        let named = when::range_in(text, today)?;
        Ok(Ask {
            subject: Subject::in_text(text),
            range: named.unwrap_or_else(|| default_range(today)),
            period_named: named.is_some(),
            by_variant: asks_by_variant(text),
        })
    }
}

/// What a promotion answer covers when the question names no days: the last 30 days, as the
/// funnels do.
pub fn default_range(today: Date) -> DayRange {
    Preset::Last30Days.range(today)
}

/// What a question names: the kind it says and the name next to it, and its other words (for
/// a name said without its kind, "how did spring do").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    pub kind: Option<Kind>,
    pub name: Option<String>,
    /// Two or three words beside the kind joined with `-`, longest first, for a name said with
    /// spaces ("the black friday broadcast": `black-friday`).
    phrases: Vec<String>,
    words: Vec<String>,
}

impl Subject {
    pub fn in_text(text: &str) -> Subject {
        let words = words_of(text);
        let kind = KINDS.into_iter().find(|k| words.iter().any(|w| k.words().contains(&w.as_str())));
        let said_with = |kind: Kind| -> Vec<usize> {
            (0..words.len()).filter(|&i| kind.words().contains(&words[i].as_str())).collect()
        };
        // ("coupon" names the flow in "the coupon flow": only the kind said is not a name.)
        let may_name = |kind: Kind, word: &String| {
            !NOT_NAMES.contains(&word.as_str())
                && !kind.words().contains(&word.as_str())
                && !word.chars().all(|c| c.is_ascii_digit())
        };
        let name = kind.and_then(|kind| {
            let candidate = |i: Option<usize>| words.get(i?).filter(|w| may_name(kind, w)).cloned();
            said_with(kind).into_iter().find_map(|i| candidate(i.checked_sub(1)).or_else(|| candidate(Some(i + 1))))
        });
        let mut phrases = Vec::new();
        for (kind, i) in kind.into_iter().flat_map(|kind| said_with(kind).into_iter().map(move |i| (kind, i))) {
            for len in [3, 2] {
                let spans = [i.checked_sub(len).map(|start| start..i), Some(i + 1..i + 1 + len)];
                for span in spans.into_iter().flatten() {
                    if let Some(run) = words.get(span).filter(|run| run.iter().all(|w| may_name(kind, w))) {
                        phrases.push(run.join("-"));
                    }
                }
            }
        }
        let words =
            words.iter().filter(|w| !NOT_NAMES.contains(&w.as_str()) && Kind::of(w).is_none()).cloned().collect();
        Subject { kind, name, phrases, words }
    }
}

/// Whether `text` says it is about a coupon, a flow, a link, a broadcast or variants: a sales
/// question that does, such as "revenue from the flyer link" or "revenue by variant", is a
/// promotion question ("split" alone is not: "revenue split by currency").
pub fn names_a_promotion(text: &str) -> bool {
    words_of(text).iter().any(|w| Kind::of(w).is_some() || matches!(w.as_str(), "variant" | "variants"))
}

/// Whether `text` asks about the variants of a split test: "which variant wins", "how is the
/// split test doing", "compare the variants of the coupon flow", "a/b test".
pub fn asks_by_variant(text: &str) -> bool {
    text.to_lowercase().contains("a/b") || words_of(text).iter().any(|w| VARIANT_WORDS.contains(&w.as_str()))
}

/// Lower-case words: letters, digits, `-` and `_` (a link's name keeps its dashes).
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .map(|w| w.trim_matches(['-', '_']).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Something a promotion question can be about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Coupon {
        flow: String,
        title: String,
        coupon: String,
    },
    Flow {
        flow: String,
        title: String,
    },
    Link {
        name: String,
        flow: String,
    },
    /// A broadcast, with the flow whose step it sent.
    Broadcast {
        name: String,
        flow: String,
    },
}

impl Target {
    pub fn kind(&self) -> Kind {
        match self {
            Target::Coupon { .. } => Kind::Coupon,
            Target::Flow { .. } => Kind::Flow,
            Target::Link { .. } => Kind::Link,
            Target::Broadcast { .. } => Kind::Broadcast,
        }
    }

    /// The name it is asked by.
    pub fn name(&self) -> &str {
        match self {
            Target::Coupon { coupon, .. } => coupon,
            Target::Flow { flow, .. } => flow,
            Target::Link { name, .. } | Target::Broadcast { name, .. } => name,
        }
    }

    /// The name of its flow (a flow's own).
    pub fn flow(&self) -> &str {
        match self {
            Target::Coupon { flow, .. }
            | Target::Flow { flow, .. }
            | Target::Link { flow, .. }
            | Target::Broadcast { flow, .. } => flow,
        }
    }
}

/// What a question was found to be about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// One target, or more when a name is shared (a coupon `spring` in two flows).
    Found(Vec<Target>),
    /// A name nobody knows, as said, with the kind it was said with.
    Unknown { kind: Kind, name: String },
    /// No name, and more than one (or none) of the kind asked about.
    Unnamed(Option<Kind>),
}

/// The coupons of the loaded flows, the flows and the entry links.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub targets: Vec<Target>,
}

impl Catalog {
    /// Those of a kind.
    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(move |t| t.kind() == kind)
    }

    /// Which target(s) `subject` names.
    pub fn resolve(&self, subject: &Subject) -> Resolution {
        if let (Some(kind), Some(name)) = (subject.kind, &subject.name) {
            let phrase = |fuzzy| subject.phrases.iter().find_map(|p| self.named(p, Some(kind), fuzzy));
            let found = phrase(false)
                .or_else(|| self.named(name, Some(kind), false))
                .or_else(|| phrase(true))
                .or_else(|| self.named(name, Some(kind), true))
                .or_else(|| self.named(name, None, false))
                .or_else(|| self.named(name, None, true));
            return match found {
                Some(targets) => Resolution::Found(targets),
                None => Resolution::Unknown { kind, name: name.clone() },
            };
        }
        let said = [false, true]
            .into_iter()
            .find_map(|fuzzy| subject.words.iter().find_map(|w| self.named(w, subject.kind, fuzzy)));
        if let Some(targets) = said {
            return Resolution::Found(targets);
        }
        match subject.kind {
            Some(kind) => {
                let all: Vec<Target> = self.of(kind).cloned().collect();
                if all.len() == 1 { Resolution::Found(all) } else { Resolution::Unnamed(Some(kind)) }
            }
            None => Resolution::Unnamed(None),
        }
    }

    /// The targets (of `kind`, else any) named `name`, exactly or within a typo; `None` for none.
    fn named(&self, name: &str, kind: Option<Kind>, fuzzy: bool) -> Option<Vec<Target>> {
        let found: Vec<Target> = self
            .targets
            .iter()
            .filter(|t| kind.is_none_or(|k| t.kind() == k))
            .filter(|t| {
                let known = t.name().to_lowercase();
                if fuzzy { close(name, &known) } else { known == name }
            })
            .cloned()
            .collect();
        (!found.is_empty()).then_some(found)
    }
}

/// Whether `said` is a typo of `known`: none under 5 letters, 1 up to 7, 2 beyond.
fn close(said: &str, known: &str) -> bool {
    let max = match said.chars().count() {
        0..5 => return false,
        5..8 => 1,
        _ => 2,
    };
    distance_within(said.as_bytes(), known.as_bytes(), max).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn catalog() -> Catalog {
        let coupon = |flow: &str, coupon: &str| Target::Coupon {
            flow: flow.into(),
            title: format!("{flow} title"),
            coupon: coupon.into(),
        };
        Catalog {
            targets: vec![
                coupon("coupon", "spring"),
                coupon("limits", "old"),
                Target::Flow { flow: "coupon".into(), title: "Spring coupon".into() },
                Target::Flow { flow: "limits".into(), title: "limits".into() },
                Target::Link { name: "flyer".into(), flow: "coupon".into() },
                Target::Link { name: "poster-a".into(), flow: "coupon".into() },
            ],
        }
    }

    fn said(text: &str) -> (Option<Kind>, Option<String>) {
        let subject = Subject::in_text(text);
        (subject.kind, subject.name)
    }

    #[test]
    fn the_kind_and_the_name_beside_it() {
        let some = |kind, name: &str| (Some(kind), Some(name.to_owned()));
        assert_eq!(said("how did the spring coupon do?"), some(Kind::Coupon, "spring"));
        assert_eq!(said("How is the coupon flow doing"), some(Kind::Flow, "coupon"));
        assert_eq!(said("revenue from the flyer link"), some(Kind::Link, "flyer"));
        assert_eq!(said("what did the flyer link bring this month"), some(Kind::Link, "flyer"));
        assert_eq!(said("revenue from ref flyer"), some(Kind::Link, "flyer"));
        assert_eq!(said("results of the `poster-a` link"), some(Kind::Link, "poster-a"));
        assert_eq!(said("how many redeemed the SPRING code last week"), some(Kind::Coupon, "spring"));
        assert_eq!(said("how did the coupon do"), (Some(Kind::Coupon), None));
        assert_eq!(said("how did spring do"), (None, None));
        assert!(names_a_promotion("revenue from the flyer link"));
        assert!(!names_a_promotion("refunds last week"));
        assert!(!names_a_promotion("revenue last week"));
    }

    #[test]
    fn names_resolve_with_typos_and_unknown_ones_are_said() {
        let catalog = catalog();
        let found = |text: &str| -> Vec<(Kind, String)> {
            match catalog.resolve(&Subject::in_text(text)) {
                Resolution::Found(targets) => targets.iter().map(|t| (t.kind(), t.name().to_owned())).collect(),
                other => panic!("{text}: {other:?}"),
            }
        };
        let one = |kind, name: &str| vec![(kind, name.to_owned())];
        assert_eq!(found("how did the spring coupon do?"), one(Kind::Coupon, "spring"));
        assert_eq!(found("how did the sprng coupon do?"), one(Kind::Coupon, "spring"));
        assert_eq!(found("how did the sprng cuopon do?"), one(Kind::Coupon, "spring"));
        assert_eq!(found("how did spring do"), one(Kind::Coupon, "spring"));
        assert_eq!(found("how is the coupon flow doing"), one(Kind::Flow, "coupon"));
        assert_eq!(found("revenue from the flyer link"), one(Kind::Link, "flyer"));
        assert_eq!(found("revenue from the fyler link"), one(Kind::Link, "flyer"));
        assert_eq!(found("how did the flyer coupon do"), one(Kind::Link, "flyer"));
        assert_eq!(found("poster-a link last 7 days"), one(Kind::Link, "poster-a"));
        assert_eq!(
            catalog.resolve(&Subject::in_text("how did the autumn coupon do")),
            Resolution::Unknown { kind: Kind::Coupon, name: "autumn".into() }
        );
        assert_eq!(
            catalog.resolve(&Subject::in_text("how did the coupon do")),
            Resolution::Unnamed(Some(Kind::Coupon))
        );
        assert_eq!(catalog.resolve(&Subject::in_text("how did the links do")), Resolution::Unnamed(Some(Kind::Link)));
        let single = Catalog { targets: vec![Target::Link { name: "flyer".into(), flow: "coupon".into() }] };
        assert!(
            matches!(single.resolve(&Subject::in_text("how did the link do")), Resolution::Found(t) if t.len() == 1)
        );
    }

    #[test]
    fn broadcasts_and_split_tests() {
        let some = |kind, name: &str| (Some(kind), Some(name.to_owned()));
        assert_eq!(said("how did the spring-sale broadcast do?"), some(Kind::Broadcast, "spring-sale"));
        assert_eq!(said("results of the black-friday broadcast"), some(Kind::Broadcast, "black-friday"));
        assert_eq!(said("revenue from the spring-sale broadcast"), some(Kind::Broadcast, "spring-sale"));
        assert_eq!(said("the spring-sale broadcast of the coupon flow"), some(Kind::Broadcast, "spring-sale"));
        assert_eq!(said("which variant of the spring offer wins?"), some(Kind::Coupon, "spring"));
        assert_eq!(said("compare the variants of the coupon flow"), some(Kind::Flow, "coupon"));
        assert_eq!(said("how is the split test doing"), (None, None));
        assert!(names_a_promotion("revenue from the spring-sale broadcast"));
        assert!(names_a_promotion("revenue by variant"));
        assert!(!names_a_promotion("revenue split by currency last week"));
        let today = date(2026, 11, 24);
        let by_variant = |text: &str| Ask::from_text(text, today).unwrap().by_variant;
        for text in [
            "which variant of the spring offer wins?",
            "how is the split test doing",
            "compare the variants of the coupon flow",
            "how is the A/B test going",
        ] {
            assert!(by_variant(text), "{text}");
        }
        for text in ["how did the spring-sale broadcast do?", "how did the spring coupon do?", "best sellers"] {
            assert!(!by_variant(text), "{text}");
        }

        let mut catalog = catalog();
        let broadcast = |name: &str| Target::Broadcast { name: name.into(), flow: "coupon".into() };
        catalog.targets.extend([broadcast("spring-sale"), broadcast("black-friday")]);
        let found = |text: &str| match catalog.resolve(&Subject::in_text(text)) {
            Resolution::Found(targets) => targets,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(found("how did the spring-sale broadcast do?"), vec![broadcast("spring-sale")]);
        assert_eq!(found("results of the blak-friday broadcast"), vec![broadcast("black-friday")]);
        assert_eq!(found("how did black-friday do"), vec![broadcast("black-friday")]);
        // A name of several words said with spaces, before or after the kind, typo or not.
        assert_eq!(found("how did the black friday broadcast do"), vec![broadcast("black-friday")]);
        assert_eq!(found("results of broadcast spring sale last week"), vec![broadcast("spring-sale")]);
        assert_eq!(found("how did the blak friday broadcast do"), vec![broadcast("black-friday")]);
        assert_eq!(
            found("what did the spring sale broadcast of the coupon flow bring"),
            vec![broadcast("spring-sale")]
        );
        assert_eq!(found("which variant of the spring offer wins?")[0].flow(), "coupon");
        assert_eq!(
            catalog.resolve(&Subject::in_text("how did the cyber-monday broadcast do")),
            Resolution::Unknown { kind: Kind::Broadcast, name: "cyber-monday".into() }
        );
        assert_eq!(catalog.resolve(&Subject::in_text("how is the split test doing")), Resolution::Unnamed(None));
    }

    #[test]
    fn the_days_named_else_the_last_30() {
        let today = date(2026, 11, 24);
        let ask = Ask::from_text("how did the spring coupon do this month", today).unwrap();
        assert_eq!((ask.range.from, ask.range.to, ask.period_named), (date(2026, 11, 1), today, true));
        let ask = Ask::from_text("what did the flyer link bring in the last 7 days", today).unwrap();
        assert_eq!((ask.range.from, ask.range.to, ask.period_named), (date(2026, 11, 18), today, true));
        let ask = Ask::from_text("how did the spring coupon do?", today).unwrap();
        assert_eq!((ask.range.from, ask.range.to, ask.period_named), (date(2026, 10, 26), today, false));
        assert!(Ask::from_text("how did the spring coupon do in 2030", today).is_err());
    }
}
