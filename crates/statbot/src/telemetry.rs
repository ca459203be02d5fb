//! Logging: structured `tracing` output to stderr, as text or JSON, filtered by the configured
//! filter (`STATBOT_LOG`).

use crate::config::LogConfig;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if config.format == "json" { builder.json().try_init() } else { builder.try_init() };
}
