//! Property tests of [`Flow::parse`]: random text, the shipped coupon flow damaged (bytes
//! flipped, inserted or deleted, lines dropped, doubled or swapped, values swapped for ones of
//! another type, huge numbers, deep nesting, NULs) and generated valid flows. Every input gives
//! a flow or errors that name the file and a line inside it, never a panic; a generated flow is
//! read back step for step. `PROPTEST_CASES` raises the number of cases.

use super::{Choices, Flow};
use proptest::prelude::*;
use proptest::sample::Index;

const FILE: &str = "flows/fuzz.toml";
/// The flow shipped with statbot, the documented reference of the format.
const COUPON: &str = include_str!("../../../statbot/assets/flows/coupon.toml");
/// Quick replies, inline coupons and a `next` chain, which the coupon flow does not use.
const OTHERS: &str = r#"
name = "menu"
entry = "start"
[vars]
city = "Austin"
[coupons.shared]
code = "SAVE10"
[coupons.pool]
codes = ["A1", "B2", "C3"]
exhausted = "All gone, {first_name}."
[steps.start]
text = "Pick one, {first_name} ({city}):"
quick_replies = [
  { title = "Coupon", next = "give" },
  { id = "pool-tap", title = "Pool 🎟", next = "pool" },
]
[steps.give]
text = "Code: {coupon_code}"
reveal = "shared"
next = "bye"
[steps.pool]
text = "{{literal}} {coupon_code}"
reveal = "pool"
image = "https://example.com/a.png"
[steps.bye]
text = "Bye!"
"#;

/// 512 cases, or `PROPTEST_CASES`; a failing case is kept as a regular test, not in a
/// regressions file.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// What a parse may give: a flow, or errors naming the file and a line of it.
fn check(source: &str) -> Result<Option<Flow>, TestCaseError> {
    match Flow::parse(FILE, source) {
        Ok(flow) => {
            prop_assert!(flow.steps.contains_key(&flow.entry));
            Ok(Some(flow))
        }
        Err(errors) => {
            prop_assert!(!errors.0.is_empty());
            let lines = source.lines().count() + 1;
            for error in &errors.0 {
                prop_assert_eq!(&error.file, FILE);
                prop_assert!(error.line.is_none_or(|line| (1..=lines).contains(&line)), "{error} of {lines} lines");
                prop_assert!(!error.problem.is_empty());
            }
            prop_assert!(errors.to_string().starts_with(FILE));
            Ok(None)
        }
    }
}

/// One way of damaging a flow file.
#[derive(Debug, Clone)]
enum Edit {
    Flip {
        at: Index,
        bit: u8,
    },
    Insert {
        at: Index,
        byte: u8,
    },
    Delete {
        at: Index,
    },
    Truncate {
        at: Index,
    },
    DropLine {
        at: Index,
    },
    DoubleLine {
        at: Index,
    },
    SwapLines {
        a: Index,
        b: Index,
    },
    /// The value of some `key = value` line becomes the fragment.
    Value {
        at: Index,
        with: String,
    },
}

