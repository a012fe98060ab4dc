//! The `jobs` table: every state change of a job goes through here.
//!
//! Statuses: `queued` (waiting), `running` (claimed under a lease), `failed`
//! (an attempt failed; will retry at `run_at`), `succeeded`, `dead` (out of
//! attempts or permanently failed), `cancelled`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::JOBS_CHANNEL;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "job_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Dead,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "dead" => Self::Dead,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Dead | Self::Cancelled)
    }
}

/// Whether `e` says the database is out of reach, rather than that a query
/// was wrong: no connection within the acquire timeout, a broken socket, or
/// a server refusing connections or shutting down (SQLSTATE class 08,
/// 57P01–57P03, 53300).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub status: JobStatus,
    pub attempt: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub progress_percent: Option<i16>,
    pub progress_message: Option<String>,
    pub payload: Value,
    pub result: Option<Value>,
    pub last_error: Option<String>,
    pub idempotency_key: Option<String>,
    pub worker_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Whose jobs a query may see. Every read and change of a job goes through a
/// scope, so organisation isolation is decided in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Platform operators: every job, including system jobs.
    Platform,
    /// One organisation's jobs only.
    Organisation(Uuid),
}

impl Scope {
    /// (`all`, `organisation_id`) bound as `($n::bool OR organisation_id = $n+1)`.
    pub(crate) fn binds(self) -> (bool, Option<Uuid>) {
        match self {
            Scope::Platform => (true, None),
            Scope::Organisation(org) => (false, Some(org)),
        }
    }
}

/// A job to enqueue. Built only by the job engine ([`crate::Job::enqueue`],
/// [`crate::KindSpec::enqueue_json`], schedules), so a kind's payload and
/// policy always come from its declaration.
#[derive(Debug, Clone)]
pub(crate) struct NewJob {
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub payload: Value,
    pub max_attempts: i32,
    pub idempotency_key: Option<String>,
    /// Not before this instant (None: now).
    pub run_at: Option<DateTime<Utc>>,
}

/// Result of an enqueue: the job, and whether this call created it (false:
/// the idempotency key matched an existing job, which is returned instead).
#[derive(Debug, Clone)]
pub struct Enqueued {
    pub job: JobRow,
    pub created: bool,
}

/// The columns of a [`JobRow`], for the queries that read one at run time.
const JOB_COLUMNS: &str = "id, kind, organisation_id, status, attempt, max_attempts, run_at, \
     progress_percent, progress_message, payload, result, last_error, idempotency_key, \
     worker_id, created_at, started_at, finished_at, updated_at";

/// A job just inserted, and its Redis task id if it was marked dispatched
/// by the insert itself ([`crate::handoff`]).
#[derive(sqlx::FromRow)]
struct Inserted {
    #[sqlx(flatten)]
    job: JobRow,
    redis_task_id: Option<Uuid>,
}

/// Enqueues a job on the caller's connection, normally inside the caller's
/// transaction with the business rows it belongs to: the job exists if and
/// only if that transaction commits.
///
/// With `mark`, the insert also marks the job dispatched (unless its kind is
/// paused) and returns its Redis task id: the caller pushes it to Redis
/// once the transaction commits ([`crate::handoff::JobTx`]). Otherwise
/// dispatchers are notified on commit.
pub(crate) async fn enqueue(
    conn: &mut PgConnection,
    job: NewJob,
    mark: bool,
) -> sqlx::Result<(Enqueued, Option<Uuid>)> {
    let inserted: Option<Inserted> = sqlx::query_as(&format!(
        "INSERT INTO jobs (id, kind, organisation_id, max_attempts, run_at, payload, idempotency_key,
                           dispatched_at, redis_task_id)
         SELECT $1, $2, $3, $4, COALESCE($5, clock_timestamp()), $6, $7,
                CASE WHEN m.mark THEN clock_timestamp() END, CASE WHEN m.mark THEN gen_random_uuid() END
         FROM (SELECT $8 AND NOT EXISTS (SELECT 1 FROM job_kind_pauses WHERE kind = $2) AS mark) m
         ON CONFLICT (organisation_id, kind, idempotency_key) WHERE idempotency_key IS NOT NULL
         DO NOTHING
         RETURNING {JOB_COLUMNS}, redis_task_id"
    ))
    .bind(Uuid::now_v7())
    .bind(&job.kind)
    .bind(job.organisation_id)
    .bind(job.max_attempts)
    .bind(job.run_at)
    .bind(&job.payload)
    .bind(&job.idempotency_key)
    .bind(mark)
    .fetch_optional(&mut *conn)
    .await?;

    if let Some(Inserted {
        job: row,
        redis_task_id,
    }) = inserted
    {
        if redis_task_id.is_none() {
            notify(&mut *conn).await?;
        }
        metrics::counter!("talenti_jobs_enqueued_total", "kind" => row.kind.clone()).increment(1);
        return Ok((
            Enqueued {
                job: row,
                created: true,
            },
            redis_task_id,
        ));
    }
    // The key is taken: hand back the job that holds it.
    let existing = key_holder(conn, &job).await?;
    Ok((
        Enqueued {
            job: existing,
            created: false,
        },
        None,
    ))
}

