//! Voice and video for an interview: credentials a client needs to talk to
//! the configured providers (issue 14). Each route answers 404 with the
//! code `provider_not_configured` when its provider is not set up on this
//! server (there is no such credential to get), after the interview itself
//! has been checked.

use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use integrations::ProviderError;
use recruiting::store::interviews;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::{ApiError, ErrorBody},
    extract::Path,
    routes::interviewer::Driver,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(speech_token))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpeechToken {
    /// For the Speech SDK's `SpeechConfig.fromAuthorizationToken`.
    pub token: String,
    /// The Speech resource's region.
    pub region: String,
    /// Ask again before this (a few minutes ahead).
    pub expires_at: DateTime<Utc>,
}

/// A short-lived Azure Speech token for the interview's speech recognition
/// in the browser, with the region it is for. The subscription key never
/// leaves the server; the token is shared by every caller until shortly
/// before it expires (about ten minutes). For the candidate (with
/// `X-Interview-Token`) or a member who may write, while the interview is
/// scheduled or in progress.
#[utoipa::path(post, path = "/interviews/{id}/speech-token", tag = "interviews",
    security(("bearer" = []), ("interview_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SpeechToken),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such interview, or Azure Speech is not configured on this server (code `provider_not_configured`)"),
              (status = 409, body = ErrorBody, description = "The interview is over or has expired"),
              (status = 502, body = ErrorBody, description = "Azure Speech refused the configured key, answered wrongly or cannot be reached"),
              (status = 503, body = ErrorBody, description = "Azure is throttling token requests, or the database is unavailable",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn speech_token(
    State(state): State<AppState>,
    driver: Driver,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let org = driver.org_for(id)?;
    open_interview(&state, org, id).await?;
    let Some(speech) = &state.speech else {
        return Err(not_configured("Azure Speech"));
    };
    let token = match speech.token().await {
        Ok(t) => t,
        Err(e) => return Ok(provider_response(e)),
    };
    let mut resp = axum::Json(SpeechToken {
        token: token.token,
        region: token.region,
        expires_at: token.expires_at,
    })
    .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// The interview, checked to be open (not over, not expired): a client
/// may still get credentials for it.
pub(crate) async fn open_interview(
    state: &AppState,
    org: Uuid,
    id: Uuid,
) -> Result<interviews::Interview, ApiError> {
    let interview = interviews::get(&state.pool, org, id).await?;
    if !interview.status.accepts_transcript() {
        return Err(ApiError::Conflict(format!(
            "the interview is {}",
            interview.status.as_str()
        )));
    }
    if interview.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(ApiError::Conflict("the interview has expired".into()));
    }
    Ok(interview)
}

pub(crate) fn not_configured(provider: &str) -> ApiError {
    ApiError::Status {
        status: StatusCode::NOT_FOUND,
        code: "provider_not_configured",
        message: format!("{provider} is not configured on this server"),
    }
}

/// A provider's failure as the client sees it: the operator's problem
/// (502), or a wait (503 with the provider's `Retry-After`).
pub(crate) fn provider_response(e: ProviderError) -> Response {
    let wait = match &e {
        ProviderError::Throttled { retry_after, .. } => *retry_after,
        _ => None,
    };
    let mut resp = provider_error(e).into_response();
    if let Some(d) = wait {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(d.as_secs().max(1)));
    }
    resp
}

fn provider_error(e: ProviderError) -> ApiError {
    match e {
        ProviderError::Throttled {
            provider,
            retry_after,
        } => ApiError::Status {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "provider_busy",
            message: match retry_after {
                Some(d) => format!("{provider} is busy; try again in {} s", d.as_secs().max(1)),
                None => format!("{provider} is busy; try again shortly"),
            },
        },
        ProviderError::Unavailable { provider, .. } => ApiError::Status {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_unavailable",
            message: format!("{provider} is unavailable"),
        },
        e @ (ProviderError::Refused { .. }
        | ProviderError::Protocol { .. }
        | ProviderError::Unsupported { .. }) => ApiError::Status {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_error",
            message: e.to_string(),
        },
    }
}
