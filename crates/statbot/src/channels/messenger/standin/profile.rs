//! The stand-in's Messenger Profile API (`GET`, `POST`, `DELETE /me/messenger_profile`),
//! answering as Meta does: the profile kept per platform (`?platform=instagram`), `GET` as
//! `{"data": [{...fields...}]}` (`{"data": []}` when none is set), writes answered
//! `{"result": "success"}`, and values Meta refuses (too many ice breakers, a long greeting, a
//! menu without a Get Started button...) answered with error code 100. Every write request is
//! recorded, refused or not, so a test can check what was sent.

use super::{GraphStandIn, Shared, bad_token, graph_error, token_ok};
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, MutexGuard, PoisonError};

/// The fields the stand-in knows, and the platforms that have each.
const FIELDS: &[(&str, bool)] =
    &[("get_started", false), ("greeting", false), ("ice_breakers", true), ("persistent_menu", true)];

/// One `POST` or `DELETE` received.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileWrite {
    pub method: &'static str,
    /// `messenger` or `instagram`.
    pub platform: String,
    /// The JSON body (`null` if it was not JSON).
    pub body: Value,
}

#[derive(Default)]
pub(super) struct ProfileState {
    /// Fields set, per platform.
    profiles: HashMap<String, Map<String, Value>>,
    writes: Vec<ProfileWrite>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, ProfileState> {
    // As for the rest of the stand-in's state: a poisoned lock still holds usable data.
    shared.profile.lock().unwrap_or_else(PoisonError::into_inner)
}

impl GraphStandIn {
    /// Every profile write (`POST`, `DELETE`) received so far, in order.
    pub fn profile_writes(&self) -> Vec<ProfileWrite> {
        lock(&self.shared).writes.clone()
    }

    /// The profile fields set on `platform` (`messenger` or `instagram`), as an object.
    pub fn messenger_profile(&self, platform: &str) -> Value {
        Value::Object(lock(&self.shared).profiles.get(platform).cloned().unwrap_or_default())
    }
}

fn invalid(message: &str) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": format!("(#100) {message}"), "type": "OAuthException", "code": 100,
                "fbtrace_id": "AbCdEf130" }),
    )
}

fn success() -> Response {
    axum::Json(json!({ "result": "success" })).into_response()
}

/// The platform a request is for, or why it is refused (code 100).
fn platform(params: &HashMap<String, String>) -> Result<String, String> {
    match params.get("platform").map(String::as_str) {
        None | Some("messenger") => Ok("messenger".into()),
        Some("instagram") => Ok("instagram".into()),
        Some(other) => Err(format!("Param platform must be one of {{MESSENGER, INSTAGRAM}} - got \"{other}\"")),
    }
}

fn known(name: &str, platform: &str) -> Result<(), String> {
    match FIELDS.iter().find(|(field, _)| *field == name) {
        Some((_, instagram)) if platform == "instagram" && !instagram => {
            Err(format!("{name} is not supported on Instagram"))
        }
        Some(_) => Ok(()),
        None => Err(format!("Requires one of the params: {}", names())),
    }
}

fn names() -> String {
    FIELDS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !token_ok(&shared, raw.as_deref()) {
        return bad_token();
    }
    let platform = match platform(&params) {
        Ok(p) => p,
        Err(message) => return invalid(&message),
    };
    let Some(fields) = params.get("fields") else {
        return invalid("The parameter fields is required");
    };
    let state = lock(&shared);
    let profile = state.profiles.get(&platform);
    let mut answer = Map::new();
    for name in fields.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if let Err(message) = known(name, &platform) {
            return invalid(&message);
        }
        if let Some(value) = profile.and_then(|p| p.get(name)) {
            answer.insert(name.to_owned(), value.clone());
        }
    }
    let data = if answer.is_empty() { Vec::new() } else { vec![Value::Object(answer)] };
    axum::Json(json!({ "data": data })).into_response()
}