/// The job that holds `job`'s idempotency key.
async fn key_holder(conn: &mut PgConnection, job: &NewJob) -> sqlx::Result<JobRow> {
    sqlx::query_as!(
        JobRow,
        r#"SELECT id, kind, organisation_id, status AS "status: JobStatus", attempt, max_attempts, run_at,
                     progress_percent, progress_message, payload, result, last_error, idempotency_key,
                     worker_id, created_at, started_at, finished_at, updated_at
           FROM jobs
           WHERE organisation_id IS NOT DISTINCT FROM $1 AND kind = $2 AND idempotency_key = $3"#,
        job.organisation_id,
        job.kind,
        job.idempotency_key,
    )
    .fetch_one(conn)
    .await
}

/// Enqueues jobs of any kinds in one statement, each as [`enqueue`] would
/// (`marks[i]`: mark job i dispatched by the insert). Answers in the same
/// order: the job and its Redis task id if marked. A job whose idempotency
/// key is taken (also by an earlier job of the same batch) is answered with
/// the job that holds it. Notifies dispatchers of the jobs not marked.
pub(crate) async fn enqueue_batch(
    conn: &mut PgConnection,
    jobs: &[NewJob],
    marks: &[bool],
) -> sqlx::Result<Vec<(Enqueued, Option<Uuid>)>> {
    let ids: Vec<Uuid> = jobs.iter().map(|_| Uuid::now_v7()).collect();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    let orgs: Vec<Option<Uuid>> = jobs.iter().map(|j| j.organisation_id).collect();
    let attempts: Vec<i32> = jobs.iter().map(|j| j.max_attempts).collect();
    let run_ats: Vec<Option<DateTime<Utc>>> = jobs.iter().map(|j| j.run_at).collect();
    let payloads: Vec<&Value> = jobs.iter().map(|j| &j.payload).collect();
    let keys: Vec<Option<&str>> = jobs.iter().map(|j| j.idempotency_key.as_deref()).collect();
    let inserted: Vec<Inserted> = sqlx::query_as(&format!(
        "INSERT INTO jobs (id, kind, organisation_id, max_attempts, run_at, payload, idempotency_key,
                           dispatched_at, redis_task_id)
         SELECT u.id, u.kind, u.org, u.max_attempts, COALESCE(u.run_at, clock_timestamp()), u.payload, u.key,
                CASE WHEN m.mark THEN clock_timestamp() END, CASE WHEN m.mark THEN gen_random_uuid() END
         FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::timestamptz[], $6::jsonb[],
                     $7::text[], $8::bool[]) WITH ORDINALITY AS u(id, kind, org, max_attempts, run_at, payload, key, mark, n)
         CROSS JOIN LATERAL (SELECT u.mark AND NOT EXISTS (
             SELECT 1 FROM job_kind_pauses p WHERE p.kind = u.kind) AS mark) m
         ORDER BY u.n
         ON CONFLICT (organisation_id, kind, idempotency_key) WHERE idempotency_key IS NOT NULL
         DO NOTHING
         RETURNING {JOB_COLUMNS}, redis_task_id"
    ))
    .bind(&ids)
    .bind(&kinds)
    .bind(&orgs)
    .bind(&attempts)
    .bind(&run_ats)
    .bind(&payloads)
    .bind(&keys)
    .bind(marks)
    .fetch_all(&mut *conn)
    .await?;
    if inserted.iter().any(|i| i.redis_task_id.is_none()) {
        notify(&mut *conn).await?;
    }
    let mut by_id: std::collections::HashMap<Uuid, Inserted> =
        inserted.into_iter().map(|i| (i.job.id, i)).collect();
    let mut out = Vec::with_capacity(jobs.len());
    for (job, id) in jobs.iter().zip(&ids) {
        match by_id.remove(id) {
            Some(Inserted {
                job: row,
                redis_task_id,
            }) => {
                metrics::counter!("talenti_jobs_enqueued_total", "kind" => row.kind.clone())
                    .increment(1);
                out.push((
                    Enqueued {
                        job: row,
                        created: true,
                    },
                    redis_task_id,
                ));
            }
            None => {
                let existing = key_holder(conn, job).await?;
                out.push((
                    Enqueued {
                        job: existing,
                        created: false,
                    },
                    None,
                ));
            }
        }
    }
    Ok(out)
}

