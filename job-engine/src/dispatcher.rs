//! Moves due jobs from Postgres into their kind's Redis queue, a bounded
//! window at a time, and keeps the two consistent: orphaned leases are
//! reaped, lost Redis tasks re-dispatched, finished Redis keys swept (on a
//! task of their own, keeping pace with the rate tasks finish).
//!
//! Every worker process runs one for the kinds it serves. They coordinate
//! through a per-kind advisory lock, so any number can run at once.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use sqlx::{postgres::PgListener, PgPool};
use tokio::{sync::Notify, time::Instant};

use crate::{
    db,
    queue::{Queues, Wakes},
    shutdown::Shutdown,
    JOBS_CHANNEL,
};

#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// Most tasks of one kind waiting in Redis (well under the ~8,000 that
    /// wedges apalis-redis).
    pub window: usize,
    /// Most jobs moved per statement.
    pub batch: usize,
    /// How often to reap expired leases, and to look for finished Redis
    /// tasks to sweep when the last look found none.
    pub housekeeping_every: Duration,
    /// How soon to sweep again after a sweep that found finished tasks (a
    /// full batch is followed at once by another).
    pub sweep_every: Duration,
    /// Most finished tasks of one kind swept per Redis call.
    pub sweep_batch: usize,
    /// A job dispatched longer ago than this, still waiting, has its Redis
    /// task checked (Redis may have lost it).
    pub reconcile_after: Duration,
    /// Per-kind caps on each organisation's jobs in flight (waiting in Redis
    /// or running); a capped kind is dispatched fairly, tenants in turn
    /// ([`db::mark_dispatched_fair`]). A kind not listed is first come,
    /// first served.
    pub org_caps: std::collections::HashMap<String, i64>,
    /// After Postgres was unreachable, expired leases are left alone until
    /// it has answered for this long (one lease): the workers that lived
    /// through the outage renew their leases or write their outcomes first,
    /// instead of their finished jobs being run a second time.
    pub reap_grace: Duration,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            window: 2_000,
            batch: 1_000,
            housekeeping_every: Duration::from_secs(1),
            sweep_every: Duration::from_millis(100),
            sweep_batch: 1_000,
            reconcile_after: Duration::from_secs(10),
            reap_grace: Duration::from_secs(10),
            org_caps: Default::default(),
        }
    }
}

/// How often a capped kind with due jobs held back is looked at again.
const CAPPED_POLL_MS: u64 = 25;

pub struct Dispatcher {
    pool: PgPool,
    queues: Queues,
    kinds: Vec<String>,
    wakes: Wakes,
    config: DispatcherConfig,
    /// Tells the sweeper tasks are on their way (they finish soon after).
    dispatched: Arc<Notify>,
}

/// What one dispatch of one kind achieved.
enum Moved {
    /// Moved this many; fewer than a batch means nothing more is due.
    Some(usize),
    /// Redis holds a full window: try again shortly.
    WindowFull,
}

impl Dispatcher {
    pub fn new(
        pool: PgPool,
        queues: Queues,
        kinds: Vec<String>,
        wakes: Wakes,
        config: DispatcherConfig,
    ) -> Self {
        Self {
            pool,
            queues,
            kinds,
            wakes,
            config,
            dispatched: Arc::default(),
        }
    }

