//! Runs jobs delivered by apalis: claim in Postgres, run the kind's handler
//! with its timeout, record the outcome, schedule our own retry.
//!
//! Postgres writes are batched across concurrent jobs (one statement per
//! batch of claims or outcomes) so the per-job cost stays small under load.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use apalis_core::error::AbortError;
use chrono::Utc;
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::Instrument;
use uuid::Uuid;

use crate::{
    backoff::Backoff,
    batch::Batcher,
    db::{self, Claimed, JobStatus, Outcome},
    kind::DEAD_HOOK_RETRY,
    queue::Envelope,
    shutdown::Shutdown,
    DeadJob, JobContext, JobError, Registry,
};

/// How often a worker looks for dead-letter hooks it did not hear about
/// (jobs that died on another worker, or by the reaper).
pub const DEAD_LETTER_POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Unique per process start (host, pid, random).
    pub worker_id: String,
    /// A claimed job is this worker's until the lease expires; renewed every
    /// third of it while the job runs.
    pub lease: Duration,
    /// When a failed attempt's retry is due.
    pub retry_delay: RetryDelay,
}

/// When the retry of a failed attempt is due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RetryDelay {
    /// After the kind's backoff ([`crate::KindPolicy::backoff`]).
    #[default]
    Policy,
    /// After this long, whatever the kind (in-process tests: zero, so that
    /// a retry is due at once instead of seconds later). A handler's own
    /// delay ([`JobError::retry_after`], a provider's Retry-After) is still
    /// honoured: that is the job's word, not a policy.
    Fixed(Duration),
}

/// What one run of a job id came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempted {
    /// The claim refused it: finished, running elsewhere, not due, or
    /// cancelled. Nothing ran.
    Refused,
    /// The attempt succeeded, or was stopped (cancelled, or the job taken
    /// over): either way its delivery is done with.
    Succeeded,
    /// The attempt failed (see the job's `last_error`).
    Failed,
}

/// What one [`Runner::run_due_once`] pass ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DuePass {
    /// Attempts run (claims that were refused are not counted).
    pub attempts: usize,
    /// Dead-letter hooks run.
    pub dead_hooks: usize,
}

/// Executes jobs for one worker process. Cheap to clone.
pub struct Runner<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    pool: PgPool,
    services: Arc<S>,
    registry: Registry<S>,
    config: RunnerConfig,
    claims: Batcher<Uuid, Option<Claimed>>,
    outcomes: Batcher<Outcome, bool>,
    /// Jobs' finishing writes with their outcomes ([`JobContext::finish`]).
    finisher: Arc<crate::finish::Finisher>,
    /// Attempts running in this process, with their stop signal.
    running: Mutex<HashMap<Uuid, CancellationToken>>,
    /// The attempts' tasks, so a draining worker can wait for them.
    attempts: TaskTracker,
    /// Rung when this process recorded a job `dead`: its hook is due now.
    died: Notify,
}