fn record(shared: &Shared, method: &'static str, platform: &str, body: &[u8]) -> Option<Value> {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    lock(shared).writes.push(ProfileWrite {
        method,
        platform: platform.to_owned(),
        body: parsed.clone().unwrap_or(Value::Null),
    });
    parsed
}

/// What every write checks first: the platform, then (the write recorded) the token. Returns
/// the platform and the body read as JSON, or the answer refusing it.
fn accepted_write(
    shared: &Shared,
    method: &'static str,
    raw_query: Option<&str>,
    params: &HashMap<String, String>,
    body: &[u8],
) -> Result<(String, Option<Value>), Box<Response>> {
    let platform = platform(params).map_err(|message| Box::new(invalid(&message)))?;
    let body = record(shared, method, &platform, body);
    if !token_ok(shared, raw_query) {
        return Err(Box::new(bad_token()));
    }
    Ok((platform, body))
}

pub(super) async fn post(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    Query(params): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let (platform, body) = match accepted_write(&shared, "POST", raw.as_deref(), &params, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let Some(Value::Object(mut fields)) = body else {
        return invalid("The request body is not a JSON object");
    };
    fields.remove("platform");
    if fields.is_empty() {
        return invalid(&format!("Requires one of the params: {}", names()));
    }
    for (name, value) in &fields {
        if let Err(message) = known(name, &platform).and_then(|()| check(name, value)) {
            return invalid(&message);
        }
    }
    let mut state = lock(&shared);
    let profile = state.profiles.entry(platform.clone()).or_default();
    let mut merged = profile.clone();
    merged.extend(fields);
    if platform == "messenger" && merged.contains_key("persistent_menu") && !merged.contains_key("get_started") {
        return invalid("You must set a Get Started button if you also wish to use persistent menu.");
    }
    *profile = merged;
    success()
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    Query(params): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let (platform, body) = match accepted_write(&shared, "DELETE", raw.as_deref(), &params, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let Some(names) = body.as_ref().and_then(|b| b.get("fields")).and_then(Value::as_array).cloned() else {
        return invalid("The parameter fields is required");
    };
    let names: Vec<String> = names.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    if names.is_empty() {
        return invalid("The parameter fields is required");
    }
    for name in &names {
        if let Err(message) = known(name, &platform) {
            return invalid(&message);
        }
    }
    let mut state = lock(&shared);
    let profile = state.profiles.entry(platform).or_default();
    for name in names {
        profile.remove(&name);
    }
    success()
}

/// Meta's checks on one field's value.
fn check(name: &str, value: &Value) -> Result<(), String> {
    let str_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let per_locale = |items: &[Value]| -> Result<(), String> {
        let locales: Vec<Option<String>> = items.iter().map(|i| str_of(i, "locale")).collect();
        if locales.iter().any(Option::is_none) {
            return Err(format!("{name}: each entry needs a locale"));
        }
        if !locales.iter().any(|l| l.as_deref() == Some("default")) {
            return Err(format!("{name}: the default locale is required"));
        }
        Ok(())
    };
    match name {
        "get_started" => match str_of(value, "payload") {
            Some(p) if !p.is_empty() && p.chars().count() <= 1000 => Ok(()),
            _ => Err("get_started.payload must be a non-empty string of at most 1000 characters".to_owned()),
        },
        "greeting" => {
            let items = value.as_array().ok_or_else(|| "greeting must be an array".to_owned())?;
            per_locale(items)?;
            for item in items {
                match str_of(item, "text") {
                    Some(text) if text.chars().count() <= 160 => {}
                    _ => return Err("greeting text must be at most 160 characters".to_owned()),
                }
            }
            Ok(())
        }
        "ice_breakers" => {
            let items = value.as_array().ok_or_else(|| "ice_breakers must be an array".to_owned())?;
            per_locale(items)?;
            for item in items {
                let questions = item.get("call_to_actions").and_then(Value::as_array);
                match questions {
                    Some(q) if !q.is_empty() && q.len() <= 4 => {}
                    _ => return Err("ice_breakers: from 1 to 4 questions per locale".to_owned()),
                }
            }
            Ok(())
        }
        "persistent_menu" => {
            let items = value.as_array().ok_or_else(|| "persistent_menu must be an array".to_owned())?;
            per_locale(items)?;
            for item in items {
                let buttons = item.get("call_to_actions").and_then(Value::as_array);
                let Some(buttons) = buttons.filter(|b| !b.is_empty() && b.len() <= 20) else {
                    return Err("persistent_menu: from 1 to 20 call_to_actions per locale".to_owned());
                };
                for button in buttons {
                    let title_ok = str_of(button, "title").is_some_and(|t| !t.is_empty() && t.chars().count() <= 30);
                    let target_ok = match str_of(button, "type").as_deref() {
                        Some("postback") => str_of(button, "payload").is_some(),
                        Some("web_url") => str_of(button, "url").is_some_and(|u| u.starts_with("https://")),
                        _ => false,
                    };
                    if !title_ok || !target_ok {
                        return Err("persistent_menu: invalid call_to_actions item".to_owned());
                    }
                }
            }
            Ok(())
        }
        _ => Err(format!("Requires one of the params: {}", names())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stand_in() -> GraphStandIn {
        match GraphStandIn::start().await {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        }
    }

    async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
        let mut request = reqwest::Client::new().request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let status = response.status().as_u16();
        match response.json().await {
            Ok(v) => (status, v),
            Err(e) => panic!("{e}"),
        }
    }

    #[tokio::test]
    async fn keeps_the_profile_per_platform_like_meta() {
        let graph = stand_in().await;
        let url = |q: &str| format!("{}/me/messenger_profile?access_token=t{q}", graph.base_url());
        let fields = "&fields=get_started,greeting,ice_breakers,persistent_menu";

        let (status, empty) = call(reqwest::Method::GET, url(fields), None).await;
        assert_eq!((status, empty), (200, json!({ "data": [] })));

        let set = json!({ "get_started": { "payload": "@" }, "greeting": [{ "locale": "default", "text": "Hi" }] });
        let (status, ok) = call(reqwest::Method::POST, url(""), Some(set)).await;
        assert_eq!((status, ok), (200, json!({ "result": "success" })));
        let (_, got) = call(reqwest::Method::GET, url("&fields=get_started"), None).await;
        assert_eq!(got, json!({ "data": [{ "get_started": { "payload": "@" } }] }));

        let (status, refused) =
            call(reqwest::Method::POST, url("&platform=instagram"), Some(json!({ "get_started": { "payload": "@" } })))
                .await;
        assert_eq!((status, refused["error"]["code"].clone()), (400, json!(100)));
        assert_eq!(graph.messenger_profile("instagram"), json!({}));

        let five: Vec<Value> = (0..5).map(|i| json!({ "question": format!("Q{i}"), "payload": "@" })).collect();
        let (_, too_many) = call(
            reqwest::Method::POST,
            url(""),
            Some(json!({ "ice_breakers": [{ "locale": "default", "call_to_actions": five }] })),
        )
        .await;
        assert_eq!(too_many["error"]["code"], 100);

        let (status, _) = call(reqwest::Method::DELETE, url(""), Some(json!({ "fields": ["greeting"] }))).await;
        assert_eq!(status, 200);
        assert_eq!(graph.messenger_profile("messenger"), json!({ "get_started": { "payload": "@" } }));

        let (status, bad) = call(
            reqwest::Method::POST,
            format!("{}/me/messenger_profile", graph.base_url()),
            Some(json!({ "get_started": { "payload": "@" } })),
        )
        .await;
        assert_eq!((status, bad["error"]["code"].clone()), (400, json!(190)));

        let writes = graph.profile_writes();
        assert_eq!(writes.len(), 5);
        assert_eq!((writes[1].method, writes[1].platform.as_str()), ("POST", "instagram"));
        assert_eq!(writes[3].body, json!({ "fields": ["greeting"] }));
    }
}
