//! Job status for the frontend and operators: read, list, retry, cancel.

use axum::{
    extract::{FromRequestParts, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use chrono::{DateTime, Utc};
use job_engine::db::{self, JobRow, JobStatus, ListFilter, Scope, TransitionError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit::{self, Entry},
    auth::{Actor, OrgCtx, Perm, Principal, RequestMeta},
    error::{ApiError, ErrorBody},
    extract::{Json, Path, Query},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(events))
        .routes(routes!(retry))
        .routes(routes!(cancel))
}

/// Whose jobs the caller sees: platform admins and read-only platform
/// viewers (without an organisation header) see every job including system
/// jobs (viewers change nothing); everyone else sees only their
/// organisation's.
pub struct JobsCaller {
    pub(crate) scope: Scope,
    pub(crate) can_write: bool,
    /// May act on many jobs at once: platform admins, and an
    /// organisation's admins (on its jobs).
    pub(crate) can_manage: bool,
    pub(crate) organisation_id: Option<Uuid>,
    pub(crate) actor: Actor,
    pub(crate) meta: RequestMeta,
}

impl JobsCaller {
    /// Platform admins and viewers (who see every organisation's jobs);
    /// else 403 with `why`.
    pub(crate) fn require_platform(&self, why: &str) -> Result<(), ApiError> {
        if self.scope == Scope::Platform {
            Ok(())
        } else {
            Err(crate::auth::forbidden(why))
        }
    }

    /// Platform admins only (viewers change nothing); else 403 with `why`.
    pub(crate) fn require_platform_admin(&self, why: &str) -> Result<(), ApiError> {
        if self.scope == Scope::Platform && self.can_write {
            Ok(())
        } else {
            Err(crate::auth::forbidden(why))
        }
    }

    /// Who it is, for [`job_engine::control`]'s audit entries.
    pub(crate) fn control_actor(&self) -> job_engine::control::Actor {
        job_engine::control::Actor {
            user_id: self.actor.user_id,
            via: match self.actor.api_key_id {
                Some(key) => format!("api-key:{key}"),
                None => "api".to_owned(),
            },
        }
    }
}

impl FromRequestParts<AppState> for JobsCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        if let Principal::User(u) = &principal {
            if (u.platform_admin || u.platform_viewer)
                && !parts.headers.contains_key("x-organisation-id")
            {
                return Ok(Self {
                    scope: Scope::Platform,
                    can_write: u.platform_admin,
                    can_manage: u.platform_admin,
                    organisation_id: None,
                    actor: principal.actor(),
                    meta: RequestMeta::from_parts(parts),
                });
            }
        }
        let ctx = OrgCtx::from_request_parts(parts, state).await?;
        ctx.require(Perm::Read)?;
        Ok(Self {
            scope: Scope::Organisation(ctx.org_id),
            can_write: ctx.role.allows(Perm::Write),
            can_manage: ctx.role.allows(Perm::Manage),
            organisation_id: Some(ctx.org_id),
            actor: ctx.actor(),
            meta: ctx.meta,
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub percent: i16,
    pub message: Option<String>,
}

/// A job as the API shows it. Its payload only to platform admins (it may
/// name what an organisation's member need not see, and is the operators'
/// to debug).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// The worker running (or that last ran) it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
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

impl JobView {
    /// The view `scope` may have: platform admins also see the payload and
    /// the worker.
    pub fn for_scope(mut j: JobRow, scope: Scope) -> Self {
        let (payload, worker) = if scope == Scope::Platform {
            (Some(std::mem::take(&mut j.payload)), j.worker_id.take())
        } else {
            (None, None)
        };
        let mut view = JobView::from(j);
        view.payload = payload;
        view.worker_id = worker;
        view
    }
}

impl From<JobRow> for JobView {
    fn from(j: JobRow) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            payload: None,
            worker_id: None,
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

/// The entity tag of jobs as they are now: a digest of each one's id and
/// last change. Every change of a job (status, attempt, progress, result)
/// moves its `updated_at`.
fn etag<'a>(jobs: impl IntoIterator<Item = &'a JobRow>) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for j in jobs {
        h.update(j.id.as_bytes());
        h.update(j.updated_at.timestamp_micros().to_be_bytes());
    }
    let d = h.finalize();
    format!("\"{}\"", hex(&d[..12]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `304 Not Modified` when the caller's `If-None-Match` names `tag`, else
/// the body; either way with the tag.
fn conditional<T: Serialize>(headers: &HeaderMap, tag: String, body: T) -> Response {
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*");
    let mut res = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(body).into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// A job's status, attempts, progress, result and error. Answers `304`
/// without a body when `If-None-Match` holds the `ETag` of the last answer
/// and nothing changed since: poll with it.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = JobView, headers(("ETag" = String))), (status = 304, description = "unchanged since the `If-None-Match` tag"),
              (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    caller: JobsCaller,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let job = db::get(&state.pool, caller.scope, id)
        .await?
        .ok_or(ApiError::NotFound("job"))?;
    let tag = etag([&job]);
    Ok(conditional(
        &headers,
        tag,
        JobView::for_scope(job, caller.scope),
    ))
}

/// A job's changes as they happen, as server-sent events: one `job` event
/// (data: the job as `GET /jobs/{id}` shows it; id: its version) now and
/// after every change of status, attempt or progress; the stream ends after
/// the job ends (succeeded, dead, cancelled). Reconnecting with
/// `Last-Event-ID` skips the current state when it is the one last seen.
/// Comments every 15 s keep idle connections open.
#[utoipa::path(get, path = "/jobs/{id}/events", tag = "jobs", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Last-Event-ID" = Option<String>, Header, description = "the id of the last event received")),
    responses((status = 200, description = "`text/event-stream` of `job` events", content_type = "text/event-stream", body = JobView),
              (status = 404, body = ErrorBody)))]
async fn events(
    State(state): State<AppState>,
    caller: JobsCaller,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    // Subscribed before the first read, so no change falls in between.
    let heard = state.job_events.subscribe().await;
    let job = db::get(&state.pool, caller.scope, id)
        .await?
        .ok_or(ApiError::NotFound("job"))?;
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let stream = JobStream {
        pool: state.pool.clone(),
        scope: caller.scope,
        id,
        heard,
        closed: Box::pin(state.job_events.closed()),
        last_sent: last_seen,
        current: Some(job),
        ended: false,
    }
    .into_stream();
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response())
}

/// One client's stream of one job.
struct JobStream {
    pool: sqlx::PgPool,
    scope: Scope,
    id: Uuid,
    heard: tokio::sync::broadcast::Receiver<crate::events::Heard>,
    closed: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    /// The version of the job last sent (or named by `Last-Event-ID`).
    last_sent: Option<String>,
    /// Read and not yet sent.
    current: Option<JobRow>,
    ended: bool,
}

impl JobStream {
    fn into_stream(
        self,
    ) -> impl futures::Stream<Item = Result<Event, std::convert::Infallible>> + Send {
        futures::stream::unfold(self, |mut s| async move {
            use crate::events::Heard;
            use tokio::sync::broadcast::error::RecvError;
            loop {
                if s.ended {
                    return None;
                }
                if let Some(job) = s.current.take() {
                    let version = job.updated_at.timestamp_micros().to_string();
                    s.ended = job.status.is_finished();
                    if s.last_sent.as_deref() != Some(version.as_str()) {
                        s.last_sent = Some(version.clone());
                        let event = Event::default()
                            .event("job")
                            .id(version)
                            .json_data(JobView::for_scope(job, s.scope))
                            .unwrap_or_else(|_| Event::default().comment("unserialisable"));
                        return Some((Ok(event), s));
                    }
                    continue;
                }
                let reread = tokio::select! {
                    heard = s.heard.recv() => match heard {
                        Ok(Heard::Job(id)) => id == s.id,
                        Ok(Heard::Resync) | Err(RecvError::Lagged(_)) => true,
                        Err(RecvError::Closed) => return None,
                    },
                    _ = &mut s.closed => return None,
                };
                if reread {
                    match db::get(&s.pool, s.scope, s.id).await {
                        Ok(Some(job)) => s.current = Some(job),
                        // Purged meanwhile: nothing more to say.
                        Ok(None) => return None,
                        Err(e) => {
                            tracing::warn!(error = %e, job.id = %s.id, "job events: reading the job");
                            return None;
                        }
                    }
                }
            }
        })
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Up to 200 job ids, comma-separated: those jobs (the ones the caller
    /// may see), whatever the other filters; one request for a frontend
    /// following a batch. With `ETag` / `If-None-Match` like `GET /jobs/{id}`.
    ids: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    /// Jobs whose payload contains this JSON object, e.g.
    /// `{"resume_id":"…"}` (URL-encoded).
    payload: Option<String>,
    cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobPage {
    items: Vec<JobView>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<Uuid>,
}

const MAX_PAGE: i64 = 200;

/// Jobs, newest first, filtered by kind and status; or the jobs named by
/// `ids` (a batch's status in one request).
#[utoipa::path(get, path = "/jobs", tag = "jobs", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = JobPage), (status = 304, description = "`ids` given: unchanged since the `If-None-Match` tag"),
              (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: JobsCaller,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    if let Some(ids) = q.ids.as_deref() {
        return batch(&state, &caller, &headers, ids).await;
    }
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
    let payload = match q.payload.as_deref() {
        None | Some("") => None,
        Some(p) => match serde_json::from_str::<Value>(p) {
            Ok(v @ Value::Object(_)) => Some(v),
            _ => {
                problems.push((
                    "payload".to_owned(),
                    "a JSON object, e.g. {\"resume_id\":\"…\"}".to_owned(),
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
        payload,
        before,
        limit: limit + 1,
    };
    let mut rows = db::list(&state.pool, caller.scope, &filter).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|j| j.id)
    } else {
        None
    };
    Ok(Json(JobPage {
        items: rows
            .into_iter()
            .map(|j| JobView::for_scope(j, caller.scope))
            .collect(),
        next_cursor,
    })
    .into_response())
}

/// Most ids in one batch request.
const MAX_IDS: usize = 200;

/// `GET /jobs?ids=…`: the named jobs the caller may see, in the order named
/// (unknown and other organisations' ids are left out).
async fn batch(
    state: &AppState,
    caller: &JobsCaller,
    headers: &HeaderMap,
    ids: &str,
) -> Result<Response, ApiError> {
    let parsed: Result<Vec<Uuid>, _> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Uuid::parse_str)
        .collect();
    let ids = match parsed {
        Ok(ids) if !ids.is_empty() && ids.len() <= MAX_IDS => ids,
        Ok(_) => {
            return Err(ApiError::field(
                "ids",
                format!("1 to {MAX_IDS} comma-separated job ids"),
            ))
        }
        Err(_) => return Err(ApiError::field("ids", "comma-separated job ids (UUIDs)")),
    };
    let mut rows = db::get_many(&state.pool, caller.scope, &ids).await?;
    rows.sort_by_key(|j| ids.iter().position(|i| *i == j.id));
    rows.dedup_by_key(|j| j.id);
    let tag = etag(&rows);
    Ok(conditional(
        headers,
        tag,
        JobPage {
            items: rows
                .into_iter()
                .map(|j| JobView::for_scope(j, caller.scope))
                .collect(),
            next_cursor: None,
        },
    ))
}

fn transition_error(e: TransitionError, action: &str) -> ApiError {
    match e {
        TransitionError::NotFound => ApiError::NotFound("job"),
        TransitionError::WrongStatus(s) => {
            ApiError::Conflict(format!("cannot {action} a job that is {}", s.as_str()))
        }
    }
}

async fn audit_job(
    state: &AppState,
    caller: &JobsCaller,
    action: &str,
    id: Uuid,
) -> Result<(), ApiError> {
    let mut conn = state.pool.acquire().await?;
    audit::record(
        &mut conn,
        &caller.meta,
        Entry {
            organisation_id: caller.organisation_id,
            actor: caller.actor,
            action,
            target_type: "job",
            target_id: Some(id.to_string()),
            details: json!({}),
        },
    )
    .await?;
    Ok(())
}

/// Puts a `dead` or `failed` job back in the queue with a fresh attempt budget.
#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "jobs", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn retry(
    State(state): State<AppState>,
    caller: JobsCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<JobView>, ApiError> {
    if !caller.can_write {
        return Err(crate::auth::forbidden("your role may not retry jobs"));
    }
    let mut conn = state.pool.acquire().await?;
    let job = db::get(&mut *conn, caller.scope, id)
        .await?
        .ok_or(ApiError::NotFound("job"))?;
    // A retried job gets its kind's full attempt budget again.
    let extra = state
        .registry
        .get(&job.kind)
        .map(|s| s.policy.max_attempts)
        .unwrap_or(1);
    let job = db::retry(&mut conn, caller.scope, id, extra)
        .await?
        .map_err(|e| transition_error(e, "retry"))?;
    drop(conn);
    audit_job(&state, &caller, "job.retried", id).await?;
    tracing::info!(job.id = %id, "job retried by operator");
    Ok(Json(job.into()))
}

/// Cancels a job that has not finished; a running attempt is stopped.
#[utoipa::path(post, path = "/jobs/{id}/cancel", tag = "jobs", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    caller: JobsCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<JobView>, ApiError> {
    if !caller.can_write {
        return Err(crate::auth::forbidden("your role may not cancel jobs"));
    }
    let mut conn = state.pool.acquire().await?;
    let job = db::cancel(&mut conn, caller.scope, id)
        .await?
        .map_err(|e| transition_error(e, "cancel"))?;
    drop(conn);
    audit_job(&state, &caller, "job.cancelled", id).await?;
    tracing::info!(job.id = %id, "job cancelled");
    Ok(Json(job.into()))
}
