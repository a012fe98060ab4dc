//! A local server speaking the OpenAI chat-completions protocol, for the
//! tests of the `openai` provider.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::{json, Value};

/// What the next answers are, in order; the last one repeats.
#[derive(Clone, Debug)]
pub enum Answer {
    Tool(Value),
    Streamed(Value),
    Status(u16, Option<&'static str>),
    NotJson,
    NoToolCall,
}

#[derive(Clone, Default)]
pub struct Fake {
    pub script: Arc<Mutex<Vec<Answer>>>,
    pub calls: Arc<AtomicUsize>,
    pub last_auth: Arc<Mutex<Option<String>>>,
    pub last_body: Arc<Mutex<Value>>,
    /// When each call came in.
    pub times: Arc<Mutex<Vec<std::time::Instant>>>,
}

impl Fake {
    pub async fn start(script: Vec<Answer>) -> (Self, String) {
        let fake = Fake {
            script: Arc::new(Mutex::new(script)),
            ..Default::default()
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, url)
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn set(&self, script: Vec<Answer>) {
        *self.script.lock().unwrap() = script;
    }
}

async fn answer(State(f): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    f.calls.fetch_add(1, Ordering::SeqCst);
    f.times.lock().unwrap().push(std::time::Instant::now());
    *f.last_auth.lock().unwrap() = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned());
    *f.last_body.lock().unwrap() = body.clone();
    let tool = body["tool_choice"]["function"]["name"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let next = {
        let mut s = f.script.lock().unwrap();
        if s.len() > 1 {
            s.remove(0)
        } else {
            s[0].clone()
        }
    };
    match next {
        Answer::Tool(args) => Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
            "choices": [{ "index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [{ "id": "call_1", "type": "function",
                    "function": { "name": tool, "arguments": args.to_string() } }] } }]
        }))
        .into_response(),
        Answer::Streamed(args) => {
            let text = args.to_string();
            let (a, b) = text.split_at(text.len() / 2);
            let mut sse = String::new();
            let first = json!({ "choices": [{ "index": 0, "delta": { "role": "assistant", "tool_calls": [{
                "index": 0, "id": "call_1", "type": "function", "function": { "name": tool, "arguments": "" } }] } }] });
            sse.push_str(&format!("data: {first}\n\n"));
            for part in [a, b] {
                let ev = json!({ "choices": [{ "index": 0, "delta": { "tool_calls": [{
                    "index": 0, "function": { "arguments": part } }] } }] });
                sse.push_str(&format!("data: {ev}\n\n"));
            }
            sse.push_str("data: [DONE]\n\n");
            ([("content-type", "text/event-stream")], sse).into_response()
        }
        Answer::Status(code, retry_after) => {
            let mut res = (
                StatusCode::from_u16(code).unwrap(),
                Json(json!({ "error": { "message": "nope" } })),
            )
                .into_response();
            if let Some(r) = retry_after {
                res.headers_mut().insert("retry-after", r.parse().unwrap());
            }
            res
        }
        Answer::NotJson => Json(
            json!({ "choices": [{ "message": { "tool_calls": [{ "function": {
            "name": tool, "arguments": "{ this is not json" } }] } }] }),
        )
        .into_response(),
        Answer::NoToolCall => {
            Json(json!({ "choices": [{ "message": { "content": "Sure! Here is the profile." } }] }))
                .into_response()
        }
    }
}
