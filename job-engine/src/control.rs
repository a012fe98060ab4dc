//! Queue control: what operators see and do to the queues, one
//! implementation behind the API, the ops CLI and the dashboard.
//!
//! - [`stats`]: per kind, jobs by state, the age of the oldest due job and
//!   whether the kind is paused, in one statement over the partial indexes
//!   of unfinished and dead jobs (finished rows are not read).
//! - [`pause`] / [`resume`]: a paused kind is not moved to Redis by any
//!   dispatcher (its jobs wait in Postgres; attempts already running or
//!   already in Redis finish). Kept in a table, so it survives restarts.
//! - [`bulk`]: retry, cancel or purge the jobs a [`BulkFilter`] selects, in
//!   batches, as one operation with a required reason, written to the audit
//!   log with how many jobs it touched; a dry run only counts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::db::{self, JobStatus, Scope};

/// One kind's queue, as operators see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct KindStats {
    pub kind: String,
    /// Waiting and due now (including retries whose time has come).
    pub due: i64,
    /// Waiting for a later time (delayed on enqueue).
    pub scheduled: i64,
    /// Claimed by a worker.
    pub running: i64,
    /// Failed, with a retry due later.
    pub retrying: i64,
    /// Out of attempts, or failed for good.
    pub dead: i64,
    /// How long the oldest due job has been due, in seconds (0: none).
    pub oldest_due_secs: f64,
    /// Whether dispatchers hold the kind back.
    pub paused: bool,
}

/// Every kind with unfinished or dead jobs, or paused, in `scope`.
pub async fn stats<'e>(db: impl PgExecutor<'e>, scope: Scope) -> sqlx::Result<Vec<KindStats>> {
    let (all, org) = scope.binds();
    sqlx::query_as!(
        KindStats,
        r#"WITH u AS (
               SELECT kind,
                      count(*) FILTER (WHERE status IN ('queued', 'failed') AND run_at <= now()) AS due,
                      count(*) FILTER (WHERE status = 'queued' AND run_at > now()) AS scheduled,
                      count(*) FILTER (WHERE status = 'running') AS running,
                      count(*) FILTER (WHERE status = 'failed' AND run_at > now()) AS retrying,
                      min(run_at) FILTER (WHERE status IN ('queued', 'failed') AND run_at <= now()) AS oldest_due
               FROM jobs
               WHERE status IN ('queued', 'failed', 'running') AND ($1 OR organisation_id = $2)
               GROUP BY kind
           ), d AS (
               SELECT kind, count(*) AS dead FROM jobs
               WHERE status = 'dead' AND ($1 OR organisation_id = $2)
               GROUP BY kind
           ), k AS (
               SELECT kind FROM u UNION SELECT kind FROM d UNION SELECT kind FROM job_kind_pauses
           )
           SELECT k.kind AS "kind!",
                  COALESCE(u.due, 0) AS "due!", COALESCE(u.scheduled, 0) AS "scheduled!",
                  COALESCE(u.running, 0) AS "running!", COALESCE(u.retrying, 0) AS "retrying!",
                  COALESCE(d.dead, 0) AS "dead!",
                  COALESCE(EXTRACT(EPOCH FROM now() - u.oldest_due)::float8, 0) AS "oldest_due_secs!",
                  p.kind IS NOT NULL AS "paused!"
           FROM k LEFT JOIN u ON u.kind = k.kind LEFT JOIN d ON d.kind = k.kind
                  LEFT JOIN job_kind_pauses p ON p.kind = k.kind
           ORDER BY k.kind"#,
        all,
        org,
    )
    .fetch_all(db)
    .await
}

/// What finished per kind in a recent window (all organisations).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Throughput {
    pub kind: String,
    /// Minutes counted, the current one included.
    pub minutes: i32,
    pub succeeded: i64,
    /// Attempts that failed with a retry due.
    pub failed: i64,
    pub dead: i64,
    /// Succeeded per minute over the window.
    pub succeeded_per_minute: f64,
}

