//! The `[page]` section: what the Page shows before and around a conversation (the Get Started
//! button, the greeting, ice breakers, the persistent menu), each item leading to a flow, a
//! step, a web address or an action. It is read from `statbot.toml` or from `page.toml` beside
//! the flows (never both), and its entry points are checked against the loaded flows.

use serde::Deserialize;
use statbot_core::Entry;
use statbot_core::entry::{HANDOFF_PAYLOAD, OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD};
use statbot_core::flow::FlowSet;
use std::fmt;
use std::path::Path;

/// The file in `flows_dir` that holds the Page's set-up (under `[page]`); never a flow.
pub const PAGE_FILE: &str = "page.toml";

/// The locale of items that name none.
pub const DEFAULT_LOCALE: &str = "default";

fn default_locale() -> String {
    DEFAULT_LOCALE.to_owned()
}

/// The `[page]` section, as written. A field left out means the Page has none of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageSection {
    /// `get_started = { flow = "coupon" }`; `{}` is the default flow.
    pub get_started: Option<Target>,
    /// `[[page.greeting]]`: `locale` and `text` (`{{user_first_name}}` allowed).
    pub greeting: Vec<GreetingText>,
    /// `[[page.ice_breakers]]`: `question` and `flow` (and `step`, `locale`).
    pub ice_breakers: Vec<IceBreaker>,
    /// `[[page.persistent_menu]]`: `title` and `flow` (and `step`), `url` or `action`.
    pub persistent_menu: Vec<MenuItem>,
}

/// Where a Get Started button leads: a flow (the default one when left out), and a step of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Target {
    pub flow: Option<String>,
    pub step: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreetingText {
    pub locale: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceBreaker {
    pub question: String,
    #[serde(default)]
    pub flow: Option<String>,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default = "default_locale")]
    pub locale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    pub title: String,
    #[serde(default)]
    pub flow: Option<String>,
    #[serde(default)]
    pub step: Option<String>,
    /// A web address opened instead of a flow.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub action: Option<MenuAction>,
    #[serde(default = "default_locale")]
    pub locale: String,
}

/// A menu item that does something other than enter a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MenuAction {
    /// Opt out of messages statbot starts ([`OPT_OUT_PAYLOAD`]).
    Stop,
    /// Opt back in ([`OPT_IN_PAYLOAD`]).
    Start,
    /// Ask for a person: the live inbox ([`HANDOFF_PAYLOAD`]).
    Person,
}

/// What tapping an item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leads {
    /// A postback with this entry's payload.
    Entry(Entry),
    /// A postback with a fixed payload (an action).
    Payload(&'static str),
    /// A web page.
    Url(String),
}

/// The entry a `flow`/`step` pair names.
fn entry_of(flow: &Option<String>, step: &Option<String>) -> Result<Entry, String> {
    match (flow, step) {
        (None, None) => Ok(Entry::default_flow()),
        (Some(flow), None) => Ok(Entry::flow(flow)),
        (Some(flow), Some(step)) => Ok(Entry::step(flow, step)),
        (None, Some(step)) => Err(format!("names the step `{step}` but not its flow (add `flow = \"...\"`)")),
    }
}

impl Target {
    pub fn leads(&self) -> Result<Leads, String> {
        entry_of(&self.flow, &self.step).map(Leads::Entry)
    }
}

impl IceBreaker {
    pub fn leads(&self) -> Result<Leads, String> {
        entry_of(&self.flow, &self.step).map(Leads::Entry)
    }
}

impl MenuItem {
    /// A menu item leads to one of: a flow (or a step), `url`, `action`; none of them is the
    /// default flow.
    pub fn leads(&self) -> Result<Leads, String> {
        let names_flow = self.flow.is_some() || self.step.is_some();
        match (&self.url, self.action) {
            (Some(_), Some(_)) => Err("has both `url` and `action`: keep one".into()),
            (Some(_), None) | (None, Some(_)) if names_flow => {
                Err("has `flow` or `step` besides `url` or `action`: keep one".into())
            }
            (Some(url), None) => Ok(Leads::Url(url.clone())),
            (None, Some(MenuAction::Stop)) => Ok(Leads::Payload(OPT_OUT_PAYLOAD)),
            (None, Some(MenuAction::Start)) => Ok(Leads::Payload(OPT_IN_PAYLOAD)),
            (None, Some(MenuAction::Person)) => Ok(Leads::Payload(HANDOFF_PAYLOAD)),
            (None, None) => entry_of(&self.flow, &self.step).map(Leads::Entry),
        }
    }
}

/// One item of the section, named for error messages: `page.ice_breakers[2] ("Opening hours?")`.
pub struct ItemName<'a> {
    field: &'static str,
    index: Option<usize>,
    label: Option<&'a str>,
}

impl fmt::Display for ItemName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page.{}", self.field)?;
        if let Some(index) = self.index {
            write!(f, "[{}]", index + 1)?;
        }
        if let Some(label) = self.label {
            write!(f, " ({label:?})")?;
        }
        Ok(())
    }
}

