//! What `statbot messenger setup` changes, field by field: each managed field is unchanged, to
//! be set (the Page lacks it or has something else) or to be deleted (the `[page]` section
//! leaves it out and the Page has it). Rendered as plain lines or JSON, and turned into the
//! two requests that apply it: one POST with only the fields to set, one DELETE with only the
//! fields to remove.

use super::fields::{Field, Profile, ProfilePlatform, describe};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// What happens to one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Unchanged,
    Set,
    Delete,
}

/// One managed field: what the Page has, what the `[page]` section wants, and the change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldPlan {
    pub field: Field,
    pub change: Change,
    /// What the Page has now (`null`: not set).
    pub current: Option<Value>,
    /// What the section wants (`null`: not set).
    pub wanted: Option<Value>,
}

/// The changes on one platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub platform: ProfilePlatform,
    pub fields: Vec<FieldPlan>,
}

impl Serialize for ProfilePlatform {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Plan {
    /// Compares the Page's `current` profile with the `wanted` one over the fields managed on
    /// `platform`.
    pub fn new(platform: ProfilePlatform, current: &Profile, wanted: &Profile) -> Plan {
        let fields = platform
            .fields()
            .iter()
            .map(|&field| {
                let (current, wanted) = (current.get(field).cloned(), wanted.get(field).cloned());
                let change = match (&current, &wanted) {
                    (now, Some(want)) if now.as_ref() != Some(want) => Change::Set,
                    (Some(_), None) => Change::Delete,
                    _ => Change::Unchanged,
                };
                FieldPlan { field, change, current, wanted }
            })
            .collect();
        Plan { platform, fields }
    }

    pub fn changes(&self) -> usize {
        self.fields.iter().filter(|f| f.change != Change::Unchanged).count()
    }

    /// The body of the POST setting the changed fields; `None` when none is to be set.
    pub fn set_body(&self) -> Option<Value> {
        let mut body = Map::new();
        for plan in self.fields.iter().filter(|f| f.change == Change::Set) {
            if let Some(wanted) = &plan.wanted {
                body.insert(plan.field.name().to_owned(), wanted.clone());
            }
        }
        (!body.is_empty()).then_some(Value::Object(body))
    }

    /// The body of the DELETE removing fields (`{"fields": [...]}`); `None` when none is.
    pub fn delete_body(&self) -> Option<Value> {
        let fields: Vec<&str> =
            self.fields.iter().filter(|f| f.change == Change::Delete).map(|f| f.field.name()).collect();
        (!fields.is_empty()).then(|| json!({ "fields": fields }))
    }

    /// One line per field: `  greeting: will set default: "Hi!" (now: not set)`.
    pub fn lines(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|plan| {
                let name = plan.field.name();
                let now = describe(plan.field, plan.current.as_ref());
                let wanted = describe(plan.field, plan.wanted.as_ref());
                match plan.change {
                    Change::Unchanged if plan.wanted.is_none() => format!("  {name}: unchanged (not set)"),
                    Change::Unchanged => format!("  {name}: unchanged: {wanted}"),
                    Change::Set => format!("  {name}: will set {wanted} (now: {now})"),
                    Change::Delete => format!("  {name}: will delete (now: {now})"),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(fields: &[(Field, Value)]) -> Profile {
        let mut profile = Profile::default();
        for (field, value) in fields {
            profile.insert_raw(*field, value);
        }
        profile
    }

    fn changes(plan: &Plan) -> Vec<(Field, Change)> {
        plan.fields.iter().map(|f| (f.field, f.change)).collect()
    }

    #[test]
    fn only_what_differs_is_sent_and_what_is_left_out_is_deleted() {
        let greeting = json!([{ "locale": "default", "text": "Hi!" }]);
        let current = profile(&[
            (Field::GetStarted, json!({ "payload": "@coupon" })),
            (Field::Greeting, greeting.clone()),
            (
                Field::IceBreakers,
                json!([{ "locale": "default", "call_to_actions": [{ "question": "Q", "payload": "@" }] }]),
            ),
        ]);
        let wanted = profile(&[
            (Field::GetStarted, json!({ "payload": "@promo" })),
            (Field::Greeting, greeting),
            (
                Field::PersistentMenu,
                json!([{ "locale": "default", "call_to_actions": [
                { "type": "postback", "title": "Promo", "payload": "@promo" }
            ] }]),
            ),
        ]);
        let plan = Plan::new(ProfilePlatform::Messenger, &current, &wanted);
        assert_eq!(
            changes(&plan),
            [
                (Field::GetStarted, Change::Set),
                (Field::Greeting, Change::Unchanged),
                (Field::IceBreakers, Change::Delete),
                (Field::PersistentMenu, Change::Set),
            ]
        );
        assert_eq!(plan.changes(), 3);
        assert_eq!(
            plan.set_body(),
            Some(json!({
                "get_started": { "payload": "@promo" },
                "persistent_menu": [{ "locale": "default", "call_to_actions": [
                    { "type": "postback", "title": "Promo", "payload": "@promo" }
                ] }],
            }))
        );
        assert_eq!(plan.delete_body(), Some(json!({ "fields": ["ice_breakers"] })));
        assert_eq!(
            plan.lines(),
            [
                "  get_started: will set @promo (now: @coupon)",
                "  greeting: unchanged: default: \"Hi!\"",
                "  ice_breakers: will delete (now: default: \"Q\" → @)",
                "  persistent_menu: will set default: \"Promo\" → @promo (now: not set)",
            ]
        );
    }

    #[test]
    fn a_page_that_matches_needs_nothing() {
        let wanted = profile(&[(Field::GetStarted, json!({ "payload": "@" }))]);
        let plan = Plan::new(ProfilePlatform::Messenger, &wanted, &wanted);
        assert_eq!(plan.changes(), 0);
        assert_eq!((plan.set_body(), plan.delete_body()), (None, None));
        assert_eq!(plan.lines()[1], "  greeting: unchanged (not set)");
    }

    #[test]
    fn instagram_manages_only_ice_breakers_and_the_menu() {
        let current = profile(&[(Field::GetStarted, json!({ "payload": "@" }))]);
        let plan = Plan::new(ProfilePlatform::Instagram, &current, &Profile::default());
        assert_eq!(
            changes(&plan),
            [(Field::IceBreakers, Change::Unchanged), (Field::PersistentMenu, Change::Unchanged)]
        );
        let json = serde_json::to_value(&plan).map_err(|e| e.to_string());
        assert_eq!(
            json,
            Ok(json!({ "platform": "instagram", "fields": [
                { "field": "ice_breakers", "change": "unchanged", "current": null, "wanted": null },
                { "field": "persistent_menu", "change": "unchanged", "current": null, "wanted": null },
            ] }))
        );
    }
}