/// Enqueues many jobs of one kind in one statement (bulk imports, benchmarks).
/// Returns their ids. No idempotency keys.
pub async fn enqueue_many(
    conn: &mut PgConnection,
    kind: &str,
    organisation_id: Option<Uuid>,
    max_attempts: i32,
    payloads: &[Value],
) -> sqlx::Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = payloads.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query!(
        "INSERT INTO jobs (id, kind, organisation_id, max_attempts, payload)
         SELECT u.id, $2, $3, $4, u.payload FROM UNNEST($1::uuid[], $5::jsonb[]) AS u(id, payload)",
        &ids,
        kind,
        organisation_id,
        max_attempts,
        payloads,
    )
    .execute(&mut *conn)
    .await?;
    notify(&mut *conn).await?;
    metrics::counter!("talenti_jobs_enqueued_total", "kind" => kind.to_owned())
        .increment(ids.len() as u64);
    Ok(ids)
}

/// Wakes dispatchers (delivered when the surrounding transaction commits).
pub async fn notify<'e>(conn: impl PgExecutor<'e>) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_notify($1, '')", JOBS_CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get<'e>(
    db: impl PgExecutor<'e>,
    scope: Scope,
    id: Uuid,
) -> sqlx::Result<Option<JobRow>> {
    let (all, org) = scope.binds();
    sqlx::query_as!(
        JobRow,
        r#"SELECT id, kind, organisation_id, status AS "status: JobStatus", attempt, max_attempts, run_at,
                     progress_percent, progress_message, payload, result, last_error, idempotency_key,
                     worker_id, created_at, started_at, finished_at, updated_at
           FROM jobs WHERE id = $1 AND ($2 OR organisation_id = $3)"#,
        id,
        all,
        org,
    )
    .fetch_optional(db)
    .await
}

/// The jobs among `ids` that `scope` sees, in no particular order.
pub async fn get_many<'e>(
    db: impl PgExecutor<'e>,
    scope: Scope,
    ids: &[Uuid],
) -> sqlx::Result<Vec<JobRow>> {
    let (all, org) = scope.binds();
    sqlx::query_as!(
        JobRow,
        r#"SELECT id, kind, organisation_id, status AS "status: JobStatus", attempt, max_attempts, run_at,
                     progress_percent, progress_message, payload, result, last_error, idempotency_key,
                     worker_id, created_at, started_at, finished_at, updated_at
           FROM jobs WHERE id = ANY($1) AND ($2 OR organisation_id = $3)"#,
        ids,
        all,
        org,
    )
    .fetch_all(db)
    .await
}

/// Filters for listing jobs, newest first, with a cursor (the last id seen).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub kind: Option<String>,
    pub status: Option<JobStatus>,
    /// Jobs whose payload contains this JSON (`@>`), e.g.
    /// `{"resume_id": "…"}`. Not indexed: narrow by kind on big tables.
    pub payload: Option<Value>,
    pub before: Option<Uuid>,
    pub limit: i64,
}

pub async fn list<'e>(
    db: impl PgExecutor<'e>,
    scope: Scope,
    filter: &ListFilter,
) -> sqlx::Result<Vec<JobRow>> {
    let (all, org) = scope.binds();
    sqlx::query_as!(
        JobRow,
        r#"SELECT id, kind, organisation_id, status AS "status: JobStatus", attempt, max_attempts, run_at,
                     progress_percent, progress_message, payload, result, last_error, idempotency_key,
                     worker_id, created_at, started_at, finished_at, updated_at
           FROM jobs
           WHERE ($1 OR organisation_id = $2)
             AND ($3::text IS NULL OR kind = $3)
             AND ($4::job_status IS NULL OR status = $4)
             AND ($5::uuid IS NULL OR id < $5)
             AND ($7::jsonb IS NULL OR payload @> $7)
           ORDER BY id DESC
           LIMIT $6"#,
        all,
        org,
        filter.kind,
        filter.status as Option<JobStatus>,
        filter.before,
        filter.limit,
        filter.payload,
    )
    .fetch_all(db)
    .await
}

/// Why a retry or cancel did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    NotFound,
    /// The job is in a status the transition does not start from.
    WrongStatus(JobStatus),
}

