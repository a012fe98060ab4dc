//! The Redis side: each kind's apalis queue, holding only job ids, and the
//! apalis workers that consume them ([`consume`]). The engine's adapter to
//! apalis: no apalis type appears outside this module.
//!
//! Redis never holds more than a bounded window per queue (apalis-redis
//! wedges beyond ~8,000 due tasks), finished task keys are swept, and the
//! truth about every job stays in Postgres.

use std::{
    collections::HashMap,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use apalis::{layers::WorkerBuilderExt, prelude::WorkerBuilder};
use apalis_core::{
    backend::ext::poll_strategy::{PollSnapshot, PollStrategy, PollWith},
    task::{builder::TaskBuilder, task_id::TaskId},
};
use apalis_redis::{Config as ApalisConfig, RedisStorage, RedisTask};
use futures::StreamExt;
use redis::{aio::ConnectionManager, AsyncCommands, Client};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;
use uuid::Uuid;

use crate::{backoff::Backoff, db::Dispatched, runner::Runner, shutdown::Shutdown, KindSpec};

/// Redis reconnects: 200 ms, doubling, at most 5 s apart.
const RECONNECT: Backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));

/// What Redis carries for a job: its id. Everything else is read from
/// Postgres when the job is claimed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Envelope {
    pub job_id: Uuid,
}

