//! The conversation state machine: where a contact's input takes them in a flow, and what each
//! step says. Coupon codes come from the store, so the caller resolves them between
//! [`transition`] and [`render_step`].

use crate::entry::Entry;
use crate::flow::{Choices, Flow, FlowButton, FlowSet, ImageRef, Step};
use crate::inbound::InboundContent;
use crate::limits;
use crate::payload::ButtonPayload;
use crate::reply::{Button, Reply};
use crate::split;
use crate::template::truncate_chars;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a contact stands: the last step they entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub flow: String,
    pub step: String,
}

/// Why the contact moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// They tapped a button of `step`.
    Button { step: String, button: String },
    /// Free text or a payload nothing handles: back to the entry step (the main menu).
    Restart,
    /// An entry point (Get Started, an ice breaker, a menu item, a link) led here.
    Entry,
}

/// The outcome of one input: the flow, what triggered the move and the steps entered, in
/// order (a step's `next` chain is followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub flow: String,
    pub trigger: Trigger,
    pub entered: Vec<String>,
}

/// A tap on a button of a loaded flow: the flow, the step showing the button, and the button.
#[derive(Debug, Clone, Copy)]
pub struct Tap<'a> {
    pub flow: &'a Flow,
    pub step: &'a Step,
    pub button: &'a FlowButton,
}

/// The flow button an input taps, if it is one. Whether that button was offered to the contact
/// is the caller's to check (the store knows the steps they reached): only an offered tap may
/// go on to [`transition`].
pub fn tap<'a>(flows: &'a FlowSet, content: &InboundContent) -> Option<Tap<'a>> {
    let InboundContent::Payload { payload, .. } = content else { return None };
    let tapped = ButtonPayload::parse(payload)?;
    let flow = flows.get(tapped.flow)?;
    let (step, button) = flow.button(tapped.button)?;
    Some(Tap { flow, step, button })
}

/// Decides where an input leads: an offered tap (see [`tap`]; older offered buttons count, as
/// people scroll up) to its button's next step; anything else, including a tap on a button never
/// offered, is free text and restarts the default flow. `None` only when no flow is loaded.
/// `contact` picks the variant of any split step on the way (see [`crate::split::pick`]).
pub fn transition(flows: &FlowSet, offered: Option<Tap<'_>>, contact: i64) -> Option<Transition> {
    if let Some(Tap { flow, step, button }) = offered {
        return Some(Transition {
            flow: flow.name.clone(),
            trigger: Trigger::Button { step: step.id.clone(), button: button.id.clone() },
            entered: button.next.as_deref().map(|next| follow_next(flow, next, contact)).unwrap_or_default(),
        });
    }
    restart(flows.default_flow()?, contact)
}

/// Where an entry point leads: its flow (the default one when it names none) at its step (the
/// flow's entry step when it names none). `None` when that flow or step is not loaded.
/// `contact` picks the variant of any split step on the way.
pub fn enter(flows: &FlowSet, entry: &Entry, contact: i64) -> Option<Transition> {
    let flow = match &entry.flow {
        Some(name) => flows.get(name)?,
        None => flows.default_flow()?,
    };
    let step = entry.step.as_deref().unwrap_or(&flow.entry);
    flow.step(step)?;
    Some(Transition { flow: flow.name.clone(), trigger: Trigger::Entry, entered: follow_next(flow, step, contact) })
}

/// Enters a flow at its entry step.
fn restart(flow: &Flow, contact: i64) -> Option<Transition> {
    let entered = follow_next(flow, &flow.entry, contact);
    Some(Transition { flow: flow.name.clone(), trigger: Trigger::Restart, entered })
}

/// `start` and the steps its `next` links lead to, through a split step to the `next` of the
/// contact's variant (validation rules out loops; the bound is a second guard).
fn follow_next(flow: &Flow, start: &str, contact: i64) -> Vec<String> {
    let mut entered = vec![start.to_owned()];
    let mut current = flow.step(start);
    while let Some(next) = current.and_then(|step| onward(flow, step, contact)) {
        if entered.len() > flow.steps.len() {
            break;
        }
        entered.push(next.to_owned());
        current = flow.step(next);
    }
    entered
}

