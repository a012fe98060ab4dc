//! A local server speaking Ultravox's REST protocol: `POST /api/calls`
//! (header `X-API-Key`; 201 with `callId` and `joinUrl`), `POST
//! /api/calls/{id}/send_data_message` (`hang_up`), `GET
//! /api/calls/{id}/messages` paged by `cursor` with a `next` link; 401
//! `{"detail": …}` for a wrong key, 404 for an unknown call, and scripted
//! failures (429 with `Retry-After`, 5xx) before normal answers. Also
//! builds the signed webhooks Ultravox sends ([`FakeUltravox::webhook`]).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

/// A scripted answer: a status and its `Retry-After`.
pub type Scripted = (u16, Option<&'static str>);

/// One call as the fake holds it.
#[derive(Debug, Clone)]
pub struct FakeCall {
    /// The request body it was created with.
    pub request: Value,
    /// Its messages, as `GET …/messages` returns them.
    pub messages: Vec<Value>,
    pub hung_up: bool,
}

#[derive(Clone)]
pub struct FakeUltravox {
    pub key: String,
    base: String,
    pub calls: Arc<Mutex<HashMap<String, FakeCall>>>,
    /// Requests served (every route).
    pub requests: Arc<AtomicUsize>,
    /// Answers before the normal ones, in order.
    pub script: Arc<Mutex<Vec<Scripted>>>,
    /// Messages per page (the client's `pageSize` is honoured up to this).
    pub page_size: Arc<Mutex<usize>>,
}

/// A message of a call: `role` is `user`, `agent` or `tool`; times in
/// seconds from the call's start.
pub fn message(role: &str, text: &str, start: f64, end: f64) -> Value {
    let role = match role {
        "user" => "MESSAGE_ROLE_USER",
        "agent" => "MESSAGE_ROLE_AGENT",
        _ => "MESSAGE_ROLE_TOOL_CALL",
    };
    json!({
        "role": role,
        "text": text,
        "medium": "MESSAGE_MEDIUM_VOICE",
        "callStageMessageIndex": 0,
        "timespan": { "start": format!("{start}s"), "end": format!("{end}s") },
    })
}

impl FakeUltravox {
    /// Starts the server; (it, its API base URL, e.g. `http://…/api`).
    pub async fn start(key: &str) -> (Self, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api", listener.local_addr().unwrap());
        let fake = FakeUltravox {
            key: key.to_owned(),
            base: base.clone(),
            calls: Arc::default(),
            requests: Arc::default(),
            script: Arc::default(),
            page_size: Arc::new(Mutex::new(3)),
        };
        let app = Router::new()
            .route("/api/calls", post(create_call))
            .route("/api/calls/{id}/send_data_message", post(data_message))
            .route("/api/calls/{id}/messages", get(messages))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, base)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The call `id` (panics if unknown).
    pub fn call(&self, id: &str) -> FakeCall {
        self.calls.lock().unwrap()[id].clone()
    }

    /// Sets what the call `id` said.
    pub fn set_messages(&self, id: &str, messages: Vec<Value>) {
        self.calls
            .lock()
            .unwrap()
            .get_mut(id)
            .expect("a call the fake created")
            .messages = messages;
    }

    /// The body and headers of the webhook Ultravox sends for `event` on
    /// call `id`, signed with `secret` at `at`.
    pub fn webhook(
        secret: &str,
        event: &str,
        id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> (Vec<(&'static str, String)>, Vec<u8>) {
        let body = serde_json::to_vec(&json!({
            "event": event,
            "call": { "callId": id, "created": at.to_rfc3339(), "endReason": "hangup" },
        }))
        .unwrap();
        let ts = at.to_rfc3339();
        let sig = crate::ultravox::sign(secret, &ts, &body);
        (
            vec![
                ("x-ultravox-webhook-timestamp", ts),
                ("x-ultravox-webhook-signature", sig),
            ],
            body,
        )
    }
}

/// The scripted answer due, or the key check's refusal.
fn gate(fake: &FakeUltravox, headers: &HeaderMap) -> Option<Response> {
    fake.requests.fetch_add(1, Ordering::SeqCst);
    let scripted = {
        let mut s = fake.script.lock().unwrap();
        (!s.is_empty()).then(|| s.remove(0))
    };
    if let Some((status, retry)) = scripted {
        let mut resp = (
            StatusCode::from_u16(status).unwrap(),
            Json(json!({ "detail": "Request was throttled." })),
        )
            .into_response();
        if let Some(r) = retry {
            resp.headers_mut().insert("retry-after", r.parse().unwrap());
        }
        return Some(resp);
    }
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(fake.key.as_str()) {
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "detail": "Invalid API key." })),
            )
                .into_response(),
        );
    }
    None
}

async fn create_call(
    State(fake): State<FakeUltravox>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = gate(&fake, &headers) {
        return r;
    }
    if !body["systemPrompt"].is_string() || !body["maxDuration"].is_string() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "systemPrompt": ["This field is required."] })),
        )
            .into_response();
    }
    let id = uuid_like(fake.calls.lock().unwrap().len());
    fake.calls.lock().unwrap().insert(
        id.clone(),
        FakeCall {
            request: body.clone(),
            messages: Vec::new(),
            hung_up: false,
        },
    );
    let answer = json!({
        "callId": id,
        "created": chrono::Utc::now().to_rfc3339(),
        "joinUrl": format!("wss://voice.ultravox.ai/calls/{id}/join?token=opaque"),
        "systemPrompt": body["systemPrompt"],
        "model": body["model"],
        "maxDuration": body["maxDuration"],
        "metadata": body["metadata"],
    });
    (StatusCode::CREATED, Json(answer)).into_response()
}

fn uuid_like(n: usize) -> String {
    format!("3c90c3cc-0d44-4b50-8888-{:012x}", n + 1)
}

async fn data_message(
    State(fake): State<FakeUltravox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = gate(&fake, &headers) {
        return r;
    }
    let mut calls = fake.calls.lock().unwrap();
    let Some(call) = calls.get_mut(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "detail": "Not found." })),
        )
            .into_response();
    };
    if body["type"] != "hang_up" {
        return StatusCode::BAD_REQUEST.into_response();
    }
    call.hung_up = true;
    StatusCode::NO_CONTENT.into_response()
}

async fn messages(
    State(fake): State<FakeUltravox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = gate(&fake, &headers) {
        return r;
    }
    let calls = fake.calls.lock().unwrap();
    let Some(call) = calls.get(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "detail": "Not found." })),
        )
            .into_response();
    };
    let size = q
        .get("pageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, *fake.page_size.lock().unwrap());
    // The cursor is opaque to clients: here, the offset in base 36.
    let from = match q.get("cursor") {
        Some(c) => match usize::from_str_radix(c, 36) {
            Ok(n) => n,
            Err(_) => {
                return (
                    StatusCode::NOT_FOUND,
                    Json(json!({ "detail": "Invalid cursor" })),
                )
                    .into_response()
            }
        },
        None => 0,
    };
    let page: Vec<Value> = call
        .messages
        .iter()
        .skip(from)
        .take(size)
        .cloned()
        .collect();
    let to = from + page.len();
    let next = (to < call.messages.len()).then(|| {
        format!(
            "{}/calls/{id}/messages?cursor={}&pageSize={size}",
            fake.base,
            radix36(to)
        )
    });
    Json(json!({
        "next": next,
        "previous": null,
        "total": call.messages.len(),
        "results": page,
    }))
    .into_response()
}

fn radix36(mut n: usize) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[n % 36]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}
