//! The short way from a commit to a worker: an enqueue that can be handed
//! to Redis as soon as its transaction commits is marked dispatched by its
//! own insert and pushed by the committing process, instead of waiting for a
//! dispatcher to hear the commit, mark it and push it in a transaction of
//! its own. Idle workers wake on the push.
//!
//! The dispatchers stay the safety net, and nothing durable changes: the
//! job row commits before anything is pushed, as before.
//! - A push that fails is undone at once (the job is undispatched and the
//!   dispatchers notified), so it goes the long way.
//! - If the process dies between its commit and its push, the job is marked
//!   dispatched with no Redis task: the dispatchers' reconcile finds it
//!   after `reconcile_after` (10 s) and dispatches it again. That window is
//!   the price: such a job starts up to ~15 s late, and is never lost.
//!
//! Only jobs due now of kinds that are not capped per organisation (a
//! dispatcher announces its caps in Redis; see [`Queues::announce_caps`])
//! and whose Redis backlog is under the window take the short way; a paused
//! kind's insert does not mark. Everything else is dispatched as before.

use std::{
    collections::HashMap,
    ops::{Deref, DerefMut},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, OnceLock, Weak,
    },
    time::Duration,
};

use chrono::Utc;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::{
    backoff::Backoff,
    batch::Batcher,
    db::{self, is_unavailable, Dispatched, Enqueued, NewJob},
    kind::{Enqueue, EnqueueError, KindSpec},
    queue::Queues,
};

/// How often the announced caps are read again.
const CAPS_EVERY: Duration = Duration::from_secs(1);
/// How often a kind whose window was full has its backlog read again.
const FULL_EVERY: Duration = Duration::from_millis(50);

/// The short way for one process's enqueues. Cheap to clone.
#[derive(Clone)]
pub struct Handoff {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    /// Set once Redis first answers; until then every job goes the long way.
    queues: OnceLock<Queues>,
    window: usize,
    gates: HashMap<String, Gate>,
    /// Standalone enqueues ([`Handoff::enqueue_json`]), grouped into one
    /// statement and one commit.
    standalone: OnceLock<Batcher<NewJob, Result<Enqueued, sqlx::Error>>>,
}

/// What this process knows of one kind's queue.
struct Gate {
    /// A dispatcher caps this kind per organisation (or the caps were not
    /// read yet).
    capped: AtomicBool,
    /// Tasks waiting in Redis when last seen.
    backlog: AtomicUsize,
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff")
            .field("window", &self.inner.window)
            .field("connected", &self.inner.queues.get().is_some())
            .finish()
    }
}

impl Handoff {
    /// The short way for `kinds`, with Redis holding at most about `window`
    /// tasks of each (the dispatchers' window). Connects to Redis and reads
    /// the announced caps in the background for as long as a clone of it
    /// lives; until Redis first answers, every job goes the long way.
    pub fn start(
        pool: PgPool,
        redis_url: &str,
        prefix: &str,
        kinds: impl IntoIterator<Item = String>,
        window: usize,
    ) -> Self {
        let gates = kinds
            .into_iter()
            .map(|k| {
                let gate = Gate {
                    capped: AtomicBool::new(true),
                    backlog: AtomicUsize::new(0),
                };
                (k, gate)
            })
            .collect();
        let inner = Arc::new(Inner {
            pool,
            queues: OnceLock::new(),
            window,
            gates,
            standalone: OnceLock::new(),
        });
        tokio::spawn(watch(
            Arc::downgrade(&inner),
            redis_url.to_owned(),
            prefix.to_owned(),
        ));
        Self { inner }
    }

    /// Whether a job of `kind` due at `run_at` may take the short way now.
    fn eligible(&self, kind: &str, run_at: Option<chrono::DateTime<Utc>>) -> bool {
        if self.inner.queues.get().is_none() || run_at.is_some_and(|t| t > Utc::now()) {
            return false;
        }
        self.inner.gates.get(kind).is_some_and(|g| {
            !g.capped.load(Ordering::Relaxed)
                && g.backlog.load(Ordering::Relaxed) < self.inner.window
        })
    }

    /// Whether a job of `kind` due now would take the short way (Redis
    /// reached, the kind not capped, its window not full).
    pub fn takes(&self, kind: &str) -> bool {
        self.eligible(kind, None)
    }

    /// Begins a transaction whose jobs are pushed to Redis as soon as it
    /// commits ([`JobTx::commit`]).
    pub async fn begin(&self) -> sqlx::Result<JobTx> {
        Ok(JobTx {
            tx: self.inner.pool.begin().await?,
            pending: Pending {
                handoff: self.clone(),
                marked: Vec::new(),
            },
        })
    }