/// The step `step` leads to at once: its `next`, or the `next` of the contact's variant of a
/// split step.
fn onward<'a>(flow: &Flow, step: &'a Step, contact: i64) -> Option<&'a str> {
    match &step.next {
        Some(next) => Some(next),
        None => split::pick(&flow.name, &step.id, &step.variants, contact).map(|v| v.next.as_str()),
    }
}

/// Values for a step's template variables.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, String>,
}

impl Vars {
    /// The flow's defaults overlaid with the non-empty values known at run time (the contact's
    /// names, the public URL).
    pub fn for_flow<'a>(flow: &Flow, known: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut values = flow.vars.clone();
        for (k, v) in known {
            if !v.trim().is_empty() {
                values.insert(k.to_owned(), v.to_owned());
            }
        }
        Vars { values }
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.values.insert(name.to_owned(), value.to_owned());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// The replies a step sends: its text (with buttons or quick replies) then its image.
/// `media_url` turns a file shipped with the flow into an absolute URL.
pub fn render_step(flow: &Flow, step: &Step, vars: &Vars, media_url: &dyn Fn(&str, &str) -> String) -> Vec<Reply> {
    let mut replies = Vec::new();
    if let Some(template) = &step.text {
        let text = template.render(|name| vars.get(name));
        let to_buttons = |list: &[FlowButton]| -> Vec<Button> {
            list.iter()
                .map(|b| Button { title: b.title.clone(), payload: ButtonPayload::encode(&flow.name, &b.id) })
                .collect()
        };
        replies.push(match &step.choices {
            Choices::None => Reply::Text { text: truncate_chars(text, limits::TEXT_MAX_CHARS) },
            Choices::Buttons(list) => {
                Reply::Buttons { text: truncate_chars(text, limits::BUTTON_TEXT_MAX_CHARS), buttons: to_buttons(list) }
            }
            Choices::QuickReplies(list) => {
                Reply::QuickReplies { text: truncate_chars(text, limits::TEXT_MAX_CHARS), replies: to_buttons(list) }
            }
        });
    }
    if let Some(image) = &step.image {
        let url = match image {
            ImageRef::Url(url) => url.clone(),
            ImageRef::Media(file) => media_url(&flow.name, file),
        };
        replies.push(Reply::Image { url });
    }
    replies
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = r#"
name = "coupon"
entry = "welcome"
[vars]
first_name = "there"
[coupons.spring]
code = "SPRING20"
[steps.welcome]
text = "Hi {first_name}!"
buttons = [
  { id = "show", title = "Yes! Show me coupon", next = "coupon" },
  { id = "no", title = "No, thanks", next = "thanks" },
]
[steps.coupon]
text = "Tap to reveal."
buttons = [{ id = "reveal", title = "Reveal the coupon", next = "revealed" }]
[steps.revealed]
reveal = "spring"
text = "Your code: {coupon_code}"
next = "bye"
[steps.bye]
text = "Enjoy!"
[steps.thanks]
text = "Thanks, {first_name}!"
image = "thanks.png"
"#;

    fn flows() -> FlowSet {
        let mut set = FlowSet::default();
        set.insert(Flow::parse("coupon.toml", FLOW).unwrap()).unwrap();
        set
    }

    fn payload(payload: &str) -> InboundContent {
        InboundContent::Payload { payload: payload.into(), title: None }
    }

    #[test]
    fn free_text_restarts_the_entry_step() {
        let flows = flows();
        assert!(tap(&flows, &InboundContent::Text { text: "hello".into() }).is_none());
        let t = transition(&flows, None, 1).unwrap();
        assert_eq!(t.trigger, Trigger::Restart);
        assert_eq!(t.entered, ["welcome"]);
    }

    #[test]
    fn a_button_leads_to_its_next_step_and_follows_next_links() {
        let flows = flows();
        let t = transition(&flows, tap(&flows, &payload("coupon:reveal")), 1).unwrap();
        assert_eq!(t.trigger, Trigger::Button { step: "coupon".into(), button: "reveal".into() });
        assert_eq!(t.entered, ["revealed", "bye"]);
    }

    #[test]
    fn unknown_payloads_are_no_tap() {
        let flows = flows();
        for p in ["coupon:nope", "other:show", "{\"flow\":\"cities\"}"] {
            assert!(tap(&flows, &payload(p)).is_none(), "{p}");
        }
    }

    #[test]
    fn an_entry_enters_its_step_and_follows_next_links() {
        let flows = flows();
        let t = enter(&flows, &Entry::step("coupon", "revealed"), 1).unwrap();
        assert_eq!((t.trigger, t.entered), (Trigger::Entry, vec!["revealed".to_string(), "bye".to_string()]));
        assert_eq!(enter(&flows, &Entry::default_flow(), 1).unwrap().entered, ["welcome"]);
        assert_eq!(enter(&flows, &Entry::flow("coupon"), 1).unwrap().entered, ["welcome"]);
        assert!(enter(&flows, &Entry::step("coupon", "nope"), 1).is_none());
        assert!(enter(&flows, &Entry::flow("other"), 1).is_none());
    }

    #[test]
    fn a_split_step_passes_each_contact_on_to_its_variant() {
        let mut flows = FlowSet::default();
        let source = r#"
name = "promo"
entry = "pick"
[steps.pick]
kind = "split"
variants = [{ id = "discount", weight = 1, next = "offer" }, { id = "gift", weight = 1, next = "tote" }]
[steps.offer]
text = "10 % off"
[steps.tote]
text = "A free tote"
"#;
        flows.insert(Flow::parse("promo.toml", source).unwrap()).unwrap();
        let flow = flows.get("promo").unwrap();
        let step = flow.step("pick").unwrap();
        for contact in 1..50 {
            let variant = split::pick("promo", "pick", &step.variants, contact).unwrap();
            let entered = enter(&flows, &Entry::default_flow(), contact).unwrap().entered;
            assert_eq!(entered, ["pick", variant.next.as_str()]);
            assert_eq!(transition(&flows, None, contact).unwrap().entered, entered, "the same variant again");
        }
        let reached: std::collections::BTreeSet<String> =
            (1..50).map(|c| enter(&flows, &Entry::default_flow(), c).unwrap().entered[1].clone()).collect();
        assert_eq!(reached.into_iter().collect::<Vec<_>>(), ["offer", "tote"]);
        assert!(render_step(flow, step, &Vars::default(), &|_, _| String::new()).is_empty());
    }

    #[test]
    fn renders_buttons_with_payloads_and_first_name_fallback() {
        let flows = flows();
        let flow = flows.get("coupon").unwrap();
        let vars = Vars::for_flow(flow, [("first_name", "")]);
        let replies = render_step(flow, flow.step("welcome").unwrap(), &vars, &|_, _| String::new());
        assert_eq!(
            replies,
            [Reply::Buttons {
                text: "Hi there!".into(),
                buttons: vec![
                    Button { title: "Yes! Show me coupon".into(), payload: "coupon:show".into() },
                    Button { title: "No, thanks".into(), payload: "coupon:no".into() },
                ],
            }]
        );
    }

    #[test]
    fn renders_text_then_media_image() {
        let flows = flows();
        let flow = flows.get("coupon").unwrap();
        let vars = Vars::for_flow(flow, [("first_name", "Ada")]);
        let replies =
            render_step(flow, flow.step("thanks").unwrap(), &vars, &|f, file| format!("https://x/media/{f}/{file}"));
        assert_eq!(
            replies,
            [
                Reply::Text { text: "Thanks, Ada!".into() },
                Reply::Image { url: "https://x/media/coupon/thanks.png".into() }
            ]
        );
    }
}
