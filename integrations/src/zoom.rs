//! Zoom, for interviews held as meetings. A Server-to-Server OAuth app
//! (account credentials) gets an access token (`POST
//! https://zoom.us/oauth/token?grant_type=account_credentials&account_id=…`,
//! HTTP Basic `client_id:client_secret`; `{access_token, token_type,
//! expires_in, scope}`, valid an hour, no refresh token), shared by every
//! caller until a minute before it expires and renewed once when the API
//! answers 401. With it:
//!
//! - a meeting per interview: `POST {api}/users/me/meetings` (201 with its
//!   `id` and `join_url`; the `start_url` it also returns is a host
//!   credential and is never kept), moved with `PATCH {api}/meetings/{id}`
//!   (204) and cancelled with `DELETE {api}/meetings/{id}` (204; 404 with
//!   code 3001 when it is gone, 400 with code 3002 while it is in progress —
//!   then it is ended with `PUT {api}/meetings/{id}/status`
//!   `{"action":"end"}` — and 3007 once it has ended);
//! - its transcript, once Zoom has made it from the cloud recording: `GET
//!   {api}/meetings/{id}/recordings` lists `recording_files`, the one of
//!   `file_type` `TRANSCRIPT` is WebVTT fetched from its `download_url` with
//!   the same bearer token. A transcript that is not there yet (404 code
//!   3301, no `TRANSCRIPT` file, or one still `processing`) is
//!   [`ProviderError::Unavailable`]: Zoom makes it some minutes after the
//!   meeting ends and then sends `recording.transcript_completed`
//!   ([`SessionEvent::TranscriptReady`]); a caller that asks before that
//!   tries again later.
//!
//! Meeting ids in paths are percent-encoded; a meeting instance's UUID that
//! starts with `/` or contains `//` is encoded twice, as Zoom asks.
//!
//! Webhooks (the app's event subscription) carry `x-zm-request-timestamp`
//! (Unix seconds) and `x-zm-signature`: `v0=` and the hex HMAC-SHA256 of
//! `v0:{timestamp}:{raw body}` under the app's Secret Token. The
//! `endpoint.url_validation` handshake is answered with the `plainToken`
//! and its hex HMAC-SHA256 under the same secret as `encryptedToken`.
//!
//! The meetings need cloud recording, and the account's "audio transcript"
//! cloud-recording setting, for a transcript to exist.

use std::{
    fmt,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{
    header::{HeaderMap, CONTENT_LENGTH},
    StatusCode,
};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Mutex;
use url::Url;

use crate::{
    calls::{
        CallProvider, ProviderEvent, Session, SessionEvent, SessionRequest, Speaker,
        TranscriptSegment, Webhook, WebhookError, WebhookRequest,
    },
    webhook, ProviderError, REQUEST_TIMEOUT,
};

const PROVIDER: &str = "Zoom";
const DEFAULT_API_URL: &str = "https://api.zoom.us/v2";
const DEFAULT_OAUTH_URL: &str = "https://zoom.us/oauth/token";
/// A cached token is renewed this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);
/// How long a token is valid when the answer does not say (Zoom's hour).
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest token accepted (Zoom's are JWTs of a kilobyte or two).
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// The largest JSON answer read (a token, a meeting, a recording list).
const MAX_JSON_BYTES: usize = 1024 * 1024;
/// The largest error body read, for its `code`.
const MAX_ERROR_BYTES: usize = 64 * 1024;
/// The largest transcript downloaded (all of a meeting's transcript files
/// together). An hour's interview is well under 200 KiB.
pub const MAX_TRANSCRIPT_BYTES: usize = 5 * 1024 * 1024;
/// Transcript files of one meeting read at most (one per recording run).
const MAX_TRANSCRIPT_FILES: usize = 16;
/// Cues of a transcript read at most.
const MAX_CUES: usize = 100_000;
/// Zoom's limit on a meeting's topic.
const MAX_TOPIC_CHARS: usize = 200;

// Zoom's error codes this client acts on.
/// The meeting does not exist (or has expired).
const MEETING_NOT_FOUND: i64 = 3001;
/// The meeting cannot be deleted: it is in progress.
const MEETING_IN_PROGRESS: i64 = 3002;
/// The meeting cannot be deleted: it has ended.
const MEETING_ENDED: i64 = 3007;
/// The meeting has no cloud recording.
const NO_RECORDING: i64 = 3301;

/// Zoom, for interviews held as meetings. Off unless its credentials are
/// set; all four are needed together.
#[derive(Clone, clap::Args)]
pub struct ZoomConfig {
    /// The Server-to-Server OAuth app's account ID.
    #[arg(
        id = "zoom_account_id",
        long = "zoom-account-id",
        env = "TALENTI_ZOOM_ACCOUNT_ID"
    )]
    pub account_id: Option<String>,
    /// The Server-to-Server OAuth app's client ID.
    #[arg(
        id = "zoom_client_id",
        long = "zoom-client-id",
        env = "TALENTI_ZOOM_CLIENT_ID"
    )]
    pub client_id: Option<String>,
    /// The Server-to-Server OAuth app's client secret.
    #[arg(
        id = "zoom_client_secret",
        long = "zoom-client-secret",
        env = "TALENTI_ZOOM_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,
    /// The app's event subscription "Secret Token": checks webhooks'
    /// signatures and answers Zoom's URL validation.
    #[arg(
        id = "zoom_webhook_secret",
        long = "zoom-webhook-secret",
        env = "TALENTI_ZOOM_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<String>,
    /// The API's base URL.
    #[arg(
        id = "zoom_api_url", long = "zoom-api-url",
        env = "TALENTI_ZOOM_API_URL",
        default_value = DEFAULT_API_URL
    )]
    pub api_url: String,
    /// The OAuth token endpoint.
    #[arg(
        id = "zoom_oauth_url", long = "zoom-oauth-url",
        env = "TALENTI_ZOOM_OAUTH_URL",
        default_value = DEFAULT_OAUTH_URL
    )]
    pub oauth_url: String,
}

