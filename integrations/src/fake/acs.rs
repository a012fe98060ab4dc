//! A local server speaking Azure Communication Services' protocol: every
//! request HMAC-signed with the access key and checked as ACS checks it
//! (`x-ms-date` within 15 minutes, `x-ms-content-sha256` the body's hash,
//! the `Authorization` signature over `VERB\n<path and query>\n<signed
//! header values>` recomputed from the request as received, the host being
//! `x-ms-host` when sent, as for recording downloads, else `Host`); 401
//! `{"error":{"code":"Denied",…}}` when it does not match. It creates
//! identities with tokens (`POST /identities?api-version=2023-10-01`),
//! deletes them (`DELETE /identities/{id}`, 404 once gone) and serves
//! recordings the test puts at `/recordings/{id}`. Scripted failures (a
//! status and its `Retry-After`) answer first, in order.
//!
//! Also builds the Event Grid deliveries ACS sends: realistic
//! Event Grid-schema bodies, and their CloudEvents-schema equivalents.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    body::Bytes,
    extract::{OriginalUri, Path, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Router,
};
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A scripted answer: a status and its `Retry-After`.
pub type Scripted = (u16, Option<&'static str>);

/// The resource part of the identities this fake makes.
const RESOURCE_ID: &str = "bc360ba8-d29b-4ef2-b698-769ebef85521";
/// How far `x-ms-date` may be from the server's clock.
const DATE_WINDOW_SECS: i64 = 15 * 60;
/// The topic Event Grid names for an ACS resource.
pub const TOPIC: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/talenti/providers/microsoft.communication/communicationservices/talenti-acs";

#[derive(Clone)]
pub struct FakeAcs {
    key: Arc<Vec<u8>>,
    base: String,
    /// Every request received.
    pub calls: Arc<AtomicUsize>,
    /// Requests refused for their signature.
    pub denied: Arc<AtomicUsize>,
    /// Identities created, deleted, recordings served.
    pub created: Arc<AtomicUsize>,
    pub deleted: Arc<AtomicUsize>,
    pub downloads: Arc<AtomicUsize>,
    /// Answers before the real ones, in order.
    pub script: Arc<Mutex<Vec<Scripted>>>,
    /// The identities that exist.
    pub identities: Arc<Mutex<HashSet<String>>>,
    /// Recording contents by id, served at `/recordings/{id}`.
    pub recordings: Arc<Mutex<HashMap<String, Bytes>>>,
    /// The last identity-creation body received.
    pub last_create: Arc<Mutex<Option<Value>>>,
}

impl FakeAcs {
    /// Starts the server for an access key (base64, as in a connection
    /// string); (it, the resource's connection string).
    pub async fn start(access_key_b64: &str) -> (Self, String) {
        let key = base64::engine::general_purpose::STANDARD
            .decode(access_key_b64)
            .expect("the access key is base64");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeAcs {
            key: Arc::new(key),
            base: base.clone(),
            calls: Arc::default(),
            denied: Arc::default(),
            created: Arc::default(),
            deleted: Arc::default(),
            downloads: Arc::default(),
            script: Arc::default(),
            identities: Arc::default(),
            recordings: Arc::default(),
            last_create: Arc::default(),
        };
        let app = Router::new()
            .route("/identities", post(create_identity))
            .route("/identities/{id}", delete(delete_identity))
            .route("/recordings/{id}", get(recording))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let connection = format!("endpoint={base}/;accesskey={access_key_b64}");
        (fake, connection)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Where recording `id` is served (its `contentLocation`).
    pub fn recording_url(&self, id: &str) -> String {
        format!("{}/recordings/{id}", self.base)
    }

    /// Serves `content` as recording `id`.
    pub fn put_recording(&self, id: &str, content: impl Into<Bytes>) {
        self.recordings
            .lock()
            .unwrap()
            .insert(id.to_owned(), content.into());
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn denied(&self) -> usize {
        self.denied.load(Ordering::SeqCst)
    }

    /// Counts the request and answers a scripted failure or a refused
    /// signature, if any.
    fn admit(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<Response> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let scripted = {
            let mut s = self.script.lock().unwrap();
            (!s.is_empty()).then(|| s.remove(0))
        };
        if let Some((status, retry)) = scripted {
            let status = StatusCode::from_u16(status).unwrap();
            let mut resp = error(
                status,
                status.canonical_reason().unwrap_or("Error"),
                "The service answered a scripted failure.",
            );
            if let Some(r) = retry {
                resp.headers_mut().insert("retry-after", r.parse().unwrap());
            }
            return Some(resp);
        }
        if let Err(message) = self.verify(method, uri, headers, body) {
            self.denied.fetch_add(1, Ordering::SeqCst);
            return Some(error(StatusCode::UNAUTHORIZED, "Denied", message));
        }
        None
    }

    /// ACS's access-key check, recomputed from the request as received.
    fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), &'static str> {
        const DENIED: &str = "Denied by the resource provider.";
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let date = text("x-ms-date").ok_or(DENIED)?;
        let sent = DateTime::parse_from_rfc2822(date).map_err(|_| DENIED)?;
        if (Utc::now() - sent.with_timezone(&Utc)).num_seconds().abs() > DATE_WINDOW_SECS {
            return Err(DENIED);
        }
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
        if text("x-ms-content-sha256") != Some(hash.as_str()) {
            return Err("Request 'x-ms-content-sha256' differs from generated content hash.");
        }
        let host = text("x-ms-host").or_else(|| text("host")).ok_or(DENIED)?;
        let auth = text("authorization")
            .and_then(|a| a.strip_prefix("HMAC-SHA256 "))
            .ok_or(DENIED)?;
        let (mut signed, mut signature) = (None, None);
        for part in auth.split('&') {
            match part.split_once('=') {
                Some(("SignedHeaders", v)) => signed = Some(v),
                // The signature is base64: its own `=` are part of it.
                Some(("Signature", v)) => signature = Some(v),
                _ => return Err(DENIED),
            }
        }
        let (signed, signature) = (signed.ok_or(DENIED)?, signature.ok_or(DENIED)?);
        let mut values = Vec::new();
        for name in signed.split(';') {
            let name = name.to_ascii_lowercase();
            values.push(if name == "host" {
                host
            } else {
                text(&name).ok_or(DENIED)?
            });
        }
        let to_sign = format!(
            "{}\n{}\n{}",
            method.as_str(),
            uri.path_and_query().map_or("/", |p| p.as_str()),
            values.join(";")
        );
        let given = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| DENIED)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(to_sign.as_bytes());
        mac.verify_slice(&given).map_err(|_| DENIED)
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        json!({ "error": { "code": code, "message": message } }).to_string(),
    )
        .into_response()
}

