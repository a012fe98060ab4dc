//! Ultravox, the voice agent: a call per interview, created with the
//! interviewer's instructions (`POST {api}/calls`, header `X-API-Key`;
//! 201 with `callId` and the `joinUrl` the candidate's browser joins),
//! hung up on request (`POST {api}/calls/{id}/send_data_message` with a
//! `hang_up` message), and read back once it is over (`GET
//! {api}/calls/{id}/messages`, paged by `cursor`; each message has a
//! `role`, its `text` and a `timespan` like `{"start": "1.5s", "end":
//! "3.25s"}`).
//!
//! Webhooks (`call.started`, `call.joined`, `call.ended`, `call.billed`)
//! carry `X-Ultravox-Webhook-Timestamp` (RFC 3339) and
//! `X-Ultravox-Webhook-Signature`: hex HMAC-SHA256 of the raw body followed
//! by the timestamp, under the webhook's secret; several signatures,
//! comma-separated, while a secret is being rotated.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::{
    calls::{
        CallProvider, ProviderEvent, Session, SessionEvent, SessionRequest, Speaker,
        TranscriptSegment, Webhook, WebhookError, WebhookRequest,
    },
    webhook, ProviderError, REQUEST_TIMEOUT,
};

const PROVIDER: &str = "Ultravox";
/// Messages asked for per page.
const PAGE_SIZE: usize = 200;
/// Pages read at most (a transcript of 40,000 messages is not an interview).
const MAX_PAGES: usize = 200;
/// How long the candidate has to join a created call.
const JOIN_TIMEOUT: Duration = Duration::from_secs(600);

/// Ultravox, for voice interviews. Off unless the API key is set.
#[derive(Clone, Default, clap::Args)]
pub struct UltravoxConfig {
    /// The Ultravox API key (`X-API-Key`). Never sent to a client.
    #[arg(
        id = "ultravox_api_key",
        long = "ultravox-api-key",
        env = "TALENTI_ULTRAVOX_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,
    /// The secret(s) of the Ultravox webhook pointing at
    /// `/api/v1/webhooks/ultravox`, comma-separated while one is rotated.
    #[arg(
        id = "ultravox_webhook_secret",
        long = "ultravox-webhook-secret",
        env = "TALENTI_ULTRAVOX_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<String>,
    /// The API's base URL.
    #[arg(
        id = "ultravox_api_url",
        long = "ultravox-api-url",
        env = "TALENTI_ULTRAVOX_API_URL",
        default_value = "https://api.ultravox.ai/api"
    )]
    pub api_url: String,
    /// The model the agent runs on.
    #[arg(
        id = "ultravox_model",
        long = "ultravox-model",
        env = "TALENTI_ULTRAVOX_MODEL",
        default_value = "fixie-ai/ultravox"
    )]
    pub model: String,
    /// The agent's voice (Ultravox's default when unset).
    #[arg(
        id = "ultravox_voice",
        long = "ultravox-voice",
        env = "TALENTI_ULTRAVOX_VOICE"
    )]
    pub voice: Option<String>,
}

impl fmt::Debug for UltravoxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UltravoxConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<set>"),
            )
            .field("api_url", &self.api_url)
            .field("model", &self.model)
            .field("voice", &self.voice)
            .finish()
    }
}

impl UltravoxConfig {
    /// The provider, `None` when no API key is set; an error for a
    /// configuration that cannot work.
    pub fn build(&self) -> Result<Option<Ultravox>, String> {
        let key = match self.api_key.as_deref().map(str::trim) {
            None | Some("") => {
                if self.webhook_secret.is_some() {
                    return Err(
                        "TALENTI_ULTRAVOX_WEBHOOK_SECRET is set without TALENTI_ULTRAVOX_API_KEY"
                            .into(),
                    );
                }
                return Ok(None);
            }
            Some(k) => k.to_owned(),
        };
        let mut api = Url::parse(self.api_url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
            .ok_or_else(|| {
                format!(
                    "TALENTI_ULTRAVOX_API_URL `{}` is not an http(s) URL",
                    self.api_url
                )
            })?;
        if !api.path().ends_with('/') {
            let path = format!("{}/", api.path());
            api.set_path(&path);
        }
        let secrets: Vec<String> = self
            .webhook_secret
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Some(Ultravox {
            http,
            api,
            key,
            secrets,
            model: self.model.trim().to_owned(),
            voice: self.voice.clone().filter(|v| !v.trim().is_empty()),
        }))
    }
}

