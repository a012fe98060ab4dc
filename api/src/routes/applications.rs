//! Applications: one per (candidate, job role), moved through the ATS
//! pipeline with a history of every move.

use axum::{extract::State, http::StatusCode};
use recruiting::{
    domain::pipeline::Stage,
    store::applications::{self, Application, StageMove as StageMoveRecord},
};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path, Query},
    routes::{Page, PageQuery},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show))
        .routes(routes!(move_stage))
        .routes(routes!(history))
}

pub type ApplicationView = Application;

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
    let row = applications::create(
        &mut tx,
        ctx.org_id,
        req.candidate_id,
        req.job_role_id,
        ctx.user_id(),
    )
    .await?;
    let id = row.id;
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
    let filter = applications::Filter {
        job_role_id: q.job_role_id,
        candidate_id: q.candidate_id,
        stage: q.stage,
        before: page.before,
        limit: page.fetch(),
    };
    let rows = applications::list(&state.pool, ctx.org_id, &filter).await?;
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
    Ok(axum::Json(
        applications::get(&state.pool, ctx.org_id, id).await?,
    ))
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
    let (current, row) = applications::move_stage(
        &mut tx,
        ctx.org_id,
        id,
        req.stage,
        ctx.user_id(),
        req.reason.as_deref(),
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

pub type StageMoveView = StageMoveRecord;

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
    let mut conn = state.pool.acquire().await?;
    let rows = applications::history(&mut conn, ctx.org_id, id).await?;
    Ok(axum::Json(rows))
}