/// Throughput per kind over the last `minutes` minutes (the current one
/// included), from `job_minutes`.
pub async fn throughput<'e>(
    db: impl PgExecutor<'e>,
    minutes: i32,
) -> sqlx::Result<Vec<Throughput>> {
    sqlx::query_as!(
        Throughput,
        r#"SELECT kind, $1::int AS "minutes!",
                  sum(succeeded)::int8 AS "succeeded!", sum(failed)::int8 AS "failed!", sum(dead)::int8 AS "dead!",
                  (sum(succeeded)::float8 / $1::int) AS "succeeded_per_minute!"
           FROM job_minutes
           WHERE minute >= date_trunc('minute', now()) - ($1::int - 1) * interval '1 minute'
           GROUP BY kind ORDER BY kind"#,
        minutes.max(1),
    )
    .fetch_all(db)
    .await
}

/// A running attempt: its worker and lease.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Running {
    pub id: Uuid,
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub attempt: i32,
    pub worker_id: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// The lease ran out: the worker is gone or stalled (a dispatcher will
    /// hand the job out again).
    pub lease_expired: bool,
    pub progress_percent: Option<i16>,
}

/// Running attempts in `scope` (of `kind`), longest running first.
pub async fn running<'e>(
    db: impl PgExecutor<'e>,
    scope: Scope,
    kind: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<Running>> {
    let (all, org) = scope.binds();
    sqlx::query_as!(
        Running,
        r#"SELECT id, kind, organisation_id, attempt, worker_id, started_at, lease_expires_at,
                  COALESCE(lease_expires_at < now(), false) AS "lease_expired!", progress_percent
           FROM jobs
           WHERE status = 'running' AND ($1 OR organisation_id = $2) AND ($3::text IS NULL OR kind = $3)
           ORDER BY started_at LIMIT $4"#,
        all,
        org,
        kind,
        limit,
    )
    .fetch_all(db)
    .await
}

/// What only a two-store design has to check: Postgres and Redis agreeing.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consistency {
    pub kind: String,
    /// Committed and due for more than `lag_secs` but not handed to Redis
    /// (the dispatcher is behind, stopped, or the kind is paused).
    pub undispatched: i64,
    /// How long the oldest of those has been due, in seconds.
    pub oldest_undispatched_secs: f64,
    /// Handed to Redis more than `lag_secs` ago and still waiting.
    pub dispatched_waiting: i64,
    /// Of those (up to 1,000 checked), how many Redis no longer holds; the
    /// dispatcher re-dispatches them. None: Redis was not asked.
    pub missing_from_redis: Option<i64>,
    /// Running under a lease that ran out (worker lost or stalled).
    pub expired_leases: i64,
}

/// The consistency view per kind, from Postgres; [`Consistency::missing_from_redis`]
/// is filled in by [`check_redis`].
pub async fn consistency<'e>(
    db: impl PgExecutor<'e>,
    lag_secs: f64,
) -> sqlx::Result<Vec<Consistency>> {
    sqlx::query_as!(
        Consistency,
        r#"SELECT kind AS "kind!",
                  count(*) FILTER (WHERE status IN ('queued', 'failed') AND dispatched_at IS NULL
                                   AND run_at < now() - $1 * interval '1 second') AS "undispatched!",
                  COALESCE(EXTRACT(EPOCH FROM now() - min(run_at) FILTER (
                      WHERE status IN ('queued', 'failed') AND dispatched_at IS NULL
                        AND run_at < now() - $1 * interval '1 second'))::float8, 0) AS "oldest_undispatched_secs!",
                  count(*) FILTER (WHERE status IN ('queued', 'failed') AND dispatched_at < now() - $1 * interval '1 second')
                      AS "dispatched_waiting!",
                  NULL::int8 AS "missing_from_redis?",
                  count(*) FILTER (WHERE status = 'running' AND lease_expires_at < now()) AS "expired_leases!"
           FROM jobs WHERE status IN ('queued', 'failed', 'running')
           GROUP BY kind ORDER BY kind"#,
        lag_secs,
    )
    .fetch_all(db)
    .await
}

