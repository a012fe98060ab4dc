//! How a job kind is declared: its payload type, policy and handler.

use std::{collections::BTreeMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{backoff::Backoff, db, handoff::EnqueueTarget};

/// A job kind: a serde payload plus its handler. Declared once, registered in
/// a [`Registry`] (the application's list of kinds), and used from there by
/// the API (enqueue), the worker (run) and the scheduler (trigger).
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name: stored in `jobs.kind` and used for the Redis queue name.
    const KIND: &'static str;

    /// What the handler reaches outside the database through (storage, AI
    /// providers, document readers): the application's type, the same for
    /// every kind of one [`Registry`], given to the runner at start.
    type Services: Send + Sync + 'static;

    /// Queue, retry and timeout settings of this kind.
    fn policy() -> KindPolicy {
        KindPolicy::default()
    }

    /// Runs one attempt. Return a JSON result, a retryable error, or a
    /// permanent one (bad input: the job goes `dead` at once).
    fn run(
        self,
        ctx: JobContext<Self::Services>,
    ) -> impl Future<Output = Result<Value, JobError>> + Send;

    /// The dead-letter hook: called once a job of this kind is `dead`,
    /// whichever way it died — a permanent error, the last attempt failing,
    /// timing out or panicking, or its worker lost on the last attempt
    /// (the reaper). It runs on a worker after the job's outcome is
    /// recorded, at least once: a worker dying in the middle means it runs
    /// again, so it must be idempotent. An error is retried later
    /// ([`DEAD_HOOK_RETRY`]). The default does nothing.
    fn on_dead(
        self,
        dead: DeadJob<Self::Services>,
    ) -> impl Future<Output = Result<(), JobError>> + Send {
        let _ = dead;
        async { Ok(()) }
    }

    /// A key under which enqueueing this payload again (in the same
    /// organisation) returns the first job instead of a new one; a key given
    /// to [`Enqueue::key`] wins. None: every enqueue is a new job.
    fn idempotency_key(&self) -> Option<String> {
        None
    }

    /// Enqueues this payload on the caller's connection, normally inside
    /// the transaction that writes the business rows it belongs to, with
    /// the kind's policy: the only way a kind is enqueued. Through a
    /// [`crate::JobTx`] the job is pushed to Redis as soon as it commits.
    fn enqueue<T: EnqueueTarget + ?Sized>(
        &self,
        conn: &mut T,
        to: Enqueue,
    ) -> impl Future<Output = sqlx::Result<db::Enqueued>> + Send {
        let payload = serde_json::to_value(self).expect("job payloads serialise to JSON");
        let to = match to.key {
            Some(_) => to,
            None => to.key(self.idempotency_key()),
        };
        crate::handoff::enqueue(
            conn,
            to.new_job(Self::KIND, Self::policy().max_attempts, payload),
        )
    }
}

/// Whose job it is and when it may run: the options of an enqueue.
#[derive(Debug, Clone, Default)]
pub struct Enqueue {
    organisation_id: Option<Uuid>,
    key: Option<String>,
    run_at: Option<DateTime<Utc>>,
}

impl Enqueue {
    /// A system job (scheduler, operators): visible to platform admins only.
    pub fn system() -> Self {
        Self::default()
    }

    /// A job of organisation `org`, visible to its members.
    pub fn for_org(org: Uuid) -> Self {
        Self {
            organisation_id: Some(org),
            ..Self::default()
        }
    }

    /// The idempotency key (unique per organisation and kind).
    pub fn key(mut self, key: impl Into<Option<String>>) -> Self {
        self.key = key.into();
        self
    }

    /// Not before `when` (None: now).
    pub fn at(mut self, when: impl Into<Option<DateTime<Utc>>>) -> Self {
        self.run_at = when.into();
        self
    }

    /// The row to insert (the job engine's own use: typed and untyped
    /// enqueues and schedules go through here).
    pub(crate) fn new_job(self, kind: &str, max_attempts: i32, payload: Value) -> db::NewJob {
        db::NewJob {
            kind: kind.to_owned(),
            organisation_id: self.organisation_id,
            payload,
            max_attempts,
            idempotency_key: self.key,
            run_at: self.run_at,
        }
    }
}

/// Why an untyped enqueue was refused.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    /// The payload does not fit the kind's payload type.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Per-kind settings.
#[derive(Debug, Clone)]
pub struct KindPolicy {
    /// Jobs of this kind one worker process runs at once.
    pub concurrency: usize,
    /// Attempts before the job is `dead`.
    pub max_attempts: i32,
    /// Backoff before attempt n+1 is `base * 2^(n-1)`, capped at `max_backoff`,
    /// with jitter.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// An attempt running longer than this fails (retryable).
    pub timeout: Duration,
}

