//! Follow-ups: a step may send another step later, unless the contact acted meanwhile
//! (`follow_up = { after = "23h", step = "reminder", unless = "revealed" }`). This is the
//! format and its rules; scheduling and sending are the statbot crate's.

use super::file::RawFollowUp;
use crate::window::AD_MS;
use std::collections::BTreeSet;
use std::fmt;

/// A step sent `after` a step was entered, unless the contact did `unless` since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// How long after the step was entered (ms).
    pub after_ms: i64,
    /// The step of the same flow sent then.
    pub step: String,
    pub unless: Option<Unless>,
}

/// What the contact may do meanwhile that cancels a follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unless {
    /// A coupon of this flow was revealed to them.
    Revealed,
    /// They tapped a button of this flow.
    Clicked,
    /// They sent anything (a message, a tap, a referral).
    Replied,
    /// They entered this step of the flow.
    Reached(String),
}

impl fmt::Display for Unless {
    /// As the flow file writes it, and as the store keeps it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unless::Revealed => f.write_str("revealed"),
            Unless::Clicked => f.write_str("clicked"),
            Unless::Replied => f.write_str("replied"),
            Unless::Reached(step) => write!(f, "reached:{step}"),
        }
    }
}

impl Unless {
    /// `revealed`, `clicked`, `replied` or `reached:STEP`.
    pub fn parse(text: &str) -> Option<Unless> {
        match text {
            "revealed" => Some(Unless::Revealed),
            "clicked" => Some(Unless::Clicked),
            "replied" => Some(Unless::Replied),
            _ => text.strip_prefix("reached:").filter(|s| !s.is_empty()).map(|s| Unless::Reached(s.to_owned())),
        }
    }
}

/// The longest `after`: Meta's longest window (7 days after a click-to-Messenger ad). A
/// follow-up due later could never be sent there.
pub const MAX_AFTER_MS: i64 = AD_MS;

impl FollowUp {
    /// Checks a written follow-up against the flow's steps; every problem is returned.
    pub(super) fn parse(raw: RawFollowUp, step_ids: &BTreeSet<String>) -> Result<FollowUp, Vec<String>> {
        let mut problems = Vec::new();
        let after_ms = match parse_duration_ms(&raw.after) {
            Some(ms) if ms > MAX_AFTER_MS => {
                problems.push(format!(
                    "`follow_up.after` is `{}`, longer than Meta's longest messaging window (7 days): it could never be sent",
                    raw.after
                ));
                0
            }
            Some(ms) => ms,
            None => {
                problems
                    .push(format!("`follow_up.after` is `{}`, not a duration like `30m`, `23h` or `2d`", raw.after));
                0
            }
        };
        if !step_ids.contains(&raw.step) {
            problems.push(format!("`follow_up.step` names step `{}`, which does not exist", raw.step));
        }
        let unless = match raw.unless.as_deref().map(|u| (u, Unless::parse(u))) {
            None => None,
            Some((_, Some(Unless::Reached(step)))) if !step_ids.contains(&step) => {
                problems.push(format!("`follow_up.unless` names step `{step}`, which does not exist"));
                None
            }
            Some((_, Some(unless))) => Some(unless),
            Some((written, None)) => {
                problems.push(format!(
                    "`follow_up.unless` is `{written}`; use `revealed`, `clicked`, `replied` or `reached:STEP`"
                ));
                None
            }
        };
        if problems.is_empty() { Ok(FollowUp { after_ms, step: raw.step, unless }) } else { Err(problems) }
    }
}

/// A whole number and a unit, `s`, `m`, `h` or `d` (`90s`, `30m`, `23h`, `2d`), more than
/// nothing, in ms.
fn parse_duration_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(unit_at);
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    let n: i64 = number.parse().ok()?;
    n.checked_mul(unit_ms).filter(|ms| *ms > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_number_and_a_unit() {
        assert_eq!(parse_duration_ms("90s"), Some(90_000));
        assert_eq!(parse_duration_ms("30m"), Some(1_800_000));
        assert_eq!(parse_duration_ms(" 23h "), Some(82_800_000));
        assert_eq!(parse_duration_ms("2d"), Some(172_800_000));
        for bad in ["", "h", "0h", "1.5h", "-1h", "1 h", "1w", "99999999999999999999d", "1hour"] {
            assert_eq!(parse_duration_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn unless_reads_back_as_written() {
        for written in ["revealed", "clicked", "replied", "reached:thanks"] {
            assert_eq!(Unless::parse(written).map(|u| u.to_string()).as_deref(), Some(written));
        }
        assert_eq!(Unless::parse("reached:"), None);
        assert_eq!(Unless::parse("bought"), None);
    }

    const FLOW: &str = r#"
name = "f"
entry = "offer"
[steps.offer]
text = "Want it?"
buttons = [{ id = "yes", title = "Yes", next = "done" }]
follow_up = FOLLOW_UP
[steps.reminder]
text = "Still there?"
[steps.done]
text = "Done"
"#;

    fn parse_with(follow_up: &str) -> Result<super::super::Flow, Vec<String>> {
        super::super::Flow::parse("flows/f.toml", &FLOW.replace("FOLLOW_UP", follow_up))
            .map_err(|e| e.0.into_iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn a_step_declares_its_follow_up() {
        let flow = parse_with(r#"{ after = "23h", step = "reminder", unless = "reached:done" }"#).unwrap();
        let follow_up = flow.step("offer").and_then(|s| s.follow_up.clone());
        assert_eq!(
            follow_up,
            Some(FollowUp {
                after_ms: 23 * 3_600_000,
                step: "reminder".into(),
                unless: Some(Unless::Reached("done".into()))
            })
        );
        let plain = parse_with(r#"{ after = "30m", step = "reminder" }"#).unwrap();
        assert_eq!(plain.step("offer").and_then(|s| s.follow_up.as_ref()).map(|f| &f.unless), Some(&None));
    }

    #[test]
    fn a_bad_follow_up_says_what_is_wrong_and_where() {
        let errors = parse_with(r#"{ after = "8d", step = "nope", unless = "reached:gone" }"#).unwrap_err();
        assert_eq!(
            errors,
            vec![
                "flows/f.toml:4: step `offer`: `follow_up.after` is `8d`, longer than Meta's longest messaging window (7 days): it could never be sent",
                "flows/f.toml:4: step `offer`: `follow_up.step` names step `nope`, which does not exist",
                "flows/f.toml:4: step `offer`: `follow_up.unless` names step `gone`, which does not exist",
            ]
        );
        let errors = parse_with(r#"{ after = "soon", step = "reminder", unless = "bought" }"#).unwrap_err();
        assert_eq!(
            errors,
            vec![
                "flows/f.toml:4: step `offer`: `follow_up.after` is `soon`, not a duration like `30m`, `23h` or `2d`",
                "flows/f.toml:4: step `offer`: `follow_up.unless` is `bought`; use `revealed`, `clicked`, `replied` or `reached:STEP`",
            ]
        );
        let errors = parse_with(r#"{ after = "1h", step = "reminder", when = "x" }"#).unwrap_err();
        assert!(errors[0].contains("unknown field `when`"), "{errors:?}");
    }
}