/// Asks Redis which of each kind's long-dispatched jobs it still holds.
pub async fn check_redis(
    pool: &PgPool,
    queues: &crate::queue::Queues,
    lag_secs: f64,
    view: &mut [Consistency],
) -> anyhow::Result<()> {
    let older = std::time::Duration::from_secs_f64(lag_secs.max(0.0));
    for c in view.iter_mut() {
        // Nothing has waited in Redis that long: nothing to ask about.
        if c.dispatched_waiting == 0 {
            c.missing_from_redis = Some(0);
            continue;
        }
        let stale = db::stale_dispatched(pool, &c.kind, older, 1_000).await?;
        let lost = queues.lost(&c.kind, &stale).await?;
        c.missing_from_redis = Some(lost.len() as i64);
    }
    Ok(())
}

/// The `n` organisations with the most due jobs, most first.
pub async fn noisiest_tenants<'e>(
    db: impl PgExecutor<'e>,
    n: i64,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT organisation_id AS "organisation_id!", count(*) AS "due!" FROM jobs
           WHERE status IN ('queued', 'failed') AND run_at <= now() AND organisation_id IS NOT NULL
           GROUP BY organisation_id ORDER BY 2 DESC LIMIT $1"#,
        n
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.organisation_id, r.due))
        .collect())
}

/// Who did it, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The platform user, when a person signed in did it.
    pub user_id: Option<Uuid>,
    /// How they did it: `api`, `cli:<os user>`, `dashboard`.
    pub via: String,
}

/// A kind's pause.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pause {
    pub kind: String,
    pub reason: String,
    pub paused_by: String,
    pub paused_at: DateTime<Utc>,
}

/// Pauses `kind` (again: keeps the first pause). Returns the pause in force.
pub async fn pause(pool: &PgPool, kind: &str, reason: &str, actor: &Actor) -> sqlx::Result<Pause> {
    let mut tx = pool.begin().await?;
    let p = sqlx::query_as!(
        Pause,
        "WITH ins AS (
             INSERT INTO job_kind_pauses (kind, reason, paused_by) VALUES ($1, $2, $3)
             ON CONFLICT (kind) DO NOTHING
             RETURNING kind, reason, paused_by, paused_at
         )
         SELECT kind AS \"kind!\", reason AS \"reason!\", paused_by AS \"paused_by!\", paused_at AS \"paused_at!\"
         FROM ins
         UNION ALL
         SELECT kind, reason, paused_by, paused_at FROM job_kind_pauses WHERE kind = $1 AND NOT EXISTS (SELECT 1 FROM ins)",
        kind,
        reason,
        actor.via,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit(
        &mut tx,
        None,
        actor,
        "jobs.pause",
        json!({ "kind": kind, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// Resumes `kind`; false if it was not paused. Dispatchers are woken.
pub async fn resume(pool: &PgPool, kind: &str, actor: &Actor) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!("DELETE FROM job_kind_pauses WHERE kind = $1", kind)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if done {
        audit(&mut tx, None, actor, "jobs.resume", json!({ "kind": kind })).await?;
        db::notify(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// The kinds paused now.
pub async fn pauses<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<Vec<Pause>> {
    sqlx::query_as!(
        Pause,
        "SELECT kind, reason, paused_by, paused_at FROM job_kind_pauses ORDER BY kind"
    )
    .fetch_all(db)
    .await
}

/// What a bulk operation does to each job it selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// `dead` (or `failed`) jobs back to `queued`, due now, with their
    /// kind's attempt budget again (as a single retry).
    Retry,
    /// Waiting jobs (`queued`, `failed`) to `cancelled`.
    Cancel,
    /// Finished jobs (`succeeded`, `dead`, `cancelled`) deleted.
    Purge,
}

impl BulkAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::Cancel => "cancel",
            Self::Purge => "purge",
        }
    }

    /// The statuses the action applies to.
    fn statuses(self) -> &'static [JobStatus] {
        match self {
            Self::Retry => &[JobStatus::Dead, JobStatus::Failed],
            Self::Cancel => &[JobStatus::Queued, JobStatus::Failed],
            Self::Purge => &[JobStatus::Succeeded, JobStatus::Dead, JobStatus::Cancelled],
        }
    }
}

/// Which jobs a bulk operation selects. Every field narrows; none set
/// selects every job the action applies to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkFilter {
    pub kind: Option<String>,
    /// One of the statuses the action applies to.
    pub status: Option<JobStatus>,
    /// An organisation's jobs (an organisation's admins see only their
    /// own: naming another selects nothing).
    pub organisation_id: Option<Uuid>,
    /// Part of the last error, any case.
    pub error_contains: Option<String>,
    /// Created at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
    /// Finished more than this many days ago (purge).
    pub older_than_days: Option<u32>,
}