impl Default for ZoomConfig {
    fn default() -> Self {
        ZoomConfig {
            account_id: None,
            client_id: None,
            client_secret: None,
            webhook_secret: None,
            api_url: DEFAULT_API_URL.to_owned(),
            oauth_url: DEFAULT_OAUTH_URL.to_owned(),
        }
    }
}

impl fmt::Debug for ZoomConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomConfig")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<set>"),
            )
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<set>"),
            )
            .field("api_url", &self.api_url)
            .field("oauth_url", &self.oauth_url)
            .finish()
    }
}

impl ZoomConfig {
    /// The provider, `None` when none of its credentials is set; an error
    /// naming what is missing when only some are, or for a URL that is not
    /// one.
    pub fn build(&self) -> Result<Option<Zoom>, String> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let parts = [
            ("TALENTI_ZOOM_ACCOUNT_ID", given(&self.account_id)),
            ("TALENTI_ZOOM_CLIENT_ID", given(&self.client_id)),
            ("TALENTI_ZOOM_CLIENT_SECRET", given(&self.client_secret)),
            ("TALENTI_ZOOM_WEBHOOK_SECRET", given(&self.webhook_secret)),
        ];
        if parts.iter().all(|(_, v)| v.is_none()) {
            return Ok(None);
        }
        let missing: Vec<&str> = parts
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "Zoom is half configured: {} must be set too",
                missing.join(", ")
            ));
        }
        let [account_id, client_id, client_secret, webhook_secret] =
            parts.map(|(_, v)| v.unwrap_or_default());
        let mut api = http_url(&self.api_url, "TALENTI_ZOOM_API_URL")?;
        if !api.path().ends_with('/') {
            let path = format!("{}/", api.path());
            api.set_path(&path);
        }
        let mut oauth = http_url(&self.oauth_url, "TALENTI_ZOOM_OAUTH_URL")?;
        oauth
            .query_pairs_mut()
            .append_pair("grant_type", "account_credentials")
            .append_pair("account_id", &account_id);
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Some(Zoom {
            http,
            api,
            oauth,
            client_id,
            client_secret,
            webhook_secret,
            token: Mutex::new(None),
        }))
    }
}

fn http_url(raw: &str, name: &str) -> Result<Url, String> {
    Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
        .ok_or_else(|| format!("{name} `{raw}` is not an http(s) URL"))
}

/// Zoom meetings, transcripts and webhooks (one per process).
pub struct Zoom {
    http: reqwest::Client,
    /// The API's base URL, ending with `/`.
    api: Url,
    /// The token endpoint with its `grant_type` and `account_id`.
    oauth: Url,
    client_id: String,
    client_secret: String,
    webhook_secret: String,
    token: Mutex<Option<CachedToken>>,
}