/// An operator's retry: a `dead` or `failed` job goes back to `queued`, due
/// now, with `extra_attempts` more attempts than it has used.
pub async fn retry(
    conn: &mut PgConnection,
    scope: Scope,
    id: Uuid,
    extra_attempts: i32,
) -> sqlx::Result<Result<JobRow, TransitionError>> {
    let (all, org) = scope.binds();
    let row = sqlx::query_as!(
        JobRow,
        r#"UPDATE jobs SET status = 'queued', run_at = clock_timestamp(), dispatched_at = NULL,
                  redis_task_id = NULL, finished_at = NULL, lease_expires_at = NULL, dead_hook_at = NULL,
                  max_attempts = GREATEST(max_attempts, attempt + $4), updated_at = clock_timestamp()
           WHERE id = $1 AND ($2 OR organisation_id = $3) AND status IN ('dead', 'failed')
           RETURNING id, kind, organisation_id, status AS "status: JobStatus", attempt, max_attempts, run_at,
                     progress_percent, progress_message, payload, result, last_error, idempotency_key,
                     worker_id, created_at, started_at, finished_at, updated_at"#,
        id,
        all,
        org,
        extra_attempts,
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => {
            notify(&mut *conn).await?;
            Ok(Ok(row))
        }
        None => Ok(Err(current_status_error(&mut *conn, scope, id).await?)),
    }
}

/// Cancels a job that has not finished. A running attempt is told to stop
/// (its worker sees the lease gone) and its outcome is discarded.
pub async fn cancel(
    conn: &mut PgConnection,
    scope: Scope,
    id: Uuid,
) -> sqlx::Result<Result<JobRow, TransitionError>> {
    let (all, org) = scope.binds();
    let row = sqlx::query_as!(
        JobRow,
        r#"UPDATE jobs SET status = 'cancelled', finished_at = clock_timestamp(), dispatched_at = NULL,
                  lease_expires_at = NULL, updated_at = clock_timestamp()
           WHERE id = $1 AND ($2 OR organisation_id = $3) AND status IN ('queued', 'failed', 'running')
           RETURNING id, kind, organisation_id, status AS "status: JobStatus", attempt, max_attempts, run_at,
                     progress_percent, progress_message, payload, result, last_error, idempotency_key,
                     worker_id, created_at, started_at, finished_at, updated_at"#,
        id,
        all,
        org,
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Ok(row)),
        None => Ok(Err(current_status_error(&mut *conn, scope, id).await?)),
    }
}

async fn current_status_error(
    conn: &mut PgConnection,
    scope: Scope,
    id: Uuid,
) -> sqlx::Result<TransitionError> {
    Ok(match get(&mut *conn, scope, id).await? {
        Some(job) => TransitionError::WrongStatus(job.status),
        None => TransitionError::NotFound,
    })
}

/// A job a worker has claimed for one attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub payload: Value,
    pub attempt: i32,
    pub max_attempts: i32,
    /// How long the job waited, due, before this claim, in seconds.
    pub waited_secs: f64,
}

/// Claims jobs for `worker_id` under a lease. A job is claimable when it is
/// due and waiting (`queued`/`failed`), or `running` under an expired lease,
/// and has attempts left. A finished job, one running under a live lease, or
/// one not yet due is refused, so a duplicate delivery from Redis is harmless.
pub async fn claim<'e>(
    db: impl PgExecutor<'e>,
    ids: &[Uuid],
    worker_id: &str,
    lease: Duration,
) -> sqlx::Result<Vec<Claimed>> {
    sqlx::query_as!(
        Claimed,
        "UPDATE jobs SET status = 'running', attempt = attempt + 1, worker_id = $2,
                lease_expires_at = clock_timestamp() + $3 * interval '1 millisecond',
                started_at = clock_timestamp(), dispatched_at = NULL,
                progress_percent = NULL, progress_message = NULL, updated_at = clock_timestamp()
         WHERE id = ANY($1) AND attempt < max_attempts
           AND ((status IN ('queued', 'failed') AND run_at <= clock_timestamp())
                OR (status = 'running' AND lease_expires_at < clock_timestamp()))
         RETURNING id, kind, organisation_id, payload, attempt, max_attempts,
                   GREATEST(EXTRACT(EPOCH FROM started_at - run_at), 0)::float8 AS \"waited_secs!\"",
        ids,
        worker_id,
        lease.as_millis() as f64,
    )
    .fetch_all(db)
    .await
}

/// Ids of up to `limit` jobs of `kinds` a claim would take now: waiting
/// and due, with attempts left; the longest due first. For running due jobs
/// without Redis ([`crate::runner::Runner::run_due_once`]).
pub async fn due_ids<'e>(
    db: impl PgExecutor<'e>,
    kinds: &[String],
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "SELECT id FROM jobs
         WHERE kind = ANY($1) AND status IN ('queued', 'failed') AND attempt < max_attempts
           AND run_at <= clock_timestamp()
           AND kind NOT IN (SELECT kind FROM job_kind_pauses)
         ORDER BY run_at, id
         LIMIT $2",
        kinds,
        limit,
    )
    .fetch_all(db)
    .await
}

/// The recorded end of one attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: Uuid,
    pub attempt: i32,
    pub status: JobStatus,
    pub result: Option<Value>,
    pub error: Option<String>,
    /// For `failed`: when the next attempt is due.
    pub retry_at: Option<DateTime<Utc>>,
}

