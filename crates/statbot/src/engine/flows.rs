//! Loads flows for the engine: the shipped demo flow (embedded in the binary with its image)
//! and the flow files of a folder, with the media files and coupon code files beside them.
//! Any problem stops the load with an error naming the file, the place and the problem.

use crate::channels::messenger::page_profile::{PAGE_FILE, Page, PageError};
use crate::config::Config;
use statbot_core::flow::{CouponCodes, Flow, FlowErrors, FlowSet};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The shipped demo flow and its files.
const DEMO_FLOW: (&str, &str) = ("coupon.toml", include_str!("../../assets/flows/coupon.toml"));
const DEMO_FILES: &[(&str, &[u8])] = &[
    ("thanks.png", include_bytes!("../../assets/flows/thanks.png")),
    ("coupon-codes.txt", include_bytes!("../../assets/flows/coupon-codes.txt")),
];

#[derive(Debug, thiserror::Error)]
pub enum FlowLoadError {
    #[error("{0}")]
    Invalid(#[from] FlowErrors),
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
    #[error("no flow is loaded: pass --demo, set flows_dir (STATBOT_FLOWS_DIR), or both")]
    NoFlows,
    #[error(transparent)]
    Page(#[from] PageError),
}

/// A file served under `/media/{flow}/{name}`.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub bytes: Arc<[u8]>,
    pub content_type: &'static str,
}

/// Flows ready for the engine, with their media and coupon pools.
#[derive(Debug, Clone, Default)]
pub struct LoadedFlows {
    pub set: FlowSet,
    media: HashMap<(String, String), MediaFile>,
    /// (flow, coupon, codes) of every pool, to be put in the store.
    pub pools: Vec<(String, String, Vec<String>)>,
    /// The entry points the Page declares (Get Started, ice breakers, menu items): the steps
    /// an entry payload may lead to besides flows' entry steps and links' steps.
    pub entries: Vec<statbot_core::Entry>,
}

impl LoadedFlows {
    pub fn media(&self, flow: &str, name: &str) -> Option<&MediaFile> {
        self.media.get(&(flow.to_owned(), name.to_owned()))
    }
}

/// Loads the demo flow (if `demo`) and every `*.toml` in `dir` (in name order) but the Page's
/// set-up, `page.toml`.
pub fn load(demo: bool, dir: Option<&Path>, default_flow: Option<&str>) -> Result<LoadedFlows, FlowLoadError> {
    let mut loaded = LoadedFlows::default();
    if demo {
        let (file, source) = DEMO_FLOW;
        let flow = Flow::parse(&format!("(built-in) {file}"), source)?;
        let files = DEMO_FILES.iter().map(|(name, bytes)| (name.to_string(), Arc::<[u8]>::from(*bytes))).collect();
        loaded.add(flow, files, &format!("(built-in) {file}"))?;
    }
    if let Some(dir) = dir {
        for path in flow_files(dir)? {
            let display = path.display().to_string();
            let source = read_text(&path)?;
            let flow = Flow::parse(&display, &source)?;
            let base = path.parent().unwrap_or(Path::new("."));
            let mut files = HashMap::new();
            for name in flow.media_files() {
                let bytes = std::fs::read(base.join(name)).map_err(|e| FlowLoadError::File {
                    path: display.clone(),
                    problem: format!("cannot read `{name}` (looked in {}): {e}", base.display()),
                })?;
                files.insert(name.to_owned(), Arc::<[u8]>::from(bytes));
            }
            loaded.add(flow, files, &display)?;
        }
    }
    if loaded.set.is_empty() {
        return Err(FlowLoadError::NoFlows);
    }
    if let Some(name) = default_flow {
        loaded
            .set
            .set_default(name)
            .map_err(|problem| FlowLoadError::File { path: "configuration".into(), problem })?;
    }
    Ok(loaded)
}

/// Loads the flows `config` names (see [`load`]) and the entry points its Page declares (the
/// `[page]` section, or `page.toml` in `flows_dir`), each checked against those flows.
pub fn load_configured(config: &Config) -> Result<LoadedFlows, FlowLoadError> {
    let mut loaded = load(config.demo, config.flows_dir.as_deref(), config.default_flow.as_deref())?;
    if let Some(page) = Page::find(config.page.as_ref(), config.flows_dir.as_deref())? {
        loaded.entries = page.entries(&loaded.set)?;
    }
    Ok(loaded)
}

/// Parses one flow file and its referenced files, for `statbot flows check`.
pub fn check_file(path: &Path) -> Result<Flow, FlowLoadError> {
    let display = path.display().to_string();
    let flow = Flow::parse(&display, &read_text(path)?)?;
    let base = path.parent().unwrap_or(Path::new("."));
    for name in flow.media_files() {
        if !base.join(name).is_file() {
            return Err(FlowLoadError::File {
                path: display,
                problem: format!("`{name}` is referenced but not found in {}", base.display()),
            });
        }
    }
    Ok(flow)
}

impl LoadedFlows {
    fn add(&mut self, flow: Flow, files: HashMap<String, Arc<[u8]>>, display: &str) -> Result<(), FlowLoadError> {
        for coupon in flow.coupons.values() {
            let codes = match &coupon.codes {
                CouponCodes::Shared(_) => continue,
                CouponCodes::Pool(codes) => codes.clone(),
                CouponCodes::PoolFile(name) => {
                    let bytes = files.get(name).map(|b| b.to_vec()).unwrap_or_default();
                    String::from_utf8_lossy(&bytes)
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(str::to_owned)
                        .collect()
                }
            };
            self.pools.push((flow.name.clone(), coupon.id.clone(), codes));
        }
        for (name, bytes) in files {
            // Code files are secrets of the flow: read into pools above, never served.
            if flow.coupons.values().any(|c| c.codes == CouponCodes::PoolFile(name.clone())) {
                continue;
            }
            let content_type = content_type(&name);
            self.media.insert((flow.name.clone(), name), MediaFile { bytes, content_type });
        }
        self.set.insert(flow).map_err(|problem| FlowLoadError::File { path: display.to_owned(), problem })
    }
}

fn flow_files(dir: &Path) -> Result<Vec<PathBuf>, FlowLoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| FlowLoadError::File {
        path: dir.display().to_string(),
        problem: format!("cannot read the folder: {e}"),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .filter(|p| p.file_name().is_none_or(|name| name != PAGE_FILE))
        .collect();
    files.sort();
    Ok(files)
}

fn read_text(path: &Path) -> Result<String, FlowLoadError> {
    std::fs::read_to_string(path)
        .map_err(|e| FlowLoadError::File { path: path.display().to_string(), problem: e.to_string() })
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_flow_loads() {
        let loaded = load(true, None, None).unwrap();
        let flow = loaded.set.default_flow().unwrap();
        assert_eq!(flow.name, "coupon");
        assert_eq!(loaded.media("coupon", "thanks.png").unwrap().content_type, "image/png");
        assert!(loaded.media("coupon", "coupon-codes.txt").is_none(), "coupon codes must never be served");
        assert_eq!(loaded.pools[0].2.len(), 500);
    }

    #[test]
    fn nothing_to_load_is_an_error() {
        assert!(matches!(load(false, None, None), Err(FlowLoadError::NoFlows)));
    }
}
