//! Data sets: `statbot dataset import|show|compare` on a CSV with its sidecars (types, labels
//! for repeated keys, line-numbered errors, atomic replacement), bad files by the hundred
//! leaving the previous set as it was, and the `/api/v1/datasets` routes over the demo's US
//! cities.

use crate::support::*;
use serde_json::Value;
use statbot::datasets::Datasets;
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

const TOWNS_COLUMNS: &str = "column,unit,group\npeople,people,population\nshare,%,population\n";
const TOWNS_ALIASES: &str = "label,alias\n\"Portland, OR\",PDX\n";

/// What the set answers: rows by label, alias and key, a comparison, its listing.
async fn answers(datasets: &Datasets) -> Value {
    datasets.invalidate();
    let show = |reference: &'static str| async move {
        let (entity, attribution) = datasets.show("towns", reference).await.unwrap();
        serde_json::json!({ "entity": entity, "attribution": attribution })
    };
    let compared = datasets.compare("towns", "Austin", "Portland, ME", &[]).await.unwrap();
    let snapshot = datasets.snapshot().await.unwrap();
    let set = snapshot.get("towns").unwrap();
    serde_json::json!({
        "pdx": show("PDX").await,
        "austin": show("Austin").await,
        "maine": show("Portland, ME").await,
        "compared": compared,
        "meta": set.meta,
        "rows": set.row_count,
    })
}

/// `seed` with a few bytes flipped, inserted, deleted, repeated or cut off.
fn damaged(rng: &mut impl rand::Rng, seed: &[u8]) -> Vec<u8> {
    const BYTES: &[u8] = b",\"\n\r\0\xff\xc3 -.0123456789";
    let mut bytes = seed.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let len = bytes.len();
        let at = rng.random_range(0..=len);
        match rng.random_range(0..5) {
            0 => bytes.insert(at, BYTES[rng.random_range(0..BYTES.len())]),
            1 => bytes.insert(at, rng.random()),
            2 if at < len => bytes[at] ^= 1 << rng.random_range(0..8),
            3 if at < len => {
                bytes.remove(at);
            }
            4 => bytes.truncate(at),
            _ => {}
        }
    }
    bytes
}

/// Files that must not import, each with the columns the sidecars name: a ragged row, bad
/// UTF-8, nothing, a byte-order mark alone, a doubled column, a key repeated with nothing to
/// tell its rows apart, a NUL, an unclosed quote, no key column; and sidecars naming a missing
/// column or row.
fn known_bad() -> Vec<(&'static str, Vec<u8>)> {
    let data = |text: String| ("data", text.into_bytes());
    let mut bad_utf8 = TOWNS.as_bytes().to_vec();
    bad_utf8.splice(40..40, [0xff, 0xfe]);
    vec![
        data(format!("{TOWNS}Denver,CO,0820000,715522,1.1,extra\n")),
        ("data", bad_utf8),
        data(String::new()),
        data("\u{feff}\n\n".into()),
        data(TOWNS.replace("share", "share,city")),
        data(format!("{TOWNS}Austin,TX,4805000,1,2\n")),
        data(TOWNS.replace("Austin", "Aus\0tin")),
        data(TOWNS.replace("Austin", "\"Austin")),
        data(TOWNS.replacen("city", "town", 1)),
        ("columns", b"column,unit\npeeps,people\n".to_vec()),
        ("aliases", b"label,alias\nPortland,PDX\n".to_vec()),
    ]
}

/// A bad CSV leaves the previous data set: after a good import, hundreds of random, damaged
/// and known-bad files (data or sidecar) are imported over it; every one that fails leaves the
/// set answering exactly as before, at the same version.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_csv_leaves_the_previous_data_set() {
    use rand::{Rng, SeedableRng};
    use statbot::datasets::import::{ImportFiles, import_files};

    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    let store = statbot::store::Store::open_with(&url, 2).await.unwrap();
    let datasets = Datasets::new(store.clone());
    let path = |name: &str| dir.path().join(name);
    let good = |data: &[u8], columns: &[u8], aliases: &[u8]| {
        std::fs::write(path("towns.csv"), data).unwrap();
        std::fs::write(path("towns.columns.csv"), columns).unwrap();
        std::fs::write(path("towns.aliases.csv"), aliases).unwrap();
    };
    let files = ImportFiles {
        data: path("towns.csv"),
        columns: Some(path("towns.columns.csv")),
        synonyms: None,
        aliases: Some(path("towns.aliases.csv")),
    };
    let import = async || import_files(&store, "towns", "city", &files, Some("Made up.".into()), &mut |_, _| {}).await;

    good(TOWNS.as_bytes(), TOWNS_COLUMNS.as_bytes(), TOWNS_ALIASES.as_bytes());
    import().await.unwrap();
    let before = answers(&datasets).await;
    let mut version = store.dataset_versions().await.unwrap();

    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let known = known_bad();
    let mut variants = known.clone();
    for _ in 0..200 {
        let variant = match rng.random_range(0..10) {
            0..6 => ("data", damaged(&mut rng, TOWNS.as_bytes())),
            6 => ("columns", damaged(&mut rng, TOWNS_COLUMNS.as_bytes())),
            7 => ("aliases", damaged(&mut rng, TOWNS_ALIASES.as_bytes())),
            _ => ("data", (0..rng.random_range(0..200)).map(|_| rng.random()).collect()),
        };
        variants.push(variant);
    }
    let (mut failed, mut imported) = (0, 0);
    for (i, (file, bytes)) in variants.iter().enumerate() {
        let shown = String::from_utf8_lossy(bytes);
        match *file {
            "data" => good(bytes, TOWNS_COLUMNS.as_bytes(), TOWNS_ALIASES.as_bytes()),
            "columns" => good(TOWNS.as_bytes(), bytes, TOWNS_ALIASES.as_bytes()),
            _ => good(TOWNS.as_bytes(), TOWNS_COLUMNS.as_bytes(), bytes),
        }
        let outcome = import().await;
        assert!(i >= known.len() || outcome.is_err(), "known bad {file} imported: {shown:?}");
        match outcome {
            Err(e) => {
                failed += 1;
                assert!(!e.to_string().is_empty());
                assert_eq!(store.dataset_versions().await.unwrap(), version, "{file}: {shown:?}");
                assert_eq!(answers(&datasets).await, before, "{file}: {shown:?} ({e})");
            }
            Ok(_) => {
                // Damage that still reads as a set (a changed number, a dropped row) replaces
                // it, as a good import does; the original goes back before the next file.
                imported += 1;
                good(TOWNS.as_bytes(), TOWNS_COLUMNS.as_bytes(), TOWNS_ALIASES.as_bytes());
                import().await.unwrap();
                assert_eq!(answers(&datasets).await, before);
                version = store.dataset_versions().await.unwrap();
            }
        }
    }
    // Most damaged files fail too.
    assert!(failed >= known.len() + 100, "{failed} failed, {imported} imported");
    assert_eq!(store.dataset_versions().await.unwrap().len(), 1);
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