/// Records attempt outcomes in one statement (`queued`: a snoozed attempt,
/// given back), counting them in the
/// kind's minute of `job_minutes` (throughput). Only the attempt that holds the
/// job writes (status `running`, same attempt number): a cancelled job or one
/// whose lease was lost and re-claimed elsewhere keeps its newer state.
/// Returns the ids whose outcome was recorded.
pub async fn record_outcomes<'e>(
    db: impl PgExecutor<'e>,
    outcomes: &[Outcome],
) -> sqlx::Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = outcomes.iter().map(|o| o.id).collect();
    let attempts: Vec<i32> = outcomes.iter().map(|o| o.attempt).collect();
    let statuses: Vec<&str> = outcomes.iter().map(|o| o.status.as_str()).collect();
    let results: Vec<Option<Value>> = outcomes.iter().map(|o| o.result.clone()).collect();
    let errors: Vec<Option<String>> = outcomes.iter().map(|o| o.error.clone()).collect();
    let retry_ats: Vec<Option<DateTime<Utc>>> = outcomes.iter().map(|o| o.retry_at).collect();
    let shard = rand::random::<u8>() as i16 % 16;
    sqlx::query_scalar!(
        "WITH done AS (
         UPDATE jobs SET status = u.status::job_status,
                attempt = CASE WHEN u.status = 'queued' THEN jobs.attempt - 1 ELSE jobs.attempt END,
                result = COALESCE(u.result, jobs.result),
                last_error = COALESCE(u.error, jobs.last_error),
                run_at = COALESCE(u.retry_at, jobs.run_at),
                lease_expires_at = NULL, dispatched_at = NULL,
                progress_percent = CASE WHEN u.status = 'succeeded' THEN 100 ELSE jobs.progress_percent END,
                progress_message = CASE WHEN u.status = 'succeeded' THEN NULL ELSE jobs.progress_message END,
                finished_at = CASE WHEN u.status IN ('succeeded', 'dead') THEN clock_timestamp() END,
                dead_hook_at = CASE WHEN u.status = 'dead' THEN clock_timestamp() END,
                updated_at = clock_timestamp()
         FROM UNNEST($1::uuid[], $2::int[], $3::text[], $4::jsonb[], $5::text[], $6::timestamptz[])
              AS u(id, attempt, status, result, error, retry_at)
         WHERE jobs.id = u.id AND jobs.status = 'running' AND jobs.attempt = u.attempt
         RETURNING jobs.id, jobs.kind, jobs.status
         ), counted AS (
             INSERT INTO job_minutes (minute, kind, shard, succeeded, failed, dead)
             SELECT date_trunc('minute', clock_timestamp()), kind, $7,
                    count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed'),
                    count(*) FILTER (WHERE status = 'dead')
             FROM done GROUP BY kind
             ON CONFLICT (minute, kind, shard) DO UPDATE SET
                 succeeded = job_minutes.succeeded + EXCLUDED.succeeded,
                 failed = job_minutes.failed + EXCLUDED.failed,
                 dead = job_minutes.dead + EXCLUDED.dead
         )
         SELECT id AS \"id!\" FROM done",
        &ids,
        &attempts,
        &statuses as &[&str],
        &results as &[Option<Value>],
        &errors as &[Option<String>],
        &retry_ats as &[Option<DateTime<Utc>>],
        shard,
    )
    .fetch_all(db)
    .await
}

/// Locks the jobs still `running` under the given attempts (in id order,
/// so concurrent callers cannot deadlock) until the transaction ends;
/// returns their ids. What [`crate::finish`] checks before an attempt's
/// writes.
pub async fn hold_running(
    conn: &mut PgConnection,
    ids: &[Uuid],
    attempts: &[i32],
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "SELECT j.id FROM jobs j
         JOIN UNNEST($1::uuid[], $2::int[]) AS u(id, attempt) ON j.id = u.id AND j.attempt = u.attempt
         WHERE j.status = 'running'
         ORDER BY j.id FOR UPDATE OF j",
        ids,
        attempts,
    )
    .fetch_all(conn)
    .await
}

/// Extends the lease of running attempts this worker holds. Returns the ids
/// still held; any other id was cancelled or lost its lease.
pub async fn renew_leases<'e>(
    db: impl PgExecutor<'e>,
    ids: &[Uuid],
    worker_id: &str,
    lease: Duration,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "UPDATE jobs SET lease_expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         WHERE id = ANY($1) AND status = 'running' AND worker_id = $2
         RETURNING id",
        ids,
        worker_id,
        lease.as_millis() as f64,
    )
    .fetch_all(db)
    .await
}