/// Connection timeouts well above apalis' 500 ms default, so a Redis stall of
/// a second or two does not kill workers.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Handle to the Redis queues of every kind under one prefix.
#[derive(Clone)]
pub struct Queues {
    client: Client,
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for Queues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queues")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Queues {
    /// Connects (one attempt). The connection manager reconnects on its own
    /// after Redis comes back.
    pub async fn connect(url: &str, prefix: &str) -> redis::RedisResult<Self> {
        let client = Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Self {
            client,
            conn,
            prefix: prefix.to_owned(),
        })
    }

    /// Connects, retrying until Redis answers or `shutdown` fires.
    pub async fn connect_with_retry(
        url: &str,
        prefix: &str,
        shutdown: &crate::shutdown::Shutdown,
    ) -> Option<Self> {
        let mut backoff = RECONNECT;
        loop {
            match Self::connect(url, prefix).await {
                Ok(q) => return Some(q),
                Err(e) => {
                    tracing::warn!(error = %e, "redis unavailable; retrying");
                    if shutdown.sleep_or_stop(backoff.next_delay()).await {
                        return None;
                    }
                }
            }
        }
    }

    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The Redis queue of a kind, named explicitly (`{prefix}:{kind}`).
    pub fn queue_name(&self, kind: &str) -> String {
        format!("{}:{}", self.prefix, kind)
    }

    fn wake_channel(&self, kind: &str) -> String {
        format!("{}:{}:wake", self.prefix, kind)
    }

    /// apalis configuration of a kind's queue. `lock_tasks` is off (the claim
    /// in Postgres is the lock); a short heartbeat so apalis hands back the
    /// fetched-but-unstarted tasks of a dead worker within seconds.
    fn apalis_config(&self, kind: &str, batch_size: usize) -> ApalisConfig {
        ApalisConfig::default()
            .queue(self.queue_name(kind))
            .lock_tasks(false)
            .emit_events(false)
            .persist_results(true)
            .batch_size(batch_size.max(1))
            .heartbeat_interval(Duration::from_secs(3))
            .missed_heartbeats(3)
    }

    /// The Redis keys apalis keeps a kind's tasks under (benchmarks and
    /// operators count them).
    pub fn task_keys(&self, kind: &str) -> TaskKeys {
        let cfg = self.apalis_config(kind, 1);
        TaskKeys {
            active: cfg.active_jobs_list(),
            scheduled: cfg.scheduled_jobs_set(),
            done: cfg.done_jobs_set(),
            dead: cfg.dead_jobs_set(),
            data: cfg.job_data_hash(),
            meta: cfg.job_meta_hash(),
        }
    }

    /// Tasks of a kind waiting in Redis (scheduled + active).
    pub async fn backlog(&self, kind: &str) -> redis::RedisResult<usize> {
        let cfg = self.apalis_config(kind, 1);
        let mut conn = self.conn.clone();
        let (scheduled, active): (usize, usize) = redis::pipe()
            .zcard(cfg.scheduled_jobs_set())
            .llen(cfg.active_jobs_list())
            .query_async(&mut conn)
            .await?;
        Ok(scheduled + active)
    }

    /// Pushes jobs into a kind's queue through apalis, then wakes the
    /// workers of that kind (in every process). Returns the kind's backlog
    /// in Redis after the push (read in the same round trip as the wake).
    pub async fn push(&self, kind: &str, jobs: &[Dispatched]) -> Result<usize, PushError> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let cfg = self.apalis_config(kind, 1);
        let tasks: Vec<RedisTask> = jobs
            .iter()
            .map(|j| {
                let bytes =
                    serde_json::to_vec(&Envelope { job_id: j.id }).expect("envelope serialises");
                TaskBuilder::new(bytes)
                    .task_id(TaskId::from_uuid(j.redis_task_id))
                    .max_attempts(1)
                    .build()
            })
            .collect();
        let mut conn = self.conn.clone();
        apalis_redis::queries::push_tasks(&mut conn, &cfg, &tasks)
            .await
            .map_err(PushError::new)?;
        let (_, scheduled, active): (u64, usize, usize) = redis::pipe()
            .publish(self.wake_channel(kind), 1)
            .zcard(cfg.scheduled_jobs_set())
            .llen(cfg.active_jobs_list())
            .query_async(&mut conn)
            .await
            .map_err(PushError::new)?;
        Ok(scheduled + active)
    }

    /// Where a kind's per-organisation cap is announced
    /// ([`Self::announce_caps`]).
    fn cap_key(&self, kind: &str) -> String {
        format!("{}:{}:org-cap", self.prefix, kind)
    }

    /// Tells every process which kinds this dispatcher caps per
    /// organisation, for `ttl` (announced again well before it runs out).
    /// A capped kind's jobs must go through the dispatchers, which keep the
    /// cap; the API's hand-off ([`crate::handoff`]) leaves them alone.
    pub async fn announce_caps(
        &self,
        caps: &HashMap<String, i64>,
        ttl: Duration,
    ) -> redis::RedisResult<()> {
        if caps.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (kind, cap) in caps {
            pipe.set_ex(self.cap_key(kind), *cap, ttl.as_secs().max(1))
                .ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async(&mut conn).await
    }

    /// Of `kinds`, which a dispatcher announced as capped.
    pub async fn capped(&self, kinds: &[String]) -> redis::RedisResult<Vec<bool>> {
        let mut pipe = redis::pipe();
        for kind in kinds {
            pipe.exists(self.cap_key(kind));
        }
        let mut conn = self.conn.clone();
        pipe.query_async(&mut conn).await
    }

    /// Deletes the keys of finished tasks (apalis keeps ~400 bytes per task
    /// forever otherwise). Only tasks in the done/dead sets are touched, never
    /// one still waiting or running. Returns how many were removed.
    pub async fn sweep_finished(&self, kind: &str, max: usize) -> redis::RedisResult<u64> {
        static SWEEP: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                r#"
                local n = 0
                for _, set in ipairs({KEYS[1], KEYS[2]}) do
                    local ids = redis.call('SPOP', set, ARGV[2])
                    for _, id in ipairs(ids) do
                        redis.call('HDEL', KEYS[3], id)
                        redis.call('DEL', ARGV[1] .. ':' .. id)
                        n = n + 1
                    end
                end
                return n
                "#,
            )
        });
        let cfg = self.apalis_config(kind, 1);
        let mut conn = self.conn.clone();
        SWEEP
            .key(cfg.done_jobs_set())
            .key(cfg.dead_jobs_set())
            .key(cfg.job_data_hash())
            .arg(cfg.job_meta_hash())
            .arg(max)
            .invoke_async(&mut conn)
            .await
    }

    /// Deletes the metadata apalis keeps for each worker name once that
    /// worker has left the queue's worker set (every process start registers
    /// a new name). Returns how many were removed.
    pub async fn sweep_departed_workers(&self, kind: &str) -> redis::RedisResult<u64> {
        let cfg = self.apalis_config(kind, 1);
        let workers = cfg.workers_set();
        let prefix = format!("{workers}:metadata:");
        let keys = self.scan(&format!("{prefix}*")).await?;
        let mut conn = self.conn.clone();
        if keys.is_empty() {
            return Ok(0);
        }
        let mut pipe = redis::pipe();
        for k in &keys {
            pipe.zscore(&workers, &k[prefix.len()..]);
        }
        let scores: Vec<Option<f64>> = pipe.query_async(&mut conn).await?;
        let departed: Vec<&String> = keys
            .iter()
            .zip(scores)
            .filter(|(_, s)| s.is_none())
            .map(|(k, _)| k)
            .collect();
        if departed.is_empty() {
            return Ok(0);
        }
        conn.del(departed).await
    }

    /// Of jobs believed to be in Redis, those whose task is gone (Redis lost
    /// its data) or already finished there without the job being claimed.
    pub async fn lost(
        &self,
        kind: &str,
        jobs: &[Dispatched],
    ) -> redis::RedisResult<Vec<Dispatched>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let cfg = self.apalis_config(kind, 1);
        let meta = cfg.job_meta_hash();
        let mut pipe = redis::pipe();
        for j in jobs {
            pipe.hget(
                format!("{meta}:{}", TaskId::from_uuid(j.redis_task_id)),
                "status",
            );
        }
        let mut conn = self.conn.clone();
        let statuses: Vec<Option<String>> = pipe.query_async(&mut conn).await?;
        Ok(jobs
            .iter()
            .zip(statuses)
            .filter(|(_, s)| !matches!(s.as_deref(), Some("Pending" | "Queued" | "Running")))
            .map(|(j, _)| j.clone())
            .collect())
    }

    /// Every key matching `pattern` (SCAN, never KEYS).
    async fn scan(&self, pattern: &str) -> redis::RedisResult<Vec<String>> {
        let mut conn = self.conn.clone();
        let mut iter: redis::AsyncIter<String> = conn.scan_match(pattern).await?;
        let mut keys = Vec::new();
        while let Some(k) = iter.next_item().await {
            keys.push(k?);
        }
        Ok(keys)
    }

    /// Removes every key of this prefix (tests and operators' resets).
    pub async fn purge(&self) -> redis::RedisResult<u64> {
        let keys = self.scan(&format!("{}:*", self.prefix)).await?;
        let mut conn = self.conn.clone();
        let mut n = 0;
        for chunk in keys.chunks(500) {
            n += conn.del::<_, u64>(chunk).await?;
        }
        // apalis also lists every queue's worker set in one global key.
        let listed: Vec<String> = conn.zrange("core:apalis:queues:list", 0, -1).await?;
        let ours: Vec<&String> = listed
            .iter()
            .filter(|q| q.starts_with(&format!("{}:", self.prefix)))
            .collect();
        if !ours.is_empty() {
            let _: () = conn.zrem("core:apalis:queues:list", ours).await?;
        }
        Ok(n)
    }

    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
    }

    /// Subscribes to the wake channels of `kinds` and keeps the subscription
    /// alive across Redis restarts. Every wake (and every reconnect, which may
    /// have missed some) bumps the kind's [`Wakes`] counter.
    pub fn spawn_wake_listener(&self, wakes: Wakes, shutdown: crate::shutdown::Shutdown) {
        let client = self.client.clone();
        let channels: HashMap<String, String> = wakes
            .kinds()
            .map(|k| (self.wake_channel(k), k.to_owned()))
            .collect();
        tokio::spawn(async move {
            let mut backoff = RECONNECT;
            while !shutdown.is_stopping() {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        let mut ok = true;
                        for ch in channels.keys() {
                            if let Err(e) = pubsub.subscribe(ch).await {
                                tracing::warn!(error = %e, "wake subscribe failed");
                                ok = false;
                                break;
                            }
                        }
                        if ok {
                            backoff.reset();
                            wakes.wake_all();
                            let mut messages = pubsub.on_message();
                            loop {
                                tokio::select! {
                                    msg = messages.next() => match msg {
                                        Some(msg) => {
                                            if let Some(kind) = channels.get(msg.get_channel_name()) {
                                                wakes.wake(kind);
                                            }
                                        }
                                        None => break,
                                    },
                                    _ = shutdown.stopped() => return,
                                }
                            }
                            tracing::warn!("wake subscription lost; reconnecting");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "wake subscription: redis unavailable"),
                }
                if shutdown.sleep_or_stop(backoff.next_delay()).await {
                    return;
                }
            }
        });
    }
}

