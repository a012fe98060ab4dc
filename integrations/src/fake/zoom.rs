//! A local server speaking Zoom's protocol: the Server-to-Server OAuth
//! token endpoint (`POST /oauth/token?grant_type=account_credentials&account_id=…`,
//! HTTP Basic `client_id:client_secret`; 401 `invalid_client` for wrong
//! credentials, 400 for a wrong grant or account), and, with a token it
//! issued as `Authorization: Bearer` (401 code 124 otherwise), the meetings
//! API under `/v2` (create, update, delete, end, cloud recordings) and the
//! recordings' downloads. Meetings live in memory; a test sets a meeting's
//! transcript (WebVTT) and reads back what was sent. Scripted answers
//! (a status and its `Retry-After`) come before the normal ones, for the
//! API and for the token endpoint separately.
//!
//! [`sign_webhook`] signs a webhook body as Zoom does, and
//! [`meeting_event`] / [`url_validation`] write the bodies Zoom sends.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, patch, post, put},
    Json, Router,
};
use base64::Engine;
use serde_json::{json, Value};

use crate::webhook::hmac_sha256;

/// A scripted answer: a status and its `Retry-After` (seconds, or a date).
pub type Scripted = (u16, Option<String>);

/// A meeting as the fake holds it.
#[derive(Clone, Debug)]
pub struct FakeMeeting {
    pub id: u64,
    /// Its (one) instance's UUID; it starts with `/` and contains `//`, so
    /// a path naming it must be encoded twice.
    pub uuid: String,
    pub topic: String,
    /// Zoom's meeting `type` (1 instant, 2 scheduled).
    pub kind: i64,
    pub start_time: Option<String>,
    pub duration: Option<i64>,
    pub timezone: Option<String>,
    pub agenda: Option<String>,
    pub settings: Value,
    /// The body it was created with, as sent.
    pub created_with: Value,
    /// The body of the last update, as sent.
    pub updated_with: Option<Value>,
    /// `waiting`, `started` or `ended`.
    pub status: String,
    pub join_url: String,
    /// The host's start URL (a credential the client must not keep).
    pub start_url: String,
    /// The cloud recording's transcript (WebVTT), once there is one.
    pub transcript: Option<String>,
    /// The transcript file's status: `completed` or `processing`.
    pub transcript_status: String,
}

#[derive(Clone)]
pub struct FakeZoom {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// Tokens issued and still accepted.
    pub tokens: Arc<Mutex<Vec<String>>>,
    /// Tokens issued.
    pub grants: Arc<AtomicUsize>,
    /// Requests to the token endpoint.
    pub token_requests: Arc<AtomicUsize>,
    /// Requests to the API and the downloads.
    pub api_requests: Arc<AtomicUsize>,
    /// Answers to API requests before the normal ones, in order.
    pub script: Arc<Mutex<Vec<Scripted>>>,
    /// Answers of the token endpoint before the normal ones, in order.
    pub token_script: Arc<Mutex<Vec<Scripted>>>,
    /// Seconds each token is valid for (`expires_in`; 3599 unless changed).
    pub lifetime: Arc<Mutex<i64>>,
    pub meetings: Arc<Mutex<BTreeMap<u64, FakeMeeting>>>,
    next_id: Arc<AtomicU64>,
}

impl FakeZoom {
    /// Starts the server; (it, its API base URL, its token URL).
    pub async fn start(
        account_id: &str,
        client_id: &str,
        client_secret: &str,
    ) -> (Self, String, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeZoom {
            account_id: account_id.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            base: base.clone(),
            tokens: Arc::default(),
            grants: Arc::default(),
            token_requests: Arc::default(),
            api_requests: Arc::default(),
            script: Arc::default(),
            token_script: Arc::default(),
            lifetime: Arc::new(Mutex::new(3599)),
            meetings: Arc::default(),
            next_id: Arc::new(AtomicU64::new(85_000_000_001)),
        };
        let app = Router::new()
            .route("/oauth/token", post(issue_token))
            .route("/v2/users/{user}/meetings", post(create_meeting))
            .route(
                "/v2/meetings/{id}",
                patch(update_meeting)
                    .delete(delete_meeting)
                    .get(get_meeting),
            )
            .route("/v2/meetings/{id}/status", put(meeting_status))
            .route("/v2/meetings/{id}/recordings", get(list_recordings))
            .route("/rec/download/{file}", get(download))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let api = format!("{base}/v2");
        let oauth = format!("{base}/oauth/token");
        (fake, api, oauth)
    }