/// TOML that is odd where a flow expects something plain.
fn fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "\"\"",
        "0",
        "-0",
        "1e400",
        "9223372036854775808",
        "-9223372036854775809",
        "inf",
        "nan",
        "true",
        "1979-05-27T07:32:00Z",
        "[]",
        "{}",
        "[\"a\", 1]",
        "\"\"\"\nmulti\nline\"\"\"",
        "'literal {x}'",
        "\"\\u0000\"",
        "\"{\"",
        "\"}\"",
        "\"{coupon_code}\"",
        "\"../../etc/passwd\"",
        "\"\\\\\\\\host\\\\share\"",
    ]);
    prop_oneof![
        4 => fixed.prop_map(str::to_owned),
        2 => any::<String>().prop_map(|text| toml::Value::String(text).to_string()),
        2 => any::<String>(),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => (1usize..300).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        1 => (1usize..300).prop_map(|depth| format!("{}1{}", "{ a = ".repeat(depth), " }".repeat(depth))),
        1 => (1usize..5000).prop_map(|len| format!("\"{}\"", "x".repeat(len))),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![prop::sample::select(b"\"'{}[]=,.#\n\\\0".to_vec()), any::<u8>()];
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        3 => (any::<Index>(), byte).prop_map(|(at, byte)| Edit::Insert { at, byte }),
        3 => any::<Index>().prop_map(|at| Edit::Delete { at }),
        1 => any::<Index>().prop_map(|at| Edit::Truncate { at }),
        2 => any::<Index>().prop_map(|at| Edit::DropLine { at }),
        2 => any::<Index>().prop_map(|at| Edit::DoubleLine { at }),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        6 => (any::<Index>(), fragment()).prop_map(|(at, with)| Edit::Value { at, with }),
    ]
}