impl fmt::Debug for Zoom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Zoom")
            .field("api", &self.api.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

struct CachedToken {
    value: String,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct CreatedMeeting {
    id: Value,
    join_url: String,
}

#[derive(Deserialize)]
struct RecordingList {
    #[serde(default)]
    recording_files: Vec<RecordingFile>,
}

#[derive(Deserialize)]
struct RecordingFile {
    #[serde(default)]
    file_type: Option<String>,
    #[serde(default)]
    download_url: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    recording_start: Option<String>,
}

/// A non-success answer of the API, with Zoom's error `code` when its body
/// has one.
struct Refusal {
    status: u16,
    code: Option<i64>,
    headers: HeaderMap,
}

impl Refusal {
    async fn read(resp: reqwest::Response) -> Self {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let code = read_capped(resp, MAX_ERROR_BYTES)
            .await
            .ok()
            .and_then(|body| serde_json::from_slice::<Value>(&body).ok())
            .and_then(|v| v.get("code").and_then(Value::as_i64));
        Refusal {
            status,
            code,
            headers,
        }
    }

    fn into_error(self) -> ProviderError {
        let err = status_error(self.status, &self.headers);
        tracing::warn!(
            status = self.status,
            code = self.code,
            "Zoom refused a request: {err}"
        );
        err
    }
}

/// [`ProviderError::from_status`] for Zoom (whose daily limits send
/// `Retry-After` as an RFC 3339 date, which it reads).
fn status_error(status: u16, headers: &HeaderMap) -> ProviderError {
    ProviderError::from_status(PROVIDER, status, headers)
}

/// What the caller is told while a transcript is not there yet: try again
/// later.
fn not_yet(detail: &str) -> ProviderError {
    ProviderError::Unavailable {
        provider: PROVIDER,
        detail: detail.to_owned(),
    }
}

fn protocol(detail: impl Into<String>) -> ProviderError {
    ProviderError::Protocol {
        provider: PROVIDER,
        detail: detail.into(),
    }
}

/// Reads an answer's body, refusing one larger than `cap` bytes.
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, ProviderError> {
    let too_big = || protocol(format!("the answer is larger than {cap} bytes"));
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| ProviderError::from_transport(PROVIDER, &e))?
    {
        if body.len() + chunk.len() > cap {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn read_json<T: serde::de::DeserializeOwned>(
    resp: reqwest::Response,
) -> Result<T, ProviderError> {
    let body = read_capped(resp, MAX_JSON_BYTES).await?;
    serde_json::from_slice(&body).map_err(|e| protocol(format!("unreadable answer: {e}")))
}

/// A meeting id (digits) or a meeting instance's UUID (base64) as a path
/// segment, before the URL's own percent-encoding: a UUID that starts with
/// `/` or contains `//` is encoded once here, so that it goes out encoded
/// twice, as Zoom asks. Anything else is refused rather than put in a path.
fn meeting_segment(id: &str) -> Result<String, ProviderError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_'));
    if !ok {
        return Err(protocol("not a Zoom meeting id"));
    }
    if id.starts_with('/') || id.contains("//") {
        Ok(url::form_urlencoded::byte_serialize(id.as_bytes()).collect())
    } else {
        Ok(id.to_owned())
    }
}

/// A meeting's `id` (a number in Zoom's JSON, a string in some webhooks)
/// as text.
fn id_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::Number(n) => n.as_u64()?.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    (!s.is_empty() && s.len() <= 128).then_some(s)
}

/// A session's length as Zoom's whole minutes, rounded up, at least one.
fn duration_minutes(d: Duration) -> u64 {
    u64::try_from(d.as_millis().div_ceil(60_000))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The fields a meeting is created and moved with.
fn schedule(req: &SessionRequest) -> serde_json::Map<String, Value> {
    let mut body = serde_json::Map::new();
    let topic: String = req.title.trim().chars().take(MAX_TOPIC_CHARS).collect();
    if !topic.is_empty() {
        body.insert("topic".into(), json!(topic));
    }
    match req.starts_at {
        Some(at) => {
            body.insert("type".into(), json!(2));
            body.insert(
                "start_time".into(),
                json!(at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            );
        }
        None => {
            body.insert("type".into(), json!(1));
        }
    }
    body.insert("duration".into(), json!(duration_minutes(req.duration)));
    body.insert("timezone".into(), json!("UTC"));
    body
}

impl Zoom {
    /// `{api}` followed by `segments`, each percent-encoded.
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// A token valid for at least [`RENEW_BEFORE`]: the cached one, or a
    /// new one; callers arriving while it is renewed wait for that renewal.
    async fn token(&self) -> Result<String, ProviderError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| t.renew_at > Instant::now()) {
            return Ok(t.value.clone());
        }
        let fresh = self.grant().await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// Drops `stale` from the cache (unless another caller already
    /// replaced it).
    async fn forget(&self, stale: &str) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == stale) {
            *cached = None;
        }
    }

    async fn grant(&self) -> Result<CachedToken, ProviderError> {
        let asked = Instant::now();
        let resp = self
            .http
            .post(self.oauth.clone())
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(CONTENT_LENGTH, 0)
            .send()
            .await
            .map_err(|e| ProviderError::from_transport(PROVIDER, &e))?;
        let status = resp.status();
        if !status.is_success() {
            let code = status.as_u16();
            // Our request is always the same: any refusal but a throttle
            // means the account ID or the client's credentials are wrong.
            let err = if (400..500).contains(&code) && code != 429 {
                ProviderError::Refused {
                    provider: PROVIDER,
                    status: code,
                }
            } else {
                status_error(code, resp.headers())
            };
            tracing::warn!(status = code, "Zoom refused an access token: {err}");
            return Err(err);
        }
        let answer: TokenAnswer = read_json(resp).await?;
        let token = answer.access_token.trim();
        if token.is_empty()
            || token.len() > MAX_TOKEN_BYTES
            || !token.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(protocol("the access token is empty or not a token"));
        }
        if answer
            .token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(protocol("the access token is not a bearer token"));
        }
        let lifetime = answer
            .expires_in
            .map_or(TOKEN_LIFETIME, Duration::from_secs)
            .min(Duration::from_secs(24 * 3600));
        Ok(CachedToken {
            value: token.to_owned(),
            renew_at: asked + lifetime.saturating_sub(RENEW_BEFORE),
        })
    }

    /// Sends the request `build` makes, with the bearer token; on a 401,
    /// once, with a new token. A non-success answer comes back as a
    /// [`Refusal`] for the caller to sort.
    async fn exchange<F>(
        &self,
        build: F,
    ) -> Result<Result<reqwest::Response, Refusal>, ProviderError>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        let token = self.token().await?;
        let mut resp = self.dispatch(build(), &token).await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            self.forget(&token).await;
            let token = self.token().await?;
            resp = self.dispatch(build(), &token).await?;
        }
        if resp.status().is_success() {
            Ok(Ok(resp))
        } else {
            Ok(Err(Refusal::read(resp).await))
        }
    }

    async fn dispatch(
        &self,
        req: reqwest::RequestBuilder,
        token: &str,
    ) -> Result<reqwest::Response, ProviderError> {
        req.bearer_auth(token)
            .send()
            .await
            .map_err(|e| ProviderError::from_transport(PROVIDER, &e))
    }

    /// [`Zoom::exchange`], any refusal an error.
    async fn send<F>(&self, build: F) -> Result<reqwest::Response, ProviderError>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        self.exchange(build).await?.map_err(Refusal::into_error)
    }

    /// A recording file's download URL, if it is Zoom's (or on the API's
    /// own origin): the bearer token is sent nowhere else.
    fn download_url(&self, raw: &str) -> Result<Url, ProviderError> {
        let url = Url::parse(raw).map_err(|_| protocol("a download URL is not a URL"))?;
        let same_origin = url.origin() == self.api.origin();
        let zoom_host = url.scheme() == "https"
            && url.host_str().is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                ["zoom.us", "zoomgov.com"]
                    .iter()
                    .any(|d| h == *d || h.ends_with(&format!(".{d}")))
            });
        if same_origin || zoom_host {
            Ok(url)
        } else {
            Err(protocol("a download URL is not Zoom's"))
        }
    }

    /// Downloads and reads one transcript file, at most `cap` bytes.
    async fn transcript_file(
        &self,
        url: &Url,
        cap: usize,
    ) -> Result<(Vec<TranscriptSegment>, usize), ProviderError> {
        let resp = self.send(|| self.http.get(url.clone())).await?;
        let body = read_capped(resp, cap).await.map_err(|e| match e {
            ProviderError::Protocol { .. } => protocol(format!(
                "the transcript is larger than {MAX_TRANSCRIPT_BYTES} bytes"
            )),
            e => e,
        })?;
        let text =
            std::str::from_utf8(&body).map_err(|_| protocol("the transcript is not UTF-8 text"))?;
        let segments = parse_vtt(text).map_err(protocol)?;
        Ok((segments, body.len()))
    }
}

