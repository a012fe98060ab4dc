//! Queue control for operators (the ops CLI and the dashboard use the same
//! [`job_engine::control`]): per-kind stats, pausing a kind, and bulk
//! retry / cancel / purge over a filter with a dry run and a reason.

use axum::extract::State;
use job_engine::control::{
    self, BulkAction, BulkError, BulkFilter, BulkOutcome, Consistency, KindStats, Pause, Running,
    Throughput,
};
use job_engine::db::Scope;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::jobs::JobsCaller;
use crate::{
    auth::forbidden,
    error::{ApiError, ErrorBody},
    extract::Json,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(running))
        .routes(routes!(consistency))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(bulk))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Queues {
    /// Every kind with waiting, running or dead jobs the caller may see, or
    /// paused.
    pub kinds: Vec<KindStats>,
    /// Why and by whom the paused kinds were paused.
    pub pauses: Vec<Pause>,
    /// What finished per kind in the last 5 minutes (platform admins only:
    /// it is not kept per organisation).
    pub throughput: Option<Vec<Throughput>>,
}

/// Per kind: jobs due, scheduled, running, retrying and dead, the age of the
/// oldest due job, and pauses. Platform admins see every job; an
/// organisation's members see their organisation's.
#[utoipa::path(get, path = "/queues", tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = Queues), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn stats(
    State(state): State<AppState>,
    caller: JobsCaller,
) -> Result<Json<Queues>, ApiError> {
    let throughput = match caller.scope {
        Scope::Platform => Some(control::throughput(&state.pool, 5).await?),
        Scope::Organisation(_) => None,
    };
    Ok(Json(Queues {
        kinds: control::stats(&state.pool, caller.scope).await?,
        pauses: control::pauses(&state.pool).await?,
        throughput,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunningQuery {
    kind: Option<String>,
    /// 1–200 (default 100).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// Running attempts, longest running first, with their worker and lease
/// (an expired lease: a lost or stalled worker).
#[utoipa::path(get, path = "/queues/running", tag = "jobs", security(("bearer" = [])), params(RunningQuery),
    responses((status = 200, body = Vec<Running>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn running(
    State(state): State<AppState>,
    caller: JobsCaller,
    crate::extract::Query(q): crate::extract::Query<RunningQuery>,
) -> Result<Json<Vec<Running>>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("limit", "between 1 and 200"));
    }
    Ok(Json(
        control::running(&state.pool, caller.scope, q.kind.as_deref(), limit).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// Seconds a job may wait between commit and Redis, or in Redis,
    /// before it counts (default 10).
    #[param(minimum = 0, maximum = 86400)]
    lag_secs: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyView {
    pub kinds: Vec<Consistency>,
    /// Why Redis could not be asked (then `missing_from_redis` is null).
    pub redis_error: Option<String>,
}

/// Postgres and Redis agreeing, per kind: jobs committed but not handed
/// to Redis, handed over but still waiting (and how many of those Redis
/// lost: the dispatcher re-sends them), running under an expired lease.
/// Platform admins.
#[utoipa::path(get, path = "/queues/consistency", tag = "jobs", security(("bearer" = [])), params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn consistency(
    State(state): State<AppState>,
    caller: JobsCaller,
    crate::extract::Query(q): crate::extract::Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyView>, ApiError> {
    caller.require_platform("the consistency view is for platform admins")?;
    let lag = q.lag_secs.unwrap_or(10.0);
    if !(0.0..=86_400.0).contains(&lag) {
        return Err(ApiError::field("lag_secs", "between 0 and 86400"));
    }
    let mut kinds = control::consistency(&state.pool, lag).await?;
    let (url, prefix) = state.queue_target.as_ref();
    let asked = async {
        let queues = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            job_engine::queue::Queues::connect(url, prefix),
        )
        .await
        .map_err(|_| anyhow::anyhow!("connecting to Redis timed out"))??;
        control::check_redis(&state.pool, &queues, lag, &mut kinds).await
    };
    let redis_error = match asked.await {
        Ok(()) => None,
        Err(e) => {
            tracing::warn!(error = %e, "consistency view: Redis not asked");
            Some(format!("{e:#}"))
        }
    };
    Ok(Json(ConsistencyView { kinds, redis_error }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    pub kind: String,
    /// Why (the audit log keeps it).
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeRequest {
    pub kind: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Resumed {
    pub kind: String,
    /// False: it was not paused.
    pub resumed: bool,
}

fn known_kind(state: &AppState, kind: &str) -> Result<(), ApiError> {
    if state.registry.get(kind).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = state.registry.names().collect();
    Err(ApiError::field(
        "kind",
        format!("unknown job kind `{kind}`; known: {}", known.join(", ")),
    ))
}

/// Stops dispatchers moving a kind's jobs to workers (running ones finish;
/// the rest wait, and are counted as due). Lasts until resumed, across
/// restarts. Platform admins.
#[utoipa::path(post, path = "/queues/pause", tag = "jobs", security(("bearer" = [])), request_body = PauseRequest,
    responses((status = 200, body = Pause), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn pause(
    State(state): State<AppState>,
    caller: JobsCaller,
    Json(req): Json<PauseRequest>,
) -> Result<Json<Pause>, ApiError> {
    caller.require_platform_admin("only platform admins may pause and resume job kinds")?;
    known_kind(&state, &req.kind)?;
    let reason = req.reason.trim();
    let mut problems = validate::Problems::new();
    validate::check(&mut problems, "reason", validate::text(reason, 500));
    validate::finish(problems)?;
    let p = control::pause(&state.pool, &req.kind, reason, &caller.control_actor()).await?;
    tracing::info!(job.kind = %req.kind, "job kind paused");
    Ok(Json(p))
}

/// Lets dispatchers move a paused kind's jobs again. Platform admins.
#[utoipa::path(post, path = "/queues/resume", tag = "jobs", security(("bearer" = [])), request_body = ResumeRequest,
    responses((status = 200, body = Resumed), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn resume(
    State(state): State<AppState>,
    caller: JobsCaller,
    Json(req): Json<ResumeRequest>,
) -> Result<Json<Resumed>, ApiError> {
    caller.require_platform_admin("only platform admins may pause and resume job kinds")?;
    let resumed = control::resume(&state.pool, &req.kind, &caller.control_actor()).await?;
    if resumed {
        tracing::info!(job.kind = %req.kind, "job kind resumed");
    }
    Ok(Json(Resumed {
        kind: req.kind,
        resumed,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub action: BulkAction,
    #[serde(default)]
    pub filter: BulkFilter,
    /// Only count the jobs it would touch.
    #[serde(default)]
    pub dry_run: bool,
    /// Why (required; the audit log keeps it).
    pub reason: String,
}

/// Retries dead jobs, cancels waiting ones or purges finished ones, over a
/// filter (kind, status, organisation, error text, creation time, age):
/// one audited operation that says how many jobs it touched; `dry_run`
/// counts them first. Platform admins, or an organisation's admins for its
/// own jobs.
#[utoipa::path(post, path = "/jobs/bulk", tag = "jobs", security(("bearer" = [])), request_body = BulkRequest,
    responses((status = 200, body = BulkOutcome), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn bulk(
    State(state): State<AppState>,
    caller: JobsCaller,
    Json(req): Json<BulkRequest>,
) -> Result<Json<BulkOutcome>, ApiError> {
    if !caller.can_manage {
        return Err(forbidden("only admins may act on many jobs at once"));
    }
    let f = &req.filter;
    let mut problems = validate::Problems::new();
    validate::check(&mut problems, "reason", validate::text(&req.reason, 500));
    if let Some(t) = &f.error_contains {
        validate::check(
            &mut problems,
            "filter.error_contains",
            validate::text(t, 200),
        );
    }
    if f.older_than_days.is_some_and(|d| d > 36_500) {
        problems.push(("filter.older_than_days".into(), "at most 36500".into()));
    }
    validate::finish(problems)?;
    if let Some(kind) = &f.kind {
        known_kind(&state, kind)
            .map_err(|_| ApiError::field("filter.kind", format!("unknown job kind `{kind}`")))?;
    }
    let budgets: Vec<(String, i32)> = state
        .registry
        .specs()
        .map(|s| (s.name.to_owned(), s.policy.max_attempts))
        .collect();
    let actor = caller.control_actor();
    let done = control::bulk(
        &state.pool,
        caller.scope,
        control::BulkRequest {
            action: req.action,
            filter: f,
            dry_run: req.dry_run,
            reason: &req.reason,
            actor: &actor,
            budgets: &budgets,
        },
    )
    .await
    .map_err(|e| match e {
        BulkError::NoReason => ApiError::field("reason", "required"),
        e @ BulkError::Status(..) => ApiError::field("filter.status", e.to_string()),
        BulkError::Db(e) => e.into(),
    })?;
    if !done.dry_run {
        tracing::info!(
            action = done.action.as_str(),
            jobs = done.jobs,
            "bulk job operation"
        );
    }
    Ok(Json(done))
}