/// The Ultravox provider.
pub struct Ultravox {
    http: reqwest::Client,
    api: Url,
    key: String,
    secrets: Vec<String>,
    model: String,
    voice: Option<String>,
}

impl fmt::Debug for Ultravox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ultravox")
            .field("api", &self.api.as_str())
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedCall {
    call_id: String,
    join_url: String,
}

#[derive(Deserialize)]
struct MessagePage {
    next: Option<String>,
    #[serde(default)]
    results: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    role: String,
    #[serde(default)]
    text: String,
    timespan: Option<Timespan>,
}

#[derive(Deserialize)]
struct Timespan {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
struct Event {
    event: String,
    call: EventCall,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventCall {
    call_id: String,
}

impl Ultravox {
    fn url(&self, path: &str) -> Result<Url, ProviderError> {
        self.api.join(path).map_err(|e| ProviderError::Protocol {
            provider: PROVIDER,
            detail: format!("bad URL: {e}"),
        })
    }

    /// Sends `req`; a non-success answer is sorted into a [`ProviderError`].
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, ProviderError> {
        let resp = req
            .header("X-API-Key", &self.key)
            .send()
            .await
            .map_err(|e| ProviderError::from_transport(PROVIDER, &e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let err = ProviderError::from_status(PROVIDER, status.as_u16(), resp.headers());
        tracing::warn!(
            status = status.as_u16(),
            "Ultravox refused a request: {err}"
        );
        Err(err)
    }

    async fn json<T: serde::de::DeserializeOwned>(
        resp: reqwest::Response,
    ) -> Result<T, ProviderError> {
        resp.json().await.map_err(|e| ProviderError::Protocol {
            provider: PROVIDER,
            detail: format!("unreadable answer: {e}"),
        })
    }
}

/// A call id as a URL path segment: Ultravox's ids are UUIDs; anything
/// else is refused rather than spliced into a path.
fn call_segment(id: &str) -> Result<&str, ProviderError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(id)
    } else {
        Err(ProviderError::Protocol {
            provider: PROVIDER,
            detail: "not an Ultravox call id".into(),
        })
    }
}

/// A protobuf duration (`"12.5s"`) in milliseconds.
fn duration_ms(d: &str) -> Option<i64> {
    let secs: f64 = d.strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && (0.0..1e9).contains(&secs)).then(|| (secs * 1000.0).round() as i64)
}

/// The `cursor` of a page's `next` link: the next page is asked of our own
/// base URL, never of a URL an answer names.
fn next_cursor(next: &str) -> Option<String> {
    let url = Url::parse(next).ok()?;
    let cursor = url
        .query_pairs()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned());
    cursor
}