#[async_trait]
impl CallProvider for Zoom {
    fn name(&self) -> &'static str {
        "zoom"
    }

    /// A meeting's transcript comes some minutes after it ends, when
    /// `recording.transcript_completed` says so.
    fn transcript_ready_on_end(&self) -> bool {
        false
    }

    /// A meeting with the request's title as its topic, scheduled (type 2)
    /// when it has a start, instant (type 1) otherwise; waiting room on, no
    /// joining before the host, recorded to the cloud (for the transcript).
    /// The instructions are for voice agents and are not sent to Zoom.
    async fn create_session(&self, req: &SessionRequest) -> Result<Session, ProviderError> {
        let mut body = schedule(req);
        body.insert(
            "settings".into(),
            json!({
                "join_before_host": false,
                "waiting_room": true,
                "auto_recording": "cloud",
            }),
        );
        let body = Value::Object(body);
        let url = self.endpoint(&["users", "me", "meetings"]);
        let resp = self
            .send(|| self.http.post(url.clone()).json(&body))
            .await?;
        // Only the id and the join URL are read: the start URL is the
        // host's credential and stays out of our memory and logs.
        let created: CreatedMeeting = read_json(resp).await?;
        let id = id_text(&created.id).ok_or_else(|| protocol("the meeting has no id"))?;
        meeting_segment(&id)?;
        let join = Url::parse(&created.join_url)
            .ok()
            .filter(|u| u.scheme() == "https")
            .ok_or_else(|| protocol("the meeting's join URL is not an https URL"))?;
        Ok(Session {
            external_id: id,
            join_url: Some(join.into()),
            access: None,
        })
    }

    /// Moves the meeting to the request's start, length and title.
    async fn update_session(
        &self,
        external_id: &str,
        req: &SessionRequest,
    ) -> Result<(), ProviderError> {
        let seg = meeting_segment(external_id)?;
        let url = self.endpoint(&["meetings", &seg]);
        let body = Value::Object(schedule(req));
        self.send(|| self.http.patch(url.clone()).json(&body))
            .await?;
        Ok(())
    }

    /// Deletes the meeting; one in progress is ended instead (its recording
    /// and transcript are still to come), and one gone or over is not an
    /// error.
    async fn end_session(&self, external_id: &str) -> Result<(), ProviderError> {
        let seg = meeting_segment(external_id)?;
        let url = self.endpoint(&["meetings", &seg]);
        let refusal = match self.exchange(|| self.http.delete(url.clone())).await? {
            Ok(_) => return Ok(()),
            Err(r) => r,
        };
        if refusal.status == 404 || refusal.code == Some(MEETING_NOT_FOUND) {
            return Ok(());
        }
        match refusal.code {
            Some(MEETING_ENDED) => Ok(()),
            Some(MEETING_IN_PROGRESS) => {
                let url = self.endpoint(&["meetings", &seg, "status"]);
                let body = json!({ "action": "end" });
                match self
                    .exchange(|| self.http.put(url.clone()).json(&body))
                    .await?
                {
                    Ok(_) => Ok(()),
                    Err(r) if r.status == 404 || r.code == Some(MEETING_NOT_FOUND) => Ok(()),
                    Err(r) => Err(r.into_error()),
                }
            }
            _ => Err(refusal.into_error()),
        }
    }

    /// The meeting's transcript: its `TRANSCRIPT` recording files (one per
    /// time the recording ran), downloaded and read in the order they were
    /// recorded, each file's times moved by when it started after the
    /// first. Not there yet: [`ProviderError::Unavailable`].
    async fn fetch_transcript(
        &self,
        external_id: &str,
    ) -> Result<Vec<TranscriptSegment>, ProviderError> {
        let seg = meeting_segment(external_id)?;
        let url = self.endpoint(&["meetings", &seg, "recordings"]);
        let resp = match self.exchange(|| self.http.get(url.clone())).await? {
            Ok(resp) => resp,
            Err(r) if r.status == 404 && r.code == Some(NO_RECORDING) => {
                return Err(not_yet("the meeting has no recording yet"))
            }
            Err(r) => return Err(r.into_error()),
        };
        let list: RecordingList = read_json(resp).await?;
        let mut files: Vec<(Option<DateTime<Utc>>, &RecordingFile)> = list
            .recording_files
            .iter()
            .filter(|f| {
                f.file_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("TRANSCRIPT"))
            })
            .map(|f| {
                let start = f
                    .recording_start
                    .as_deref()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|t| t.with_timezone(&Utc));
                (start, f)
            })
            .collect();
        if files.is_empty() {
            return Err(not_yet("the meeting has no transcript yet"));
        }
        if files.len() > MAX_TRANSCRIPT_FILES {
            return Err(protocol(format!(
                "the meeting has more than {MAX_TRANSCRIPT_FILES} transcript files"
            )));
        }
        if files.iter().any(|(_, f)| {
            f.status
                .as_deref()
                .is_some_and(|s| !s.eq_ignore_ascii_case("completed"))
        }) {
            return Err(not_yet("the meeting's transcript is still being made"));
        }
        files.sort_by_key(|(start, _)| *start);
        let first = files.iter().find_map(|(start, _)| *start);
        let mut segments = Vec::new();
        let mut left = MAX_TRANSCRIPT_BYTES;
        for (start, file) in files {
            let raw = file
                .download_url
                .as_deref()
                .ok_or_else(|| protocol("a transcript file has no download URL"))?;
            let url = self.download_url(raw)?;
            let (mut part, read) = self.transcript_file(&url, left).await?;
            left -= read;
            let offset = match (first, start) {
                (Some(first), Some(start)) => (start - first).num_milliseconds().max(0),
                _ => 0,
            };
            for s in &mut part {
                s.start_ms = s.start_ms.saturating_add(offset);
                s.end_ms = s.end_ms.saturating_add(offset);
            }
            segments.append(&mut part);
        }
        Ok(segments)
    }

    fn verify_webhook(&self, req: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        if self.webhook_secret.is_empty() {
            return Err(WebhookError::Unauthenticated(
                "no Zoom webhook secret is configured",
            ));
        }
        let ts = webhook::header(req.headers, "x-zm-request-timestamp")?;
        let sent = ts
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or(WebhookError::Unauthenticated(
                "the timestamp is not Unix seconds",
            ))?;
        webhook::within_window(sent, req.now)?;
        let signature = webhook::header(req.headers, "x-zm-signature")?;
        let hex_sig = signature
            .strip_prefix("v0=")
            .ok_or(WebhookError::Unauthenticated(
                "the signature is not a v0 one",
            ))?;
        if webhook::any_hex_signature_matches(
            std::slice::from_ref(&self.webhook_secret),
            &[b"v0:", ts.as_bytes(), b":", req.body],
            [hex_sig],
        ) {
            Ok(())
        } else {
            Err(WebhookError::Unauthenticated(
                "the signature does not match",
            ))
        }
    }

    /// `endpoint.url_validation`: the challenge's answer. `meeting.started`,
    /// `meeting.ended` and `recording.transcript_completed`:
    /// [`SessionEvent::Started`], [`SessionEvent::Ended`] and
    /// [`SessionEvent::TranscriptReady`]. Any other event about a meeting:
    /// [`SessionEvent::Other`] with the event's name; one about no meeting:
    /// no events. An event's key is `zoom:{event}:{meeting instance
    /// uuid}:{event_ts}`, the same when Zoom delivers it again.
    fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<Webhook, WebhookError> {
        let body: Value = serde_json::from_slice(req.body)
            .map_err(|e| WebhookError::Malformed(format!("not JSON: {e}")))?;
        let event = body
            .get("event")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty() && e.len() <= 128)
            .ok_or_else(|| WebhookError::Malformed("no event name".into()))?;
        let payload = body.get("payload");
        if event == "endpoint.url_validation" {
            if self.webhook_secret.is_empty() {
                return Err(WebhookError::Unauthenticated(
                    "no Zoom webhook secret is configured",
                ));
            }
            let plain = payload
                .and_then(|p| p.get("plainToken"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty() && t.len() <= 1024)
                .ok_or_else(|| WebhookError::Malformed("no plainToken to validate".into()))?;
            let encrypted = hex::encode(webhook::hmac_sha256(
                self.webhook_secret.as_bytes(),
                &[plain.as_bytes()],
            ));
            return Ok(Webhook::Challenge(json!({
                "plainToken": plain,
                "encryptedToken": encrypted,
            })));
        }
        let Some(object) = payload.and_then(|p| p.get("object")) else {
            return Ok(Webhook::Events(Vec::new()));
        };
        let Some(external_id) = object.get("id").and_then(id_text) else {
            return Ok(Webhook::Events(Vec::new()));
        };
        let instance = object
            .get("uuid")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .unwrap_or(&external_id);
        let event_ts = body
            .get("event_ts")
            .and_then(|v| match v {
                Value::Number(n) => n.as_i64().map(|n| n.to_string()),
                Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(s.clone())
                }
                _ => None,
            })
            .ok_or_else(|| WebhookError::Malformed(format!("{event} has no event_ts")))?;
        let kind = match event {
            "meeting.started" => SessionEvent::Started,
            "meeting.ended" => SessionEvent::Ended,
            "recording.transcript_completed" => SessionEvent::TranscriptReady,
            other => SessionEvent::Other(other.to_owned()),
        };
        Ok(Webhook::Events(vec![ProviderEvent {
            key: format!("zoom:{event}:{instance}:{event_ts}"),
            external_id,
            event: kind,
        }]))
    }
}