    /// Tokens issued so far.
    pub fn grants(&self) -> usize {
        self.grants.load(Ordering::SeqCst)
    }

    pub fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }

    pub fn api_requests(&self) -> usize {
        self.api_requests.load(Ordering::SeqCst)
    }

    /// Stops accepting every token issued so far (as when a token expires
    /// early or the app is reactivated).
    pub fn revoke_tokens(&self) {
        self.tokens.lock().unwrap().clear();
    }

    /// The meeting with this id (or instance UUID).
    pub fn meeting(&self, id: &str) -> Option<FakeMeeting> {
        let meetings = self.meetings.lock().unwrap();
        find(&meetings, id).and_then(|k| meetings.get(&k).cloned())
    }

    /// Runs `f` on the meeting with this id; false if there is none.
    pub fn edit_meeting(&self, id: &str, f: impl FnOnce(&mut FakeMeeting)) -> bool {
        let mut meetings = self.meetings.lock().unwrap();
        match find(&meetings, id).and_then(|k| meetings.get_mut(&k)) {
            Some(m) => {
                f(m);
                true
            }
            None => false,
        }
    }

    /// Ends the meeting and gives it a completed transcript.
    pub fn set_transcript(&self, id: &str, vtt: &str) -> bool {
        self.edit_meeting(id, |m| {
            m.status = "ended".into();
            m.transcript = Some(vtt.to_owned());
            m.transcript_status = "completed".into();
        })
    }

    /// Sets the meeting's status (`waiting`, `started`, `ended`).
    pub fn set_status(&self, id: &str, status: &str) -> bool {
        self.edit_meeting(id, |m| m.status = status.to_owned())
    }
}

/// Signs a webhook `body` as Zoom does, now: (`x-zm-request-timestamp`,
/// `x-zm-signature`).
pub fn sign_webhook(secret: &str, body: &str) -> (String, String) {
    sign_webhook_at(secret, body, chrono::Utc::now().timestamp())
}

/// Signs a webhook `body` as sent at `timestamp` (Unix seconds).
pub fn sign_webhook_at(secret: &str, body: &str, timestamp: i64) -> (String, String) {
    let ts = timestamp.to_string();
    let mac = hmac_sha256(
        secret.as_bytes(),
        &[b"v0:", ts.as_bytes(), b":", body.as_bytes()],
    );
    (ts, format!("v0={}", hex::encode(mac)))
}

/// The body of a meeting event (`meeting.started`, `meeting.ended`,
/// `recording.transcript_completed`…) about `meeting`, sent at `event_ts`
/// (Unix milliseconds).
pub fn meeting_event(event: &str, meeting: &FakeMeeting, event_ts: i64) -> String {
    json!({
        "event": event,
        "event_ts": event_ts,
        "payload": {
            "account_id": "fake-account",
            "object": {
                "id": meeting.id.to_string(),
                "uuid": meeting.uuid,
                "host_id": "fake-host",
                "topic": meeting.topic,
                "type": meeting.kind,
                "start_time": meeting.start_time,
                "timezone": meeting.timezone,
                "duration": meeting.duration,
            }
        }
    })
    .to_string()
}

/// The body of Zoom's `endpoint.url_validation` request.
pub fn url_validation(plain_token: &str, event_ts: i64) -> String {
    json!({
        "event": "endpoint.url_validation",
        "payload": { "plainToken": plain_token },
        "event_ts": event_ts,
    })
    .to_string()
}