#[async_trait]
impl CallProvider for Ultravox {
    fn name(&self) -> &'static str {
        "ultravox"
    }

    async fn create_session(&self, req: &SessionRequest) -> Result<Session, ProviderError> {
        let mut body = json!({
            "systemPrompt": req.instructions,
            "model": self.model,
            "maxDuration": format!("{}s", req.duration.as_secs().max(60)),
            "joinTimeout": format!("{}s", JOIN_TIMEOUT.as_secs()),
            "recordingEnabled": false,
            "firstSpeakerSettings": { "agent": {} },
            "medium": { "webRtc": {} },
            "metadata": { "talenti_interview_id": req.interview_id },
        });
        if let Some(voice) = &self.voice {
            body["voice"] = json!(voice);
        }
        let resp = self
            .send(self.http.post(self.url("calls")?).json(&body))
            .await?;
        let call: CreatedCall = Self::json(resp).await?;
        call_segment(&call.call_id)?;
        let join = Url::parse(&call.join_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "wss" | "https"))
            .ok_or_else(|| ProviderError::Protocol {
                provider: PROVIDER,
                detail: "the call's join URL is not a wss or https URL".into(),
            })?;
        Ok(Session {
            external_id: call.call_id,
            join_url: Some(join.into()),
            access: None,
        })
    }

    async fn end_session(&self, external_id: &str) -> Result<(), ProviderError> {
        let id = call_segment(external_id)?;
        let url = self.url(&format!("calls/{id}/send_data_message"))?;
        let body = json!({ "type": "hang_up", "message": "The interview has ended." });
        match self.send(self.http.post(url).json(&body)).await {
            Ok(_) => Ok(()),
            // A call already over (or never joined, and gone) has nothing
            // to hang up.
            Err(ProviderError::Protocol { detail, .. })
                if detail == "HTTP 404" || detail == "HTTP 409" || detail == "HTTP 422" =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn fetch_transcript(
        &self,
        external_id: &str,
    ) -> Result<Vec<TranscriptSegment>, ProviderError> {
        let id = call_segment(external_id)?;
        let base = self.url(&format!("calls/{id}/messages"))?;
        let mut segments = Vec::new();
        let mut cursor: Option<String> = None;
        let mut last_end = 0i64;
        for _ in 0..MAX_PAGES {
            let mut url = base.clone();
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("pageSize", &PAGE_SIZE.to_string());
                if let Some(c) = &cursor {
                    q.append_pair("cursor", c);
                }
            }
            let page: MessagePage = Self::json(self.send(self.http.get(url)).await?).await?;
            for m in page.results {
                let speaker = match m.role.as_str() {
                    "MESSAGE_ROLE_USER" => Speaker::Candidate,
                    "MESSAGE_ROLE_AGENT" => Speaker::Interviewer,
                    // Tool calls and their results are not speech.
                    _ => continue,
                };
                let content = m.text.trim();
                if content.is_empty() {
                    continue;
                }
                let span = m.timespan.as_ref();
                let start = span
                    .and_then(|t| t.start.as_deref())
                    .and_then(duration_ms)
                    .unwrap_or(last_end);
                let end = span
                    .and_then(|t| t.end.as_deref())
                    .and_then(duration_ms)
                    .unwrap_or(start)
                    .max(start);
                last_end = end;
                segments.push(TranscriptSegment {
                    speaker,
                    content: content.to_owned(),
                    start_ms: start,
                    end_ms: end,
                });
            }
            cursor = page.next.as_deref().and_then(next_cursor);
            if cursor.is_none() {
                return Ok(segments);
            }
        }
        Err(ProviderError::Protocol {
            provider: PROVIDER,
            detail: format!("the call has more than {MAX_PAGES} pages of messages"),
        })
    }

    fn verify_webhook(&self, req: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        if self.secrets.is_empty() {
            return Err(WebhookError::Unauthenticated(
                "no Ultravox webhook secret is configured",
            ));
        }
        let ts = webhook::header(req.headers, "x-ultravox-webhook-timestamp")?;
        let sent = DateTime::parse_from_rfc3339(ts)
            .map_err(|_| WebhookError::Unauthenticated("the timestamp is not RFC 3339"))?
            .with_timezone(&Utc);
        webhook::within_window(sent, req.now)?;
        let signatures = webhook::header(req.headers, "x-ultravox-webhook-signature")?;
        if webhook::any_hex_signature_matches(
            &self.secrets,
            &[req.body, ts.as_bytes()],
            signatures.split(','),
        ) {
            Ok(())
        } else {
            Err(WebhookError::Unauthenticated(
                "the signature does not match",
            ))
        }
    }

    fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<Webhook, WebhookError> {
        let event: Event = serde_json::from_slice(req.body)
            .map_err(|e| WebhookError::Malformed(format!("not an Ultravox event: {e}")))?;
        call_segment(&event.call.call_id)
            .map_err(|_| WebhookError::Malformed("not an Ultravox call id".into()))?;
        let kind = match event.event.as_str() {
            "call.started" | "call.joined" => SessionEvent::Started,
            "call.ended" => SessionEvent::Ended,
            other => SessionEvent::Other(other.chars().take(64).collect()),
        };
        // Each event happens once per call: its name and the call are its
        // identity, the same on every retry.
        Ok(Webhook::Events(vec![ProviderEvent {
            key: format!("ultravox:{}:{}", event.event, event.call.call_id),
            external_id: event.call.call_id,
            event: kind,
        }]))
    }
}