    /// Enqueues a job with no business rows of its own (operators' admin
    /// route): concurrent calls are grouped into one statement and one
    /// commit, then pushed. The job exists once this returns.
    pub async fn enqueue_json<S: Send + Sync + 'static>(
        &self,
        spec: &KindSpec<S>,
        payload: serde_json::Value,
        to: Enqueue,
    ) -> Result<Enqueued, EnqueueError> {
        spec.validate(&payload).map_err(EnqueueError::Invalid)?;
        let job = to.new_job(spec.name, spec.policy.max_attempts, payload);
        let batcher = self.inner.standalone.get_or_init(|| {
            // Weak: the batcher lives in `inner`, and ends with it.
            let weak = Arc::downgrade(&self.inner);
            Batcher::spawn(256, 4, move |jobs: Vec<NewJob>| {
                let this = weak.upgrade().map(|inner| Handoff { inner });
                async move {
                    match this {
                        Some(this) => this.insert_batch(jobs).await,
                        None => Err(sqlx::Error::PoolClosed),
                    }
                }
            })
        });
        match batcher.call(job).await {
            Ok(Ok(enqueued)) => Ok(enqueued),
            Ok(Err(e)) => Err(EnqueueError::Db(e)),
            Err(e) => Err(EnqueueError::Db(shared_error(&e))),
        }
    }

    /// One statement and one commit for the batch. If the statement fails
    /// for a reason other than the database being away, each job is tried
    /// alone, so one bad job fails only its own caller.
    async fn insert_batch(
        &self,
        jobs: Vec<NewJob>,
    ) -> sqlx::Result<Vec<Result<Enqueued, sqlx::Error>>> {
        match self.insert(&jobs).await {
            Ok(rows) => return Ok(rows.into_iter().map(Ok).collect()),
            Err(e) if jobs.len() == 1 || is_unavailable(&e) => return Err(e),
            Err(_) => {}
        }
        let mut out = Vec::with_capacity(jobs.len());
        for job in jobs {
            out.push(
                self.insert(std::slice::from_ref(&job))
                    .await
                    .map(|mut rows| rows.remove(0)),
            );
        }
        Ok(out)
    }

    async fn insert(&self, jobs: &[NewJob]) -> sqlx::Result<Vec<Enqueued>> {
        let marks: Vec<bool> = jobs
            .iter()
            .map(|j| self.eligible(&j.kind, j.run_at))
            .collect();
        let mut tx = self.inner.pool.begin().await?;
        let rows = db::enqueue_batch(&mut tx, jobs, &marks).await?;
        tx.commit().await?;
        let marked = rows
            .iter()
            .filter_map(|(e, task)| task.map(|t| (e.job.kind.clone(), dispatched(e, t))))
            .collect();
        self.push(marked).await;
        Ok(rows.into_iter().map(|(e, _)| e).collect())
    }

    /// Pushes committed, marked jobs, a call per kind. A push that fails is
    /// undone so the dispatchers take the job.
    async fn push(&self, marked: Vec<(String, Dispatched)>) {
        if marked.is_empty() {
            return;
        }
        let Some(queues) = self.inner.queues.get() else {
            // Not marked without a connection; never reached.
            return;
        };
        let mut by_kind: HashMap<String, Vec<Dispatched>> = HashMap::new();
        for (kind, d) in marked {
            by_kind.entry(kind).or_default().push(d);
        }
        for (kind, jobs) in by_kind {
            match queues.push(&kind, &jobs).await {
                Ok(backlog) => {
                    if let Some(gate) = self.inner.gates.get(&kind) {
                        gate.backlog.store(backlog, Ordering::Relaxed);
                    }
                    metrics::counter!("talenti_handoffs_total", "kind" => kind.clone())
                        .increment(jobs.len() as u64);
                }
                Err(e) => {
                    tracing::warn!(kind, error = %e, count = jobs.len(), "handing jobs to Redis failed; the dispatchers will");
                    if let Err(e) = db::undispatch(&self.inner.pool, &jobs).await {
                        tracing::warn!(kind, error = %e, "undoing a failed hand-off failed; the dispatchers' reconcile will find the jobs");
                    }
                }
            }
        }
    }
}