fn api_version_ok(uri: &Uri) -> bool {
    uri.query()
        .is_some_and(|q| q.split('&').any(|p| p == "api-version=2023-10-01"))
}

/// A time as ACS writes it (seven fractional digits).
fn acs_time(t: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

async fn create_identity(
    State(fake): State<FakeAcs>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = fake.admit(&method, &uri, &headers, &body) {
        return refused;
    }
    if !api_version_ok(&uri) {
        return error(
            StatusCode::BAD_REQUEST,
            "UnsupportedApiVersion",
            "The requested api-version is not supported.",
        );
    }
    let request: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return error(StatusCode::BAD_REQUEST, "BadRequest", "Invalid JSON."),
        }
    };
    *fake.last_create.lock().unwrap() = Some(request.clone());
    let minutes = match request.get("expiresInMinutes") {
        None => 1440,
        Some(m) => match m.as_i64() {
            Some(m) if (60..=1440).contains(&m) => m,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "ValidationError",
                    "The expiresInMinutes must be between 60 and 1440.",
                )
            }
        },
    };
    let scopes: Vec<String> = match request.get("createTokenWithScopes") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "ValidationError",
                "Invalid scopes.",
            )
        }
    };
    let known = [
        "chat",
        "voip",
        "chat.join",
        "chat.join.limited",
        "voip.join",
    ];
    if scopes.iter().any(|s| !known.contains(&s.as_str())) {
        return error(StatusCode::BAD_REQUEST, "ValidationError", "Unknown scope.");
    }
    let n = fake.created.fetch_add(1, Ordering::SeqCst) + 1;
    let id = format!("8:acs:{RESOURCE_ID}_0000000c-1fb9-4878-07fd-{n:012x}");
    fake.identities.lock().unwrap().insert(id.clone());
    let mut answer = json!({ "identity": { "id": id } });
    if !scopes.is_empty() {
        let now = Utc::now();
        let expires = now + chrono::Duration::minutes(minutes);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!(
            "{}.{}.{}",
            b64.encode(br#"{"alg":"RS256","kid":"5FEA4A51","x5t":"oP1aqBlaQ1r9-uWjNmDKFnkqn9A","typ":"JWT"}"#),
            b64.encode(
                json!({
                    "skypeid": id.trim_start_matches("8:"),
                    "scp": 1792,
                    "csi": now.timestamp().to_string(),
                    "exp": expires.timestamp(),
                    "rgn": "amer",
                    "acsScope": scopes.join(","),
                    "resourceId": RESOURCE_ID,
                    "resourceLocation": "unitedstates",
                    "iat": now.timestamp(),
                })
                .to_string()
            ),
            b64.encode(format!("signature-{n}"))
        );
        answer["accessToken"] = json!({ "token": token, "expiresOn": acs_time(expires) });
    }
    (
        StatusCode::CREATED,
        [("content-type", "application/json; charset=utf-8")],
        answer.to_string(),
    )
        .into_response()
}