/// Gives back attempts a shutting-down worker could not finish: they are
/// queued again at once and the interrupted attempt is not counted.
pub async fn hand_back(pool: &PgPool, ids: &[Uuid], worker_id: &str) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE jobs SET status = 'queued', attempt = attempt - 1, run_at = clock_timestamp(),
                lease_expires_at = NULL, dispatched_at = NULL,
                last_error = 'interrupted by worker shutdown; handed back', updated_at = clock_timestamp()
         WHERE id = ANY($1) AND status = 'running' AND worker_id = $2",
        ids,
        worker_id,
    )
    .execute(pool)
    .await?;
    if done.rows_affected() > 0 {
        notify(pool).await?;
    }
    Ok(done.rows_affected())
}

/// Orphan recovery: attempts whose lease expired (their worker died) end as
/// failed; the job is due again at once, or `dead` if out of attempts — so a
/// job that kills its worker every time stops. Dispatchers are woken.
/// Returns how many.
pub async fn reap_expired_leases(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE jobs SET
                status = CASE WHEN attempt >= max_attempts THEN 'dead'::job_status ELSE 'failed'::job_status END,
                last_error = 'worker lost during attempt ' || attempt || ' (lease expired)',
                finished_at = CASE WHEN attempt >= max_attempts THEN clock_timestamp() END,
                dead_hook_at = CASE WHEN attempt >= max_attempts THEN clock_timestamp() END,
                run_at = clock_timestamp(), lease_expires_at = NULL, dispatched_at = NULL,
                updated_at = clock_timestamp()
         WHERE status = 'running' AND lease_expires_at < clock_timestamp()",
    )

    .execute(pool)
    .await?;
    if done.rows_affected() > 0 {
        notify(pool).await?;
    }
    Ok(done.rows_affected())
}

/// A dead job whose `on_dead` hook is due, held by the caller until
/// `held_until`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadHook {
    pub id: Uuid,
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub payload: Value,
    pub last_error: Option<String>,
    pub held_until: DateTime<Utc>,
}