/// Reads a Zoom transcript (WebVTT) into segments, in the file's order.
///
/// Each cue is one segment: its times from the cue's timing line
/// (`HH:MM:SS.mmm --> HH:MM:SS.mmm`, hours optional), its speaker from
/// Zoom's `Name: text` (or a WebVTT `<v Name>` voice tag), other tags
/// removed and character references decoded. A cue whose speaker Zoom did
/// not know is attributed to `Speaker::Named("")`; the caller, who knows
/// the participants, decides what that is. Cues without text, comments
/// (`NOTE`), `STYLE` and `REGION` blocks, and blocks that are not cues are
/// skipped. A file that is not WebVTT, or a cue with an unreadable timing
/// line, is an error naming the cue.
pub fn parse_vtt(text: &str) -> Result<Vec<TranscriptSegment>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let header = lines.next().unwrap_or_default();
    let header_ok = header
        .strip_prefix("WEBVTT")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
    if !header_ok {
        return Err("the transcript is not WebVTT".into());
    }
    let mut segments = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let mut cue = 0usize;
    // The header block runs to the first blank line.
    let mut in_header = true;
    for line in lines.chain(std::iter::once("")) {
        if !line.trim().is_empty() {
            block.push(line);
            continue;
        }
        if in_header {
            in_header = false;
            block.clear();
            continue;
        }
        if block.is_empty() {
            continue;
        }
        cue += 1;
        if let Some(segment) = read_cue(&block).map_err(|e| format!("cue {cue}: {e}"))? {
            if segments.len() == MAX_CUES {
                return Err(format!("the transcript has more than {MAX_CUES} cues"));
            }
            segments.push(segment);
        }
        block.clear();
    }
    Ok(segments)
}