impl Default for KindPolicy {
    fn default() -> Self {
        Self {
            concurrency: 8,
            max_attempts: 5,
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3600),
            timeout: Duration::from_secs(300),
        }
    }
}

impl KindPolicy {
    /// Delay before the attempt after `attempt` (1-based) failed: exponential,
    /// capped, with "equal jitter" (uniform in [d/2, d]) so that a burst of
    /// failures does not come back as a burst.
    pub fn backoff(&self, attempt: i32) -> Duration {
        Backoff::new(self.base_backoff, self.max_backoff)
            .jitter()
            .delay(attempt.max(0) as u32)
    }
}

/// The outcome of a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Transient: retried with backoff (or after `after`, e.g. a provider's
    /// `Retry-After`) while attempts remain.
    #[error("{message}")]
    Retryable {
        message: String,
        after: Option<Duration>,
    },
    /// Permanent (bad input, aborted): `dead` at once, no retry.
    #[error("{message}")]
    Permanent { message: String },
    /// Not now, and not the job's fault (a rate limit shared by all workers
    /// is spent): back to `queued`, due after `after`, the attempt given
    /// back. Nothing holds a slot while it waits.
    #[error("{message}")]
    Snooze { message: String, after: Duration },
}

impl JobError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable {
            message: message.into(),
            after: None,
        }
    }

    pub fn retry_after(message: impl Into<String>, after: Duration) -> Self {
        Self::Retryable {
            message: message.into(),
            after: Some(after),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent {
            message: message.into(),
        }
    }

    pub fn snooze(message: impl Into<String>, after: Duration) -> Self {
        Self::Snooze {
            message: message.into(),
            after,
        }
    }
}

impl From<anyhow::Error> for JobError {
    fn from(err: anyhow::Error) -> Self {
        Self::retryable(format!("{err:#}"))
    }
}

/// What a handler knows about the attempt it runs, and its way back to the
/// platform (progress reports, the database).
pub struct JobContext<S> {
    pub job_id: Uuid,
    pub kind: &'static str,
    pub organisation_id: Option<Uuid>,
    /// 1-based number of this attempt.
    pub attempt: i32,
    pub max_attempts: i32,
    pub pool: PgPool,
    /// The application's services ([`Job::Services`]).
    pub services: Arc<S>,
    /// When this attempt started (progress of quick attempts is not written).
    pub started: std::time::Instant,
    /// The process's finishing transactions ([`JobContext::finish`]) and
    /// where this attempt's outcome stands.
    pub(crate) finishing: Option<(Arc<crate::finish::Finisher>, Arc<crate::finish::State>)>,
}

impl<S> Clone for JobContext<S> {
    fn clone(&self) -> Self {
        Self {
            job_id: self.job_id,
            kind: self.kind,
            organisation_id: self.organisation_id,
            attempt: self.attempt,
            max_attempts: self.max_attempts,
            pool: self.pool.clone(),
            services: self.services.clone(),
            started: self.started,
            finishing: self.finishing.clone(),
        }
    }
}

/// What a dead-letter hook ([`Job::on_dead`]) knows about the job that died.
pub struct DeadJob<S> {
    pub job_id: Uuid,
    pub kind: &'static str,
    pub organisation_id: Option<Uuid>,
    /// Why it died: the job's last error.
    pub reason: String,
    pub pool: PgPool,
    pub services: Arc<S>,
}

/// How long after a failed dead-letter hook it is tried again.
pub const DEAD_HOOK_RETRY: Duration = Duration::from_secs(30);

/// Progress is recorded only once an attempt has run this long: a job that
/// finishes sooner is shown finished, and its progress writes would only
/// cost round trips.
pub const PROGRESS_AFTER: Duration = Duration::from_millis(250);

impl<S> JobContext<S> {
    /// The organisation whose job this is; a job of a kind that belongs to
    /// one but was enqueued without (by an operator) fails for good.
    pub fn organisation(&self) -> Result<Uuid, JobError> {
        self.organisation_id.ok_or_else(|| {
            JobError::permanent(format!("a {} job belongs to an organisation", self.kind))
        })
    }