impl PageSection {
    /// Every item that leads somewhere, named, with where it leads (or why it cannot).
    pub fn items(&self) -> Vec<(ItemName<'_>, Result<Leads, String>)> {
        let mut items = Vec::new();
        if let Some(target) = &self.get_started {
            items.push((ItemName { field: "get_started", index: None, label: None }, target.leads()));
        }
        for (i, breaker) in self.ice_breakers.iter().enumerate() {
            let name = ItemName { field: "ice_breakers", index: Some(i), label: Some(&breaker.question) };
            items.push((name, breaker.leads()));
        }
        for (i, item) in self.persistent_menu.iter().enumerate() {
            let name = ItemName { field: "persistent_menu", index: Some(i), label: Some(&item.title) };
            items.push((name, item.leads()));
        }
        items
    }
}

/// A `[page]` section and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub section: PageSection,
    /// `statbot.toml [page]` or the path of `page.toml`, for messages.
    pub origin: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not a valid page set-up: {message}")]
    Parse { path: String, message: String },
    #[error(
        "the Page is set up twice, in the configuration's [page] section and in {path}: keep one of them \
         (statbot reads only one)"
    )]
    Twice { path: String },
    #[error("{}", problems.iter().map(|p| format!("{origin}: {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { origin: String, problems: Vec<String> },
}

/// The name used for a `[page]` section of the configuration file.
pub const CONFIG_ORIGIN: &str = "statbot.toml [page]";

/// `page.toml` as written: the same keys as the configuration's section, under `[page]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFile {
    page: Option<PageSection>,
}

impl Page {
    /// The Page's set-up: the configuration's `[page]` section or `page.toml` in `flows_dir`;
    /// `None` when neither exists, an error when both do.
    pub fn find(configured: Option<&PageSection>, flows_dir: Option<&Path>) -> Result<Option<Page>, PageError> {
        let file = flows_dir.map(|dir| dir.join(PAGE_FILE)).filter(|path| path.is_file());
        match (configured, file) {
            (Some(_), Some(path)) => Err(PageError::Twice { path: path.display().to_string() }),
            (Some(section), None) => Ok(Some(Page { section: section.clone(), origin: CONFIG_ORIGIN.into() })),
            (None, Some(path)) => {
                let display = path.display().to_string();
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| PageError::Read { path: display.clone(), source })?;
                Page::parse(&display, &text).map(Some)
            }
            (None, None) => Ok(None),
        }
    }

    /// Reads a `page.toml`.
    pub fn parse(origin: &str, text: &str) -> Result<Page, PageError> {
        let file: PageFile =
            toml::from_str(text).map_err(|e| PageError::Parse { path: origin.into(), message: e.to_string() })?;
        let section = file.page.ok_or_else(|| PageError::Parse {
            path: origin.into(),
            message: "it has no [page] section (write the keys under [page], as in statbot.toml)".into(),
        })?;
        Ok(Page { section, origin: origin.into() })
    }

    /// The entry points the Page declares, each checked against `flows`: the flow must be
    /// loaded and the step must be one of its steps.
    pub fn entries(&self, flows: &FlowSet) -> Result<Vec<Entry>, PageError> {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for (name, leads) in self.section.items() {
            let entry = match leads {
                Ok(Leads::Entry(entry)) => entry,
                Ok(Leads::Payload(_) | Leads::Url(_)) => continue,
                Err(problem) => {
                    problems.push(format!("{name} {problem}"));
                    continue;
                }
            };
            match check_entry(&entry, flows) {
                Ok(()) if !entries.contains(&entry) => entries.push(entry),
                Ok(()) => {}
                Err(problem) => problems.push(format!("{name} {problem}")),
            }
        }
        if problems.is_empty() {
            Ok(entries)
        } else {
            Err(PageError::Invalid { origin: self.origin.clone(), problems })
        }
    }
}