/// What a bulk operation did (or, dry, would do).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub action: BulkAction,
    pub dry_run: bool,
    /// Jobs touched (dry: that would be).
    pub jobs: u64,
}

/// Why a bulk operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("a reason is required")]
    NoReason,
    #[error("`{0}` does not apply to {1} jobs")]
    Status(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Rows per statement: a big operation is many short ones, so it never
/// holds thousands of row locks against the workers for long.
const BULK_BATCH: i64 = 5_000;

/// A bulk operation: what, on which jobs, why, by whom.
#[derive(Debug, Clone)]
pub struct BulkRequest<'a> {
    pub action: BulkAction,
    pub filter: &'a BulkFilter,
    /// Only count.
    pub dry_run: bool,
    pub reason: &'a str,
    pub actor: &'a Actor,
    /// For a retry: each kind's attempt budget (its declared
    /// `max_attempts`); a kind not listed gets one more attempt.
    pub budgets: &'a [(String, i32)],
}

/// Applies the action to the jobs the filter selects in `scope` (or only
/// counts them, `dry_run`), in batches; one audit entry for the whole
/// operation.
pub async fn bulk(
    pool: &PgPool,
    scope: Scope,
    req: BulkRequest<'_>,
) -> Result<BulkOutcome, BulkError> {
    let BulkRequest {
        action,
        filter,
        dry_run,
        reason,
        actor,
        budgets,
    } = req;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(BulkError::NoReason);
    }
    let within = match scope {
        Scope::Platform => None,
        Scope::Organisation(org) => Some(org),
    };
    let statuses: Vec<JobStatus> = match filter.status {
        Some(s) if action.statuses().contains(&s) => vec![s],
        Some(s) => return Err(BulkError::Status(action.as_str(), s.as_str())),
        None => action.statuses().to_vec(),
    };
    if dry_run {
        let mut q = QueryBuilder::new("SELECT count(*) FROM jobs WHERE ");
        selected(&mut q, &statuses, filter, within);
        let n: i64 = q.build_query_scalar().fetch_one(pool).await?;
        return Ok(BulkOutcome {
            action,
            dry_run,
            jobs: n as u64,
        });
    }
    let mut jobs = 0u64;
    loop {
        let mut q = QueryBuilder::new(match action {
            BulkAction::Retry => {
                "UPDATE jobs SET status = 'queued', run_at = clock_timestamp(), dispatched_at = NULL,
                        redis_task_id = NULL, finished_at = NULL, lease_expires_at = NULL, dead_hook_at = NULL,
                        max_attempts = GREATEST(max_attempts, attempt + COALESCE(
                            (SELECT b.budget FROM unnest("
            }
            BulkAction::Cancel => {
                "UPDATE jobs SET status = 'cancelled', finished_at = clock_timestamp(), dispatched_at = NULL,
                        lease_expires_at = NULL, updated_at = clock_timestamp()
                 WHERE id IN (SELECT id FROM jobs WHERE "
            }
            BulkAction::Purge => "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE ",
        });
        if action == BulkAction::Retry {
            let (kinds, counts): (Vec<String>, Vec<i32>) = budgets.iter().cloned().unzip();
            q.push_bind(kinds).push(", ").push_bind(counts).push(
                ") AS b(kind, budget) WHERE b.kind = jobs.kind), 1)),
                        updated_at = clock_timestamp()
                     WHERE id IN (SELECT id FROM jobs WHERE ",
            );
        }
        selected(&mut q, &statuses, filter, within);
        q.push(" LIMIT ")
            .push_bind(BULK_BATCH)
            .push(" FOR UPDATE SKIP LOCKED)");
        let n = q.build().execute(pool).await?.rows_affected();
        jobs += n;
        if n < BULK_BATCH as u64 {
            break;
        }
    }
    let mut tx = pool.begin().await?;
    audit(
        &mut tx,
        within.or(filter.organisation_id),
        actor,
        &format!("jobs.bulk_{}", action.as_str()),
        json!({ "filter": filter, "reason": reason, "jobs": jobs }),
    )
    .await?;
    if action == BulkAction::Retry && jobs > 0 {
        db::notify(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(BulkOutcome {
        action,
        dry_run,
        jobs,
    })
}

/// The WHERE clause of the jobs a bulk operation selects: the filter's,
/// within an organisation when the caller is confined to one.
fn selected(
    q: &mut QueryBuilder<'_, Postgres>,
    statuses: &[JobStatus],
    f: &BulkFilter,
    within: Option<Uuid>,
) {
    q.push("status = ANY(")
        .push_bind(statuses.to_vec())
        .push(")");
    if let Some(org) = within {
        q.push(" AND organisation_id = ").push_bind(org);
    }
    if let Some(kind) = &f.kind {
        q.push(" AND kind = ").push_bind(kind.clone());
    }
    if let Some(org) = f.organisation_id {
        q.push(" AND organisation_id = ").push_bind(org);
    }
    if let Some(text) = &f.error_contains {
        q.push(" AND strpos(lower(last_error), lower(")
            .push_bind(text.clone())
            .push(")) > 0");
    }
    if let Some(t) = f.created_after {
        q.push(" AND created_at >= ").push_bind(t);
    }
    if let Some(t) = f.created_before {
        q.push(" AND created_at < ").push_bind(t);
    }
    if let Some(days) = f.older_than_days {
        q.push(" AND finished_at < now() - make_interval(days => ")
            .push_bind(days as i32)
            .push(")");
    }
}

/// One entry of the platform's audit log for an operation on jobs.
async fn audit(
    conn: &mut PgConnection,
    organisation_id: Option<Uuid>,
    actor: &Actor,
    action: &str,
    details: serde_json::Value,
) -> sqlx::Result<()> {
    let mut details = details;
    details["via"] = json!(actor.via);
    sqlx::query!(
        "INSERT INTO audit_log (id, organisation_id, actor_user_id, action, target_type, details)
         VALUES ($1, $2, $3, $4, 'jobs', $5)",
        Uuid::now_v7(),
        organisation_id,
        actor.user_id,
        action,
        details,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A schedule as operators see it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScheduleView {
    pub name: String,
    pub kind: String,
    /// Cron, UTC.
    pub expression: String,
    /// When its latest tick was enqueued for, and that job's id and status.
    pub last_tick: Option<DateTime<Utc>>,
    pub last_job_id: Option<Uuid>,
    pub last_job_status: Option<JobStatus>,
    /// The next tick (none while paused, or if the expression never fires
    /// again).
    pub next_tick: Option<DateTime<Utc>>,
    pub paused: bool,
    pub paused_by: Option<String>,
    pub pause_reason: Option<String>,
    /// When a scheduler last published it (at its start).
    pub published_at: DateTime<Utc>,
}

/// The schedules the schedulers run, with their last and next ticks.
pub async fn schedules<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<Vec<ScheduleView>> {
    let rows = sqlx::query!(
        r#"SELECT s.name, s.kind, s.expression, s.published_at, s.paused_at, s.paused_by, s.pause_reason,
                  t.tick_at AS "tick_at?", t.job_id AS "job_id?", j.status AS "status?: JobStatus"
           FROM schedules s
           LEFT JOIN LATERAL (
               SELECT tick_at, job_id FROM schedule_ticks WHERE schedule_name = s.name
               ORDER BY tick_at DESC LIMIT 1
           ) t ON true
           LEFT JOIN jobs j ON j.id = t.job_id
           ORDER BY s.name"#
    )
    .fetch_all(db)
    .await?;
    let parser = croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build();
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| {
            let next_tick = match r.paused_at {
                Some(_) => None,
                None => parser
                    .parse(&r.expression)
                    .ok()
                    .and_then(|c| c.find_next_occurrence(&now, false).ok()),
            };
            ScheduleView {
                name: r.name,
                kind: r.kind,
                expression: r.expression,
                last_tick: r.tick_at,
                last_job_id: r.job_id,
                last_job_status: r.status,
                next_tick,
                paused: r.paused_at.is_some(),
                paused_by: r.paused_by,
                pause_reason: r.pause_reason,
                published_at: r.published_at,
            }
        })
        .collect())
}

/// Why a schedule operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("no schedule is called `{0}`")]
    Unknown(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Pauses (`reason` Some) or resumes (None) a schedule; audited. Its ticks
/// are skipped while paused.
pub async fn set_schedule_paused(
    pool: &PgPool,
    name: &str,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<(), ScheduleError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "UPDATE schedules SET paused_at = CASE WHEN $2::text IS NULL THEN NULL ELSE COALESCE(paused_at, now()) END,
                paused_by = CASE WHEN $2::text IS NULL THEN NULL ELSE COALESCE(paused_by, $3) END,
                pause_reason = CASE WHEN $2::text IS NULL THEN NULL ELSE COALESCE(pause_reason, $2) END
         WHERE name = $1",
        name,
        reason,
        actor.via,
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ScheduleError::Unknown(name.to_owned()));
    }
    let action = if reason.is_some() {
        "jobs.schedule_pause"
    } else {
        "jobs.schedule_resume"
    };
    audit(
        &mut tx,
        None,
        actor,
        action,
        json!({ "schedule": name, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a schedule's job now, once: under `key` (a fresh one if None), so
/// repeating the call with the same key gives the same job. Audited when
/// it enqueues.
pub async fn trigger_schedule(
    pool: &PgPool,
    name: &str,
    key: Option<&str>,
    actor: &Actor,
) -> Result<db::Enqueued, ScheduleError> {
    let mut tx = pool.begin().await?;
    let s = sqlx::query!(
        "SELECT kind, payload, max_attempts FROM schedules WHERE name = $1",
        name
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ScheduleError::Unknown(name.to_owned()))?;
    let key = format!(
        "schedule:{name}:manual:{}",
        key.map(str::to_owned)
            .unwrap_or_else(|| Uuid::now_v7().to_string())
    );
    let (enqueued, _) = db::enqueue(
        &mut tx,
        crate::Enqueue::system()
            .key(key.clone())
            .new_job(&s.kind, s.max_attempts, s.payload),
        false,
    )
    .await?;
    if enqueued.created {
        audit(
            &mut tx,
            None,
            actor,
            "jobs.schedule_trigger",
            json!({ "schedule": name, "job_id": enqueued.job.id, "key": key }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(enqueued)
}
