//! Interview questions: drafted for a job role by a job, edited, reordered
//! or rejected by recruiters, and approved into frozen, numbered sets; an
//! interview uses its role's latest set.

use assessment::questions::Difficulty;
use axum::{extract::State, http::StatusCode};
use job_kinds::{Enqueue, GenerateQuestions, Job};
use recruiting::store::{
    job_roles,
    questions::{self, QuestionChanges, QuestionSet, QuestionStatus, StoredQuestion},
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
    routes::admin::Enqueued,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(generate))
        .routes(routes!(list))
        .routes(routes!(update))
        .routes(routes!(approve))
        .routes(routes!(latest_set))
}

/// Drafts questions from the role's extracted requirements and rubric (a
/// job): technical ones from its skills, behavioural (STAR) ones from its
/// competencies, situational ones from its responsibilities. They replace
/// the role's current drafts; rejected questions stay.
#[utoipa::path(post, path = "/job-roles/{id}/questions/generate", tag = "questions", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 202, body = Enqueued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn generate(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<Enqueued>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.jobs.begin().await?;
    let role = job_roles::get(&mut *tx, ctx.org_id, id).await?;
    if role.extracted_requirements.is_none() {
        return Err(ApiError::Conflict(
            "the role's requirements have not been extracted yet; POST /job-roles/{id}/extract-requirements first"
                .into(),
        ));
    }
    let job = GenerateQuestions { job_role_id: id }
        .enqueue(&mut tx, Enqueue::for_org(ctx.org_id))
        .await?;
    tx.commit().await?;
    Ok(Enqueued::accepted(job.job.id))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuestions {
    pub status: Option<QuestionStatus>,
}

/// The role's questions: drafts in order, then rejected ones.
#[utoipa::path(get, path = "/job-roles/{id}/questions", tag = "questions", security(("bearer" = [])),
    params(("id" = Uuid, Path), ListQuestions),
    responses((status = 200, body = Vec<StoredQuestion>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Query(q): Query<ListQuestions>,
) -> Result<axum::Json<Vec<StoredQuestion>>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(
        questions::list(&mut conn, ctx.org_id, id, q.status).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateQuestion {
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub text: Option<String>,
    pub difficulty: Option<Difficulty>,
    /// The rubric dimension it probes.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub dimension: Option<String>,
    #[schema(max_length = 4000)]
    pub model_answer: Option<String>,
    /// `rejected` takes it out of the next set; `draft` puts it back.
    pub status: Option<QuestionStatus>,
    /// Its place among the drafts (0 first).
    #[schema(minimum = 0)]
    pub position: Option<i32>,
}

/// Edits, rejects, restores or moves a question.
#[utoipa::path(patch, path = "/questions/{id}", tag = "questions", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateQuestion,
    responses((status = 200, body = StoredQuestion), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateQuestion>,
) -> Result<axum::Json<StoredQuestion>, ApiError> {
    ctx.require(Perm::Write)?;
    let mut p = Vec::new();
    if let Some(t) = &req.text {
        validate::check(&mut p, "text", validate::text(t, 2_000));
    }
    if let Some(d) = &req.dimension {
        validate::check(&mut p, "dimension", validate::text(d, 100));
    }
    if let Some(m) = &req.model_answer {
        validate::check(&mut p, "model_answer", validate::max_len(m, 4_000));
    }
    if req.position.is_some_and(|n| n < 0) {
        p.push(("position".into(), "0 or more".into()));
    }
    validate::finish(p)?;
    let mut conn = state.pool.acquire().await?;
    let changes = QuestionChanges {
        text: req.text.as_deref().map(str::trim),
        difficulty: req.difficulty,
        dimension: req.dimension.as_deref().map(str::trim),
        model_answer: req.model_answer.as_deref(),
        status: req.status,
        position: req.position,
    };
    Ok(axum::Json(
        questions::update(&mut conn, ctx.org_id, id, &changes).await?,
    ))
}

/// Approves the role's drafts, in order, as its next question set (frozen:
/// later edits make a later set). 409 with no drafts.
#[utoipa::path(post, path = "/job-roles/{id}/question-sets", tag = "questions", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 201, body = QuestionSet), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<QuestionSet>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.pool.begin().await?;
    let set = questions::approve(&mut tx, ctx.org_id, id, ctx.user_id()).await?;
    let details = json!({ "version": set.version, "questions": set.questions.0.len() });
    audit::org(&mut tx, &ctx, "questions.approved", "job_role", id, details).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(set)))
}

/// The role's latest approved question set, the one interviews use.
#[utoipa::path(get, path = "/job-roles/{id}/question-sets/latest", tag = "questions", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = QuestionSet), (status = 404, body = ErrorBody)))]
async fn latest_set(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<QuestionSet>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut conn = state.pool.acquire().await?;
    questions::latest_set(&mut conn, ctx.org_id, id)
        .await?
        .map(axum::Json)
        .ok_or(ApiError::Status {
            status: StatusCode::NOT_FOUND,
            code: "no_question_set",
            message: "the role has no approved questions yet".into(),
        })
}
