//! Live job events: one `LISTEN talenti_job_events` connection per API
//! process (started on the first subscriber), fanned out to every open
//! event stream. The database announces each job change by id (a trigger,
//! migration `job_events`); streams re-read their job on its id.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::{broadcast, watch, OnceCell};
use uuid::Uuid;

/// The channel the `jobs` trigger notifies.
pub const CHANNEL: &str = "talenti_job_events";

/// What a stream hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// This job changed.
    Job(Uuid),
    /// Announcements may have been missed (the listening connection was
    /// lost and is back): every stream re-reads its job.
    Resync,
}

/// The process's listener and its subscribers.
pub struct Hub {
    pool: PgPool,
    sender: OnceCell<broadcast::Sender<Heard>>,
    /// Set when the server shuts down: open streams end, so that the
    /// graceful shutdown does not wait on them.
    closing: watch::Sender<bool>,
}

impl Hub {
    pub fn new(pool: PgPool) -> Arc<Self> {
        Arc::new(Self {
            pool,
            sender: OnceCell::new(),
            closing: watch::channel(false).0,
        })
    }

    /// Ends every open stream (the server is shutting down).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when the server starts shutting down.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// A receiver of every announcement from now on.
    pub async fn subscribe(&self) -> broadcast::Receiver<Heard> {
        self.sender
            .get_or_init(|| async {
                let (tx, _) = broadcast::channel(4096);
                tokio::spawn(listen(self.pool.clone(), tx.clone()));
                tx
            })
            .await
            .subscribe()
    }
}

/// Listens for as long as the process runs, reconnecting after a loss.
async fn listen(pool: PgPool, tx: broadcast::Sender<Heard>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "job events: cannot connect to LISTEN; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "job events: LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Anything may have changed while nobody listened.
        let _ = tx.send(Heard::Resync);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    if let Ok(id) = n.payload().parse() {
                        let _ = tx.send(Heard::Job(id));
                    }
                }
                // The connection was lost (sqlx reconnects on the next
                // call): what was said meanwhile is gone.
                Ok(None) => {
                    let _ = tx.send(Heard::Resync);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "job events: LISTEN connection failed");
                    break;
                }
            }
        }
    }
}