    /// Runs a job's last writes in a transaction that also records the
    /// attempt `succeeded`, shared with the other attempts of this process
    /// finishing at the same moment (see [`crate::finish`]): one commit for
    /// many jobs, and the writes and the outcome land together or not at
    /// all.
    ///
    /// `writes` answers `Some(result)` to commit (the job's result),
    /// `None` to take its writes back (finish then answers
    /// [`Finished::Nothing`](crate::finish::Finished) and the job goes
    /// on), or an error, which takes them back and is returned. On
    /// [`Finished::Recorded`](crate::finish::Finished) the attempt is over:
    /// the handler returns that result and nothing more is written for it.
    /// A job cancelled or taken over meanwhile writes nothing and gets an
    /// error. Writes run in a savepoint: they must not commit or roll back
    /// themselves.
    pub async fn finish<F>(&self, writes: F) -> Result<crate::finish::Finished, JobError>
    where
        F: for<'c> FnOnce(
                &'c mut sqlx::PgConnection,
            ) -> Pin<
                Box<dyn Future<Output = Result<Option<Value>, JobError>> + Send + 'c>,
            > + Send
            + 'static,
    {
        use crate::finish::{Finished, Reply, Request};
        let Some((finisher, state)) = &self.finishing else {
            return Err(JobError::retryable(
                "finishing writes need the runner (this attempt was not started by one)",
            ));
        };
        let request = Request {
            id: self.job_id,
            attempt: self.attempt,
            writes: Box::new(writes),
            state: state.clone(),
        };
        match finisher.call(request).await {
            Ok(Reply::Recorded(result)) => Ok(Finished::Recorded(result)),
            Ok(Reply::Nothing) => Ok(Finished::Nothing),
            Ok(Reply::Failed(e)) => Err(e),
            Ok(Reply::Discarded) => Err(JobError::retryable(crate::finish::TAKEN)),
            Err(e) => Err(JobError::retryable(format!("database: {e}"))),
        }
    }

    /// Records progress (0–100 and a short message) for the status endpoint,
    /// once the attempt has run for [`PROGRESS_AFTER`]. Only the attempt that
    /// holds the job can write it.
    ///
    /// Progress is advisory: if it cannot be written (Postgres briefly
    /// away) the attempt goes on and the next report or the outcome catches
    /// up; failing a long parse over a progress bar would waste the work.
    pub async fn progress(&self, percent: u8, message: &str) -> Result<(), JobError> {
        if self.started.elapsed() < PROGRESS_AFTER {
            return Ok(());
        }
        if let Err(e) = crate::db::set_progress(
            &self.pool,
            self.job_id,
            self.attempt,
            percent.min(100),
            message,
        )
        .await
        {
            tracing::warn!(job.id = %self.job_id, error = %e, "recording progress failed; going on");
        }
        Ok(())
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Handler<S> =
    Arc<dyn Fn(Value, JobContext<S>) -> BoxFuture<Result<Value, JobError>> + Send + Sync>;
type DeadHandler<S> =
    Arc<dyn Fn(Value, DeadJob<S>) -> BoxFuture<Result<(), JobError>> + Send + Sync>;
type Validator = fn(&Value) -> Result<(), String>;

/// A registered kind, type-erased so the worker can run any of them from a
/// job row.
pub struct KindSpec<S> {
    pub name: &'static str,
    pub policy: KindPolicy,
    handler: Handler<S>,
    dead_handler: DeadHandler<S>,
    validate: Validator,
}

impl<S> Clone for KindSpec<S> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            policy: self.policy.clone(),
            handler: self.handler.clone(),
            dead_handler: self.dead_handler.clone(),
            validate: self.validate,
        }
    }
}

impl<S> std::fmt::Debug for KindSpec<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindSpec")
            .field("name", &self.name)
            .field("policy", &self.policy)
            .finish()
    }
}

