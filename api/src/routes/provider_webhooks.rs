//! Webhooks from the voice and video providers. Each is checked by its
//! provider's adapter (signature or shared secret, and the replay window)
//! before its body is read; a refused one is answered 401 and nothing is
//! stored. An accepted event is acted on in one transaction with the record
//! of its key, so a redelivered event finds its key and changes nothing:
//!
//! - started: the session and (if still scheduled) the interview are under way;
//! - ended: the session is over; a voice call's transcript job is enqueued,
//!   and a meeting's interview is completed (its transcript follows);
//! - transcript ready: the transcript job is enqueued;
//! - recording ready: a job downloads it into storage, on the interview.
//!
//! Events about sessions this server does not know are acknowledged (the
//! provider would otherwise retry them for hours) and remembered.
//! Logs carry the provider, the event kind and ids, never a body.

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use integrations::{
    CallProvider, ProviderEvent, SessionEvent, Webhook, WebhookError, WebhookRequest,
};
use job_kinds::{Enqueue, FetchCallTranscript, Job, StoreCallRecording};
use recruiting::{
    domain::interview::InterviewStatus,
    store::{calls, interviews},
};
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::media::not_configured;
use crate::{
    auth::unauthorized,
    error::{ApiError, ErrorBody},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ultravox))
        .routes(routes!(zoom))
        .routes(routes!(event_grid, event_grid_handshake))
}

fn provider(state: &AppState, name: &str, shown: &str) -> Result<Arc<dyn CallProvider>, ApiError> {
    state.calls.get(name).ok_or_else(|| not_configured(shown))
}

