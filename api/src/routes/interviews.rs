//! Interviews of an application and their transcripts (segments appended in
//! order).

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use job_kinds::{Enqueue, Job, ScoreInterview};
use recruiting::{
    domain::interview::InterviewStatus,
    store::interviews::{self, InterviewChanges, NewSegment, Segment, StoredScore},
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
    routes::{double_option, Page, PageQuery},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(list))
        .routes(routes!(show, update))
        .routes(routes!(append_transcript, transcript))
        .routes(routes!(request_score, show_score))
}

pub type InterviewView = interviews::Interview;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInterview {
    pub scheduled_at: Option<DateTime<Utc>>,
    /// After this the invitation to interview lapses.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Schedules an interview for an application.
#[utoipa::path(post, path = "/applications/{id}/interviews", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CreateInterview,
    responses((status = 201, body = InterviewView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(application_id): Path<Uuid>,
    Json(req): Json<CreateInterview>,
) -> Result<(StatusCode, axum::Json<InterviewView>), ApiError> {
    ctx.require(Perm::Write)?;
    if let (Some(s), Some(e)) = (req.scheduled_at, req.expires_at) {
        if e <= s {
            return Err(ApiError::field("expires_at", "must be after scheduled_at"));
        }
    }
    let mut tx = state.pool.begin().await?;
    let row = interviews::create(
        &mut tx,
        ctx.org_id,
        application_id,
        req.scheduled_at,
        req.expires_at,
    )
    .await?;
    let id = row.id;
    audit::org(
        &mut tx,
        &ctx,
        "interview.created",
        "interview",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListInterviews {
    pub application_id: Option<Uuid>,
    pub status: Option<InterviewStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Interviews, newest first.
#[utoipa::path(get, path = "/interviews", tag = "interviews", security(("bearer" = [])), params(ListInterviews),
    responses((status = 200, body = Page<InterviewView>), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Query(q): Query<ListInterviews>,
) -> Result<axum::Json<Page<InterviewView>>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut problems = Vec::new();
    let page = PageQuery::parse(q.limit, q.cursor.as_deref(), &mut problems);
    validate::finish(problems)?;
    let filter = interviews::Filter {
        application_id: q.application_id,
        status: q.status,
        before: page.before,
        limit: page.fetch(),
    };
    let rows = interviews::list(&state.pool, ctx.org_id, &filter).await?;
    Ok(axum::Json(page.page(rows, |r| r.id, |r| r)))
}

/// One interview.
#[utoipa::path(get, path = "/interviews/{id}", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = InterviewView), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<InterviewView>, ApiError> {
    ctx.require(Perm::Read)?;
    Ok(axum::Json(
        interviews::get(&state.pool, ctx.org_id, id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInterview {
    /// Allowed: scheduled → in_progress | cancelled | expired;
    /// in_progress → completed | cancelled | expired.
    pub status: Option<InterviewStatus>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub scheduled_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub recording_ref: Option<Option<String>>,
}

/// Changes an interview's status, times or recording reference.
#[utoipa::path(patch, path = "/interviews/{id}", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateInterview,
    responses((status = 200, body = InterviewView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateInterview>,
) -> Result<axum::Json<InterviewView>, ApiError> {
    ctx.require(Perm::Write)?;
    if let Some(Some(r)) = &req.recording_ref {
        let mut p = Vec::new();
        validate::check(&mut p, "recording_ref", validate::text(r, 2_000));
        validate::finish(p)?;
    }
    let mut tx = state.jobs.begin().await?;
    let changes = InterviewChanges {
        status: req.status,
        scheduled_at: req.scheduled_at,
        expires_at: req.expires_at,
        recording_ref: req.recording_ref.as_ref().map(|r| r.as_deref()),
    };
    let (current, row) = interviews::update(&mut tx, ctx.org_id, id, &changes).await?;
    if row.status == InterviewStatus::Completed && current != InterviewStatus::Completed {
        score_when_completed(&mut tx, ctx.org_id, id).await?;
    }
    let details = json!({ "from": current, "to": row.status });
    audit::org(&mut tx, &ctx, "interview.updated", "interview", id, details).await?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

/// Enqueues the score of an interview that just completed, in the
/// transaction that completes it (keyed, so once).
pub(crate) async fn score_when_completed(
    conn: &mut sqlx::PgConnection,
    org: Uuid,
    id: Uuid,
) -> sqlx::Result<()> {
    ScoreInterview { interview_id: id }
        .enqueue(
            conn,
            Enqueue::for_org(org).key(format!("score:{id}:completed")),
        )
        .await?;
    Ok(())
}

/// Scores the interview again (a job; the score replaces the current one
/// when it lands), e.g. after its job role's rubric changed. Completing an
/// interview scores it without asking.
#[utoipa::path(post, path = "/interviews/{id}/score", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 202, body = crate::routes::admin::Enqueued), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn request_score(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<crate::routes::admin::Enqueued>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.jobs.begin().await?;
    let interview = interviews::get(&mut *tx, ctx.org_id, id).await?;
    if interview.status != InterviewStatus::Completed {
        return Err(ApiError::Conflict(format!(
            "the interview is {}; only completed interviews are scored",
            interview.status.as_str()
        )));
    }
    let job = ScoreInterview { interview_id: id }
        .enqueue(&mut tx, Enqueue::for_org(ctx.org_id))
        .await?;
    audit::org(
        &mut tx,
        &ctx,
        "interview.score_requested",
        "interview",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(crate::routes::admin::Enqueued::accepted(job.job.id))
}

/// The interview's score: per rubric dimension a score with evidence and
/// verbatim quotes, the overall score (the weighted mean), a summary,
/// feedback for the candidate and the integrity risk with its reasons.
/// 404 `not_scored` until a score lands, saying why when scoring failed.
#[utoipa::path(get, path = "/interviews/{id}/score", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = StoredScore), (status = 404, body = ErrorBody)))]
async fn show_score(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<StoredScore>, ApiError> {
    ctx.require(Perm::Read)?;
    match interviews::score(&state.pool, ctx.org_id, id).await? {
        Ok(score) => Ok(axum::Json(score)),
        Err(failure) => Err(ApiError::Status {
            status: StatusCode::NOT_FOUND,
            code: "not_scored",
            message: match failure {
                Some(reason) => format!("the interview has no score: {reason}"),
                None => "the interview has not been scored yet".to_owned(),
            },
        }),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppendSegments {
    /// 1 to 500 segments, in order of `start_ms`, none starting before the
    /// transcript's last one.
    #[schema(min_items = 1, max_items = 500)]
    pub segments: Vec<NewSegment>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Appended {
    pub appended: usize,
    /// Total segments in the transcript now.
    pub total: i64,
}

const MAX_BATCH: usize = 500;

/// Appends transcript segments, in order (each starts no earlier than the
/// one before it).
#[utoipa::path(post, path = "/interviews/{id}/transcript", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = AppendSegments,
    responses((status = 200, body = Appended), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn append_transcript(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<AppendSegments>,
) -> Result<axum::Json<Appended>, ApiError> {
    ctx.require(Perm::Write)?;
    let mut p = Vec::new();
    if req.segments.is_empty() || req.segments.len() > MAX_BATCH {
        p.push(("segments".into(), format!("1 to {MAX_BATCH} segments")));
    }
    for (i, s) in req.segments.iter().enumerate() {
        validate::check(
            &mut p,
            &format!("segments[{i}].speaker"),
            validate::text(&s.speaker, 100),
        );
        validate::check(
            &mut p,
            &format!("segments[{i}].content"),
            validate::text(&s.content, 20_000),
        );
        if s.start_ms < 0 || s.end_ms < s.start_ms {
            p.push((
                format!("segments[{i}].end_ms"),
                "start_ms ≥ 0 and end_ms ≥ start_ms".into(),
            ));
        }
        if s.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
            p.push((
                format!("segments[{i}].confidence"),
                "between 0 and 1".into(),
            ));
        }
        if i > 0 && s.start_ms < req.segments[i - 1].start_ms {
            p.push((
                format!("segments[{i}].start_ms"),
                "segments must be in order".into(),
            ));
        }
    }
    validate::finish(p)?;
    let mut tx = state.pool.begin().await?;
    let total = interviews::append_segments(&mut tx, ctx.org_id, id, &req.segments).await?;
    tx.commit().await?;
    Ok(axum::Json(Appended {
        appended: req.segments.len(),
        total,
    }))
}

/// The transcript, in order.
#[utoipa::path(get, path = "/interviews/{id}/transcript", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Segment>), (status = 404, body = ErrorBody)))]
async fn transcript(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Vec<Segment>>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut conn = state.pool.acquire().await?;
    let rows = interviews::transcript(&mut conn, ctx.org_id, id).await?;
    Ok(axum::Json(rows))
}