impl<S: Send + Sync + 'static> KindSpec<S> {
    fn of<J: Job<Services = S>>() -> Self {
        Self {
            name: J::KIND,
            policy: J::policy(),
            handler: Arc::new(|payload, ctx| {
                Box::pin(async move {
                    let job: J = serde_json::from_value(payload).map_err(|e| {
                        JobError::permanent(format!("payload does not match {}: {e}", J::KIND))
                    })?;
                    job.run(ctx).await
                })
            }),
            dead_handler: Arc::new(|payload, dead| {
                Box::pin(async move {
                    let job: J = serde_json::from_value(payload).map_err(|e| {
                        JobError::permanent(format!("payload does not match {}: {e}", J::KIND))
                    })?;
                    job.on_dead(dead).await
                })
            }),
            validate: |payload| {
                serde_json::from_value::<J>(payload.clone())
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        }
    }

    /// Checks that a payload deserialises into this kind's payload type.
    pub fn validate(&self, payload: &Value) -> Result<(), String> {
        (self.validate)(payload)
    }

    /// Runs one attempt of this kind.
    pub fn run(&self, payload: Value, ctx: JobContext<S>) -> BoxFuture<Result<Value, JobError>> {
        (self.handler)(payload, ctx)
    }

    /// Runs this kind's dead-letter hook for a job that died.
    pub fn on_dead(&self, payload: Value, dead: DeadJob<S>) -> BoxFuture<Result<(), JobError>> {
        (self.dead_handler)(payload, dead)
    }

    /// The untyped enqueue, for callers that hold a kind's name and a JSON
    /// payload rather than its type (operators' admin route, schedules from
    /// configuration): the payload must fit the kind's payload type.
    pub async fn enqueue_json(
        &self,
        conn: &mut (impl EnqueueTarget + ?Sized),
        payload: Value,
        to: Enqueue,
    ) -> Result<db::Enqueued, EnqueueError> {
        self.validate(&payload).map_err(EnqueueError::Invalid)?;
        let job = to.new_job(self.name, self.policy.max_attempts, payload);
        Ok(crate::handoff::enqueue(conn, job).await?)
    }
}

/// Every kind this process knows, by name, and the periodic jobs declared
/// for them.
/// `S` is the application's services type ([`Job::Services`]).
pub struct Registry<S> {
    kinds: BTreeMap<&'static str, KindSpec<S>>,
    periodic: Vec<crate::schedule::Periodic>,
}

impl<S> Default for Registry<S> {
    fn default() -> Self {
        Self {
            kinds: BTreeMap::new(),
            periodic: Vec::new(),
        }
    }
}

impl<S> Clone for Registry<S> {
    fn clone(&self) -> Self {
        Self {
            kinds: self.kinds.clone(),
            periodic: self.periodic.clone(),
        }
    }
}

impl<S> std::fmt::Debug for Registry<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds)
            .field("periodic", &self.periodic)
            .finish()
    }
}

impl<S: Send + Sync + 'static> Registry<S> {
    pub fn register<J: Job<Services = S>>(&mut self) -> &mut Self {
        let spec = KindSpec::of::<J>();
        assert!(
            self.kinds.insert(spec.name, spec).is_none(),
            "job kind {} registered twice",
            J::KIND
        );
        self
    }

    /// Declares a periodic job: `payload` (of a registered kind) enqueued
    /// on every tick of `cron` (crontab syntax, optional leading seconds
    /// field), as the schedule `name`. `TALENTI_SCHEDULE` can change its
    /// expression or turn it off (see [`crate::schedule::resolve`]).
    pub fn every<J: Job<Services = S>>(
        &mut self,
        name: &'static str,
        cron: &'static str,
        payload: J,
    ) -> &mut Self {
        assert!(
            self.kinds.contains_key(J::KIND),
            "schedule {name}: job kind {} is not registered",
            J::KIND
        );
        assert!(
            self.periodic.iter().all(|p| p.name != name),
            "schedule {name} declared twice"
        );
        self.periodic.push(crate::schedule::Periodic {
            name,
            kind: J::KIND,
            cron,
            payload: serde_json::to_value(&payload).expect("job payloads serialise to JSON"),
        });
        self
    }

    /// The periodic jobs declared with [`Registry::every`].
    pub fn periodic(&self) -> &[crate::schedule::Periodic] {
        &self.periodic
    }

    pub fn get(&self, name: &str) -> Option<&KindSpec<S>> {
        self.kinds.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }

    pub fn specs(&self) -> impl Iterator<Item = &KindSpec<S>> {
        self.kinds.values()
    }

    /// Overrides a kind's concurrency (operator setting).
    pub fn set_concurrency(&mut self, name: &str, concurrency: usize) -> bool {
        match self.kinds.get_mut(name) {
            Some(spec) => {
                spec.policy.concurrency = concurrency.max(1);
                true
            }
            None => false,
        }
    }

    /// Keeps only the named kinds (a worker running a subset).
    pub fn retain(&mut self, names: &[String]) {
        self.kinds.retain(|k, _| names.iter().any(|n| n == k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_jitter_bounds() {
        let policy = KindPolicy {
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            ..KindPolicy::default()
        };
        for (attempt, full) in [(1, 1_000), (2, 2_000), (3, 4_000), (4, 8_000), (9, 10_000)] {
            for _ in 0..50 {
                let d = policy.backoff(attempt).as_millis() as u64;
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d}ms");
            }
        }
    }
}