/// Per-kind wake-up signals for idle apalis workers in this process.
#[derive(Clone, Debug)]
pub struct Wakes {
    senders: Arc<HashMap<String, watch::Sender<u64>>>,
}

impl Wakes {
    pub fn new<'a>(kinds: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            senders: Arc::new(
                kinds
                    .into_iter()
                    .map(|k| (k.to_owned(), watch::channel(0).0))
                    .collect(),
            ),
        }
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.senders.keys().map(String::as_str)
    }

    pub fn wake(&self, kind: &str) {
        if let Some(tx) = self.senders.get(kind) {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    pub fn wake_all(&self) {
        for tx in self.senders.values() {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// The poll strategy for a kind's apalis worker: fetch when woken, and
    /// at least every `fallback` in case a wake was lost.
    fn strategy(&self, kind: &str, fallback: Duration) -> WakeStrategy {
        let rx = self
            .senders
            .get(kind)
            .expect("wakes cover every worker kind")
            .subscribe();
        let mut tick = tokio::time::interval(fallback);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        WakeStrategy {
            wakes: WatchStream::new(rx),
            tick,
        }
    }
}

/// Why tasks could not be pushed to Redis (the dispatcher tries again).
#[derive(Debug, thiserror::Error)]
#[error("pushing to Redis: {inner}")]
pub struct PushError {
    #[source]
    inner: Box<dyn std::error::Error + Send + Sync>,
}

impl PushError {
    fn new(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self { inner: Box::new(e) }
    }
}

/// Where apalis keeps a queue's tasks: ids waiting to be fetched are in
/// the `active` list (due) or the `scheduled` set; a finished task's id goes
/// to the `done` (or `dead`) set; each task has a field in the `data` hash
/// and a metadata hash under `meta`.
#[derive(Debug, Clone)]
pub struct TaskKeys {
    pub active: String,
    pub scheduled: String,
    pub done: String,
    pub dead: String,
    pub data: String,
    pub meta: String,
}

/// Runs one kind's apalis worker, restarting it (under a new name) if it
/// dies, e.g. while Redis is unreachable, until `shutdown`. Deliveries go
/// to `runner`; each worker's name is unique per process start, as apalis
/// requires.
pub async fn consume<S: Send + Sync + 'static>(
    spec: KindSpec<S>,
    worker_id: String,
    queues: Queues,
    wakes: Wakes,
    runner: Runner<S>,
    poll_fallback: Duration,
    shutdown: Shutdown,
) {
    let mut generation = 0u32;
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        let name = format!("{worker_id}:{}:{generation}", spec.name);
        let batch = spec.policy.concurrency.min(100);
        let storage = RedisStorage::<Envelope>::new(queues.connection())
            .with_config(queues.apalis_config(spec.name, batch));
        let backend = PollWith::new(storage, wakes.strategy(spec.name, poll_fallback));
        let runner = runner.clone();
        let worker = WorkerBuilder::new(name.as_str())
            .backend(backend)
            .concurrency(spec.policy.concurrency)
            .build(move |envelope: Envelope| {
                let runner = runner.clone();
                async move { runner.execute(envelope).await }
            });
        let stop = shutdown.clone();
        let started = std::time::Instant::now();
        let result = worker
            .run_until(async move {
                stop.stopped().await;
                Ok::<(), std::io::Error>(())
            })
            .await;
        match result {
            Ok(()) => return,
            Err(e) => {
                if shutdown.is_stopping() {
                    return;
                }
                if started.elapsed() > Duration::from_secs(30) {
                    backoff.reset();
                }
                let delay = backoff.next_delay();
                tracing::warn!(kind = spec.name, error = %e, retry_in_ms = delay.as_millis() as u64, "apalis worker stopped; restarting");
                if shutdown.sleep_or_stop(delay).await {
                    return;
                }
                generation += 1;
            }
        }
    }
}

/// An apalis [`PollStrategy`] driven by wake signals plus a fallback tick.
/// It drains every source until `Pending`, so its waker is always registered
/// (the stock interval strategy can lose its wake-up and idle for seconds).
struct WakeStrategy {
    wakes: WatchStream<u64>,
    tick: tokio::time::Interval,
}

impl PollStrategy for WakeStrategy {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut fired = false;
        while let Poll::Ready(Some(_)) = self.wakes.poll_next_unpin(cx) {
            fired = true;
        }
        while self.tick.poll_tick(cx).is_ready() {
            fired = true;
        }
        if fired {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}