impl<S> Clone for Runner<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<S: Send + Sync + 'static> Runner<S> {
    /// A runner with its background loops (lease renewal, dead-letter
    /// hooks), which stop at `shutdown`: what a worker process runs.
    pub fn start(
        pool: PgPool,
        services: Arc<S>,
        registry: Registry<S>,
        config: RunnerConfig,
        shutdown: Shutdown,
    ) -> Self {
        let runner = Self::new(pool, services, registry, config);
        runner.spawn_lease_keeper(shutdown.clone());
        runner.spawn_dead_letters(shutdown);
        runner
    }

    /// A runner without background loops: jobs run when it is handed their
    /// ids ([`Runner::attempt`]) or told to look for due ones
    /// ([`Runner::run_due_once`]), and dead-letter hooks when told
    /// ([`Runner::run_dead_letters_once`]). Leases are not renewed, so an
    /// attempt longer than the lease may be taken over by another worker.
    pub fn new(
        pool: PgPool,
        services: Arc<S>,
        registry: Registry<S>,
        config: RunnerConfig,
    ) -> Self {
        let claims = {
            let pool = pool.clone();
            let worker_id = config.worker_id.clone();
            let lease = config.lease;
            Batcher::spawn(512, 4, move |ids: Vec<Uuid>| {
                let pool = pool.clone();
                let worker_id = worker_id.clone();
                async move {
                    let claimed = db::claim(&pool, &ids, &worker_id, lease).await?;
                    let mut by_id: HashMap<Uuid, Claimed> =
                        claimed.into_iter().map(|c| (c.id, c)).collect();
                    Ok(ids.iter().map(|id| by_id.remove(id)).collect())
                }
            })
        };
        let outcomes = {
            let pool = pool.clone();
            Batcher::spawn(512, 4, move |outcomes: Vec<Outcome>| {
                let pool = pool.clone();
                async move {
                    let recorded = db::record_outcomes(&pool, &outcomes).await?;
                    Ok(outcomes.iter().map(|o| recorded.contains(&o.id)).collect())
                }
            })
        };
        let finisher = Arc::new(crate::finish::spawn(pool.clone()));
        Self {
            inner: Arc::new(Inner {
                pool,
                services,
                registry,
                config,
                claims,
                outcomes,
                finisher,
                running: Mutex::new(HashMap::new()),
                attempts: TaskTracker::new(),
                died: Notify::new(),
            }),
        }
    }

    pub fn worker_id(&self) -> &str {
        &self.inner.config.worker_id
    }

    pub fn registry(&self) -> &Registry<S> {
        &self.inner.registry
    }

    /// Number of attempts running in this process.
    pub fn running(&self) -> usize {
        self.inner.running.lock().expect("running map").len()
    }

    /// The apalis handler: runs the job an envelope names. Success answers
    /// `Ok`; any failure answers an [`AbortError`] so apalis never retries on
    /// its own — retries are scheduled in Postgres.
    pub(crate) async fn execute(&self, envelope: Envelope) -> Result<(), AbortError> {
        match self.attempt(envelope.job_id).await {
            Ok(Attempted::Refused | Attempted::Succeeded) => Ok(()),
            Ok(Attempted::Failed) => Err(AbortError::new(
                "job attempt failed (see the job's last_error)",
            )),
            // The job stays queued in Postgres; the dispatcher re-sends it.
            Err(e) => Err(AbortError::new(format!("claim failed: {e}"))),
        }
    }

    /// Claims the job `job_id` names and, if the claim takes it, runs one
    /// attempt and records its outcome: the path of every delivery.
    pub async fn attempt(&self, job_id: Uuid) -> Result<Attempted, Arc<sqlx::Error>> {
        let claimed = match self.inner.claims.call(job_id).await {
            Ok(Some(claimed)) => claimed,
            // Finished, running elsewhere, not due, or cancelled: a stale or
            // duplicate delivery. Nothing to do.
            Ok(None) => {
                tracing::debug!(job.id = %job_id, "delivery refused by claim");
                return Ok(Attempted::Refused);
            }
            Err(e) => {
                tracing::warn!(job.id = %job_id, error = %e, "claim failed");
                return Err(e);
            }
        };
        let kind = self
            .inner
            .registry
            .get(&claimed.kind)
            .map(|s| s.name)
            .unwrap_or("unknown");
        metrics::counter!("talenti_jobs_started_total", "kind" => kind).increment(1);
        metrics::histogram!("talenti_job_wait_seconds", "kind" => kind).record(claimed.waited_secs);
        // The attempt lives on its own task: if apalis drops this delivery
        // (its worker died with Redis), the attempt still ends and records
        // its outcome instead of staying `running` under a lease this
        // process keeps renewing.
        let this = self.clone();
        let attempt = self.inner.attempts.spawn(async move {
            let started = std::time::Instant::now();
            let outcome = this.run_claimed(claimed).await;
            metrics::histogram!("talenti_job_run_seconds", "kind" => kind)
                .record(started.elapsed().as_secs_f64());
            let failed = outcome
                .as_ref()
                .map(|(o, _)| o.status != JobStatus::Succeeded)
                .unwrap_or(false);
            if let Some((outcome, recorded)) = outcome {
                let status = outcome.status;
                if recorded || this.record(outcome).await {
                    let name = match status {
                        JobStatus::Succeeded => "talenti_jobs_succeeded_total",
                        JobStatus::Failed => "talenti_jobs_failed_total",
                        JobStatus::Queued => "talenti_jobs_snoozed_total",
                        _ => "talenti_jobs_dead_total",
                    };
                    metrics::counter!(name, "kind" => kind).increment(1);
                    if status == JobStatus::Dead {
                        this.inner.died.notify_one();
                    }
                }
            }
            let in_flight = {
                let mut running = this.inner.running.lock().expect("running map");
                running.remove(&job_id);
                running.len()
            };
            metrics::gauge!("talenti_jobs_in_flight").set(in_flight as f64);
            failed
        });
        let failed = attempt.await.unwrap_or(true);
        Ok(if failed {
            Attempted::Failed
        } else {
            Attempted::Succeeded
        })
    }

    /// One pass without Redis: claims every job of this runner's kinds that
    /// is due now (up to `limit`) by id from Postgres and runs each through
    /// [`Runner::attempt`], concurrently, as deliveries would; then the
    /// dead-letter hooks that are due. A retry that comes due during the
    /// pass waits for the next one.
    pub async fn run_due_once(&self, limit: i64) -> anyhow::Result<DuePass> {
        let ids = db::due_ids(&self.inner.pool, &self.kinds(), limit).await?;
        let mut attempts = 0;
        for attempted in futures::future::join_all(ids.iter().map(|id| self.attempt(*id))).await {
            if attempted? != Attempted::Refused {
                attempts += 1;
            }
        }
        let dead_hooks = self.run_dead_letters_once().await?;
        Ok(DuePass {
            attempts,
            dead_hooks,
        })
    }

    fn kinds(&self) -> Vec<String> {
        self.inner.registry.names().map(str::to_owned).collect()
    }

    /// Resolves once every attempt of this process has ended. For a draining
    /// worker: call it once nothing delivers jobs any more.
    pub async fn settled(&self) {
        self.inner.attempts.close();
        self.inner.attempts.wait().await
    }

    /// Runs one claimed attempt: its outcome, and whether the job's
    /// finishing writes already recorded it. None if it was stopped
    /// (cancelled, or the lease was lost): then there is nothing of ours to
    /// record.
    async fn run_claimed(&self, job: Claimed) -> Option<(Outcome, bool)> {
        let stop = CancellationToken::new();
        self.inner
            .running
            .lock()
            .expect("running map")
            .insert(job.id, stop.clone());

        let span = tracing::info_span!("job", job.id = %job.id, job.kind = %job.kind, job.attempt = job.attempt);

        let Some(spec) = self.inner.registry.get(&job.kind) else {
            return Some((
                self.outcome(
                    &job,
                    Err(JobError::permanent(format!(
                        "unknown job kind `{}`",
                        job.kind
                    ))),
                    None,
                ),
                false,
            ));
        };
        let finished = Arc::new(crate::finish::State::default());
        let ctx = JobContext {
            job_id: job.id,
            kind: spec.name,
            organisation_id: job.organisation_id,
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            pool: self.inner.pool.clone(),
            services: self.inner.services.clone(),
            started: std::time::Instant::now(),
            finishing: Some((self.inner.finisher.clone(), finished.clone())),
        };
        let timeout = spec.policy.timeout;
        let started = std::time::Instant::now();
        let mut handle = tokio::spawn(spec.run(job.payload.clone(), ctx).instrument(span.clone()));
        let result = tokio::select! {
            joined = tokio::time::timeout(timeout, &mut handle) => match joined {
                Ok(Ok(result)) => result,
                Ok(Err(e)) if e.is_panic() => Err(JobError::retryable(format!("handler panicked: {}", panic_message(e)))),
                Ok(Err(_)) => Err(JobError::retryable("handler task was aborted")),
                Err(_) => {
                    handle.abort();
                    Err(JobError::retryable(format!("timed out after {}s", timeout.as_secs_f64())))
                }
            },
            _ = stop.cancelled() => {
                handle.abort();
                tracing::info!(parent: &span, "attempt stopped: job cancelled or lease lost");
                return None;
            }
        };
        // The job's finishing writes decided the attempt, whatever the
        // handler did after them (or a timeout that cut it short).
        if finished.discarded() {
            tracing::info!(parent: &span, "attempt stopped: job cancelled or taken over before its writes");
            return None;
        }
        let recorded = finished.recorded();
        let result = if recorded {
            result.or_else(|e| {
                tracing::warn!(parent: &span, error = %e, "the handler failed after its finishing writes committed; the job stays succeeded");
                Ok(serde_json::Value::Null)
            })
        } else {
            result
        };
        let backoff = match self.inner.config.retry_delay {
            RetryDelay::Policy => spec.policy.backoff(job.attempt),
            RetryDelay::Fixed(delay) => delay,
        };
        let outcome = self.outcome(&job, result, Some(backoff));
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome.status {
            JobStatus::Succeeded => {
                tracing::debug!(parent: &span, elapsed_ms, "attempt succeeded")
            }
            JobStatus::Failed => tracing::info!(
                parent: &span,
                elapsed_ms,
                error = outcome.error.as_deref().unwrap_or(""),
                "attempt failed; will retry"
            ),
            JobStatus::Queued => tracing::info!(
                parent: &span,
                elapsed_ms,
                reason = outcome.error.as_deref().unwrap_or(""),
                "attempt snoozed; runs again later without using an attempt"
            ),
            _ => tracing::warn!(
                parent: &span,
                elapsed_ms,
                error = outcome.error.as_deref().unwrap_or(""),
                "attempt failed; job is dead"
            ),
        }
        Some((outcome, recorded))
    }

    fn outcome(
        &self,
        job: &Claimed,
        result: Result<serde_json::Value, JobError>,
        backoff: Option<Duration>,
    ) -> Outcome {
        let base = Outcome {
            id: job.id,
            attempt: job.attempt,
            status: JobStatus::Succeeded,
            result: None,
            error: None,
            retry_at: None,
        };
        match result {
            Ok(value) => Outcome {
                result: Some(value),
                ..base
            },
            Err(JobError::Snooze { message, after }) => Outcome {
                status: JobStatus::Queued,
                error: Some(message),
                retry_at: Some(Utc::now() + chrono::Duration::from_std(after).unwrap_or_default()),
                ..base
            },
            Err(JobError::Permanent { message }) => Outcome {
                status: JobStatus::Dead,
                error: Some(message),
                ..base
            },
            Err(JobError::Retryable { message, after }) if job.attempt < job.max_attempts => {
                let wait = after.or(backoff).unwrap_or_default();
                Outcome {
                    status: JobStatus::Failed,
                    error: Some(message),
                    retry_at: Some(
                        Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                    ),
                    ..base
                }
            }
            Err(JobError::Retryable { message, .. }) => Outcome {
                status: JobStatus::Dead,
                error: Some(format!(
                    "{message} (attempt {} of {}; no attempts left)",
                    job.attempt, job.max_attempts
                )),
                ..base
            },
        }
    }

    /// Writes an outcome, retrying for as long as Postgres is away. The
    /// attempt stays in `running` meanwhile, so the lease keeper keeps
    /// renewing its lease and, once Postgres answers again, dispatchers
    /// wait a lease before reaping (`DispatcherConfig::reap_grace`): a
    /// finished job is not run again because of the outage. What is left:
    /// if this process dies before the write lands, the lease expires and
    /// the job runs again (at least once). True if the outcome was written.
    async fn record(&self, outcome: Outcome) -> bool {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let mut tries = 0u32;
        loop {
            match self.inner.outcomes.call(outcome.clone()).await {
                Ok(true) => {
                    if tries > 0 {
                        tracing::info!(job.id = %outcome.id, tries, "outcome recorded after retries");
                    }
                    return true;
                }
                Ok(false) => {
                    tracing::info!(job.id = %outcome.id, "outcome discarded: job was cancelled or taken over");
                    return false;
                }
                Err(e) => {
                    tries += 1;
                    if tries == 1 || tries.is_multiple_of(30) {
                        tracing::warn!(job.id = %outcome.id, tries, error = %e, "recording outcome failed; retrying");
                    }
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
        }
    }

    /// Renews the leases of running attempts; an attempt whose job was
    /// cancelled or taken over is told to stop.
    fn spawn_lease_keeper(&self, shutdown: Shutdown) {
        let this = self.clone();
        tokio::spawn(async move {
            let every = this.inner.config.lease / 3;
            loop {
                tokio::time::sleep(every).await;
                if shutdown.is_stopping() && this.running() == 0 {
                    return;
                }
                let ids: Vec<Uuid> = this
                    .inner
                    .running
                    .lock()
                    .expect("running map")
                    .keys()
                    .copied()
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                match db::renew_leases(
                    &this.inner.pool,
                    &ids,
                    &this.inner.config.worker_id,
                    this.inner.config.lease,
                )
                .await
                {
                    Ok(held) => {
                        let running = this.inner.running.lock().expect("running map");
                        for id in ids.iter().filter(|id| !held.contains(id)) {
                            if let Some(stop) = running.get(id) {
                                stop.cancel();
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "lease renewal failed"),
                }
            }
        });
    }

    /// Runs the dead-letter hooks ([`crate::Job::on_dead`]) of this
    /// process's kinds: at once for a job this process recorded `dead`, and
    /// every [`DEAD_LETTER_POLL`] for any other (another worker's, or one
    /// the reaper ended), a batch at a time, each hook on its own task with
    /// its kind's timeout. A hook that fails, panics or times out is due
    /// again after [`DEAD_HOOK_RETRY`]; one held by a worker that died is
    /// taken again when its hold runs out.
    fn spawn_dead_letters(&self, shutdown: Shutdown) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = this.inner.died.notified() => {}
                    _ = tokio::time::sleep(DEAD_LETTER_POLL) => {}
                    _ = shutdown.stopped() => return,
                }
                if let Err(e) = this.run_dead_letters_once().await {
                    tracing::warn!(error = %e, "taking dead-letter hooks failed");
                }
            }
        });
    }

    /// Runs the dead-letter hooks of this runner's kinds that are due now,
    /// a batch at a time; returns how many ran.
    pub async fn run_dead_letters_once(&self) -> sqlx::Result<usize> {
        let kinds = self.kinds();
        let longest = self
            .inner
            .registry
            .specs()
            .map(|s| s.policy.timeout)
            .max()
            .unwrap_or_default();
        let hold = longest + DEAD_HOOK_RETRY;
        let mut ran = 0;
        loop {
            let hooks = db::claim_dead_hooks(&self.inner.pool, &kinds, 32, hold).await?;
            let full = hooks.len() == 32;
            ran += hooks.len();
            if !hooks.is_empty() {
                self.run_dead_hooks(hooks).await;
            }
            if !full {
                return Ok(ran);
            }
        }
    }

    async fn run_dead_hooks(&self, hooks: Vec<db::DeadHook>) {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, hook) in hooks.iter().enumerate() {
            let Some(spec) = self.inner.registry.get(&hook.kind) else {
                continue;
            };
            let dead = DeadJob {
                job_id: hook.id,
                kind: spec.name,
                organisation_id: hook.organisation_id,
                reason: hook.last_error.clone().unwrap_or_default(),
                pool: self.inner.pool.clone(),
                services: self.inner.services.clone(),
            };
            let span = tracing::info_span!("dead_letter", job.id = %hook.id, job.kind = %hook.kind);
            let timeout = spec.policy.timeout;
            let run = spec.on_dead(hook.payload.clone(), dead).instrument(span);
            tasks.spawn(async move { (i, tokio::time::timeout(timeout, run).await) });
        }
        let mut retry: Vec<Option<Duration>> = vec![Some(DEAD_HOOK_RETRY); hooks.len()];
        while let Some(joined) = tasks.join_next().await {
            let Ok((i, result)) = joined else {
                // A panicking hook: its slot keeps the retry.
                tracing::warn!("a dead-letter hook panicked; it runs again later");
                continue;
            };
            let hook = &hooks[i];
            match result {
                Ok(Ok(())) => retry[i] = None,
                // A payload that cannot be read never will be.
                Ok(Err(JobError::Permanent { message })) => {
                    tracing::warn!(job.id = %hook.id, error = %message, "dead-letter hook failed for good");
                    retry[i] = None;
                }
                Ok(Err(JobError::Retryable { message, .. } | JobError::Snooze { message, .. })) => {
                    tracing::warn!(job.id = %hook.id, error = %message, "dead-letter hook failed; retrying later");
                }
                Err(_) => {
                    tracing::warn!(job.id = %hook.id, "dead-letter hook timed out; retrying later");
                }
            }
        }
        let settled: Vec<(&db::DeadHook, Option<Duration>)> = hooks.iter().zip(retry).collect();
        if let Err(e) = db::settle_dead_hooks(&self.inner.pool, &settled).await {
            // Held hooks come due again when their hold runs out.
            tracing::warn!(error = %e, "settling dead-letter hooks failed");
        }
    }

    /// After the shutdown deadline: gives the still-running attempts back to
    /// the queue (not counted as attempts) and stops them.
    pub async fn hand_back_all(&self) -> sqlx::Result<u64> {
        let running: Vec<(Uuid, CancellationToken)> = self
            .inner
            .running
            .lock()
            .expect("running map")
            .iter()
            .map(|(id, stop)| (*id, stop.clone()))
            .collect();
        if running.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = running.iter().map(|(id, _)| *id).collect();
        let n = db::hand_back(&self.inner.pool, &ids, &self.inner.config.worker_id).await?;
        for (_, stop) in running {
            stop.cancel();
        }
        Ok(n)
    }
}

fn panic_message(e: tokio::task::JoinError) -> String {
    let payload = e.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