async fn delete_identity(
    State(fake): State<FakeAcs>,
    Path(id): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = fake.admit(&method, &uri, &headers, &body) {
        return refused;
    }
    if !api_version_ok(&uri) {
        return error(
            StatusCode::BAD_REQUEST,
            "UnsupportedApiVersion",
            "The requested api-version is not supported.",
        );
    }
    if !fake.identities.lock().unwrap().remove(&id) {
        return error(
            StatusCode::NOT_FOUND,
            "IdentityNotFound",
            "The identity does not exist.",
        );
    }
    fake.deleted.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT.into_response()
}

async fn recording(
    State(fake): State<FakeAcs>,
    Path(id): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = fake.admit(&method, &uri, &headers, &body) {
        return refused;
    }
    let Some(content) = fake.recordings.lock().unwrap().get(&id).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "The recording does not exist.",
        );
    };
    fake.downloads.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::OK,
        [("content-type", "application/octet-stream")],
        content,
    )
        .into_response()
}

fn event(id: &str, event_type: &str, subject: &str, data: Value, data_version: &str) -> Value {
    json!([{
        "id": id,
        "topic": TOPIC,
        "subject": subject,
        "data": data,
        "eventType": event_type,
        "dataVersion": data_version,
        "metadataVersion": "1",
        "eventTime": acs_time(Utc::now()),
    }])
}

/// An Event Grid subscription's validation handshake (Event Grid schema).
pub fn event_grid_validation(code: &str) -> Value {
    event(
        "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
        "Microsoft.EventGrid.SubscriptionValidationEvent",
        "",
        json!({
            "validationCode": code,
            "validationUrl": format!(
                "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/talenti-acs/validate?id={code}&t={}&apiVersion=2018-05-01-preview&token=1A1A1A1A",
                acs_time(Utc::now())
            ),
        }),
        "1",
    )
}

fn participant(raw_id: &str) -> Value {
    json!({
        "rawId": raw_id,
        "communicationUser": { "id": raw_id },
        "role": "Attendee",
    })
}

/// `Microsoft.Communication.CallEnded` (Event Grid schema).
pub fn event_grid_call_ended(event_id: &str, server_call_id: &str) -> Value {
    let started_by = format!("8:acs:{RESOURCE_ID}_0000000c-1fb9-4878-07fd-000000000001");
    event(
        event_id,
        "Microsoft.Communication.CallEnded",
        &format!("call/{server_call_id}"),
        json!({
            "durationOfCall": 49.728617199999995,
            "startedBy": participant(&started_by),
            "serverCallId": server_call_id,
            "group": { "id": "00000000-0000-0000-0000-000000000000" },
            "isTwoParty": false,
            "correlationId": "a1b2c3d4-0000-4000-8000-000000000001",
            "isRoomsCall": false,
        }),
        "1.0",
    )
}

/// `Microsoft.Communication.RecordingFileStatusUpdated` with one chunk at
/// `content_url` (Event Grid schema).
pub fn event_grid_recording_ready(
    event_id: &str,
    server_call_id: &str,
    content_url: &str,
) -> Value {
    let document = "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8";
    event(
        event_id,
        "Microsoft.Communication.RecordingFileStatusUpdated",
        &format!(
            "/recording/call/a8bcd8a3-12d7-46ba-8cde-f6d0bda8feeb/serverCallId/{server_call_id}"
        ),
        json!({
            "recordingStorageInfo": {
                "recordingChunks": [{
                    "documentId": document,
                    "index": 0,
                    "endReason": "SessionEnded",
                    "contentLocation": content_url,
                    "metadataLocation": format!("https://storage.asm.skype.com/v1/objects/{document}/content/acsmetadata"),
                    "deleteLocation": format!("https://storage.asm.skype.com/v1/objects/{document}"),
                }],
            },
            "recordingStartTime": "2026-07-27T15:20:23.6089755Z",
            "recordingDurationMs": 6620,
            "recordingContentType": "Audio",
            "recordingChannelType": "Mixed",
            "recordingFormatType": "Mp3",
            "sessionEndReason": "CallEnded",
        }),
        "1.0",
    )
}

/// The same events in the CloudEvents 1.0 schema, as a batch (an array,
/// `application/cloudevents-batch+json`); a single event
/// (`application/cloudevents+json`) is one element of it.
pub fn cloud_events(event_grid_events: &Value) -> Value {
    let events = event_grid_events.as_array().expect("an Event Grid batch");
    Value::Array(
        events
            .iter()
            .map(|e| {
                json!({
                    "id": e["id"],
                    "source": e["topic"],
                    "subject": e["subject"],
                    "type": e["eventType"],
                    "time": e["eventTime"],
                    "specversion": "1.0",
                    "datacontenttype": "application/json",
                    "data": e["data"],
                })
            })
            .collect(),
    )
}
