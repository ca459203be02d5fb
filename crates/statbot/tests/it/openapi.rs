//! The API document (`GET /api/v1/openapi.json`) and its page (`GET /api/docs`): the document is
//! OpenAPI 3 and lists exactly the API routes the router declares, every `/api/v1` route, the
//! webhooks, `/healthz` and `/metrics`, each with its method; the page shows it, from the binary.
//!
//! The router's routes are read from its sources, `src/http/**/*.rs`: every
//! `.route("PATH", get(..).post(..))`, with the methods its method router chains. A route added
//! there and not annotated with `#[utoipa::path]` (and listed in its area's `openapi()`) fails
//! `every_api_route_is_documented`.

use crate::support::*;
use std::collections::BTreeSet;
use std::path::Path;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The calls a method router may chain besides its methods.
const OTHER_CALLS: [&str; 3] = ["layer", "route_layer", "with_state"];

/// Whether the document must have the route: the JSON API and the machine endpoints, not the
/// dashboard's pages, charts, assets or the web chat.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/v1/") || path.starts_with("/webhooks/") || path == "/healthz" || path == "/metrics"
}

/// The index just past the parenthesis that closes the one opened before `start`.
fn closing(text: &[u8], start: usize) -> usize {
    let mut depth = 1;
    let mut i = start;
    while depth > 0 {
        match text[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// The `(method, path)` pairs of the `.route(..)` calls in one source file.
fn routes_in(source: &str, file: &Path, out: &mut BTreeSet<(String, String)>) {
    for bad in [".route_service(", ".nest(", ".nest_service("] {
        assert!(
            !source.contains(bad),
            "{}: `{bad}` routes are not seen by this test: teach it, or use `.route`",
            file.display()
        );
    }
    let bytes = source.as_bytes();
    let mut rest = 0;
    while let Some(at) = source[rest..].find(".route(") {
        let open = rest + at + ".route(".len();
        let end = closing(bytes, open);
        rest = end;
        let args = source[open..end - 1].trim();
        let Some(args) = args.strip_prefix('"') else {
            panic!("{}: a route whose path is not a literal: {args}", file.display())
        };
        let (path, expr) = args.split_once('"').unwrap();
        let expr = expr.trim_start().trim_start_matches(',').trim();
        // The method router's top-level calls: `get(a).post(b).layer(..)`.
        let mut i = 0;
        let e = expr.as_bytes();
        while i < e.len() {
            let name_end =
                i + expr[i..].find('(').unwrap_or_else(|| panic!("{}: cannot read `{expr}`", file.display()));
            let name = expr[i..name_end].trim().trim_start_matches('.').trim();
            let after = closing(e, name_end + 1);
            if METHODS.contains(&name) {
                if is_api(path) {
                    out.insert((name.to_owned(), path.to_owned()));
                }
            } else if !OTHER_CALLS.contains(&name) {
                panic!("{}: a route `{path}` with `{name}(..)`, which this test does not read", file.display());
            }
            i = after;
            while i < e.len() && (e[i] as char).is_whitespace() {
                i += 1;
            }
        }
    }
}

fn router_routes() -> BTreeSet<(String, String)> {
    fn walk(dir: &Path, out: &mut BTreeSet<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                routes_in(&std::fs::read_to_string(&path).unwrap(), &path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http"), &mut out);
    out
}

fn documented(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                out.insert((method.clone(), path.clone()));
            }
        }
    }
    out
}

/// Every `$ref` in `value`.
fn references(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(to)) = map.get("$ref") {
                out.push(to.clone());
            }
            map.values().for_each(|v| references(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[test]
fn the_route_reader_reads_chained_methods() {
    let mut out = BTreeSet::new();
    let source = r#"Router::new()
        .route("/api/v1/a/{id}", get(api::a).put(api::b))
        .route("/pages", get(page))
        .route("/webhooks/x", post(x).layer(DefaultBodyLimit::max(LIMIT)))"#;
    routes_in(source, Path::new("example.rs"), &mut out);
    let expected = [("get", "/api/v1/a/{id}"), ("put", "/api/v1/a/{id}"), ("post", "/webhooks/x")];
    assert_eq!(out, expected.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect());
}

#[tokio::test]
async fn every_api_route_is_documented() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap();
    // OpenAPI 3, with its info and paths.
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    assert_eq!(doc["info"]["title"], "statbot API");
    assert!(doc["info"]["version"].is_string());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Every schema named is in the document, and request bodies have their type's schema.
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    for name in refs.iter().filter_map(|r| r.strip_prefix("#/components/schemas/")) {
        assert!(doc["components"]["schemas"][name].is_object(), "the schema {name} is named but missing");
    }
    let assign = &doc["paths"]["/api/v1/conversations/{id}/assign"]["post"]["requestBody"];
    assert_eq!(assign["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/AssignBody");
    assert_eq!(doc["components"]["schemas"]["AssignBody"]["required"], serde_json::json!(["to"]));

    let routes = router_routes();
    let documented = documented(&doc);
    assert!(routes.len() > 50, "the sources' routes: {routes:?}");
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    assert!(undocumented.is_empty(), "routes in the router missing from the API document: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(unrouted.is_empty(), "operations in the API document that the router does not have: {unrouted:?}");

    // Every operation has a tag, a summary and its answers; the guarded ones say so.
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        assert!(op["tags"][0].is_string(), "{method} {path}: no tag");
        assert!(!op["summary"].as_str().unwrap_or_default().is_empty(), "{method} {path}: no summary");
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}: no responses");
        if op["security"].is_array() {
            assert!(op["responses"]["401"].is_object(), "{method} {path}: guarded, without its 401");
        }
        for name in path.split('{').skip(1).map(|s| s.split('}').next().unwrap()) {
            let params = op["parameters"].as_array().unwrap_or_else(|| panic!("{method} {path}: no parameters"));
            assert!(
                params.iter().any(|p| p["name"] == name && p["in"] == "path"),
                "{method} {path}: the path parameter {name} is not documented"
            );
        }
    }

    // The document is public, and the same as the binary builds it.
    assert_eq!(doc, serde_json::to_value(statbot::http::openapi::document()).unwrap());
}

#[tokio::test]
async fn the_docs_page_shows_the_document() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    for known in [
        "GET /api/v1/me",
        "POST /api/v1/auth/token",
        "PUT /api/v1/team/stats/{date}",
        "POST /webhooks/messenger",
        "GET /healthz",
        "GET /metrics",
        "/api/v1/openapi.json",
    ] {
        assert!(page.contains(known), "the page lacks {known}");
    }
    // Nothing from elsewhere: no script, no other origin.
    assert!(!page.contains("<script"), "a script on the page");
    assert!(!page.contains("https://"), "another origin on the page");
}