fn zoom_error(status: StatusCode, code: i64, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

fn scripted(status: u16, retry_after: Option<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let message = if status == StatusCode::TOO_MANY_REQUESTS {
        "You have reached the maximum per-second rate limit for this API. Try again later."
    } else {
        "Scripted failure."
    };
    let mut resp = zoom_error(status, i64::from(status.as_u16()), message);
    let h = resp.headers_mut();
    if status == StatusCode::TOO_MANY_REQUESTS {
        h.insert("x-ratelimit-category", "Light".parse().unwrap());
        h.insert("x-ratelimit-type", "QPS".parse().unwrap());
        h.insert("x-ratelimit-limit", "30".parse().unwrap());
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
    }
    if let Some(r) = retry_after {
        h.insert(header::RETRY_AFTER, r.parse().unwrap());
    }
    resp
}

fn next_scripted(script: &Mutex<Vec<Scripted>>) -> Option<Scripted> {
    let mut s = script.lock().unwrap();
    (!s.is_empty()).then(|| s.remove(0))
}

async fn issue_token(
    State(fake): State<FakeZoom>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    fake.token_requests.fetch_add(1, Ordering::SeqCst);
    if let Some((status, retry)) = next_scripted(&fake.token_script) {
        return scripted(status, retry);
    }
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", fake.client_id, fake.client_secret))
    );
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if given != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}),
            ),
        )
            .into_response();
    }
    if query.get("grant_type").map(String::as_str) != Some("account_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"reason": "Unsupported grant type", "error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    if query.get("account_id") != Some(&fake.account_id) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"reason": "Invalid account_id", "error": "invalid_request"})),
        )
            .into_response();
    }
    let n = fake.grants.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("fake-zoom-access-token-{n}");
    fake.tokens.lock().unwrap().push(token.clone());
    let expires_in = *fake.lifetime.lock().unwrap();
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": "meeting:write:meeting:admin meeting:update:meeting:admin meeting:delete:meeting:admin cloud_recording:read:list_recording_files:admin",
        "api_url": "https://api.zoom.us",
    }))
    .into_response()
}

/// Counts the request; the answer instead of the normal one: a scripted
/// failure, or 401 without a token this server issued.
fn gate(fake: &FakeZoom, headers: &HeaderMap) -> Option<Response> {
    fake.api_requests.fetch_add(1, Ordering::SeqCst);
    if let Some((status, retry)) = next_scripted(&fake.script) {
        return Some(scripted(status, retry));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let known = token.is_some_and(|t| fake.tokens.lock().unwrap().iter().any(|k| k == t));
    (!known).then(|| zoom_error(StatusCode::UNAUTHORIZED, 124, "Invalid access token."))
}

/// Decodes `%XX` escapes (a UUID's second encoding, left by the router's
/// first decoding).
fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The key of the meeting a path names, by id or by instance UUID.
fn find(meetings: &BTreeMap<u64, FakeMeeting>, raw: &str) -> Option<u64> {
    if let Ok(id) = raw.parse::<u64>() {
        return meetings.contains_key(&id).then_some(id);
    }
    let uuid = if raw.contains('%') {
        percent_decode(raw)
    } else {
        raw.to_owned()
    };
    meetings.values().find(|m| m.uuid == uuid).map(|m| m.id)
}

fn not_found(id: &str) -> Response {
    zoom_error(
        StatusCode::NOT_FOUND,
        3001,
        &format!("Meeting does not exist: {id}."),
    )
}

fn bad_body() -> Response {
    zoom_error(
        StatusCode::BAD_REQUEST,
        300,
        "Request Body should be a valid JSON object.",
    )
}

/// The answer to a create or update body with a field Zoom would refuse.
fn check_fields(body: &Value) -> Option<Response> {
    let invalid = |field: &str| {
        let mut resp = zoom_error(StatusCode::BAD_REQUEST, 300, "Validation Failed.");
        *resp.body_mut() = axum::body::Body::from(
            json!({
                "code": 300,
                "message": "Validation Failed.",
                "errors": [{ "field": field, "message": "Invalid field." }],
            })
            .to_string(),
        );
        resp
    };
    if let Some(t) = body.get("topic") {
        if t.as_str().is_none_or(|t| t.chars().count() > 200) {
            return Some(invalid("topic"));
        }
    }
    if let Some(t) = body.get("type") {
        if !matches!(t.as_i64(), Some(1 | 2 | 3 | 8 | 10)) {
            return Some(invalid("type"));
        }
    }
    if let Some(t) = body.get("start_time") {
        let ok = t
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok());
        if !ok {
            return Some(invalid("start_time"));
        }
    }
    if let Some(d) = body.get("duration") {
        if d.as_i64().is_none_or(|d| d < 0) {
            return Some(invalid("duration"));
        }
    }
    None
}

