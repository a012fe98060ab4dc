//! Interviews of an application and their transcripts (segments appended in
//! order).

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use jobs::domain::{interview::InterviewStatus, pipeline::Stage};
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
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InterviewView {
    pub id: Uuid,
    pub application_id: Uuid,
    pub status: InterviewStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Where the recording is stored (object-store key or URL).
    pub recording_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, application_id, status, scheduled_at, expires_at, started_at, completed_at, recording_ref, created_at, updated_at";

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
    let stage: Stage = sqlx::query_scalar(
        "SELECT stage FROM applications WHERE id = $1 AND organisation_id = $2 FOR SHARE",
    )
    .bind(application_id)
    .bind(ctx.org_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("application"))?;
    if matches!(stage, Stage::Hired | Stage::Rejected | Stage::Withdrawn) {
        return Err(ApiError::Conflict(format!(
            "the application is {}",
            stage.as_str()
        )));
    }
    let id = Uuid::now_v7();
    let row: InterviewView = sqlx::query_as(&format!(
        "INSERT INTO interviews (id, organisation_id, application_id, scheduled_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(ctx.org_id)
    .bind(application_id)
    .bind(req.scheduled_at)
    .bind(req.expires_at)
    .fetch_one(&mut *tx)
    .await?;
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
    let rows: Vec<InterviewView> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM interviews
         WHERE organisation_id = $1 AND ($2::uuid IS NULL OR application_id = $2)
           AND ($3::interview_status IS NULL OR status = $3) AND ($4::uuid IS NULL OR id < $4)
         ORDER BY id DESC LIMIT $5"
    ))
    .bind(ctx.org_id)
    .bind(q.application_id)
    .bind(q.status)
    .bind(page.before)
    .bind(page.fetch())
    .fetch_all(&state.pool)
    .await?;
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
    crate::routes::find_in_org::<InterviewView>(
        &state.pool,
        "interviews",
        COLUMNS,
        id,
        ctx.org_id,
        "interview",
    )
    .await
    .map(axum::Json)
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
    let mut tx = state.pool.begin().await?;
    let current: InterviewStatus = sqlx::query_scalar(
        "SELECT status FROM interviews WHERE id = $1 AND organisation_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(ctx.org_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("interview"))?;
    if let Some(to) = req.status {
        if to != current && !current.can_move_to(to) {
            return Err(ApiError::Conflict(format!(
                "cannot change an interview from {} to {}",
                current.as_str(),
                to.as_str()
            )));
        }
    }
    if current.is_final() && (req.scheduled_at.is_some() || req.expires_at.is_some()) {
        return Err(ApiError::Conflict(format!(
            "the interview is {}",
            current.as_str()
        )));
    }
    let row: InterviewView = sqlx::query_as(&format!(
        "UPDATE interviews SET
             status = COALESCE($3, status),
             started_at = CASE WHEN $3 = 'in_progress' AND started_at IS NULL THEN now() ELSE started_at END,
             completed_at = CASE WHEN $3 = 'completed' THEN now() ELSE completed_at END,
             scheduled_at = CASE WHEN $4 THEN $5 ELSE scheduled_at END,
             expires_at = CASE WHEN $6 THEN $7 ELSE expires_at END,
             recording_ref = CASE WHEN $8 THEN $9 ELSE recording_ref END
         WHERE id = $1 AND organisation_id = $2 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(ctx.org_id)
    .bind(req.status)
    .bind(req.scheduled_at.is_some())
    .bind(req.scheduled_at.flatten())
    .bind(req.expires_at.is_some())
    .bind(req.expires_at.flatten())
    .bind(req.recording_ref.is_some())
    .bind(req.recording_ref.clone().flatten())
    .fetch_one(&mut *tx)
    .await?;
    let details = json!({ "from": current, "to": row.status });
    audit::org(&mut tx, &ctx, "interview.updated", "interview", id, details).await?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

/// A stored transcript segment.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Segment {
    /// Position in the transcript (assigned on append).
    pub seq: i32,
    /// e.g. `interviewer`, `candidate`.
    pub speaker: String,
    pub content: String,
    pub start_ms: i32,
    pub end_ms: i32,
    /// 0–1, from the speech recogniser.
    pub confidence: Option<f32>,
}

/// A segment to append; its position is assigned by the server.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSegment {
    /// e.g. `interviewer`, `candidate`.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub speaker: String,
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub content: String,
    #[schema(minimum = 0)]
    pub start_ms: i32,
    /// Not before `start_ms`.
    #[schema(minimum = 0)]
    pub end_ms: i32,
    /// 0–1, from the speech recogniser.
    #[schema(minimum = 0, maximum = 1)]
    pub confidence: Option<f32>,
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
    let status: InterviewStatus = sqlx::query_scalar(
        "SELECT status FROM interviews WHERE id = $1 AND organisation_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(ctx.org_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("interview"))?;
    if !status.accepts_transcript() {
        return Err(ApiError::Conflict(format!(
            "the interview is {}",
            status.as_str()
        )));
    }
    let last: Option<(i32, i32)> = sqlx::query_as(
        "SELECT seq, start_ms FROM transcript_segments WHERE interview_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((_, last_start)) = last {
        if req.segments[0].start_ms < last_start {
            return Err(ApiError::field(
                "segments[0].start_ms",
                "starts before the transcript's last segment",
            ));
        }
    }
    let first_seq = last.map(|(s, _)| s + 1).unwrap_or(0);
    let n = req.segments.len();
    let seqs: Vec<i32> = (0..n as i32).map(|i| first_seq + i).collect();
    let speakers: Vec<&str> = req.segments.iter().map(|s| s.speaker.as_str()).collect();
    let contents: Vec<&str> = req.segments.iter().map(|s| s.content.as_str()).collect();
    let starts: Vec<i32> = req.segments.iter().map(|s| s.start_ms).collect();
    let ends: Vec<i32> = req.segments.iter().map(|s| s.end_ms).collect();
    let confidences: Vec<Option<f32>> = req.segments.iter().map(|s| s.confidence).collect();
    sqlx::query(
        "INSERT INTO transcript_segments (organisation_id, interview_id, seq, speaker, content, start_ms, end_ms, confidence)
         SELECT $1, $2, u.seq, u.speaker, u.content, u.start_ms, u.end_ms, u.confidence
         FROM UNNEST($3::int[], $4::text[], $5::text[], $6::int[], $7::int[], $8::real[])
              AS u(seq, speaker, content, start_ms, end_ms, confidence)",
    )
    .bind(ctx.org_id)
    .bind(id)
    .bind(&seqs)
    .bind(&speakers)
    .bind(&contents)
    .bind(&starts)
    .bind(&ends)
    .bind(&confidences)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(axum::Json(Appended {
        appended: n,
        total: (first_seq as i64) + n as i64,
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
    crate::routes::ensure_in_org(&state.pool, "interviews", id, ctx.org_id, "interview").await?;
    let rows: Vec<Segment> = sqlx::query_as(
        "SELECT seq, speaker, content, start_ms, end_ms, confidence FROM transcript_segments
         WHERE interview_id = $1 AND organisation_id = $2 ORDER BY seq",
    )
    .bind(id)
    .bind(ctx.org_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(rows))
}