/// Receives Ultravox's call webhooks (`call.started`, `call.joined`,
/// `call.ended`, `call.billed`), signed with `X-Ultravox-Webhook-Signature`
/// over the body and `X-Ultravox-Webhook-Timestamp` (at most 5 minutes
/// off). Register this URL in Ultravox with the secret set as
/// `TALENTI_ULTRAVOX_WEBHOOK_SECRET`.
#[utoipa::path(post, path = "/webhooks/ultravox", tag = "provider webhooks",
    request_body(content = String, content_type = "application/json", description = "Ultravox's event, as it signed it"),
    responses((status = 204, description = "Accepted (or already accepted: nothing changes)"),
              (status = 400, body = ErrorBody, description = "Signed, but not an Ultravox event"),
              (status = 401, body = ErrorBody, description = "Not signed by Ultravox, or outside the replay window; nothing stored"),
              (status = 404, body = ErrorBody, description = "Ultravox is not configured on this server (code `provider_not_configured`)"),
              (status = 503, body = ErrorBody, description = "The database is unavailable; Ultravox retries",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn ultravox(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let provider = provider(&state, "ultravox", "Ultravox")?;
    receive(&state, provider, &headers, query.as_deref(), &body).await
}

/// Receives the Zoom app's event notifications, signed with
/// `x-zm-signature` (`v0=` HMAC-SHA256 of `v0:{x-zm-request-timestamp}:{body}`
/// under the app's Secret Token, at most 5 minutes off), and answers the
/// `endpoint.url_validation` challenge. `meeting.started` puts the
/// interview in progress, `meeting.ended` completes it, and
/// `recording.transcript_completed` has the transcript written and scored.
/// Register this URL as the app's event notification endpoint with the
/// Secret Token set as `TALENTI_ZOOM_WEBHOOK_SECRET`.
#[utoipa::path(post, path = "/webhooks/zoom", tag = "provider webhooks",
    request_body(content = String, content_type = "application/json", description = "Zoom's event, as it signed it"),
    responses((status = 200, description = "The `endpoint.url_validation` answer: `{plainToken, encryptedToken}`"),
              (status = 204, description = "Accepted (or already accepted: nothing changes)"),
              (status = 400, body = ErrorBody, description = "Signed, but not a Zoom event"),
              (status = 401, body = ErrorBody, description = "Not signed by Zoom, or outside the replay window; nothing stored"),
              (status = 404, body = ErrorBody, description = "Zoom is not configured on this server (code `provider_not_configured`)"),
              (status = 503, body = ErrorBody, description = "The database is unavailable; Zoom retries",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn zoom(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let provider = provider(&state, "zoom", "Zoom")?;
    receive(&state, provider, &headers, query.as_deref(), &body).await
}

/// Receives Azure Communication Services' events through an Event Grid
/// subscription (Event Grid or CloudEvents 1.0 schema), authenticated by
/// the shared secret (`?key=` on the subscription's URL, or the
/// `x-talenti-event-grid-secret` header). Answers the subscription
/// validation event with its `validationResponse`. `CallStarted` /
/// `CallEnded` move the linked interview (`POST interviews/{id}/acs-call`)
/// along; other events are acknowledged. Register
/// `https://<api>/api/v1/webhooks/event-grid?key=<TALENTI_EVENT_GRID_SECRET>`.
#[utoipa::path(post, path = "/webhooks/event-grid", tag = "provider webhooks",
    params(("key" = Option<String>, Query, description = "The shared secret, unless sent as a header")),
    request_body(content = String, content_type = "application/json", description = "Event Grid's events"),
    responses((status = 200, description = "The subscription validation answer: `{validationResponse}`"),
              (status = 204, description = "Accepted (or already accepted: nothing changes)"),
              (status = 400, body = ErrorBody, description = "Authenticated, but not Event Grid events"),
              (status = 401, body = ErrorBody, description = "Without the shared secret; nothing stored"),
              (status = 404, body = ErrorBody, description = "Azure Communication Services is not configured on this server (code `provider_not_configured`)"),
              (status = 503, body = ErrorBody, description = "The database is unavailable; Event Grid retries",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
async fn event_grid(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let provider = provider(&state, "acs", "Azure Communication Services")?;
    receive(&state, provider, &headers, query.as_deref(), &body).await
}

/// The CloudEvents webhook abuse-protection handshake Event Grid makes
/// before delivering CloudEvents: with the shared secret, the origin it
/// names in `WebHook-Request-Origin` is allowed (`WebHook-Allowed-Origin`),
/// at any rate.
#[utoipa::path(options, path = "/webhooks/event-grid", tag = "provider webhooks",
    params(("key" = Option<String>, Query, description = "The shared secret, unless sent as a header"),
           ("WebHook-Request-Origin" = String, Header, description = "The sender, e.g. `eventgrid.azure.net`")),
    responses((status = 200, description = "Allowed",
               headers(("WebHook-Allowed-Origin" = String, description = "The requesting origin"),
                       ("WebHook-Allowed-Rate" = String, description = "`*`"))),
              (status = 400, body = ErrorBody, description = "No `WebHook-Request-Origin`"),
              (status = 401, body = ErrorBody, description = "Without the shared secret"),
              (status = 404, body = ErrorBody, description = "Azure Communication Services is not configured on this server (code `provider_not_configured`)"),
              (status = 503, body = ErrorBody, description = "Unavailable",
               headers(("Retry-After" = u64, description = "Seconds to wait before retrying")))))]
pub(crate) async fn event_grid_handshake(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let provider = provider(&state, "acs", "Azure Communication Services")?;
    let req = WebhookRequest {
        headers: &headers,
        query: query.as_deref(),
        body: &[],
        now: Utc::now(),
    };
    provider
        .verify_webhook(&req)
        .map_err(|e| refused(provider.name(), e))?;
    let origin = headers
        .get("webhook-request-origin")
        .filter(|v| !v.is_empty() && v.len() <= 255)
        .cloned()
        .ok_or_else(|| ApiError::BadRequest("WebHook-Request-Origin is missing".into()))?;
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut().insert("webhook-allowed-origin", origin);
    resp.headers_mut().insert(
        "webhook-allowed-rate",
        axum::http::HeaderValue::from_static("*"),
    );
    Ok(resp)
}

/// Checks, reads and acts on one provider webhook.
pub(crate) async fn receive(
    state: &AppState,
    provider: Arc<dyn CallProvider>,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<Response, ApiError> {
    let req = WebhookRequest {
        headers,
        query,
        body,
        now: Utc::now(),
    };
    provider
        .verify_webhook(&req)
        .map_err(|e| refused(provider.name(), e))?;
    let events = match provider
        .parse_webhook(&req)
        .map_err(|e| refused(provider.name(), e))?
    {
        Webhook::Challenge(answer) => return Ok(axum::Json(answer).into_response()),
        Webhook::Events(events) => events,
    };
    for event in events {
        act(state, provider.as_ref(), &event).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn refused(provider: &'static str, e: WebhookError) -> ApiError {
    tracing::info!(provider, reason = %e, "refused a provider webhook");
    match e {
        WebhookError::Unauthenticated(why) => unauthorized(why),
        WebhookError::Malformed(why) => ApiError::BadRequest(why),
    }
}

/// Acts on one event, once.
async fn act(
    state: &AppState,
    provider: &dyn CallProvider,
    e: &ProviderEvent,
) -> Result<(), ApiError> {
    let name = provider.name();
    let mut tx = state.jobs.begin().await?;
    if !calls::first_delivery(&mut tx, name, &e.key).await? {
        tracing::debug!(
            provider = name,
            "a provider event delivered again: nothing to do"
        );
        return Ok(());
    }
    let Some(call) = calls::by_external_for_update(&mut tx, name, &e.external_id).await? else {
        tx.commit().await?;
        tracing::info!(
            provider = name,
            "an event for a session this server does not know"
        );
        return Ok(());
    };
    let org = call.organisation_id;
    match &e.event {
        SessionEvent::Started => {
            calls::mark_started(&mut tx, call.id).await?;
            interviews::advance_to(&mut tx, org, call.interview_id, InterviewStatus::InProgress)
                .await?;
        }
        SessionEvent::Ended => {
            calls::mark_ended(&mut tx, call.id).await?;
            if provider.transcript_ready_on_end() {
                fetch_transcript(&mut tx, org, call.id).await?;
            } else {
                interviews::advance_to(&mut tx, org, call.interview_id, InterviewStatus::Completed)
                    .await?;
            }
        }
        SessionEvent::TranscriptReady => fetch_transcript(&mut tx, org, call.id).await?,
        SessionEvent::RecordingReady { url } => {
            StoreCallRecording {
                call_id: call.id,
                url: url.clone(),
            }
            .enqueue(
                &mut tx,
                Enqueue::for_org(org).key(format!("recording:{}", e.key)),
            )
            .await?;
        }
        SessionEvent::Other(_) => {}
    }
    tx.commit().await?;
    tracing::info!(provider = name, call.id = %call.id, event = ?e.event, "provider event");
    Ok(())
}

async fn fetch_transcript(
    tx: &mut sqlx::PgConnection,
    org: uuid::Uuid,
    call: uuid::Uuid,
) -> Result<(), ApiError> {
    FetchCallTranscript { call_id: call }
        .enqueue(
            tx,
            Enqueue::for_org(org).key(format!("call-transcript:{call}")),
        )
        .await?;
    Ok(())
}

/// The CORS layer answers every `OPTIONS` itself, as a preflight; this
/// runs outside it and gives Event Grid's handshake to its handler.
pub async fn cloudevents_handshake(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if req.method() == axum::http::Method::OPTIONS
        && req.uri().path() == "/api/v1/webhooks/event-grid"
    {
        let query = req.uri().query().map(str::to_owned);
        let headers = req.headers().clone();
        return event_grid_handshake(State(state), headers, RawQuery(query))
            .await
            .into_response();
    }
    next.run(req).await
}
