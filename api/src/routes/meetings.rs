//! Video interviews on the configured providers: a Zoom meeting scheduled
//! for the interview (its join URL kept on the interview's session, moved
//! when asked, deleted when cancelled), and Azure Communication Services
//! credentials for the browser's calling SDK, with the call it joined
//! linked to the interview so Event Grid's events find it.

use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use integrations::SessionRequest;
use recruiting::store::{calls, interviews};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::media::{not_configured, open_interview, provider_response};
use crate::{
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path},
    routes::interviewer::Driver,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule_meeting, cancel_meeting))
        .routes(routes!(acs_token))
        .routes(routes!(link_acs_call))
}

const ZOOM: &str = "zoom";
const ACS: &str = "acs";
/// How long a video interview is booked for.
const MEETING_LENGTH: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Schedules the interview as a Zoom meeting at its `scheduled_at` (an
/// instant meeting when it has none), or moves the meeting it already has
/// to that time. The meeting's `join_url` is kept on the interview's
/// session; when Zoom says the meeting ended, the interview is completed,
/// and its cloud recording's transcript, once Zoom has made it, is written
/// and scored. For members who may write.
#[utoipa::path(post, path = "/interviews/{id}/video-meeting", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = calls::Call, description = "The existing meeting, moved to the interview's time"),
              (status = 201, body = calls::Call, description = "A new meeting"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such interview, or Zoom is not configured on this server (code `provider_not_configured`)"),
              (status = 409, body = ErrorBody, description = "The interview is over or has expired"),
              (status = 502, body = ErrorBody, description = "Zoom refused the configured credentials, answered wrongly or cannot be reached"),
              (status = 503, body = ErrorBody, description = "Zoom is throttling requests, or the database is unavailable",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn schedule_meeting(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    ctx.require(Perm::Write)?;
    let interview = open_interview(&state, ctx.org_id, id).await?;
    let zoom = state
        .calls
        .get(ZOOM)
        .ok_or_else(|| not_configured("Zoom"))?;
    let request = SessionRequest {
        interview_id: id.to_string(),
        title: "Interview".into(),
        instructions: String::new(),
        starts_at: interview.scheduled_at,
        duration: MEETING_LENGTH,
    };
    if let Some(call) = calls::live(&state.pool, ctx.org_id, id, ZOOM).await? {
        if let Err(e) = zoom.update_session(&call.external_id, &request).await {
            return Ok(provider_response(e));
        }
        return Ok((StatusCode::OK, axum::Json(call)).into_response());
    }
    let session = match zoom.create_session(&request).await {
        Ok(s) => s,
        Err(e) => return Ok(provider_response(e)),
    };
    let mut conn = state.pool.acquire().await?;
    match calls::insert(
        &mut conn,
        ctx.org_id,
        id,
        ZOOM,
        &session.external_id,
        session.join_url.as_deref(),
    )
    .await?
    {
        Some(call) => Ok((StatusCode::CREATED, axum::Json(call)).into_response()),
        None => {
            // Another request's meeting won: delete ours.
            if let Err(e) = zoom.end_session(&session.external_id).await {
                tracing::warn!(error = %e, "deleting a duplicate Zoom meeting failed");
            }
            let call = calls::live(&mut *conn, ctx.org_id, id, ZOOM)
                .await?
                .ok_or_else(|| ApiError::Conflict("the interview's meeting just ended".into()))?;
            Ok((StatusCode::OK, axum::Json(call)).into_response())
        }
    }
}

/// Deletes the interview's Zoom meeting (ends it if it is under way). For
/// members who may write.
#[utoipa::path(delete, path = "/interviews/{id}/video-meeting", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such interview, or Zoom is not configured on this server (code `provider_not_configured`)"),
              (status = 409, body = ErrorBody, description = "The interview has no meeting"),
              (status = 502, body = ErrorBody, description = "Zoom refused the configured credentials, answered wrongly or cannot be reached"),
              (status = 503, body = ErrorBody, description = "Zoom is throttling requests, or the database is unavailable",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn cancel_meeting(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    ctx.require(Perm::Write)?;
    interviews::get(&state.pool, ctx.org_id, id).await?;
    let zoom = state
        .calls
        .get(ZOOM)
        .ok_or_else(|| not_configured("Zoom"))?;
    let call = calls::live(&state.pool, ctx.org_id, id, ZOOM)
        .await?
        .ok_or_else(|| ApiError::Conflict("the interview has no meeting".into()))?;
    if let Err(e) = zoom.end_session(&call.external_id).await {
        return Ok(provider_response(e));
    }
    let mut conn = state.pool.acquire().await?;
    calls::mark_ended(&mut conn, call.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AcsAccess {
    /// The participant's ACS identity (`8:acs:…`).
    pub identity: String,
    /// A VOIP token for the calling SDK's `AzureCommunicationTokenCredential`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A new ACS identity and VOIP token for the interview's participant, for
/// the browser's calling SDK. The resource's key never leaves the server.
/// For the candidate (with `X-Interview-Token`) or a member who may write,
/// while the interview is open.
#[utoipa::path(post, path = "/interviews/{id}/acs-token", tag = "interviews",
    security(("bearer" = []), ("interview_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 201, body = AcsAccess),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such interview, or Azure Communication Services is not configured on this server (code `provider_not_configured`)"),
              (status = 409, body = ErrorBody, description = "The interview is over or has expired"),
              (status = 502, body = ErrorBody, description = "ACS refused the configured key, answered wrongly or cannot be reached"),
              (status = 503, body = ErrorBody, description = "ACS is throttling requests, or the database is unavailable",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn acs_token(
    State(state): State<AppState>,
    driver: Driver,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let org = driver.org_for(id)?;
    open_interview(&state, org, id).await?;
    let acs = state
        .calls
        .get(ACS)
        .ok_or_else(|| not_configured("Azure Communication Services"))?;
    let request = SessionRequest {
        interview_id: id.to_string(),
        title: "Interview".into(),
        instructions: String::new(),
        starts_at: None,
        duration: MEETING_LENGTH,
    };
    let session = match acs.create_session(&request).await {
        Ok(s) => s,
        Err(e) => return Ok(provider_response(e)),
    };
    let Some(access) = session.access else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "ACS created an identity without a token"
        )));
    };
    let mut resp = (
        StatusCode::CREATED,
        axum::Json(AcsAccess {
            identity: access.identity,
            token: access.token,
            expires_at: access.expires_at,
        }),
    )
        .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcsCallLink {
    /// The joined call's server call id (the calling SDK's
    /// `call.info.getServerCallId()`), which Event Grid's call and
    /// recording events name.
    #[schema(min_length = 1, max_length = 200)]
    pub server_call_id: String,
}

/// Links the ACS call the participant joined to the interview, so that
/// Event Grid's events about it (call ended, recording ready) find the
/// interview. Linking the same call again changes nothing.
#[utoipa::path(post, path = "/interviews/{id}/acs-call", tag = "interviews",
    security(("bearer" = []), ("interview_token" = [])),
    params(("id" = Uuid, Path)), request_body = AcsCallLink,
    responses((status = 200, body = calls::Call, description = "Already linked"),
              (status = 201, body = calls::Call, description = "Linked"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such interview, or Azure Communication Services is not configured on this server (code `provider_not_configured`)"),
              (status = 409, body = ErrorBody, description = "The interview is over or has expired, already has another call under way, or the call belongs to another interview"),
              (status = 422, body = ErrorBody)))]
async fn link_acs_call(
    State(state): State<AppState>,
    driver: Driver,
    Path(id): Path<Uuid>,
    Json(req): Json<AcsCallLink>,
) -> Result<Response, ApiError> {
    let org = driver.org_for(id)?;
    let server_call_id = req.server_call_id.trim();
    let mut p = Vec::new();
    validate::check(
        &mut p,
        "server_call_id",
        (!server_call_id.is_empty()
            && server_call_id.len() <= 200
            && server_call_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c)))
        .then_some(())
        .ok_or_else(|| "the calling SDK's server call id".to_owned()),
    );
    validate::finish(p)?;
    open_interview(&state, org, id).await?;
    state
        .calls
        .get(ACS)
        .ok_or_else(|| not_configured("Azure Communication Services"))?;
    if let Some(call) = calls::live(&state.pool, org, id, ACS).await? {
        return if call.external_id == server_call_id {
            Ok((StatusCode::OK, axum::Json(call)).into_response())
        } else {
            Err(ApiError::Conflict(
                "the interview already has another call under way".into(),
            ))
        };
    }
    let mut conn = state.pool.acquire().await?;
    match calls::insert(&mut conn, org, id, ACS, server_call_id, None).await {
        Ok(Some(call)) => Ok((StatusCode::CREATED, axum::Json(call)).into_response()),
        Ok(None) => Err(ApiError::Conflict(
            "the interview already has another call under way".into(),
        )),
        Err(recruiting::store::StoreError::Db(sqlx::Error::Database(e)))
            if e.code().as_deref() == Some("23505") =>
        {
            Err(ApiError::Conflict(
                "that call is linked to another interview".into(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
