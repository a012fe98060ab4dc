//! The periodic schedules, for platform admins: their last and next runs,
//! pausing one, and running one now (the ops CLI does the same through
//! [`job_engine::control`]).

use axum::{
    extract::State,
    http::HeaderValue,
    response::{IntoResponse, Response},
};
use job_engine::control::{self, ScheduleError, ScheduleView};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{admin::Enqueued, jobs::JobsCaller};
use crate::{
    error::{ApiError, ErrorBody},
    extract::Json,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(trigger))
}

fn schedule_error(e: ScheduleError) -> ApiError {
    match e {
        e @ ScheduleError::Unknown(_) => ApiError::field("name", e.to_string()),
        ScheduleError::Db(e) => e.into(),
    }
}

/// The schedules the schedulers run (declared in code, with their
/// configuration applied): cron (UTC), the last tick and its job, the next
/// tick, and pauses.
#[utoipa::path(get, path = "/schedules", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<ScheduleView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: JobsCaller,
) -> Result<Json<Vec<ScheduleView>>, ApiError> {
    caller.require_platform("schedules are for platform admins")?;
    Ok(Json(control::schedules(&state.pool).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedulePause {
    pub name: String,
    /// Why (the audit log keeps it).
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleName {
    pub name: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleTrigger {
    pub name: String,
    /// The same key gives the same job (default: a new one each call).
    pub idempotency_key: Option<String>,
}

/// Pauses a schedule: its ticks are skipped (not made up later) until it is
/// resumed.
#[utoipa::path(post, path = "/schedules/pause", tag = "admin", security(("bearer" = [])), request_body = SchedulePause,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pause(
    State(state): State<AppState>,
    caller: JobsCaller,
    Json(req): Json<SchedulePause>,
) -> Result<axum::http::StatusCode, ApiError> {
    caller.require_platform_admin("only platform admins change schedules")?;
    let mut problems = validate::Problems::new();
    validate::check(&mut problems, "reason", validate::text(&req.reason, 500));
    validate::finish(problems)?;
    control::set_schedule_paused(
        &state.pool,
        &req.name,
        Some(req.reason.trim()),
        &caller.control_actor(),
    )
    .await
    .map_err(schedule_error)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Resumes a paused schedule from its next tick.
#[utoipa::path(post, path = "/schedules/resume", tag = "admin", security(("bearer" = [])), request_body = ScheduleName,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resume(
    State(state): State<AppState>,
    caller: JobsCaller,
    Json(req): Json<ScheduleName>,
) -> Result<axum::http::StatusCode, ApiError> {
    caller.require_platform_admin("only platform admins change schedules")?;
    control::set_schedule_paused(&state.pool, &req.name, None, &caller.control_actor())
        .await
        .map_err(schedule_error)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Runs a schedule's job now, once per idempotency key (paused or not).
#[utoipa::path(post, path = "/schedules/trigger", tag = "admin", security(("bearer" = [])), request_body = ScheduleTrigger,
    responses((status = 202, body = Enqueued), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn trigger(
    State(state): State<AppState>,
    caller: JobsCaller,
    Json(req): Json<ScheduleTrigger>,
) -> Result<Response, ApiError> {
    caller.require_platform_admin("only platform admins change schedules")?;
    if let Some(key) = &req.idempotency_key {
        let mut problems = validate::Problems::new();
        validate::check(&mut problems, "idempotency_key", validate::text(key, 200));
        validate::finish(problems)?;
    }
    let enqueued = control::trigger_schedule(
        &state.pool,
        &req.name,
        req.idempotency_key.as_deref(),
        &caller.control_actor(),
    )
    .await
    .map_err(schedule_error)?;
    let mut res = Enqueued::accepted(enqueued.job.id).into_response();
    if !enqueued.created {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}