fn apply(source: &str, edit: &Edit) -> String {
    let mut bytes = source.as_bytes().to_vec();
    let mut lines: Vec<String> = source.lines().map(str::to_owned).collect();
    let n = lines.len();
    match edit {
        Edit::Insert { at, byte } => bytes.insert(at.index(bytes.len() + 1), *byte),
        _ if bytes.is_empty() || n == 0 => return source.to_owned(),
        Edit::Flip { at, bit } => {
            let i = at.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        Edit::Delete { at } => {
            bytes.remove(at.index(bytes.len()));
        }
        Edit::Truncate { at } => bytes.truncate(at.index(bytes.len())),
        Edit::DropLine { at } => {
            lines.remove(at.index(n));
        }
        Edit::DoubleLine { at } => {
            let line = lines[at.index(n)].clone();
            lines.insert(at.index(n), line);
        }
        Edit::SwapLines { a, b } => lines.swap(a.index(n), b.index(n)),
        Edit::Value { at, with } => {
            let assignments: Vec<usize> = (0..n).filter(|&i| lines[i].contains('=')).collect();
            if let Some(&i) = assignments.get(at.index(assignments.len().max(1))) {
                let key = lines[i].split_once('=').map_or("", |(key, _)| key).to_owned();
                lines[i] = format!("{key}= {with}");
            }
        }
    }
    match edit {
        Edit::Flip { .. } | Edit::Insert { .. } | Edit::Delete { .. } | Edit::Truncate { .. } => {
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => lines.join("\n"),
    }
}

fn damaged() -> impl Strategy<Value = String> {
    (prop::sample::select(vec![COUPON, OTHERS]), prop::collection::vec(edit(), 1..6))
        .prop_map(|(seed, edits)| edits.iter().fold(seed.to_owned(), |source, edit| apply(&source, edit)))
}

/// A generated step: its text, its buttons (title, index of the next step), whether they are
/// quick replies, and the step that follows at once when it has none.
#[derive(Debug, Clone)]
struct GenStep {
    text: String,
    buttons: Vec<(String, Index)>,
    quick: bool,
    next: Option<Index>,
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,12}"
}

fn title() -> impl Strategy<Value = String> {
    "\\PC{1,20}".prop_filter("a title shows something", |t| !t.trim().is_empty())
}

fn gen_step() -> impl Strategy<Value = GenStep> {
    (
        "\\PC{0,120}",
        prop::collection::vec((title(), any::<Index>()), 0..4),
        any::<bool>(),
        proptest::option::of(any::<Index>()),
    )
        .prop_map(|(text, buttons, quick, next)| GenStep { text, buttons, quick, next })
}

/// The flow's TOML (through the `toml` crate, so any text is escaped) and the step ids.
fn flow_source(name: &str, suffixes: &[String], steps: &[GenStep]) -> (String, Vec<String>) {
    let ids: Vec<String> = suffixes.iter().enumerate().map(|(i, s)| format!("s{i}{s}")).collect();
    let mut table = toml::Table::new();
    table.insert("name".into(), name.into());
    table.insert("entry".into(), ids[0].clone().into());
    let mut step_tables = toml::Table::new();
    for (i, step) in steps.iter().enumerate() {
        let mut t = toml::Table::new();
        t.insert("text".into(), step.text.replace('{', "{{").replace('}', "}}").into());
        if step.buttons.is_empty() {
            // Only forward, so `next` links never loop.
            if let Some(next) = step.next.filter(|_| i + 1 < steps.len()) {
                t.insert("next".into(), ids[i + 1 + next.index(steps.len() - i - 1)].clone().into());
            }
        } else {
            let buttons: Vec<toml::Value> = step
                .buttons
                .iter()
                .enumerate()
                .map(|(b, (title, next))| {
                    let mut button = toml::Table::new();
                    button.insert("id".into(), format!("b{i}_{b}").into());
                    button.insert("title".into(), title.clone().into());
                    button.insert("next".into(), ids[next.index(ids.len())].clone().into());
                    toml::Value::Table(button)
                })
                .collect();
            t.insert(if step.quick { "quick_replies" } else { "buttons" }.into(), buttons.into());
        }
        step_tables.insert(ids[i].clone(), toml::Value::Table(t));
    }
    table.insert("steps".into(), toml::Value::Table(step_tables));
    (toml::to_string(&table).expect("a table serialises"), ids)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_gives_a_flow_or_errors(source in prop_oneof![any::<String>(), "[\\[\\]{}=\"'#.a-z0-9 \n]{0,200}"]) {
        check(&source)?;
    }

    #[test]
    fn damaged_flows_give_a_flow_or_errors(source in damaged()) {
        check(&source)?;
    }

    #[test]
    fn generated_flows_are_read_back_step_for_step(
        name in id(),
        steps in prop::collection::vec(gen_step(), 1..6),
        suffixes in prop::collection::vec(id(), 6),
    ) {
        let (source, ids) = flow_source(&name, &suffixes[..steps.len()], &steps);
        let flow = check(&source)?;
        let errors = Flow::parse(FILE, &source).err().map(|e| e.to_string()).unwrap_or_default();
        prop_assert!(flow.is_some(), "{source}\n{errors}");
        let Some(flow) = flow else { unreachable!() };
        prop_assert_eq!(&flow.name, &name);
        prop_assert_eq!(&flow.entry, &ids[0]);
        prop_assert_eq!(flow.steps.keys().collect::<Vec<_>>(), ids.iter().collect::<Vec<_>>());
        for (step, generated) in flow.steps.values().zip(&steps) {
            let text = step.text.as_ref().map(|t| t.render(|_| None));
            prop_assert_eq!(text.as_deref(), Some(generated.text.as_str()));
            let read: Vec<(&str, &str)> =
                step.choices.buttons().iter().map(|b| (b.title.as_str(), b.next.as_deref().unwrap_or_default())).collect();
            let written: Vec<(&str, &str)> = generated
                .buttons
                .iter()
                .map(|(title, next)| (title.as_str(), ids[next.index(ids.len())].as_str()))
                .collect();
            prop_assert_eq!(read, written);
            let quick = matches!(step.choices, Choices::QuickReplies(_));
            prop_assert_eq!(quick, generated.quick && !generated.buttons.is_empty());
        }
    }
}

#[test]
fn the_seeds_are_valid_flows() {
    for seed in [COUPON, OTHERS] {
        if let Err(e) = Flow::parse(FILE, seed) {
            panic!("{e}");
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [100, 100_000] {
        let arrays = format!("name = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let tables = format!("name = {}1{}\n", "{ a = ".repeat(depth), " }".repeat(depth));
        let dotted = format!("{} = 1\n", vec!["a"; depth].join("."));
        for source in [arrays, tables, dotted] {
            assert!(Flow::parse(FILE, &source).is_err(), "depth {depth}");
        }
    }
}
