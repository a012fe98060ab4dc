//! An interview held as a voice call with the configured voice agent
//! (Ultravox): the candidate's client (or a member) asks for the call and
//! gets its join URL; it can be hung up; the provider's webhooks
//! ([`super::provider_webhooks`]) follow it to its end, and the transcript
//! job writes what was said and has it scored. Members list an
//! interview's sessions on every provider.
//!
//! The provider is called outside any transaction (no connection is held
//! over a network call); two clients asking at once may both create a
//! call, and the one that loses the insert hangs its own up and answers
//! with the winner's.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use integrations::{CallProvider, SessionRequest};
use recruiting::store::{calls, interviews, questions};
use serde::Serialize;
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::media::{not_configured, provider_response};
use crate::{
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::Path,
    routes::interviewer::Driver,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_voice_call))
        .routes(routes!(end_voice_call))
        .routes(routes!(list_calls))
}

/// The voice agent's provider name.
const VOICE: &str = "ultravox";
/// The longest a voice interview may run.
const VOICE_MAX: std::time::Duration = std::time::Duration::from_secs(45 * 60);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Calls {
    pub items: Vec<calls::Call>,
}

fn voice(state: &AppState) -> Result<Arc<dyn CallProvider>, ApiError> {
    state
        .calls
        .get(VOICE)
        .ok_or_else(|| not_configured("The voice agent (Ultravox)"))
}

/// Starts the interview as a voice call with the voice agent, or gives the
/// call already under way: its `join_url` is for the candidate's client.
/// The agent asks the role's approved questions (the interview keeps the
/// set it started with). When the call ends, its transcript is written to
/// the interview and scored. For the candidate (with `X-Interview-Token`)
/// or a member who may write, while the interview is scheduled or in
/// progress.
#[utoipa::path(post, path = "/interviews/{id}/voice-call", tag = "interviews",
    security(("bearer" = []), ("interview_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = calls::Call, description = "The call already under way"),
              (status = 201, body = calls::Call, description = "A new call"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such interview, or the voice agent is not configured on this server (code `provider_not_configured`)"),
              (status = 409, body = ErrorBody, description = "The interview is over or has expired, or its role has no approved questions"),
              (status = 502, body = ErrorBody, description = "The provider refused the configured key, answered wrongly or cannot be reached"),
              (status = 503, body = ErrorBody, description = "The provider is throttling requests, or the database is unavailable",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn start_voice_call(
    State(state): State<AppState>,
    driver: Driver,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let org = driver.org_for(id)?;
    let mut tx = state.pool.begin().await?;
    let st = interviews::turn_state(&mut tx, org, id).await?;
    if !st.status.accepts_transcript() {
        return Err(ApiError::Conflict(format!(
            "the interview is {}",
            st.status.as_str()
        )));
    }
    if st.expires_at.is_some_and(|e| e <= chrono::Utc::now()) {
        return Err(ApiError::Conflict("the interview has expired".into()));
    }
    let provider = voice(&state)?;
    if let Some(call) = calls::live(&mut *tx, org, id, VOICE).await? {
        return Ok((StatusCode::OK, axum::Json(call)).into_response());
    }
    let set = questions::of_interview(&mut tx, org, &st, id)
        .await?
        .ok_or_else(|| ApiError::Conflict("the job role has no approved questions".into()))?;
    let rubric = interviews::scoring_input(&mut tx, org, id).await?.rubric;
    tx.commit().await?;

    let request = SessionRequest {
        interview_id: id.to_string(),
        title: format!("Interview: {}", st.role_title),
        instructions: assessment::interviewer::voice_instructions(
            &st.role_title,
            &st.first_name,
            &set.questions.0,
            &assessment::rubric::or_default(&rubric),
        ),
        starts_at: None,
        duration: VOICE_MAX,
    };
    let session = match provider.create_session(&request).await {
        Ok(s) => s,
        Err(e) => return Ok(provider_response(e)),
    };
    let mut conn = state.pool.acquire().await?;
    let inserted = calls::insert(
        &mut conn,
        org,
        id,
        VOICE,
        &session.external_id,
        session.join_url.as_deref(),
    )
    .await?;
    match inserted {
        Some(call) => Ok((StatusCode::CREATED, axum::Json(call)).into_response()),
        None => {
            // Another request's call won: hang ours up, answer with theirs.
            if let Err(e) = provider.end_session(&session.external_id).await {
                tracing::warn!(error = %e, "hanging up a duplicate voice call failed");
            }
            let call = calls::live(&mut *conn, org, id, VOICE)
                .await?
                .ok_or_else(|| ApiError::Conflict("the interview's call just ended".into()))?;
            Ok((StatusCode::OK, axum::Json(call)).into_response())
        }
    }
}

/// Hangs up the interview's voice call. The provider's `call.ended`
/// webhook then has its transcript written and scored.
#[utoipa::path(post, path = "/interviews/{id}/voice-call/end", tag = "interviews",
    security(("bearer" = []), ("interview_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 202, body = calls::Call, description = "Hung up; the call ends shortly"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "No such interview, or the voice agent is not configured on this server (code `provider_not_configured`)"),
              (status = 409, body = ErrorBody, description = "The interview has no call under way"),
              (status = 502, body = ErrorBody, description = "The provider refused the configured key, answered wrongly or cannot be reached"),
              (status = 503, body = ErrorBody, description = "The provider is throttling requests, or the database is unavailable",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn end_voice_call(
    State(state): State<AppState>,
    driver: Driver,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let org = driver.org_for(id)?;
    interviews::get(&state.pool, org, id).await?;
    let provider = voice(&state)?;
    let call = calls::live(&state.pool, org, id, VOICE)
        .await?
        .ok_or_else(|| ApiError::Conflict("the interview has no call under way".into()))?;
    if let Err(e) = provider.end_session(&call.external_id).await {
        return Ok(provider_response(e));
    }
    Ok((StatusCode::ACCEPTED, axum::Json(call)).into_response())
}

/// The interview's voice and video sessions on every provider, newest
/// first: their status and whether their transcript has been written.
#[utoipa::path(get, path = "/interviews/{id}/calls", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Calls), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_calls(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Calls>, ApiError> {
    ctx.require(Perm::Read)?;
    interviews::get(&state.pool, ctx.org_id, id).await?;
    let items = calls::of_interview(&state.pool, ctx.org_id, id).await?;
    Ok(axum::Json(Calls { items }))
}
