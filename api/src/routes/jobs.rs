//! Job status for the frontend and operators: read, list, retry, cancel.

use axum::{extract::State, routing::get, routing::post, Router};
use chrono::{DateTime, Utc};
use jobs::db::{self, JobRow, JobStatus, ListFilter, Scope, TransitionError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    error::ApiError,
    extract::{Json, Path, Query},
    AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list))
        .route("/jobs/{id}", get(show))
        .route("/jobs/{id}/retry", post(retry))
        .route("/jobs/{id}/cancel", post(cancel))
}

/// Whose jobs the caller may see. Authentication arrives with the identity
/// work; until then every caller is a platform operator.
pub(crate) fn caller_scope() -> Scope {
    Scope::Platform
}

#[derive(Debug, Serialize)]
pub struct Progress {
    pub percent: i16,
    pub message: Option<String>,
}

/// A job as the API shows it (no payload: it may carry personal data).
#[derive(Debug, Serialize)]
pub struct JobView {
    pub id: Uuid,
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub status: JobStatus,
    pub attempt: i32,
    pub max_attempts: i32,
    pub progress: Option<Progress>,
    pub result: Option<Value>,
    pub error: Option<String>,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<JobRow> for JobView {
    fn from(j: JobRow) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            organisation_id: j.organisation_id,
            status: j.status,
            attempt: j.attempt,
            max_attempts: j.max_attempts,
            progress: j.progress_percent.map(|percent| Progress {
                percent,
                message: j.progress_message,
            }),
            result: j.result,
            // The last failure explains a job that is waiting to retry or
            // dead; a job that went on to succeed has no error to show.
            error: if j.status == JobStatus::Succeeded {
                None
            } else {
                j.last_error
            },
            run_at: j.run_at,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            updated_at: j.updated_at,
        }
    }
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<JobView>, ApiError> {
    let job = db::get(&state.pool, caller_scope(), id)
        .await?
        .ok_or(ApiError::NotFound("job"))?;
    Ok(Json(job.into()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    kind: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Serialize)]
struct JobPage {
    items: Vec<JobView>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<Uuid>,
}

const MAX_PAGE: i64 = 200;

async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<JobPage>, ApiError> {
    let mut problems = Vec::new();
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => match JobStatus::parse(s) {
            Some(s) => Some(s),
            None => {
                problems.push((
                    "status".to_owned(),
                    "one of queued, running, succeeded, failed, dead, cancelled".to_owned(),
                ));
                None
            }
        },
    };
    let before = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => match Uuid::parse_str(c) {
            Ok(id) => Some(id),
            Err(_) => {
                problems.push((
                    "cursor".to_owned(),
                    "not a cursor returned by this endpoint".to_owned(),
                ));
                None
            }
        },
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        problems.push(("limit".to_owned(), format!("between 1 and {MAX_PAGE}")));
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let filter = ListFilter {
        kind: q.kind,
        status,
        before,
        limit: limit + 1,
    };
    let mut rows = db::list(&state.pool, caller_scope(), &filter).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|j| j.id)
    } else {
        None
    };
    Ok(Json(JobPage {
        items: rows.into_iter().map(JobView::from).collect(),
        next_cursor,
    }))
}

fn transition_error(e: TransitionError, action: &str) -> ApiError {
    match e {
        TransitionError::NotFound => ApiError::NotFound("job"),
        TransitionError::WrongStatus(s) => {
            ApiError::Conflict(format!("cannot {action} a job that is {}", s.as_str()))
        }
    }
}

async fn retry(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<JobView>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let job = db::get(&mut *conn, caller_scope(), id)
        .await?
        .ok_or(ApiError::NotFound("job"))?;
    // A retried job gets its kind's full attempt budget again.
    let extra = state
        .registry
        .get(&job.kind)
        .map(|s| s.policy.max_attempts)
        .unwrap_or(1);
    let job = db::retry(&mut conn, caller_scope(), id, extra)
        .await?
        .map_err(|e| transition_error(e, "retry"))?;
    tracing::info!(job.id = %id, "job retried by operator");
    Ok(Json(job.into()))
}

async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<JobView>, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let job = db::cancel(&mut conn, caller_scope(), id)
        .await?
        .map_err(|e| transition_error(e, "cancel"))?;
    tracing::info!(job.id = %id, "job cancelled");
    Ok(Json(job.into()))
}
