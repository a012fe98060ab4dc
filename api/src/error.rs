//! One error type for the HTTP layer and one JSON shape for every error:
//! `{"error": {"code", "message", "request_id", "fields"?}}`.
//!
//! Handlers return [`ApiError`]; its response carries the error in the
//! response extensions, and [`render_errors`] (a middleware) writes the body
//! with the request id and logs it once. Internal causes are logged, never
//! sent.

use axum::{
    extract::{
        rejection::JsonRejection, rejection::PathRejection, rejection::QueryRejection, Request,
    },
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// 422 with the fields at fault: (field, problem).
    #[error("validation failed")]
    Validation(Vec<(String, String)>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// 409: a unique value is taken (field, message).
    #[error("{1}")]
    Duplicate(String, String),
    #[error("{message}")]
    Status {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// 503: Postgres cannot be reached (down, restarting, out of
    /// connections). Answered within the pool's acquire timeout, with
    /// `Retry-After`.
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Seconds a client should wait after a 503.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

pub use job_engine::db::is_unavailable;

/// Unique constraints and the request field each protects.
const UNIQUE_FIELDS: &[(&str, &str, &str)] = &[
    (
        "users_email_uq",
        "email",
        "an account with this email already exists",
    ),
    (
        "candidates_org_email_uq",
        "email",
        "a candidate with this email already exists",
    ),
    (
        "applications_candidate_id_job_role_id_key",
        "candidate_id",
        "this candidate already applied to this job role",
    ),
    (
        "invitations_open_uq",
        "email",
        "an open invitation for this email already exists",
    ),
    (
        "memberships_pkey",
        "email",
        "already a member of this organisation",
    ),
];

impl From<recruiting::store::StoreError> for ApiError {
    fn from(e: recruiting::store::StoreError) -> Self {
        use recruiting::store::StoreError;
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Invalid(fields) => Self::Validation(fields),
            StoreError::Conflict(message) => Self::Conflict(message),
            StoreError::Sealed(message) => Self::Internal(anyhow::anyhow!(
                "sealed data could not be opened: {message}"
            )),
            StoreError::Db(e) => e.into(),
        }
    }
}

/// 410: the thing existed and is over (expired, revoked, used).
pub fn gone(message: &str) -> ApiError {
    ApiError::Status {
        status: StatusCode::GONE,
        code: "gone",
        message: message.to_owned(),
    }
}

/// An email that cannot be posted: its address is the caller's mistake
/// (422 on `field`), anything else the database's.
pub fn post_error(field: &str, e: job_kinds::send_email::PostError) -> ApiError {
    use job_kinds::send_email::PostError;
    match e {
        PostError::Compose(mail::ComposeError::Recipient(_)) => ApiError::Validation(vec![(
            field.to_owned(),
            "is not an address we can send email to".to_owned(),
        )]),
        PostError::Compose(e) => ApiError::Internal(e.into()),
        PostError::Store(e) => e.into(),
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            return Self::Unavailable;
        }
        if let Some(db) = e.as_database_error() {
            if db.is_unique_violation() {
                if let Some((_, field, message)) = UNIQUE_FIELDS
                    .iter()
                    .find(|(c, _, _)| Some(*c) == db.constraint())
                {
                    return Self::Duplicate((*field).to_owned(), (*message).to_owned());
                }
            }
        }
        Self::Internal(anyhow::Error::new(e))
    }
}

/// The error body, for the OpenAPI document.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `not_found`, `validation_failed`.
    pub code: String,
    pub message: String,
    pub request_id: String,
    /// For `validation_failed` and unique conflicts: the fields at fault.
    pub fields: Option<Vec<FieldProblem>>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        Self::Validation(vec![(field.to_owned(), problem.into())])
    }

    /// Postgres is out of reach: [`Self::Unavailable`], or an internal error
    /// whose cause chain holds such a sqlx error.
    fn db_unavailable(&self) -> bool {
        match self {
            Self::Unavailable => true,
            Self::Internal(e) => e
                .chain()
                .any(|c| c.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable)),
            _ => false,
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, String, Option<Value>) {
        if self.db_unavailable() {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is unavailable; retry shortly".to_owned(),
                None,
            );
        }
        match self {
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone(), None),
            Self::Validation(fields) => {
                let list: Vec<Value> = fields
                    .iter()
                    .map(|(f, p)| json!({ "field": f, "message": p }))
                    .collect();
                let summary = fields
                    .iter()
                    .map(|(f, p)| format!("{f}: {p}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    format!("validation failed: {summary}"),
                    Some(Value::Array(list)),
                )
            }
            Self::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
                None,
            ),
            Self::Conflict(m) => (StatusCode::CONFLICT, "conflict", m.clone(), None),
            Self::Duplicate(field, m) => (
                StatusCode::CONFLICT,
                "conflict",
                m.clone(),
                Some(json!([{ "field": field, "message": m }])),
            ),
            Self::Status {
                status,
                code,
                message,
            } => (*status, code, message.clone(), None),
            // `Unavailable` was answered above.
            Self::Unavailable | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; quote the request id when reporting it".to_owned(),
                None,
            ),
        }
    }
}

/// The error as it travels from a handler to [`render_errors`].
#[derive(Debug, Clone)]
struct ErrorInfo {
    code: &'static str,
    message: String,
    fields: Option<Value>,
    /// Logged, never sent.
    cause: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = self.parts();
        let cause = match &self {
            Self::Internal(e) => Some(format!("{e:#}")),
            _ => None,
        };
        let mut res = status.into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS),
            );
        }
        res.extensions_mut().insert(ErrorInfo {
            code,
            message,
            fields,
            cause,
        });
        res
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
            _ => "invalid_json",
        };
        Self::Status {
            status,
            code,
            message: r.body_text(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::BadRequest(r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::BadRequest(r.body_text())
    }
}

/// Renders every error response in the one shape, with the request id, and
/// logs it once (server errors with their cause).
pub async fn render_errors(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let info = match res.extensions_mut().remove::<ErrorInfo>() {
        Some(info) => info,
        // Errors raised outside our handlers (unknown route, wrong method,
        // timeouts): same shape.
        None => {
            if res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|ct| ct.as_bytes().starts_with(b"application/json"))
            {
                return res;
            }
            ErrorInfo {
                code: match status {
                    StatusCode::NOT_FOUND => "not_found",
                    StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
                    StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                    StatusCode::REQUEST_TIMEOUT => "timeout",
                    s if s.is_server_error() => "internal",
                    _ => "bad_request",
                },
                message: status.canonical_reason().unwrap_or("error").to_lowercase(),
                fields: None,
                cause: None,
            }
        }
    };
    if status.is_server_error() {
        tracing::error!(request_id, %method, path, status = status.as_u16(), error.code = info.code,
            error.cause = info.cause.as_deref().unwrap_or(""), "request failed");
    } else {
        tracing::info!(request_id, %method, path, status = status.as_u16(), error.code = info.code, "request rejected");
    }
    let mut body = json!({ "code": info.code, "message": info.message, "request_id": request_id });
    if let Some(fields) = info.fields {
        body["fields"] = fields;
    }
    let mut out = (status, Json(json!({ "error": body }))).into_response();
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if !request_id.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            out.headers_mut().insert("x-request-id", v);
        }
    }
    out
}
