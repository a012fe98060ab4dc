//! A cloneable shutdown signal shared by a process's long-running tasks: a
//! thin wrapper over [`CancellationToken`] with the few helpers every loop
//! here uses.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn trigger(&self) {
        self.token.cancel();
    }

    pub fn is_stopping(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once shutdown has been triggered.
    pub async fn stopped(&self) {
        self.token.cancelled().await
    }

    /// Sleeps for `d` unless shutdown comes first; true if shutting down.
    pub async fn sleep_or_stop(&self, d: Duration) -> bool {
        let _ = self.token.run_until_cancelled(tokio::time::sleep(d)).await;
        self.is_stopping()
    }

    /// Triggers this shutdown on SIGTERM or SIGINT (Ctrl-C).
    pub fn on_signals(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown signal received");
            this.trigger();
        });
    }
}

/// Waits for SIGTERM or SIGINT.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("install SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
