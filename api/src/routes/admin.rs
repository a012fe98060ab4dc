//! Operators' tools: enqueue any job kind.

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use job_engine::{Enqueue, EnqueueError};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{forbidden, Principal},
    error::{ApiError, ErrorBody},
    extract::Json,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(enqueue))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnqueueRequest {
    kind: String,
    #[serde(default = "empty_object")]
    payload: Value,
    idempotency_key: Option<String>,
    /// Not before this instant (RFC 3339).
    run_at: Option<DateTime<Utc>>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Enqueued {
    pub job_id: uuid::Uuid,
    pub status_url: String,
}

impl Enqueued {
    /// `202 Accepted` naming the job and where to poll it.
    pub fn accepted(job_id: uuid::Uuid) -> (StatusCode, axum::Json<Enqueued>) {
        (
            StatusCode::ACCEPTED,
            axum::Json(Enqueued {
                job_id,
                status_url: format!("/api/v1/jobs/{job_id}"),
            }),
        )
    }
}

fn empty_object() -> Value {
    json!({})
}

const MAX_KEY_LEN: usize = 200;

/// Enqueues a system job of any kind (platform admins).
#[utoipa::path(post, path = "/admin/jobs", tag = "admin", security(("bearer" = [])), request_body = EnqueueRequest,
    responses((status = 202, body = Enqueued), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn enqueue(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<EnqueueRequest>,
) -> Result<Response, ApiError> {
    if !matches!(&principal, Principal::User(u) if u.platform_admin) {
        return Err(forbidden("only platform admins may enqueue arbitrary jobs"));
    }
    let Some(spec) = state.registry.get(&req.kind) else {
        let known: Vec<&str> = state.registry.names().collect();
        return Err(ApiError::field(
            "kind",
            format!(
                "unknown job kind `{}`; known: {}",
                req.kind,
                known.join(", ")
            ),
        ));
    };
    let mut problems = Vec::new();
    if let Err(e) = spec.validate(&req.payload) {
        problems.push(("payload".to_owned(), e));
    }
    if let Some(key) = &req.idempotency_key {
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            problems.push((
                "idempotency_key".to_owned(),
                format!("1 to {MAX_KEY_LEN} characters"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }

    // No business rows: concurrent enqueues share one statement and commit.
    let enqueued = state
        .jobs
        .enqueue_json(
            spec,
            req.payload.clone(),
            Enqueue::system().key(req.idempotency_key).at(req.run_at),
        )
        .await
        .map_err(|e| match e {
            EnqueueError::Invalid(problem) => ApiError::field("payload", problem),
            EnqueueError::Db(e) => e.into(),
        })?;

    if !enqueued.created && enqueued.job.payload != req.payload {
        return Err(ApiError::Conflict(
            "idempotency_key was already used with a different payload".to_owned(),
        ));
    }
    let id = enqueued.job.id;
    if enqueued.created {
        tracing::info!(job.id = %id, job.kind = spec.name, "job enqueued");
    }
    let mut res = Enqueued::accepted(id).into_response();
    if !enqueued.created {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}