/// Connects, then keeps the gates current: the announced caps every
/// [`CAPS_EVERY`], the backlog of a kind whose window was full every
/// [`FULL_EVERY`]. Ends when the last [`Handoff`] is dropped.
async fn watch(inner: Weak<Inner>, url: String, prefix: String) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    let queues = loop {
        match Queues::connect(&url, &prefix).await {
            Ok(q) => break q,
            Err(e) => tracing::warn!(error = %e, "hand-off: redis unavailable; retrying"),
        }
        tokio::time::sleep(backoff.next_delay()).await;
        if inner.strong_count() == 0 {
            return;
        }
    };
    let kinds: Vec<String> = match inner.upgrade() {
        Some(i) => {
            let _ = i.queues.set(queues.clone());
            i.gates.keys().cloned().collect()
        }
        None => return,
    };
    let mut caps_due = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= caps_due {
            let capped = queues.capped(&kinds).await;
            let Some(inner) = inner.upgrade() else { return };
            match capped {
                Ok(capped) => {
                    for (kind, capped) in kinds.iter().zip(capped) {
                        inner.gates[kind].capped.store(capped, Ordering::Relaxed);
                    }
                }
                Err(e) => tracing::debug!(error = %e, "reading announced caps failed"),
            }
            caps_due = tokio::time::Instant::now() + CAPS_EVERY;
        }
        for kind in &kinds {
            let Some(inner) = inner.upgrade() else { return };
            let gate = &inner.gates[kind];
            if gate.backlog.load(Ordering::Relaxed) >= inner.window {
                if let Ok(n) = queues.backlog(kind).await {
                    gate.backlog.store(n, Ordering::Relaxed);
                }
            }
        }
        tokio::time::sleep(FULL_EVERY).await;
    }
}

fn dispatched(e: &Enqueued, redis_task_id: Uuid) -> Dispatched {
    Dispatched {
        id: e.job.id,
        redis_task_id,
    }
}

/// The batcher hands every caller of a failed batch the same error; each
/// gets a copy that still says whether the database was out of reach.
fn shared_error(e: &sqlx::Error) -> sqlx::Error {
    use std::io::{Error as IoError, ErrorKind};
    match e {
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::WorkerCrashed => sqlx::Error::WorkerCrashed,
        sqlx::Error::Io(io) => sqlx::Error::Io(IoError::new(io.kind(), io.to_string())),
        e if is_unavailable(e) => {
            sqlx::Error::Io(IoError::new(ErrorKind::ConnectionAborted, e.to_string()))
        }
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// The jobs a [`JobTx`] marked, to push once it commits.
pub struct Pending {
    handoff: Handoff,
    marked: Vec<(String, Dispatched)>,
}

/// A transaction whose enqueued jobs are pushed to Redis as soon as it
/// commits. Business rows are written through it as through any other.
pub struct JobTx {
    tx: Transaction<'static, Postgres>,
    pending: Pending,
}

impl JobTx {
    /// Commits, then pushes the jobs enqueued in it.
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await?;
        self.pending.handoff.push(self.pending.marked).await;
        Ok(())
    }

    /// Rolls back: nothing is pushed.
    pub async fn rollback(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }
}

/// Derefs to the connection, as a transaction does: `&mut *tx` runs
/// statements in it.
impl Deref for JobTx {
    type Target = PgConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for JobTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Where an enqueue writes: any connection or transaction (dispatchers take
/// the job after the commit), or a [`JobTx`] (pushed when it commits).
pub trait EnqueueTarget: Send {
    #[doc(hidden)]
    fn target(&mut self) -> (&mut PgConnection, Option<&mut Pending>);
}

impl EnqueueTarget for PgConnection {
    fn target(&mut self) -> (&mut PgConnection, Option<&mut Pending>) {
        (self, None)
    }
}

impl EnqueueTarget for Transaction<'_, Postgres> {
    fn target(&mut self) -> (&mut PgConnection, Option<&mut Pending>) {
        (&mut **self, None)
    }
}

impl EnqueueTarget for JobTx {
    fn target(&mut self) -> (&mut PgConnection, Option<&mut Pending>) {
        (&mut *self.tx, Some(&mut self.pending))
    }
}

/// The engine's one enqueue: marks the job for the short way when it can
/// take it.
pub(crate) async fn enqueue<T: EnqueueTarget + ?Sized>(
    target: &mut T,
    job: NewJob,
) -> sqlx::Result<Enqueued> {
    let (conn, pending) = target.target();
    let mark = pending
        .as_ref()
        .is_some_and(|p| p.handoff.eligible(&job.kind, job.run_at));
    let (enqueued, task) = db::enqueue(conn, job, mark).await?;
    if let (Some(pending), Some(task)) = (pending, task) {
        pending
            .marked
            .push((enqueued.job.kind.clone(), dispatched(&enqueued, task)));
    }
    Ok(enqueued)
}
