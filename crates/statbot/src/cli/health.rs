//! `statbot health`: GETs a running server's `/healthz` and exits 0 when it answers 200, 1
//! otherwise. For container `HEALTHCHECK`s and probes on images that have no curl.

use super::CliError;
use crate::config::{Config, ConfigWarning};
use clap::Args;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

#[derive(Args)]
pub struct HealthArgs {
    /// The URL to GET (default: `/healthz` on the configured listen address, i.e. STATBOT_ADDR or
    /// `0.0.0.0:$PORT`, reached over loopback).
    #[arg(long)]
    url: Option<String>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
}

pub async fn run((config, _warnings): (Config, Vec<ConfigWarning>), args: HealthArgs) -> Result<(), CliError> {
    let url = args.url.unwrap_or_else(|| default_url(config.addr));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError(format!("cannot build the HTTP client: {e}")))?;
    let response = client.get(&url).send().await.map_err(|e| CliError(format!("{url} did not answer: {e}")))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(CliError(format!("{url} answered {status}"))) }
}

/// `http://ADDR/healthz`, with an unspecified address (`0.0.0.0`, `::`) replaced by loopback.
fn default_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/healthz", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_url_reaches_an_any_address_over_loopback() {
        assert_eq!(default_url("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080/healthz");
        assert_eq!(default_url("[::]:80".parse().unwrap()), "http://[::1]:80/healthz");
        assert_eq!(default_url("10.0.0.5:9000".parse().unwrap()), "http://10.0.0.5:9000/healthz");
    }
}