    pub fn spawn(self, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
        tokio::spawn(sweep(
            self.queues.clone(),
            self.kinds.clone(),
            self.config.clone(),
            self.dispatched.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(self.run(shutdown))
    }

    async fn run(self, shutdown: Shutdown) {
        let mut listener: Option<PgListener> = None;
        let mut next_housekeeping = Instant::now();
        let mut last_reconcile = Instant::now();
        // Since when Postgres has answered every call (None: it just failed).
        let start = Instant::now();
        let mut healthy_since = Some(start.checked_sub(self.config.reap_grace).unwrap_or(start));
        while !shutdown.is_stopping() {
            if listener.is_none() {
                listener = match self.listen().await {
                    Ok(l) => Some(l),
                    Err(e) => {
                        tracing::warn!(error = %e, "dispatcher: cannot LISTEN; polling until Postgres answers");
                        None
                    }
                };
            }

            let wake_at = match self.pass().await {
                Ok(wake_at) => {
                    healthy_since.get_or_insert_with(Instant::now);
                    wake_at
                }
                Err(e) => {
                    healthy_since = None;
                    tracing::warn!(error = %e, "dispatch pass failed; retrying");
                    Instant::now() + Duration::from_millis(500)
                }
            };

            if Instant::now() >= next_housekeeping {
                let reconcile = last_reconcile.elapsed() >= self.config.reconcile_after / 2;
                let reap = healthy_since.is_some_and(|t| t.elapsed() >= self.config.reap_grace);
                if let Err(e) = self.housekeeping(reconcile, reap).await {
                    tracing::warn!(error = %e, "dispatcher housekeeping failed");
                }
                if reconcile {
                    last_reconcile = Instant::now();
                }
                next_housekeeping = Instant::now() + self.config.housekeeping_every;
            }
            let wake_at = wake_at.min(next_housekeeping);

            match listener.as_mut() {
                Some(l) => tokio::select! {
                    n = l.recv() => match n {
                        // Coalesce a burst of commits into one pass.
                        Ok(_) => while l.next_buffered().is_some() {},
                        Err(e) => {
                            tracing::warn!(error = %e, "dispatcher: LISTEN connection lost");
                            listener = None;
                            shutdown.sleep_or_stop(Duration::from_millis(250)).await;
                        }
                    },
                    _ = tokio::time::sleep_until(wake_at) => {}
                    _ = shutdown.stopped() => {}
                },
                None => tokio::select! {
                    _ = tokio::time::sleep_until(wake_at.min(Instant::now() + Duration::from_millis(500))) => {}
                    _ = shutdown.stopped() => {}
                },
            }
        }
    }

    async fn listen(&self) -> sqlx::Result<PgListener> {
        let mut l = PgListener::connect_with(&self.pool).await?;
        l.listen(JOBS_CHANNEL).await?;
        Ok(l)
    }

    /// Dispatches everything due for every kind. Returns when to look again
    /// without a notification (the next delayed job, or soon if a window
    /// was full).
    async fn pass(&self) -> anyhow::Result<Instant> {
        let mut wake_at = Instant::now() + Duration::from_secs(5);
        for kind in &self.kinds {
            loop {
                match self.dispatch_kind(kind).await? {
                    Moved::Some(n) if n >= self.config.batch => continue,
                    Moved::Some(_) => break,
                    Moved::WindowFull => {
                        wake_at = wake_at.min(Instant::now() + Duration::from_millis(5));
                        break;
                    }
                }
            }
            if let Some(due) = db::next_due(&self.pool, kind).await? {
                let in_ms = (due - Utc::now()).num_milliseconds().max(0) as u64;
                // A capped kind with due jobs left is waiting for tenants'
                // jobs to finish, which nothing announces: look again soon.
                let in_ms = if self.config.org_caps.contains_key(kind) {
                    in_ms.max(CAPPED_POLL_MS)
                } else {
                    in_ms
                };
                wake_at = wake_at.min(Instant::now() + Duration::from_millis(in_ms));
            }
        }
        Ok(wake_at)
    }

    async fn dispatch_kind(&self, kind: &str) -> anyhow::Result<Moved> {
        let mut tx = self.pool.begin().await?;
        // One dispatcher per kind at a time, so the window holds however
        // many processes run. Waiting (not try-lock) means a commit that
        // lands during another dispatcher's pass is never missed.
        sqlx::query!(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            format!("talenti.dispatch.{kind}")
        )
        .execute(&mut *tx)
        .await?;
        let backlog = self.queues.backlog(kind).await?;
        metrics::gauge!("talenti_redis_window", "kind" => kind.to_owned()).set(backlog as f64);
        let room = self
            .config
            .window
            .saturating_sub(backlog)
            .min(self.config.batch);
        if room == 0 {
            return Ok(Moved::WindowFull);
        }
        let jobs = match self.config.org_caps.get(kind) {
            Some(&cap) => db::mark_dispatched_fair(&mut tx, kind, room as i64, cap).await?,
            None => db::mark_dispatched(&mut tx, kind, room as i64).await?,
        };
        if jobs.is_empty() {
            return Ok(Moved::Some(0));
        }
        // A failed push drops the transaction: the jobs stay undispatched
        // and the next pass tries again.
        self.queues.push(kind, &jobs).await?;
        tx.commit().await?;
        self.wakes.wake(kind);
        self.dispatched.notify_one();
        tracing::debug!(kind, count = jobs.len(), "dispatched");
        Ok(Moved::Some(jobs.len()))
    }

    async fn housekeeping(&self, reconcile: bool, reap: bool) -> anyhow::Result<()> {
        // Announced every pass (1 s) for 30 s: a capped kind stays known as
        // capped while any dispatcher capping it lives.
        self.queues
            .announce_caps(&self.config.org_caps, Duration::from_secs(30))
            .await?;
        if reap {
            let reaped = db::reap_expired_leases(&self.pool).await?;
            if reaped > 0 {
                metrics::counter!("talenti_lease_expiries_total").increment(reaped);
                tracing::warn!(count = reaped, "recovered jobs whose worker was lost");
            }
        }
        if !reconcile {
            return Ok(());
        }
        for kind in &self.kinds {
            self.queues.sweep_departed_workers(kind).await?;
            let stale =
                db::stale_dispatched(&self.pool, kind, self.config.reconcile_after, 1_000).await?;
            let lost = self.queues.lost(kind, &stale).await?;
            if !lost.is_empty() {
                let n = db::undispatch(&self.pool, &lost).await?;
                metrics::counter!("talenti_redispatches_total", "kind" => kind.clone())
                    .increment(n);
                tracing::warn!(
                    kind,
                    count = n,
                    "re-dispatching jobs whose Redis task was lost"
                );
            }
        }
        Ok(())
    }
}

/// Deletes finished tasks' Redis keys as fast as tasks finish, on its own
/// task so a long sweep never holds up dispatching. A full batch is followed
/// at once by the next, a partial one by another look soon after; with
/// nothing to sweep it waits for the dispatcher to move jobs (or the
/// housekeeping pace). Swept from housekeeping alone, at most one batch a
/// second per process, keys piled up without bound above that rate.
async fn sweep(
    queues: Queues,
    kinds: Vec<String>,
    config: DispatcherConfig,
    dispatched: Arc<Notify>,
    shutdown: Shutdown,
) {
    let batch = config.sweep_batch.max(1);
    while !shutdown.is_stopping() {
        let (mut swept, mut full, mut failed) = (0, false, false);
        for kind in &kinds {
            match queues.sweep_finished(kind, batch).await {
                Ok(n) => {
                    swept += n;
                    full |= n as usize >= batch;
                }
                Err(e) => {
                    tracing::warn!(kind, error = %e, "sweeping finished Redis tasks failed");
                    failed = true;
                    break;
                }
            }
        }
        if full && !failed {
            tokio::task::yield_now().await;
            continue;
        }
        if swept == 0 || failed {
            tokio::select! {
                _ = tokio::time::sleep(config.housekeeping_every) => continue,
                // Dispatched tasks finish soon: look again at the busy pace.
                _ = dispatched.notified(), if !failed => {}
                _ = shutdown.stopped() => return,
            }
        }
        if shutdown.sleep_or_stop(config.sweep_every).await {
            return;
        }
    }
}
