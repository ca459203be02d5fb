//! The pipeline thread: the workers that take turns on the database connection (webhook
//! intake, inbound processor, outbox sender) run on a runtime of their own. Each statement's
//! answer comes back from the SQLite thread as a wake-up; on a runtime busy with HTTP requests
//! that wake-up waits in a queue while the connection sits idle, so these workers get a thread
//! that is free to pick it up at once.

use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;

pub struct Pipeline {
    handle: Handle,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Pipeline {
    pub fn start() -> std::io::Result<Pipeline> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("statbot-pipeline".into())
            .spawn(move || runtime.block_on(stopped.cancelled()))?;
        Ok(Pipeline { handle, stop, thread: Some(thread) })
    }

    /// Where to spawn the pipeline's workers.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Stops the runtime (tasks still on it are dropped) and waits for its thread.
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
