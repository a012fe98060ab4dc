//! Job roles: CRUD, status, requirements, scoring rubric, search.

use axum::{extract::State, http::StatusCode};
use recruiting::{
    domain::rubric::{self, RubricDimension},
    store::job_roles::{self, JobRoleChanges, NewJobRole},
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
    routes::{double_option, Page, PageQuery},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, update, delete))
        .routes(routes!(extract_requirements))
}

pub use recruiting::store::job_roles::JobRoleStatus;
pub type JobRoleView = job_roles::JobRole;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJobRole {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub description: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub location: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub department: Option<String>,
    /// Default `draft`.
    pub status: Option<JobRoleStatus>,
    #[serde(default)]
    pub requirements: String,
    #[serde(default)]
    pub rubric: Vec<RubricDimension>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateJobRole {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
    #[schema(max_length = 50000)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub department: Option<Option<String>>,
    pub status: Option<JobRoleStatus>,
    pub requirements: Option<String>,
    pub rubric: Option<Vec<RubricDimension>>,
}

fn check_fields(
    problems: &mut validate::Problems,
    title: Option<&str>,
    description: Option<&str>,
    location: Option<&str>,
    department: Option<&str>,
    requirements: Option<&str>,
    rubric: Option<&[RubricDimension]>,
) {
    if let Some(t) = title {
        validate::check(problems, "title", validate::text(t, 200));
    }
    if let Some(d) = description {
        validate::check(problems, "description", validate::max_len(d, 50_000));
    }
    if let Some(l) = location {
        validate::check(problems, "location", validate::text(l, 200));
    }
    if let Some(d) = department {
        validate::check(problems, "department", validate::text(d, 200));
    }
    if let Some(r) = requirements {
        validate::check(problems, "requirements", validate::max_len(r, 50_000));
    }
    if let Some(r) = rubric {
        problems.extend(rubric::validate(r));
    }
}

/// Creates a job role.
#[utoipa::path(post, path = "/job-roles", tag = "job-roles", security(("bearer" = [])), request_body = CreateJobRole,
    responses((status = 201, body = JobRoleView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(req): Json<CreateJobRole>,
) -> Result<(StatusCode, axum::Json<JobRoleView>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut problems = Vec::new();
    check_fields(
        &mut problems,
        Some(&req.title),
        Some(&req.description),
        req.location.as_deref(),
        req.department.as_deref(),
        Some(&req.requirements),
        Some(&req.rubric),
    );
    validate::finish(problems)?;
    let mut tx = state.pool.begin().await?;
    let row = job_roles::create(
        &mut tx,
        ctx.org_id,
        &NewJobRole {
            title: req.title.trim(),
            description: &req.description,
            location: req.location.as_deref(),
            department: req.department.as_deref(),
            status: req.status.unwrap_or(JobRoleStatus::Draft),
            requirements: &req.requirements,
            rubric: &req.rubric,
            created_by: ctx.user_id(),
        },
    )
    .await?;
    let id = row.id;
    audit::org(&mut tx, &ctx, "job_role.created", "job_role", id, json!({})).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListJobRoles {
    /// Words to find in the title or description.
    pub q: Option<String>,
    pub status: Option<JobRoleStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Job roles, newest first, with search and filters.
#[utoipa::path(get, path = "/job-roles", tag = "job-roles", security(("bearer" = [])), params(ListJobRoles),
    responses((status = 200, body = Page<JobRoleView>), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Query(q): Query<ListJobRoles>,
) -> Result<axum::Json<Page<JobRoleView>>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut problems = Vec::new();
    let page = PageQuery::parse(q.limit, q.cursor.as_deref(), &mut problems);
    if let Some(text) = &q.q {
        validate::check(&mut problems, "q", validate::max_len(text, 200));
    }
    validate::finish(problems)?;
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter = job_roles::Filter {
        search,
        status: q.status,
        before: page.before,
        limit: page.fetch(),
    };
    let rows = job_roles::list(&state.pool, ctx.org_id, &filter).await?;
    Ok(axum::Json(page.page(rows, |r| r.id, |r| r)))
}

/// One job role.
#[utoipa::path(get, path = "/job-roles/{id}", tag = "job-roles", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = JobRoleView), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<JobRoleView>, ApiError> {
    ctx.require(Perm::Read)?;
    Ok(axum::Json(
        job_roles::get(&state.pool, ctx.org_id, id).await?,
    ))
}

/// Changes a job role; absent fields stay as they are, `null` clears.
#[utoipa::path(patch, path = "/job-roles/{id}", tag = "job-roles", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateJobRole,
    responses((status = 200, body = JobRoleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateJobRole>,
) -> Result<axum::Json<JobRoleView>, ApiError> {
    ctx.require(Perm::Write)?;
    let mut problems = Vec::new();
    check_fields(
        &mut problems,
        req.title.as_deref(),
        req.description.as_deref(),
        req.location.as_ref().and_then(|l| l.as_deref()),
        req.department.as_ref().and_then(|d| d.as_deref()),
        req.requirements.as_deref(),
        req.rubric.as_deref(),
    );
    validate::finish(problems)?;
    let mut tx = state.pool.begin().await?;
    let changes = JobRoleChanges {
        title: req.title.as_deref().map(str::trim),
        description: req.description.as_deref(),
        location: req.location.as_ref().map(|l| l.as_deref()),
        department: req.department.as_ref().map(|d| d.as_deref()),
        status: req.status,
        requirements: req.requirements.as_deref(),
        rubric: req.rubric.as_deref(),
    };
    let row = job_roles::update(&mut tx, ctx.org_id, id, &changes).await?;
    audit::org(&mut tx, &ctx, "job_role.updated", "job_role", id, json!({})).await?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

/// Deletes a job role and its applications and interviews.
#[utoipa::path(delete, path = "/job-roles/{id}", tag = "job-roles", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.pool.begin().await?;
    job_roles::delete(&mut tx, ctx.org_id, id).await?;
    audit::org(&mut tx, &ctx, "job_role.deleted", "job_role", id, json!({})).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Extracts structured requirements from the role's text (a job; the result
/// lands in `extracted_requirements`). Asking again without changing the
/// role returns the same job.
#[utoipa::path(post, path = "/job-roles/{id}/extract-requirements", tag = "job-roles", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 202, body = crate::routes::admin::Enqueued), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn extract_requirements(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<crate::routes::admin::Enqueued>), ApiError> {
    use job_kinds::{Enqueue, ExtractRequirements, Job};
    ctx.require(Perm::Write)?;
    let mut tx = state.jobs.begin().await?;
    // Keyed by the text read, so asking again for an unchanged role (even
    // after the extraction itself updated the row) returns the same job.
    let role = job_roles::text(&mut *tx, Some(ctx.org_id), id).await?;
    let (title, description, requirements) = (role.title, role.description, role.requirements);
    use sha2::Digest;
    let digest =
        sha2::Sha256::digest(format!("{title}\u{0}{description}\u{0}{requirements}").as_bytes());
    let fingerprint: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let job = ExtractRequirements { job_role_id: id }
        .enqueue(
            &mut tx,
            Enqueue::for_org(ctx.org_id).key(format!("extract:{id}:{fingerprint}")),
        )
        .await?;
    tx.commit().await?;
    Ok(crate::routes::admin::Enqueued::accepted(job.job.id))
}