/// One block of a WebVTT file: a cue's segment, `None` for a block that is
/// no cue or a cue without text.
fn read_cue(block: &[&str]) -> Result<Option<TranscriptSegment>, String> {
    let first = block.first().copied().unwrap_or_default();
    let not_a_cue = ["NOTE", "STYLE", "REGION"].iter().any(|k| {
        first
            .strip_prefix(k)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    });
    if not_a_cue {
        return Ok(None);
    }
    // The timing line is the first, or the second after a cue identifier.
    let Some(at) = block.iter().take(2).position(|l| l.contains("-->")) else {
        return Ok(None);
    };
    let (start, end) = timing(block[at]).ok_or("unreadable timing line")?;
    let raw = block[at + 1..]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let (voice, text) = voice_tag(&raw);
    let text = decode_entities(&strip_tags(text));
    let text = text.trim();
    let (speaker, content) = match voice {
        Some(name) => (name, text.to_owned()),
        None => match text.split_once(": ") {
            Some((name, said)) if is_name(name) => (name.trim().to_owned(), said.trim().to_owned()),
            _ => (String::new(), text.to_owned()),
        },
    };
    if content.is_empty() {
        return Ok(None);
    }
    Ok(Some(TranscriptSegment {
        speaker: Speaker::Named(speaker),
        content,
        start_ms: start,
        end_ms: end.max(start),
    }))
}

/// Whether the text before a cue's first `: ` is a speaker's name.
fn is_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name.chars().count() <= 128 && !name.contains("-->")
}

/// A timing line's start and end, in milliseconds (cue settings after the
/// end are ignored).
fn timing(line: &str) -> Option<(i64, i64)> {
    let (start, rest) = line.split_once("-->")?;
    let start = timestamp(start.trim())?;
    let end = timestamp(rest.split_whitespace().next()?)?;
    Some((start, end))
}