/// Takes up to `limit` due dead-letter hooks of `kinds`, holding each for
/// `hold` (another worker takes it again only after that). Concurrent
/// callers take different jobs.
pub async fn claim_dead_hooks(
    pool: &PgPool,
    kinds: &[String],
    limit: i64,
    hold: Duration,
) -> sqlx::Result<Vec<DeadHook>> {
    sqlx::query_as!(
        DeadHook,
        "UPDATE jobs SET dead_hook_at = clock_timestamp() + $3 * interval '1 millisecond'
         WHERE id IN (SELECT id FROM jobs
                      WHERE dead_hook_at <= clock_timestamp() AND status = 'dead' AND kind = ANY($1)
                      ORDER BY dead_hook_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, kind, organisation_id, payload, last_error, dead_hook_at AS \"held_until!\"",
        kinds,
        limit,
        hold.as_millis() as f64,
    )
    .fetch_all(pool)
    .await
}

/// Settles hooks taken by [`claim_dead_hooks`]: `retry_in` None marks the
/// hook done, Some makes it due again after that long. A hook whose job
/// was retried (or taken again after its hold ran out) meanwhile is left
/// as it is.
pub async fn settle_dead_hooks(
    pool: &PgPool,
    hooks: &[(&DeadHook, Option<Duration>)],
) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = hooks.iter().map(|(h, _)| h.id).collect();
    let held: Vec<DateTime<Utc>> = hooks.iter().map(|(h, _)| h.held_until).collect();
    let retry_ms: Vec<Option<f64>> = hooks
        .iter()
        .map(|(_, r)| r.map(|d| d.as_millis() as f64))
        .collect();
    sqlx::query!(
        "UPDATE jobs SET dead_hook_at = clock_timestamp() + u.retry_ms * interval '1 millisecond'
         FROM UNNEST($1::uuid[], $2::timestamptz[], $3::float8[]) AS u(id, held, retry_ms)
         WHERE jobs.id = u.id AND jobs.dead_hook_at = u.held AND jobs.status = 'dead'",
        &ids,
        &held,
        &retry_ms as &[Option<f64>],
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes throughput minutes before `before`; how many rows.
pub async fn prune_minutes(pool: &PgPool, before: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("DELETE FROM job_minutes WHERE minute < $1", before)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Deletes up to `limit` finished jobs: succeeded or cancelled before
/// `finished_before`, dead before `dead_before` with their dead-letter hook
/// run. Ids are UUIDv7, so only the primary key's range of jobs created
/// before the later cutoff is scanned (no index on `finished_at` to keep
/// up on every outcome), from above `after`: where the previous batch
/// ended, so a purge of millions does not step over the index entries of
/// every row it already deleted at each batch. Returns how many, and the
/// highest id deleted (the next batch's `after`).
pub async fn prune_finished(
    pool: &PgPool,
    finished_before: DateTime<Utc>,
    dead_before: DateTime<Utc>,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<(u64, Option<Uuid>)> {
    let done = sqlx::query!(
        r#"WITH gone AS (
             DELETE FROM jobs WHERE id IN (
                SELECT id FROM jobs
                WHERE id < $1 AND id > $5
                  AND ((status IN ('succeeded', 'cancelled') AND COALESCE(finished_at, updated_at) < $2)
                    OR (status = 'dead' AND COALESCE(finished_at, updated_at) < $3 AND dead_hook_at IS NULL))
                ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
             RETURNING id)
           SELECT (SELECT count(*) FROM gone) AS "deleted!",
                  (SELECT id FROM gone ORDER BY id DESC LIMIT 1) AS last"#,
        uuid_v7_floor(finished_before.max(dead_before)),
        finished_before,
        dead_before,
        limit,
        after.unwrap_or(Uuid::nil()),
    )
    .fetch_one(pool)
    .await?;
    Ok((done.deleted as u64, done.last))
}

/// The smallest UUIDv7 of the millisecond `t`: every id made at or after
/// `t` sorts above it.
fn uuid_v7_floor(t: DateTime<Utc>) -> Uuid {
    let ms = t.timestamp_millis().max(0) as u64;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

pub async fn set_progress(
    pool: &PgPool,
    id: Uuid,
    attempt: i32,
    percent: u8,
    message: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE jobs SET progress_percent = $3, progress_message = $4, updated_at = clock_timestamp()
         WHERE id = $1 AND attempt = $2 AND status = 'running'",
        id,
        attempt,
        percent as i16,
        message,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A job handed to Redis for its current attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Dispatched {
    pub id: Uuid,
    pub redis_task_id: Uuid,
}

/// A job just marked dispatched, and how long it had been due.
struct Marked {
    id: Uuid,
    redis_task_id: Uuid,
    lag_secs: f64,
}

/// The marked jobs to push, their dispatch lag (due → Redis) recorded.
fn dispatched(kind: &str, marked: Vec<Marked>) -> Vec<Dispatched> {
    let lag = metrics::histogram!("talenti_dispatch_lag_seconds", "kind" => kind.to_owned());
    marked
        .into_iter()
        .map(|m| {
            lag.record(m.lag_secs);
            Dispatched {
                id: m.id,
                redis_task_id: m.redis_task_id,
            }
        })
        .collect()
}

/// Marks up to `limit` due jobs of `kind` as dispatched, each with a fresh
/// Redis task id; none while the kind is paused ([`crate::control`]). Run inside the dispatcher's transaction so that a failed
/// push to Redis rolls the marks back.
pub async fn mark_dispatched(
    conn: &mut PgConnection,
    kind: &str,
    limit: i64,
) -> sqlx::Result<Vec<Dispatched>> {
    let marked = sqlx::query_as!(
        Marked,
        "UPDATE jobs SET dispatched_at = clock_timestamp(), redis_task_id = gen_random_uuid()
         WHERE id IN (
             SELECT id FROM jobs
             WHERE kind = $1 AND status IN ('queued', 'failed') AND dispatched_at IS NULL
               AND run_at <= clock_timestamp()
               AND NOT EXISTS (SELECT 1 FROM job_kind_pauses WHERE kind = $1)
             ORDER BY run_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
         RETURNING id, redis_task_id AS \"redis_task_id!\",
                   GREATEST(EXTRACT(EPOCH FROM dispatched_at - run_at), 0)::float8 AS \"lag_secs!\"",
        kind,
        limit,
    )
    .fetch_all(conn)
    .await?;
    Ok(dispatched(kind, marked))
}

/// [`mark_dispatched`] with fairness between tenants (organisations;
/// system jobs are one tenant): each tenant gets at most `cap` of the
/// kind's jobs in flight (waiting in Redis or running), and tenants are
/// taken in turn — every tenant's oldest due job before anyone's second.
/// Reads the distinct tenants with due jobs by a loose index scan and each
/// one's oldest jobs by index, so the cost follows the number of tenants,
/// not the backlog.
pub async fn mark_dispatched_fair(
    conn: &mut PgConnection,
    kind: &str,
    limit: i64,
    cap: i64,
) -> sqlx::Result<Vec<Dispatched>> {
    let marked = sqlx::query_as!(
        Marked,
        r#"WITH RECURSIVE tenants AS (
               (SELECT COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid) AS tenant FROM jobs
                WHERE kind = $1 AND status IN ('queued', 'failed') AND dispatched_at IS NULL
                ORDER BY COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid) LIMIT 1)
               UNION ALL
               SELECT (SELECT COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid) FROM jobs
                       WHERE kind = $1 AND status IN ('queued', 'failed') AND dispatched_at IS NULL
                         AND COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid) > t.tenant
                       ORDER BY COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid) LIMIT 1)
               FROM tenants t WHERE t.tenant IS NOT NULL
           ), chosen AS (
               SELECT j.id, j.run_at, j.nth
               FROM tenants t
               CROSS JOIN LATERAL (
                   SELECT count(*) AS n FROM jobs f
                   WHERE f.kind = $1
                     AND COALESCE(f.organisation_id, '00000000-0000-0000-0000-000000000000'::uuid) = t.tenant
                     AND (f.status = 'running' OR (f.status IN ('queued', 'failed') AND f.dispatched_at IS NOT NULL))
               ) inflight
               CROSS JOIN LATERAL (
                   SELECT d.id, d.run_at, row_number() OVER (ORDER BY d.run_at) AS nth FROM jobs d
                   WHERE d.kind = $1
                     AND COALESCE(d.organisation_id, '00000000-0000-0000-0000-000000000000'::uuid) = t.tenant
                     AND d.status IN ('queued', 'failed') AND d.dispatched_at IS NULL
                     AND d.run_at <= clock_timestamp()
                   ORDER BY d.run_at LIMIT GREATEST($3 - inflight.n, 0)
               ) j
               WHERE t.tenant IS NOT NULL
               ORDER BY j.nth, j.run_at
               LIMIT $2
           )
           UPDATE jobs SET dispatched_at = clock_timestamp(), redis_task_id = gen_random_uuid()
           WHERE id IN (SELECT c.id FROM chosen c JOIN jobs l ON l.id = c.id
                        WHERE l.status IN ('queued', 'failed') AND l.dispatched_at IS NULL FOR UPDATE OF l SKIP LOCKED)
             AND NOT EXISTS (SELECT 1 FROM job_kind_pauses WHERE kind = $1)
           RETURNING id, redis_task_id AS "redis_task_id!",
                     GREATEST(EXTRACT(EPOCH FROM dispatched_at - run_at), 0)::float8 AS "lag_secs!""#,
        kind,
        limit,
        cap,
    )
    .fetch_all(conn)
    .await?;
    Ok(dispatched(kind, marked))
}

/// When the next not-yet-due job of `kind` becomes due, if any (none while
/// the kind is paused: its resume wakes the dispatchers).
pub async fn next_due<'e>(
    db: impl PgExecutor<'e>,
    kind: &str,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(
        "SELECT min(run_at) FROM jobs
         WHERE kind = $1 AND status IN ('queued', 'failed') AND dispatched_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM job_kind_pauses WHERE kind = $1)",
        kind,
    )
    .fetch_one(db)
    .await
}

