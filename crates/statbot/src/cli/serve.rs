//! `statbot serve`: the server, until Ctrl-C or SIGTERM.

use super::{CliError, warn_config};
use crate::app::App;
use crate::config::{Config, ConfigWarning};
use crate::telemetry;
use clap::Args;
use std::net::SocketAddr;

#[derive(Args)]
pub struct ServeArgs {
    /// Load the shipped demo flow `coupon`.
    #[arg(long)]
    demo: bool,
    /// Listen address (overrides STATBOT_ADDR).
    #[arg(long)]
    addr: Option<SocketAddr>,
}

pub async fn run((mut config, warnings): (Config, Vec<ConfigWarning>), args: ServeArgs) -> Result<(), CliError> {
    telemetry::init(&config.log);
    warn_config(&warnings);
    config.demo |= args.demo;
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    let addr = config.addr;
    let app = App::build(config).await?;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| CliError(format!("cannot listen on {addr}: {e}")))?;
    eprintln!("statbot listening on http://{addr}  (web chat: http://{addr}/chat)");
    app.serve(listener, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
