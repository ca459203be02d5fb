//! Logging: structured `tracing` output to stderr, as text or JSON, filtered by the configured
//! filter (`STATBOT_LOG`); and [`metrics`], the Prometheus metrics served at `/metrics`.

pub mod metrics;

use crate::config::LogConfig;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only for a person at a terminal, and never when NO_COLOR is set.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = if config.format == "json" { builder.json().try_init() } else { builder.try_init() };
}