fn check_entry(entry: &Entry, flows: &FlowSet) -> Result<(), String> {
    let loaded = || {
        let names: Vec<&str> = flows.iter().map(|f| f.name.as_str()).collect();
        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
    };
    let Some(name) = &entry.flow else {
        return match flows.default_flow() {
            Some(_) => Ok(()),
            None => Err("leads to the default flow, but no flow is loaded".into()),
        };
    };
    let Some(flow) = flows.get(name) else {
        return Err(format!("leads to the flow `{name}`, which is not loaded (loaded: {})", loaded()));
    };
    match &entry.step {
        Some(step) if flow.step(step).is_none() => {
            let steps: Vec<&str> = flow.steps.keys().map(String::as_str).collect();
            Err(format!(
                "leads to the step `{step}` of the flow `{name}`, which has no such step (its steps: {})",
                steps.join(", ")
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statbot_core::flow::Flow;

    fn flows() -> FlowSet {
        let mut set = FlowSet::default();
        let flow = Flow::parse(
            "promo.toml",
            "name = \"promo\"\nentry = \"welcome\"\n[steps.welcome]\ntext = \"Hi\"\nbuttons = [{ title = \"Go\", next = \"offer\" }]\n[steps.offer]\ntext = \"Deal\"\n",
        );
        match flow.map(|f| set.insert(f)) {
            Ok(Ok(())) => set,
            other => panic!("{other:?}"),
        }
    }

    fn page(text: &str) -> Page {
        match Page::parse("flows/page.toml", text) {
            Ok(page) => page,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn entries_are_every_flow_and_step_the_page_names() {
        let page = page(
            r#"
[page]
get_started = {}
[[page.ice_breakers]]
question = "A deal?"
flow = "promo"
step = "offer"
[[page.persistent_menu]]
title = "Promo"
flow = "promo"
[[page.persistent_menu]]
title = "Stop messages"
action = "stop"
[[page.persistent_menu]]
title = "Shop"
url = "https://shop.example.com"
[[page.persistent_menu]]
title = "Talk to a person"
action = "person"
"#,
        );
        let entries = page.entries(&flows()).map_err(|e| e.to_string());
        assert_eq!(entries, Ok(vec![Entry::default_flow(), Entry::step("promo", "offer"), Entry::flow("promo")]));
        let menu: Vec<Leads> = page.section.persistent_menu.iter().filter_map(|m| m.leads().ok()).collect();
        assert_eq!(menu[1], Leads::Payload(OPT_OUT_PAYLOAD));
        assert_eq!(menu[2], Leads::Url("https://shop.example.com".into()));
        assert_eq!(menu[3], Leads::Payload(HANDOFF_PAYLOAD));
    }

    #[test]
    fn unknown_flows_and_steps_are_named_with_the_file_and_the_item() {
        let page = page(
            r#"
[page]
get_started = { flow = "coupon" }
[[page.ice_breakers]]
question = "A deal?"
flow = "promo"
step = "nowhere"
[[page.persistent_menu]]
title = "Odd"
step = "offer"
[[page.persistent_menu]]
title = "Both"
url = "https://example.com"
action = "stop"
"#,
        );
        let err = page.entries(&flows()).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err([
                "flows/page.toml: page.get_started leads to the flow `coupon`, which is not loaded (loaded: promo)",
                "flows/page.toml: page.ice_breakers[1] (\"A deal?\") leads to the step `nowhere` of the flow `promo`, \
                 which has no such step (its steps: welcome, offer)",
                "flows/page.toml: page.persistent_menu[1] (\"Odd\") names the step `offer` but not its flow (add `flow = \"...\"`)",
                "flows/page.toml: page.persistent_menu[2] (\"Both\") has both `url` and `action`: keep one",
            ]
            .join("\n"))
        );
    }

    #[test]
    fn page_toml_keeps_its_keys_under_page() {
        let err = Page::parse("page.toml", "get_started = {}\n").map(|_| ()).map_err(|e| e.to_string());
        assert!(matches!(&err, Err(e) if e.starts_with("page.toml is not a valid page set-up")), "{err:?}");
        let err = Page::parse("page.toml", "[page]\ngreetings = []\n").map(|_| ()).map_err(|e| e.to_string());
        assert!(matches!(&err, Err(e) if e.contains("greetings")), "{err:?}");
        let empty = Page::parse("page.toml", "").map(|_| ()).map_err(|e| e.to_string());
        assert!(matches!(&empty, Err(e) if e.contains("no [page] section")), "{empty:?}");
    }

    #[test]
    fn the_shipped_example_fits_the_demo_flow_and_metas_limits() {
        let page = page(include_str!("../../../../assets/flows/page.toml"));
        let demo = match crate::engine::flows::load(true, None, None) {
            Ok(loaded) => loaded.set,
            Err(e) => panic!("{e}"),
        };
        let entries = page.entries(&demo).map_err(|e| e.to_string());
        assert_eq!(
            entries,
            Ok(vec![Entry::flow("coupon"), Entry::step("coupon", "offer"), Entry::step("coupon", "shop")])
        );
        assert!(super::super::limits::check(&page).is_ok());
    }

    #[test]
    fn the_commented_example_in_statbot_example_toml_parses() {
        let example = crate::config::EXAMPLE;
        let start = example.find("# [page]").unwrap_or(example.len());
        let section: String = example[start..]
            .lines()
            .map_while(|line| line.strip_prefix('#'))
            .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
            .collect();
        let page = page(&section);
        assert_eq!(page.section.persistent_menu.len(), 3, "{section}");
        assert!(super::super::limits::check(&page).is_ok());
    }

    #[test]
    fn a_page_in_both_places_is_refused() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        if let Err(e) = std::fs::write(dir.path().join(PAGE_FILE), "[page]\n") {
            panic!("{e}");
        }
        let section = PageSection::default();
        let both = Page::find(Some(&section), Some(dir.path())).map_err(|e| e.to_string());
        assert!(matches!(&both, Err(e) if e.starts_with("the Page is set up twice")), "{both:?}");
        let file = Page::find(None, Some(dir.path())).map_err(|e| e.to_string());
        assert!(matches!(&file, Ok(Some(p)) if p.origin.ends_with("page.toml")), "{file:?}");
        let configured = Page::find(Some(&section), None).map_err(|e| e.to_string());
        assert!(matches!(&configured, Ok(Some(p)) if p.origin == CONFIG_ORIGIN), "{configured:?}");
        assert!(matches!(Page::find(None, None), Ok(None)));
    }
}
