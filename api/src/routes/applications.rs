//! Applications: one per (candidate, job role), moved through the ATS
//! pipeline with a history of every move.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use jobs::{
    domain::pipeline::Stage,
    recruiting::{self, record_stage_move},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path, Query},
    routes::{job_roles::JobRoleStatus, Page, PageQuery},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show))
        .routes(routes!(move_stage))
        .routes(routes!(history))
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_role_id: Uuid,
    pub stage: Stage,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, candidate_id, job_role_id, stage, created_at, updated_at";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    pub candidate_id: Uuid,
    pub job_role_id: Uuid,
}

/// Applies a candidate to a job role.
#[utoipa::path(post, path = "/applications", tag = "applications", security(("bearer" = [])),
    request_body = CreateApplication,
    responses((status = 201, body = ApplicationView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(req): Json<CreateApplication>,
) -> Result<(StatusCode, axum::Json<ApplicationView>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.pool.begin().await?;
    let candidate: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM candidates WHERE id = $1 AND organisation_id = $2)",
    )
    .bind(req.candidate_id)
    .bind(ctx.org_id)
    .fetch_one(&mut *tx)
    .await?;
    let role: Option<JobRoleStatus> = sqlx::query_scalar(
        "SELECT status FROM job_roles WHERE id = $1 AND organisation_id = $2 FOR SHARE",
    )
    .bind(req.job_role_id)
    .bind(ctx.org_id)
    .fetch_optional(&mut *tx)
    .await?;
    let mut problems = Vec::new();
    if !candidate {
        problems.push(("candidate_id".into(), "no such candidate".into()));
    }
    if role.is_none() {
        problems.push(("job_role_id".into(), "no such job role".into()));
    }
    validate::finish(problems)?;
    if role == Some(JobRoleStatus::Closed) {
        return Err(ApiError::Conflict("the job role is closed".into()));
    }
    let id = Uuid::now_v7();
    let row: ApplicationView = sqlx::query_as(&format!(
        "INSERT INTO applications (id, organisation_id, candidate_id, job_role_id) VALUES ($1, $2, $3, $4)
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(ctx.org_id)
    .bind(req.candidate_id)
    .bind(req.job_role_id)
    .fetch_one(&mut *tx)
    .await?;
    record_stage_move(
        &mut tx,
        recruiting::StageMove {
            organisation_id: ctx.org_id,
            application_id: id,
            from: None,
            to: Stage::Applied,
            moved_by: ctx.user_id(),
            reason: None,
        },
    )
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "application.created",
        "application",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListApplications {
    pub job_role_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub stage: Option<Stage>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Applications, newest first.
#[utoipa::path(get, path = "/applications", tag = "applications", security(("bearer" = [])), params(ListApplications),
    responses((status = 200, body = Page<ApplicationView>), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Query(q): Query<ListApplications>,
) -> Result<axum::Json<Page<ApplicationView>>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut problems = Vec::new();
    let page = PageQuery::parse(q.limit, q.cursor.as_deref(), &mut problems);
    validate::finish(problems)?;
    let rows: Vec<ApplicationView> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM applications
         WHERE organisation_id = $1 AND ($2::uuid IS NULL OR job_role_id = $2)
           AND ($3::uuid IS NULL OR candidate_id = $3) AND ($4::application_stage IS NULL OR stage = $4)
           AND ($5::uuid IS NULL OR id < $5)
         ORDER BY id DESC LIMIT $6"
    ))
    .bind(ctx.org_id)
    .bind(q.job_role_id)
    .bind(q.candidate_id)
    .bind(q.stage)
    .bind(page.before)
    .bind(page.fetch())
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(page.page(rows, |r| r.id, |r| r)))
}

/// One application.
#[utoipa::path(get, path = "/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ApplicationView>, ApiError> {
    ctx.require(Perm::Read)?;
    crate::routes::find_in_org::<ApplicationView>(
        &state.pool,
        "applications",
        COLUMNS,
        id,
        ctx.org_id,
        "application",
    )
    .await
    .map(axum::Json)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageMove {
    pub stage: Stage,
    pub reason: Option<String>,
}

/// Moves an application to another pipeline stage (allowed moves only).
#[utoipa::path(post, path = "/applications/{id}/stage", tag = "applications", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = StageMove,
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn move_stage(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<StageMove>,
) -> Result<axum::Json<ApplicationView>, ApiError> {
    ctx.require(Perm::Write)?;
    if let Some(r) = &req.reason {
        let mut p = Vec::new();
        validate::check(&mut p, "reason", validate::max_len(r, 2_000));
        validate::finish(p)?;
    }
    let mut tx = state.pool.begin().await?;
    let current: Stage = sqlx::query_scalar(
        "SELECT stage FROM applications WHERE id = $1 AND organisation_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(ctx.org_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("application"))?;
    if !current.can_move_to(req.stage) {
        let allowed: Vec<&str> = current.next().iter().map(|s| s.as_str()).collect();
        return Err(ApiError::Conflict(format!(
            "cannot move from {} to {}; allowed: {}",
            current.as_str(),
            req.stage.as_str(),
            if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            }
        )));
    }
    let row: ApplicationView = sqlx::query_as(&format!(
        "UPDATE applications SET stage = $3 WHERE id = $1 AND organisation_id = $2 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(ctx.org_id)
    .bind(req.stage)
    .fetch_one(&mut *tx)
    .await?;
    record_stage_move(
        &mut tx,
        recruiting::StageMove {
            organisation_id: ctx.org_id,
            application_id: id,
            from: Some(current),
            to: req.stage,
            moved_by: ctx.user_id(),
            reason: req.reason.as_deref(),
        },
    )
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "application.stage_changed",
        "application",
        id,
        json!({ "from": current, "to": req.stage }),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StageMoveView {
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub moved_by: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Every stage move of an application, oldest first.
#[utoipa::path(get, path = "/applications/{id}/history", tag = "applications", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<StageMoveView>), (status = 404, body = ErrorBody)))]
async fn history(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Vec<StageMoveView>>, ApiError> {
    ctx.require(Perm::Read)?;
    crate::routes::ensure_in_org(&state.pool, "applications", id, ctx.org_id, "application")
        .await?;
    let rows: Vec<StageMoveView> = sqlx::query_as(
        "SELECT from_stage, to_stage, moved_by, reason, created_at FROM application_stage_moves
         WHERE application_id = $1 AND organisation_id = $2 ORDER BY created_at, id",
    )
    .bind(id)
    .bind(ctx.org_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(rows))
}
