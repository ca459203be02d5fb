//! Data sets: `statbot dataset import|show|compare` on a CSV with its sidecars (types, labels
//! for repeated keys, line-numbered errors, atomic replacement), and the `/api/v1/datasets`
//! routes over the demo's US cities.

use crate::support::*;
use serde_json::Value;
use statbot::store::Role;

const TOWNS: &str = "city,state,code,people,share\n\
    Portland,OR,0159000,650000,1.5\n\
    Portland,ME,2360545,66000,\n\
    Austin,TX,4805000,961855,2\n";

#[tokio::test(flavor = "multi_thread")]
async fn import_show_compare_and_replace_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    let csv = dir.path().join("towns.csv");
    std::fs::write(&csv, TOWNS).unwrap();
    std::fs::write(
        dir.path().join("towns.columns.csv"),
        "column,unit,group\npeople,people,population\nshare,%,population\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("towns.aliases.csv"), "label,alias\n\"Portland, OR\",PDX\n").unwrap();
    let csv = csv.to_str().unwrap();

    let imported = statbot(&["dataset", "import", "towns", csv, "--key", "city", "--attribution", "Made up."])
        .database(&url)
        .run();
    assert!(imported.status.success(), "{}", imported.stderr);
    let out = imported.stdout;
    assert!(out.starts_with("Imported towns: 3 rows, 5 columns (2 metrics), with "), "{out}");
    assert!(out.contains("towns.columns.csv") && out.contains("towns.aliases.csv"), "{out}");

    let shown = statbot(&["dataset", "show", "towns", "PDX", "--format", "json"]).database(&url).run();
    assert!(shown.status.success(), "{}", shown.stderr);
    let json: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(json["label"], "Portland, OR");
    assert_eq!(json["attribution"], "Made up.");
    let code = json["values"].as_array().unwrap().iter().find(|v| v["column"] == "code").unwrap();
    assert_eq!(code["value"], "0159000", "codes keep their leading zeros");

    let table = statbot(&["dataset", "show", "towns", "Austin"]).database(&url).run();
    let out = table.stdout;
    assert!(out.starts_with("Austin (towns)"), "{out}");
    assert!(out.contains("people") && out.contains("961,855") && out.trim_end().ends_with("Made up."), "{out}");

    let ambiguous = statbot(&["dataset", "show", "towns", "Portland"]).database(&url).run();
    assert!(!ambiguous.status.success());
    assert_eq!(ambiguous.stderr.trim(), "statbot: `Portland` could be Portland, OR or Portland, ME: say which");

    let compared =
        statbot(&["dataset", "compare", "towns", "Austin", "Portland, ME", "--metrics", "people", "--format", "csv"])
            .database(&url)
            .run();
    assert!(compared.status.success(), "{}", compared.stderr);
    assert_eq!(
        compared.stdout,
        "metric,Austin,\"Portland, ME\",difference,ratio\r\npeople,\"961,855\",\"66,000\",\"-895,855\",0.07\r\n"
    );

    // A bad file names its line and leaves the set as it was.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "city,people\nAustin,1\nDenver,2,3\n").unwrap();
    let failed = statbot(&["dataset", "import", "towns", bad.to_str().unwrap(), "--key", "city"]).database(&url).run();
    assert!(!failed.status.success());
    assert!(failed.stderr.trim().ends_with("bad.csv line 3: 3 fields, but the header has 2"), "{}", failed.stderr);
    let listed = statbot(&["dataset", "list", "--format", "json"]).database(&url).run();
    let sets: Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(sets[0]["rows"], 3);

    // A good re-import replaces the whole set.
    let smaller = dir.path().join("smaller.csv");
    std::fs::write(&smaller, "city,people\nAustin,1\nDenver,2\n").unwrap();
    let replaced =
        statbot(&["dataset", "import", "towns", smaller.to_str().unwrap(), "--key", "city"]).database(&url).run();
    assert!(replaced.status.success(), "{}", replaced.stderr);
    let listed = statbot(&["dataset", "list", "--format", "json"]).database(&url).run();
    let sets: Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!((sets[0]["rows"].as_i64(), sets[0]["metrics"].as_i64()), (Some(2), Some(1)));
    let gone = statbot(&["dataset", "show", "towns", "Portland, ME"]).database(&url).run();
    assert!(gone.stderr.contains("towns has no row `Portland, ME`"), "{}", gone.stderr);
}

async fn operator_token(app: &TestApp) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, "ana", Role::Admin, "correct horse battery").await.unwrap();
    app.token("ana", "correct horse battery").await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_api_lists_shows_and_compares_the_demo_cities() {
    let app = TestApp::spawn().await;
    let unauthorized = app.client.get(app.url("/api/v1/datasets")).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    let token = operator_token(&app).await;

    let (status, body) = get(&app, &token, "/api/v1/datasets").await;
    assert_eq!(status, 200);
    let cities = &body["datasets"][0];
    assert_eq!(
        (cities["name"].as_str(), cities["rows"].as_i64(), cities["metrics"].as_i64()),
        (Some("cities"), Some(500), Some(52))
    );
    assert!(cities["attribution"].as_str().unwrap().starts_with("City data: simplemaps.com"));

    let (status, austin) = get(&app, &token, "/api/v1/datasets/cities/entities/Austin").await;
    assert_eq!(status, 200);
    let population = austin["values"].as_array().unwrap().iter().find(|v| v["column"] == "population_2010").unwrap();
    assert_eq!((population["value"].as_i64(), population["unit"].as_str()), (Some(790_390), Some("people")));

    let (status, body) = get(&app, &token, "/api/v1/datasets/cities/entities/Portland").await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("ambiguous")));
    let (status, body) = get(&app, &token, "/api/v1/datasets/cities/entities/Austn").await;
    assert_eq!(status, 404);
    assert!(body["error"]["message"].as_str().unwrap().contains("did you mean Austin"), "{body}");
    let (status, _) = get(&app, &token, "/api/v1/datasets/nope/entities/Austin").await;
    assert_eq!(status, 404);

    let (status, body) =
        get(&app, &token, "/api/v1/datasets/cities/compare?a=Austin&b=Denver&metrics=rent,population").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["metrics"][0]["column"]["name"], "fmr_2br_usd");
    assert_eq!(body["metrics"][0]["difference"].as_f64(), Some(210.0));
    assert_eq!(body["metrics"][1]["column"]["name"], "population_2010");
    let (status, body) = get(&app, &token, "/api/v1/datasets/cities/compare?a=Austin").await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")));
}