/// Ultravox's webhook signature of `body` sent at `timestamp` (what its
/// servers compute; for tests and the local protocol server).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hex::encode(webhook::hmac_sha256(
        secret.as_bytes(),
        &[body, timestamp.as_bytes()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn provider() -> Ultravox {
        UltravoxConfig {
            api_key: Some("key".into()),
            webhook_secret: Some("new-secret, old-secret".into()),
            api_url: "https://api.ultravox.ai/api".into(),
            model: "fixie-ai/ultravox".into(),
            voice: None,
        }
        .build()
        .unwrap()
        .unwrap()
    }

    #[test]
    fn durations_and_cursors() {
        assert_eq!(duration_ms("1.5s"), Some(1500));
        assert_eq!(duration_ms("0s"), Some(0));
        assert_eq!(duration_ms("12.0004s"), Some(12000));
        assert_eq!(duration_ms("-1s"), None);
        assert_eq!(duration_ms("1.5"), None);
        assert_eq!(duration_ms("NaNs"), None);
        assert_eq!(
            next_cursor(
                "https://api.ultravox.ai/api/calls/x/messages?cursor=cD00ODY%3D&pageSize=200"
            )
            .as_deref(),
            Some("cD00ODY=")
        );
        assert_eq!(next_cursor("not a url"), None);
        assert_eq!(
            provider().url("calls").unwrap().as_str(),
            "https://api.ultravox.ai/api/calls"
        );
    }

    #[test]
    fn webhooks_are_signed_over_body_then_timestamp_with_any_current_secret() {
        let p = provider();
        let now = Utc::now();
        let ts = now.to_rfc3339();
        let body =
            br#"{"event":"call.ended","call":{"callId":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}}"#;
        let mut h = HeaderMap::new();
        h.insert(
            "x-ultravox-webhook-timestamp",
            HeaderValue::from_str(&ts).unwrap(),
        );
        let sig = format!("deadbeef,{}", sign("old-secret", &ts, body));
        h.insert(
            "x-ultravox-webhook-signature",
            HeaderValue::from_str(&sig).unwrap(),
        );
        let req = WebhookRequest {
            headers: &h,
            query: None,
            body,
            now,
        };
        p.verify_webhook(&req).unwrap();
        let Webhook::Events(events) = p.parse_webhook(&req).unwrap() else {
            panic!("not events")
        };
        assert_eq!(events[0].event, SessionEvent::Ended);
        assert_eq!(
            events[0].key,
            "ultravox:call.ended:3c90c3cc-0d44-4b50-8888-8dd25736052a"
        );
        // The same body a byte longer, or replayed ten minutes later, is refused.
        let tampered = WebhookRequest {
            body: &body[..body.len() - 1],
            ..req
        };
        assert!(p.verify_webhook(&tampered).is_err());
        let late = WebhookRequest {
            now: now + chrono::Duration::minutes(10),
            ..req
        };
        assert!(p.verify_webhook(&late).is_err());
    }
}