/// Jobs of `kind` believed to be in Redis since before `older_than` ago.
pub async fn stale_dispatched<'e>(
    db: impl PgExecutor<'e>,
    kind: &str,
    older_than: Duration,
    limit: i64,
) -> sqlx::Result<Vec<Dispatched>> {
    sqlx::query_as!(
        Dispatched,
        "SELECT id, redis_task_id AS \"redis_task_id!\" FROM jobs
         WHERE status IN ('queued', 'failed') AND dispatched_at IS NOT NULL
           AND dispatched_at < clock_timestamp() - $2 * interval '1 millisecond' AND kind = $1
         ORDER BY dispatched_at
         LIMIT $3",
        kind,
        older_than.as_millis() as f64,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Forgets the dispatch of jobs whose Redis task was lost, so they are
/// dispatched again (dispatchers are woken). Only touches the dispatch named
/// (same task id).
pub async fn undispatch(pool: &PgPool, lost: &[Dispatched]) -> sqlx::Result<u64> {
    let ids: Vec<Uuid> = lost.iter().map(|d| d.id).collect();
    let tasks: Vec<Uuid> = lost.iter().map(|d| d.redis_task_id).collect();
    let done = sqlx::query!(
        "UPDATE jobs SET dispatched_at = NULL, redis_task_id = NULL
         FROM UNNEST($1::uuid[], $2::uuid[]) AS u(id, task)
         WHERE jobs.id = u.id AND jobs.redis_task_id = u.task AND jobs.status IN ('queued', 'failed')",
        &ids,
        &tasks,
    )
    .execute(pool)
    .await?;
    if done.rows_affected() > 0 {
        notify(pool).await?;
    }
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v7_floor_of_an_instant_sorts_between_ids_made_before_and_after_it() {
        let t = Utc::now();
        let floor = uuid_v7_floor(t);
        let at = |ms: i64| {
            let when = t + chrono::Duration::milliseconds(ms);
            let ts = uuid::Timestamp::from_unix(
                uuid::NoContext,
                when.timestamp() as u64,
                when.timestamp_subsec_nanos(),
            );
            Uuid::new_v7(ts)
        };
        assert_eq!(floor.get_version_num(), 7);
        for _ in 0..100 {
            assert!(at(-1) < floor);
            assert!(at(0) >= floor);
            assert!(at(1) > floor);
        }
    }
}
