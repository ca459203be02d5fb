//! Names in a question that are no row of the data set ("population of Atlantis"): what was
//! found of them, and the answer that says so ("I don't know a city called Atlantis. Did you
//! mean Atlanta?") instead of answering about the context's rows.

use super::answer::{Ask, Tap, button, chosen_metric, noun, pick_row, truncate};
use super::context::{Awaiting, DataContext};
use super::intents::AnswerKind;
use crate::datasets::LoadedSet;
use statbot_core::{Button, Reply};

/// A name in a question that is no row of the data set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unknown {
    /// As it was typed.
    pub said: String,
    /// Whether it is listed with a row that was found ("Austin and Atlantis").
    pub listed: bool,
    /// Rows whose names are near it, nearest first.
    pub suggestions: Vec<usize>,
}

/// "I don't know a city called Atlantis. Did you mean Atlanta?" with the suggestions as buttons
/// (or, with none, a pick list). The metric asked for and the rows found are kept, so a tap
/// answers the question asked: one city, or the comparison with the rows found.
pub(super) fn not_a_row(
    kind: AnswerKind,
    set: &LoadedSet,
    ask: &Ask,
    unknown: &[&Unknown],
    context: &mut DataContext,
) -> Reply {
    if let Some(metric) = chosen_metric(set, ask, context) {
        context.metric = Some(set.meta.columns[metric].name.clone());
    }
    let named: Vec<String> = ask.rows.iter().map(|c| set.rows[c[0]].label.clone()).collect();
    let comparing = kind == AnswerKind::Compare || (kind == AnswerKind::FollowUp && context.comparing);
    context.awaiting = Some(if comparing || !named.is_empty() { Awaiting::SecondRow } else { Awaiting::Row });
    if !named.is_empty() {
        context.rows = named.iter().take(super::context::MAX_ROWS).cloned().collect();
        context.comparing = context.rows.len() > 1;
    }
    let said: Vec<String> = unknown.iter().map(|u| truncate(u.said.trim(), SAID_MAX_CHARS)).collect();
    let mut text = format!("I don't know a {} called {}.", noun(set), or_list(&said));
    let mut suggested: Vec<usize> = Vec::new();
    for &row in unknown.iter().flat_map(|u| &u.suggestions) {
        if !suggested.contains(&row) && !named.contains(&set.rows[row].label) {
            suggested.push(row);
        }
    }
    suggested.truncate(statbot_intents::entities::MAX_SUGGESTIONS);
    if suggested.is_empty() {
        text.push_str(" Type another name, or pick one:");
        return pick_row(set, &text, &context.rows);
    }
    let labels: Vec<String> = suggested.iter().map(|&r| set.rows[r].label.clone()).collect();
    text.push_str(&format!(" Did you mean {}?", or_list(&labels)));
    let mut replies: Vec<Button> = labels.iter().map(|l| button(l, Tap::Row(l.clone()))).collect();
    replies.push(button("Explore the data", Tap::Explore));
    Reply::QuickReplies { text, replies }
}

/// Characters of an unknown name quoted back at most.
const SAID_MAX_CHARS: usize = 40;

/// "A", "A or B", "A, B or C".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::or_list;

    #[test]
    fn names_are_listed_with_or() {
        let list = |items: &[&str]| or_list(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&["Atlanta"]), "Atlanta");
        assert_eq!(list(&["Atlanta", "Atlantic City"]), "Atlanta or Atlantic City");
        assert_eq!(list(&["A", "B", "C"]), "A, B or C");
    }
}