fn meeting_json(m: &FakeMeeting) -> Value {
    json!({
        "uuid": m.uuid,
        "id": m.id,
        "host_id": "fake-host",
        "host_email": "host@example.com",
        "topic": m.topic,
        "type": m.kind,
        "status": m.status,
        "start_time": m.start_time,
        "duration": m.duration,
        "timezone": m.timezone,
        "agenda": m.agenda,
        "created_at": "2026-12-01T09:00:00Z",
        "start_url": m.start_url,
        "join_url": m.join_url,
        "password": "fakepass",
        "h323_password": "123456",
        "pstn_password": "123456",
        "encrypted_password": "ZmFrZXBhc3M",
        "settings": m.settings,
        "pre_schedule": false,
    })
}

async fn create_meeting(
    State(fake): State<FakeZoom>,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(resp) = gate(&fake, &headers) {
        return resp;
    }
    if user != "me" {
        return zoom_error(
            StatusCode::NOT_FOUND,
            1001,
            &format!("User does not exist: {user}."),
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_body();
    };
    if !body.is_object() {
        return bad_body();
    }
    if let Some(resp) = check_fields(&body) {
        return resp;
    }
    let id = fake.next_id.fetch_add(1, Ordering::SeqCst);
    let meeting = FakeMeeting {
        id,
        uuid: format!("/Fk{id}x+y//Zq=="),
        topic: body
            .get("topic")
            .and_then(Value::as_str)
            .unwrap_or("Zoom Meeting")
            .to_owned(),
        kind: body.get("type").and_then(Value::as_i64).unwrap_or(2),
        start_time: body
            .get("start_time")
            .and_then(Value::as_str)
            .map(str::to_owned),
        duration: body.get("duration").and_then(Value::as_i64),
        timezone: body
            .get("timezone")
            .and_then(Value::as_str)
            .map(str::to_owned),
        agenda: body
            .get("agenda")
            .and_then(Value::as_str)
            .map(str::to_owned),
        settings: body.get("settings").cloned().unwrap_or_else(|| json!({})),
        created_with: body.clone(),
        updated_with: None,
        status: "waiting".into(),
        join_url: format!("https://us05web.zoom.us/j/{id}?pwd=ZmFrZXBhc3M.1"),
        start_url: format!("https://us05web.zoom.us/s/{id}?zak=fake-host-zak-token"),
        transcript: None,
        transcript_status: "completed".into(),
    };
    let answer = meeting_json(&meeting);
    fake.meetings.lock().unwrap().insert(id, meeting);
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn get_meeting(
    State(fake): State<FakeZoom>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&fake, &headers) {
        return resp;
    }
    match fake.meeting(&id) {
        Some(m) => Json(meeting_json(&m)).into_response(),
        None => not_found(&id),
    }
}

async fn update_meeting(
    State(fake): State<FakeZoom>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(resp) = gate(&fake, &headers) {
        return resp;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_body();
    };
    if !body.is_object() {
        return bad_body();
    }
    if let Some(resp) = check_fields(&body) {
        return resp;
    }
    let found = fake.edit_meeting(&id, |m| {
        if let Some(t) = body.get("topic").and_then(Value::as_str) {
            m.topic = t.to_owned();
        }
        if let Some(t) = body.get("type").and_then(Value::as_i64) {
            m.kind = t;
        }
        if let Some(t) = body.get("start_time").and_then(Value::as_str) {
            m.start_time = Some(t.to_owned());
        }
        if let Some(d) = body.get("duration").and_then(Value::as_i64) {
            m.duration = Some(d);
        }
        if let Some(t) = body.get("timezone").and_then(Value::as_str) {
            m.timezone = Some(t.to_owned());
        }
        if let Some(t) = body.get("agenda").and_then(Value::as_str) {
            m.agenda = Some(t.to_owned());
        }
        if let (Some(s), Some(new)) = (m.settings.as_object_mut(), body.get("settings")) {
            for (k, v) in new.as_object().into_iter().flatten() {
                s.insert(k.clone(), v.clone());
            }
        }
        m.updated_with = Some(body.clone());
    });
    if found {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(&id)
    }
}

async fn delete_meeting(
    State(fake): State<FakeZoom>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&fake, &headers) {
        return resp;
    }
    let mut meetings = fake.meetings.lock().unwrap();
    let Some(key) = find(&meetings, &id) else {
        return not_found(&id);
    };
    match meetings[&key].status.as_str() {
        "started" => zoom_error(
            StatusCode::BAD_REQUEST,
            3002,
            "Sorry, you cannot delete this meeting since it's in progress.",
        ),
        "ended" => zoom_error(
            StatusCode::BAD_REQUEST,
            3007,
            "Sorry, you cannot delete this meeting since it's ended.",
        ),
        _ => {
            meetings.remove(&key);
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

async fn meeting_status(
    State(fake): State<FakeZoom>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(resp) = gate(&fake, &headers) {
        return resp;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_body();
    };
    let action = body.get("action").and_then(Value::as_str);
    if !matches!(action, Some("end" | "recover")) {
        return zoom_error(StatusCode::BAD_REQUEST, 300, "Invalid action.");
    }
    let found = fake.edit_meeting(&id, |m| {
        m.status = if action == Some("end") {
            "ended".into()
        } else {
            "waiting".into()
        };
    });
    if found {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(&id)
    }
}

async fn list_recordings(
    State(fake): State<FakeZoom>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&fake, &headers) {
        return resp;
    }
    let no_recording = || {
        zoom_error(
            StatusCode::NOT_FOUND,
            3301,
            "There is no recording for this meeting.",
        )
    };
    let Some(m) = fake.meeting(&id) else {
        return no_recording();
    };
    let Some(vtt) = &m.transcript else {
        return no_recording();
    };
    let start = m
        .start_time
        .clone()
        .unwrap_or_else(|| "2026-12-07T10:00:00Z".into());
    let file = |kind: &str, ext: &str, recording: &str, status: &str, size: usize| {
        let file_id = format!("{}-{}", kind.to_ascii_lowercase(), m.id);
        json!({
            "id": file_id,
            "meeting_id": m.uuid,
            "recording_start": start,
            "recording_end": start,
            "file_type": kind,
            "file_extension": ext,
            "file_size": size,
            "play_url": format!("https://us05web.zoom.us/rec/play/{file_id}"),
            "download_url": format!("{}/rec/download/{file_id}", fake.base),
            "status": status,
            "recording_type": recording,
        })
    };
    Json(json!({
        "uuid": m.uuid,
        "id": m.id,
        "account_id": "fake-account",
        "host_id": "fake-host",
        "topic": m.topic,
        "type": m.kind,
        "start_time": start,
        "timezone": m.timezone,
        "duration": m.duration,
        "total_size": 1_000_000 + vtt.len(),
        "recording_count": 2,
        "share_url": format!("https://us05web.zoom.us/rec/share/fake-{}", m.id),
        "recording_files": [
            file("MP4", "MP4", "shared_screen_with_speaker_view", "completed", 1_000_000),
            file("TRANSCRIPT", "VTT", "audio_transcript", &m.transcript_status, vtt.len()),
        ],
    }))
    .into_response()
}

async fn download(
    State(fake): State<FakeZoom>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(resp) = gate(&fake, &headers) {
        return resp;
    }
    let vtt = file
        .strip_prefix("transcript-")
        .and_then(|id| fake.meeting(id))
        .and_then(|m| m.transcript);
    match vtt {
        Some(vtt) => ([(header::CONTENT_TYPE, "text/vtt")], vtt).into_response(),
        None => zoom_error(StatusCode::NOT_FOUND, 3301, "File not found."),
    }
}
