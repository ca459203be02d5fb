//! `statbot serve` as a real process on the test app's database, flows and Graph API stand-in
//! (the in-process server stopped first): for tests that kill it, signal it, or run several.

use super::{APP_SECRET, PAGE_TOKEN, TestApp, VERIFY_TOKEN, signature, statbot};
use std::process::{Child, Stdio};
use std::time::Duration;

/// A running `statbot serve`.
pub struct ServeProcess {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// Starts `statbot serve` on a free port with the app's settings and `envs` added, and waits
/// until it answers `/healthz`.
pub async fn serve(app: &TestApp, envs: &[(&str, &str)]) -> ServeProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = statbot(&["serve", "--addr", &format!("127.0.0.1:{port}")])
        .database(&app.config.database_url)
        .env("STATBOT_MESSENGER_GRAPH_URL", app.graph.base_url())
        .env("STATBOT_MESSENGER_PAGE_TOKEN", PAGE_TOKEN)
        .env("STATBOT_MESSENGER_APP_SECRET", APP_SECRET)
        .env("STATBOT_MESSENGER_VERIFY_TOKEN", VERIFY_TOKEN)
        .env("STATBOT_LOG", "error")
        .envs(envs);
    command = match &app.config.flows_dir {
        Some(flows) => command.env("STATBOT_FLOWS_DIR", flows),
        None => command.env("STATBOT_DEMO", "true"),
    };
    let child = command.command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let process = ServeProcess { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = tokio::time::Instant::now() + super::WAIT;
    while reqwest::get(format!("{}/healthz", process.base)).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "statbot serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    process
}

/// Posts a signed Messenger delivery to the server at `base`; `None` when it did not answer
/// (it is gone or no longer takes connections).
pub async fn post_signed_to(client: &reqwest::Client, base: &str, body: &str) -> Option<reqwest::StatusCode> {
    let response = client
        .post(format!("{base}/webhooks/messenger"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature::sign(APP_SECRET, body.as_bytes()))
        .body(body.to_owned())
        .send()
        .await;
    response.ok().map(|r| r.status())
}

impl ServeProcess {
    /// Sends SIGTERM, as a service manager stopping it does.
    pub fn terminate(&self) {
        let ran = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(ran.success(), "kill -TERM failed");
    }

    /// Waits for it to exit, at most `within`; returns its exit status and how long it took.
    pub async fn exited_within(&mut self, within: Duration) -> (std::process::ExitStatus, Duration) {
        let started = tokio::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            if started.elapsed() > within {
                let _ = self.child.kill();
                panic!("statbot serve did not exit within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