/// `HH:MM:SS.mmm` or `MM:SS.mmm` in milliseconds.
fn timestamp(s: &str) -> Option<i64> {
    let digits = |p: &str, min: usize, max: usize| -> Option<i64> {
        if p.len() < min || p.len() > max || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (clock, frac) = s.split_once('.')?;
    let ms = digits(frac, 1, 3)? * 10i64.pow(3 - frac.len() as u32);
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (digits(h, 1, 6)?, digits(m, 2, 2)?, digits(s, 2, 2)?),
        [m, s] => (0, digits(m, 2, 2)?, digits(s, 2, 2)?),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// A leading `<v Name>` voice tag's name, and the text after it.
fn voice_tag(text: &str) -> (Option<String>, &str) {
    let Some(rest) = text.strip_prefix("<v") else {
        return (None, text);
    };
    if !rest.starts_with([' ', '\t', '.']) {
        return (None, text);
    }
    let Some(close) = rest.find('>') else {
        return (None, text);
    };
    // `<v.class Name>`: the name follows the tag's classes.
    let inside = &rest[..close];
    let name = inside
        .split_once([' ', '\t'])
        .map(|(_, n)| decode_entities(n.trim()))
        .unwrap_or_default();
    (Some(name), &rest[close + 1..])
}

/// The text without WebVTT's tags (`<c>`, `<b>`, `</v>`, timestamps…).
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => rest = &rest[open + close + 1..],
            None => {
                // Not a tag: a stray `<`.
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// WebVTT's character references.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lrm;", "\u{200e}")
        .replace("&rlm;", "\u{200f}")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn seg(speaker: &str, content: &str, start_ms: i64, end_ms: i64) -> TranscriptSegment {
        TranscriptSegment {
            speaker: Speaker::Named(speaker.into()),
            content: content.into(),
            start_ms,
            end_ms,
        }
    }

    #[test]
    fn a_zoom_transcript_is_read_in_order_with_speakers_and_times() {
        let vtt = "\u{feff}WEBVTT\r\n\r\n1\r\n00:00:01.020 --> 00:00:04.500\r\nJane Doe: Hello, thanks for joining.\r\n\r\n2\r\n00:00:05.000 --> 00:00:09.250\r\nAlex Candidate: Happy to be here: really.\r\n\r\n3\r\n00:00:09.250 --> 00:00:10.000\r\nAlex Candidate: Shall we start?\r\n\r\n4\r\n01:02:03.004 --> 01:02:04.000\r\nno speaker here\r\n";
        assert_eq!(
            parse_vtt(vtt).unwrap(),
            vec![
                seg("Jane Doe", "Hello, thanks for joining.", 1_020, 4_500),
                seg("Alex Candidate", "Happy to be here: really.", 5_000, 9_250),
                seg("Alex Candidate", "Shall we start?", 9_250, 10_000),
                seg("", "no speaker here", 3_723_004, 3_724_000),
            ]
        );
    }

    #[test]
    fn webvtt_features_zoom_does_not_use_are_still_read() {
        let vtt = "WEBVTT - a title\nKind: captions\n\nNOTE a comment\n--> not a cue\n\nSTYLE\n::cue { color: red }\n\n00:01.5 --> 00:02.000 align:start position:10%\n<v.loud Jane Doe>Tom &amp; Jerry &lt;3</v>\nsecond line\n\n\n\n00:03.000 --> 00:02.000\n<c.yellow>Bob:</c> <b>bold</b> <00:00:03.500>move\n\n00:04.000 --> 00:05.000\n   \n\ncue-id\n00:06.000 --> 00:07.000\nA: 1 < 2\n";
        assert_eq!(
            parse_vtt(vtt).unwrap(),
            vec![
                seg("Jane Doe", "Tom & Jerry <3 second line", 1_500, 2_000),
                // An end before its start is taken as the start.
                seg("Bob", "bold move", 3_000, 3_000),
                seg("A", "1 < 2", 6_000, 7_000),
            ]
        );
    }

    #[test]
    fn hostile_transcripts_are_refused_or_empty_never_a_panic() {
        assert!(parse_vtt("").is_err());
        assert!(parse_vtt("not webvtt\n\n00:00.000 --> 00:01.000\nA: b").is_err());
        assert!(parse_vtt("WEBVTTX\n").is_err());
        assert_eq!(parse_vtt("WEBVTT").unwrap(), vec![]);
        assert_eq!(parse_vtt("WEBVTT\n\n\n\n").unwrap(), vec![]);
        assert_eq!(parse_vtt("WEBVTT\n\njust text\nmore\n").unwrap(), vec![]);
        for bad in [
            "-->",
            "00:00:01.000 -->",
            "00:00:01.000 --> soon",
            "00:61:01.000 --> 00:00:02.000",
            "00:00:01 --> 00:00:02",
            "99999999999:00:01.000 --> 00:00:02.000",
            "+1:00:01.000 --> 00:00:02.000",
            "00:00:01.0000 --> 00:00:02.000",
            "é:00:01.000 --> 00:00:02.000",
            "00:00:01.ab --> 00:00:02.000",
        ] {
            let vtt = format!("WEBVTT\n\n1\n{bad}\nA: b\n");
            let err = parse_vtt(&vtt).unwrap_err();
            assert!(err.starts_with("cue 1:"), "{bad}: {err}");
        }
        // Unclosed tags, stray markup, huge names: read, not trusted.
        let long_name = "N".repeat(500);
        let vtt = format!(
            "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Unclosed\n\n00:01.000 --> 00:02.000\n<b\n\n00:02.000 --> 00:03.000\n{long_name}: x\n\n00:03.000 --> 00:04.000\n<v>\n"
        );
        let segments = parse_vtt(&vtt).unwrap();
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[0].content, "<v Unclosed");
        assert_eq!(segments[1].content, "<b");
        assert_eq!(segments[2].speaker, Speaker::Named(String::new()));
        // Many cues: read without trouble.
        let mut big = String::from("WEBVTT\n");
        for i in 0..5_000 {
            big.push_str(&format!(
                "\n00:00:{:02}.000 --> 00:00:{:02}.500\nA: {i}\n",
                i % 60,
                i % 60
            ));
        }
        assert_eq!(parse_vtt(&big).unwrap().len(), 5_000);
    }

    #[test]
    fn meeting_ids_are_encoded_for_paths() {
        let zoom = config("https://api.zoom.us/v2").build().unwrap().unwrap();
        let url = |id: &str| {
            let seg = meeting_segment(id).unwrap();
            zoom.endpoint(&["meetings", &seg, "recordings"]).to_string()
        };
        assert_eq!(
            url("85746065432"),
            "https://api.zoom.us/v2/meetings/85746065432/recordings"
        );
        assert_eq!(
            url("4444AAAiAAAAAiAiAiiAii=="),
            "https://api.zoom.us/v2/meetings/4444AAAiAAAAAiAiAiiAii==/recordings"
        );
        assert_eq!(
            url("ab/c+d=="),
            "https://api.zoom.us/v2/meetings/ab%2Fc+d==/recordings"
        );
        // Zoom's own example of a UUID to encode twice.
        assert_eq!(
            url("/ajXp112QmuoKj4854875=="),
            "https://api.zoom.us/v2/meetings/%252FajXp112QmuoKj4854875%253D%253D/recordings"
        );
        assert_eq!(
            url("ab//cd=="),
            "https://api.zoom.us/v2/meetings/ab%252F%252Fcd%253D%253D/recordings"
        );
        let long = "1".repeat(200);
        for bad in [
            "",
            "..",
            "a b",
            "a?b",
            "a#b",
            "a%2F",
            "123\n",
            long.as_str(),
        ] {
            assert!(meeting_segment(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations_are_whole_minutes_rounded_up() {
        assert_eq!(duration_minutes(Duration::ZERO), 1);
        assert_eq!(duration_minutes(Duration::from_secs(1)), 1);
        assert_eq!(duration_minutes(Duration::from_secs(60)), 1);
        assert_eq!(duration_minutes(Duration::from_millis(60_001)), 2);
        assert_eq!(duration_minutes(Duration::from_secs(45 * 60)), 45);
        assert_eq!(duration_minutes(Duration::MAX), u64::MAX / 60 + 1);
    }

    #[test]
    fn a_daily_limit_says_when_it_resets() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T23:59:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("2026-12-08T00:00:00Z"),
        );
        assert!(matches!(
            ProviderError::from_status_at(PROVIDER, 429, &h, now),
            ProviderError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(60)
        ));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("2026-12-09T00:00:00Z"),
        );
        assert!(matches!(
            ProviderError::from_status_at(PROVIDER, 429, &h, now),
            ProviderError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(3600)
        ));
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("5"));
        assert!(matches!(
            ProviderError::from_status_at(PROVIDER, 429, &h, now),
            ProviderError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(5)
        ));
        assert!(matches!(
            ProviderError::from_status_at(PROVIDER, 503, &HeaderMap::new(), now),
            ProviderError::Unavailable { .. }
        ));
        assert!(matches!(
            ProviderError::from_status_at(PROVIDER, 404, &h, now),
            ProviderError::Protocol { .. }
        ));
    }

    fn config(api_url: &str) -> ZoomConfig {
        ZoomConfig {
            account_id: Some("acct-id".into()),
            client_id: Some("client-id".into()),
            client_secret: Some("client-secret-value".into()),
            webhook_secret: Some("webhook-secret-value".into()),
            api_url: api_url.into(),
            ..Default::default()
        }
    }

    #[test]
    fn half_a_configuration_is_refused_and_none_is_off() {
        assert!(ZoomConfig::default().build().unwrap().is_none());
        let blank = ZoomConfig {
            client_id: Some("  ".into()),
            ..Default::default()
        };
        assert!(blank.build().unwrap().is_none());
        let half = ZoomConfig {
            account_id: Some("a".into()),
            client_id: Some("c".into()),
            ..Default::default()
        };
        let err = half.build().unwrap_err();
        assert!(err.contains("TALENTI_ZOOM_CLIENT_SECRET"), "{err}");
        assert!(err.contains("TALENTI_ZOOM_WEBHOOK_SECRET"), "{err}");
        assert!(!err.contains("TALENTI_ZOOM_ACCOUNT_ID"), "{err}");
        assert!(config("ftp://x").build().is_err());
        assert!(config("not a url").build().is_err());

        let ok = config("https://api.zoom.us/v2");
        let zoom = ok.build().unwrap().unwrap();
        assert_eq!(zoom.api.as_str(), "https://api.zoom.us/v2/");
        assert_eq!(
            zoom.oauth.as_str(),
            "https://zoom.us/oauth/token?grant_type=account_credentials&account_id=acct-id"
        );
        assert_eq!(zoom.name(), "zoom");
        let shown = format!("{zoom:?}{ok:?}");
        assert!(!shown.contains("client-secret-value"), "{shown}");
        assert!(!shown.contains("webhook-secret-value"), "{shown}");
    }

    #[test]
    fn only_zoom_download_urls_get_the_token() {
        let zoom = config("https://api.zoom.us/v2").build().unwrap().unwrap();
        for ok in [
            "https://us06web.zoom.us/rec/download/abc",
            "https://zoom.us/rec/download/abc",
            "https://api.zoom.us/v2/x",
            "https://x.zoomgov.com/rec/download/abc",
        ] {
            assert!(zoom.download_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://us06web.zoom.us/rec/download/abc",
            "https://evilzoom.us/rec",
            "https://zoom.us.evil.com/rec",
            "https://example.com/rec",
            "not a url",
        ] {
            assert!(zoom.download_url(bad).is_err(), "{bad}");
        }
    }
}
