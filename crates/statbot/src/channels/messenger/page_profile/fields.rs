//! The Messenger Profile fields statbot manages, in Meta's shapes: what the `[page]` section
//! asks for on each platform, and what the Page has, both normalised (locales sorted, unknown
//! keys dropped, the old flat ice-breaker format read as the `default` locale's) so that equal
//! set-ups compare equal.

use super::section::{DEFAULT_LOCALE, Leads, PageSection};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Where a profile lives: the Page's Messenger, or the linked Instagram account
/// (`?platform=instagram`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProfilePlatform {
    Messenger,
    Instagram,
}

impl ProfilePlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfilePlatform::Messenger => "messenger",
            ProfilePlatform::Instagram => "instagram",
        }
    }

    /// The fields statbot manages there: Instagram has no Get Started button or greeting.
    pub fn fields(self) -> &'static [Field] {
        match self {
            ProfilePlatform::Messenger => &Field::ALL,
            ProfilePlatform::Instagram => &[Field::IceBreakers, Field::PersistentMenu],
        }
    }
}

impl fmt::Display for ProfilePlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Messenger Profile field statbot manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    GetStarted,
    Greeting,
    IceBreakers,
    PersistentMenu,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::GetStarted, Field::Greeting, Field::IceBreakers, Field::PersistentMenu];

    /// Its name in the API.
    pub fn name(self) -> &'static str {
        match self {
            Field::GetStarted => "get_started",
            Field::Greeting => "greeting",
            Field::IceBreakers => "ice_breakers",
            Field::PersistentMenu => "persistent_menu",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetStarted {
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Greeting {
    pub locale: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceBreakers {
    pub locale: String,
    pub call_to_actions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub question: String,
    pub payload: String,
}

/// The ice breakers as Meta answers them: per locale, or the old flat list of questions.
#[derive(Deserialize)]
#[serde(untagged)]
enum AnyIceBreakers {
    Localised(Vec<IceBreakers>),
    Flat(Vec<Question>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Menu {
    pub locale: String,
    /// Never set by statbot; read so that a Page that has it set is seen as different.
    #[serde(default, skip_serializing_if = "is_false")]
    pub composer_input_disabled: bool,
    pub call_to_actions: Vec<MenuButton>,
}

fn is_false(value: &bool) -> bool {
    !value
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MenuButton {
    Postback { title: String, payload: String },
    WebUrl { title: String, url: String },
}

/// Some of a profile's fields, normalised; a field left out is not set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile(BTreeMap<Field, Value>);

impl Profile {
    pub fn get(&self, field: Field) -> Option<&Value> {
        self.0.get(&field)
    }

    /// Sets `field` to `value` as Meta would answer it (normalised; an empty or unreadable
    /// value counts as not set, so it is never mistaken for the wanted one).
    pub fn insert_raw(&mut self, field: Field, value: &Value) {
        match normalise(field, value) {
            Some(value) => self.0.insert(field, value),
            None => self.0.remove(&field),
        };
    }

    /// The fields statbot manages read from a `GET /me/messenger_profile` answer:
    /// `{"data": [{...fields...}]}` (`{"data": []}` when nothing is set). An element that is
    /// itself an ice-breaker locale (`call_to_actions` and `locale`, as the ice-breaker
    /// documentation shows the answer to `fields=ice_breakers`) is read as one.
    pub fn from_answer(answer: &Value) -> Profile {
        let mut profile = Profile::default();
        let mut loose_ice_breakers = Vec::new();
        for element in answer.get("data").and_then(Value::as_array).into_iter().flatten() {
            let Some(object) = element.as_object() else { continue };
            if object.contains_key("call_to_actions") && object.contains_key("locale") {
                loose_ice_breakers.push(element.clone());
                continue;
            }
            for (name, value) in object {
                if let Some(field) = Field::from_name(name) {
                    profile.insert_raw(field, value);
                }
            }
        }
        if !loose_ice_breakers.is_empty() && profile.get(Field::IceBreakers).is_none() {
            profile.insert_raw(Field::IceBreakers, &Value::Array(loose_ice_breakers));
        }
        profile
    }

    /// What `section` asks for on `platform` (only the fields managed there).
    pub fn wanted(section: &PageSection, platform: ProfilePlatform) -> Profile {
        let mut profile = Profile::default();
        for &field in platform.fields() {
            if let Some(value) = wanted_field(section, field) {
                profile.insert_raw(field, &value);
            }
        }
        profile
    }
}

fn to_value<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Groups items by locale, in the order the locales first appear.
fn by_locale<'a, T>(items: &'a [T], locale: impl Fn(&'a T) -> &'a str) -> Vec<(&'a str, Vec<&'a T>)> {
    let mut groups: Vec<(&'a str, Vec<&'a T>)> = Vec::new();
    for item in items {
        let l = locale(item);
        match groups.iter_mut().find(|(g, _)| *g == l) {
            Some((_, members)) => members.push(item),
            None => groups.push((l, vec![item])),
        }
    }
    groups
}

fn payload_of(leads: &Leads) -> Option<String> {
    match leads {
        Leads::Entry(entry) => Some(entry.payload()),
        Leads::Payload(payload) => Some((*payload).to_owned()),
        Leads::Url(_) => None,
    }
}

fn wanted_field(section: &PageSection, field: Field) -> Option<Value> {
    match field {
        Field::GetStarted => {
            let payload = section.get_started.as_ref()?.leads().ok().as_ref().and_then(payload_of)?;
            to_value(&GetStarted { payload })
        }
        Field::Greeting => to_value(
            &section
                .greeting
                .iter()
                .map(|g| Greeting { locale: g.locale.clone(), text: g.text.clone() })
                .collect::<Vec<_>>(),
        ),
        Field::IceBreakers => {
            let locales = by_locale(&section.ice_breakers, |b| b.locale.as_str());
            let value: Vec<IceBreakers> = locales
                .into_iter()
                .map(|(locale, breakers)| IceBreakers {
                    locale: locale.to_owned(),
                    call_to_actions: breakers
                        .into_iter()
                        .filter_map(|b| {
                            let payload = b.leads().ok().as_ref().and_then(payload_of)?;
                            Some(Question { question: b.question.clone(), payload })
                        })
                        .collect(),
                })
                .collect();
            to_value(&value)
        }
        Field::PersistentMenu => {
            let locales = by_locale(&section.persistent_menu, |m| m.locale.as_str());
            let value: Vec<Menu> = locales
                .into_iter()
                .map(|(locale, items)| Menu {
                    locale: locale.to_owned(),
                    composer_input_disabled: false,
                    call_to_actions: items
                        .into_iter()
                        .filter_map(|item| match item.leads().ok()? {
                            Leads::Url(url) => Some(MenuButton::WebUrl { title: item.title.clone(), url }),
                            leads => {
                                Some(MenuButton::Postback { title: item.title.clone(), payload: payload_of(&leads)? })
                            }
                        })
                        .collect(),
                })
                .collect();
            to_value(&value)
        }
    }
}

/// Sorts per-locale lists by locale, `default` first, so that order on the wire never counts
/// as a change.
fn sort_locales<T>(items: &mut [T], locale: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| {
        let key = |l: &str| (l != DEFAULT_LOCALE, l.to_owned());
        key(locale(a)).cmp(&key(locale(b)))
    });
}

/// `value` in the one shape statbot compares; `None` for an empty or unreadable value.
fn normalise(field: Field, value: &Value) -> Option<Value> {
    match field {
        Field::GetStarted => {
            let get_started: GetStarted = serde_json::from_value(value.clone()).ok()?;
            to_value(&get_started)
        }
        Field::Greeting => {
            let mut greeting: Vec<Greeting> = serde_json::from_value(value.clone()).ok()?;
            sort_locales(&mut greeting, |g| &g.locale);
            (!greeting.is_empty()).then(|| to_value(&greeting)).flatten()
        }
        Field::IceBreakers => {
            let mut breakers = match serde_json::from_value(value.clone()).ok()? {
                AnyIceBreakers::Localised(breakers) => breakers,
                AnyIceBreakers::Flat(questions) if questions.is_empty() => Vec::new(),
                AnyIceBreakers::Flat(questions) => {
                    vec![IceBreakers { locale: DEFAULT_LOCALE.into(), call_to_actions: questions }]
                }
            };
            breakers.retain(|b| !b.call_to_actions.is_empty());
            sort_locales(&mut breakers, |b| &b.locale);
            (!breakers.is_empty()).then(|| to_value(&breakers)).flatten()
        }
        Field::PersistentMenu => {
            let mut menus: Vec<Menu> = serde_json::from_value(value.clone()).ok()?;
            menus.retain(|m| !m.call_to_actions.is_empty());
            sort_locales(&mut menus, |m| &m.locale);
            (!menus.is_empty()).then(|| to_value(&menus)).flatten()
        }
    }
}

/// A field's value in one readable line: `@coupon`, `default: "Hi!"; fr_FR: "Salut !"`,
/// `default: "Coupons?" → @coupon, "Shop" → https://…`.
pub fn describe(field: Field, value: Option<&Value>) -> String {
    let Some(value) = value else { return "not set".into() };
    let described = match field {
        Field::GetStarted => serde_json::from_value::<GetStarted>(value.clone()).ok().map(|g| g.payload),
        Field::Greeting => serde_json::from_value::<Vec<Greeting>>(value.clone()).ok().map(|greetings| {
            greetings.iter().map(|g| format!("{}: {:?}", g.locale, g.text)).collect::<Vec<_>>().join("; ")
        }),
        Field::IceBreakers => serde_json::from_value::<Vec<IceBreakers>>(value.clone()).ok().map(|locales| {
            locales
                .iter()
                .map(|l| {
                    let questions: Vec<String> =
                        l.call_to_actions.iter().map(|q| format!("{:?} → {}", q.question, q.payload)).collect();
                    format!("{}: {}", l.locale, questions.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ")
        }),
        Field::PersistentMenu => serde_json::from_value::<Vec<Menu>>(value.clone()).ok().map(|menus| {
            menus
                .iter()
                .map(|m| {
                    let items: Vec<String> = m
                        .call_to_actions
                        .iter()
                        .map(|b| match b {
                            MenuButton::Postback { title, payload } => format!("{title:?} → {payload}"),
                            MenuButton::WebUrl { title, url } => format!("{title:?} → {url}"),
                        })
                        .collect();
                    let locked = if m.composer_input_disabled { " (typing disabled)" } else { "" };
                    format!("{}: {}{locked}", m.locale, items.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ")
        }),
    };
    described.unwrap_or_else(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn section(text: &str) -> PageSection {
        match toml::from_str(text) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    const SECTION: &str = r#"
get_started = { flow = "coupon" }
[[greeting]]
locale = "fr_FR"
text = "Salut {{user_first_name}} !"
[[greeting]]
locale = "default"
text = "Hi {{user_first_name}}!"
[[ice_breakers]]
question = "Any coupon?"
flow = "coupon"
step = "offer"
[[persistent_menu]]
title = "Coupon"
flow = "coupon"
[[persistent_menu]]
title = "Shop"
url = "https://shop.example.com"
[[persistent_menu]]
title = "Stop messages"
action = "stop"
"#;

    #[test]
    fn the_section_becomes_metas_shapes() {
        let wanted = Profile::wanted(&section(SECTION), ProfilePlatform::Messenger);
        assert_eq!(wanted.get(Field::GetStarted), Some(&json!({ "payload": "@coupon" })));
        assert_eq!(
            wanted.get(Field::Greeting),
            Some(&json!([
                { "locale": "default", "text": "Hi {{user_first_name}}!" },
                { "locale": "fr_FR", "text": "Salut {{user_first_name}} !" },
            ]))
        );
        assert_eq!(
            wanted.get(Field::IceBreakers),
            Some(&json!([{ "locale": "default", "call_to_actions": [
                { "question": "Any coupon?", "payload": "@coupon/offer" }
            ] }]))
        );
        assert_eq!(
            wanted.get(Field::PersistentMenu),
            Some(&json!([{ "locale": "default", "call_to_actions": [
                { "type": "postback", "title": "Coupon", "payload": "@coupon" },
                { "type": "web_url", "title": "Shop", "url": "https://shop.example.com" },
                { "type": "postback", "title": "Stop messages", "payload": "!stop" },
            ] }]))
        );
        let instagram = Profile::wanted(&section(SECTION), ProfilePlatform::Instagram);
        assert_eq!(instagram.get(Field::GetStarted), None);
        assert_eq!(instagram.get(Field::Greeting), None);
        assert_eq!(instagram.get(Field::IceBreakers), wanted.get(Field::IceBreakers));
    }

    #[test]
    fn metas_answer_compares_equal_whatever_its_order_and_extra_keys() {
        let wanted = Profile::wanted(&section(SECTION), ProfilePlatform::Messenger);
        let answer = json!({ "data": [{
            "get_started": { "payload": "@coupon" },
            "greeting": [
                { "locale": "fr_FR", "text": "Salut {{user_first_name}} !" },
                { "locale": "default", "text": "Hi {{user_first_name}}!" },
            ],
            "ice_breakers": [{ "question": "Any coupon?", "payload": "@coupon/offer" }],
            "persistent_menu": [{ "locale": "default", "composer_input_disabled": false, "call_to_actions": [
                { "type": "postback", "title": "Coupon", "payload": "@coupon" },
                { "type": "web_url", "title": "Shop", "url": "https://shop.example.com", "webview_height_ratio": "full" },
                { "type": "postback", "title": "Stop messages", "payload": "!stop" },
            ] }],
            "whitelisted_domains": ["https://shop.example.com"],
        }] });
        assert_eq!(Profile::from_answer(&answer), wanted);
        assert_eq!(Profile::from_answer(&json!({ "data": [] })), Profile::default());
        let loose = json!({ "data": [{ "locale": "default", "call_to_actions": [
            { "question": "Any coupon?", "payload": "@coupon/offer" }
        ] }] });
        assert_eq!(Profile::from_answer(&loose).get(Field::IceBreakers), wanted.get(Field::IceBreakers));
    }

    #[test]
    fn values_read_in_one_line() {
        let wanted = Profile::wanted(&section(SECTION), ProfilePlatform::Messenger);
        let line = |field| describe(field, wanted.get(field));
        assert_eq!(line(Field::GetStarted), "@coupon");
        assert_eq!(
            line(Field::Greeting),
            "default: \"Hi {{user_first_name}}!\"; fr_FR: \"Salut {{user_first_name}} !\""
        );
        assert_eq!(line(Field::IceBreakers), "default: \"Any coupon?\" → @coupon/offer");
        assert_eq!(
            line(Field::PersistentMenu),
            "default: \"Coupon\" → @coupon, \"Shop\" → https://shop.example.com, \"Stop messages\" → !stop"
        );
        assert_eq!(describe(Field::Greeting, None), "not set");
    }
}
