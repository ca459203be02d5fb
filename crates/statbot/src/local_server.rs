//! A local HTTP server on `127.0.0.1:0` for the stand-ins of outside APIs (the Graph API,
//! Stripe) that tests and benchmarks talk to: started in the current Tokio runtime, stopped when
//! dropped.

use axum::Router;
use axum::serve::ListenerExt;
use std::net::{Ipv4Addr, SocketAddr};
use tokio::task::JoinHandle;

pub struct LocalServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl LocalServer {
    /// Binds a free port and serves `app` in a background task; `name` labels its log lines.
    pub async fn start(name: &'static str, app: Router) -> std::io::Result<LocalServer> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let listener = listener.tap_io(move |tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, name, "stand-in: could not set TCP_NODELAY");
            }
        });
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, name, "stand-in stopped");
            }
        });
        Ok(LocalServer { addr, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
