//! A local server speaking Azure Speech's token protocol (`POST
//! /sts/v1.0/issueToken`, the key in `Ocp-Apim-Subscription-Key`, an empty
//! body; the token, a JWT valid ten minutes, as plain text; 401 for a
//! wrong key; 429 with `Retry-After` when throttled).

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use base64::Engine;

/// A scripted answer: a status and its `Retry-After`.
pub type Scripted = (u16, Option<&'static str>);

#[derive(Clone)]
pub struct FakeSpeech {
    pub key: String,
    pub calls: Arc<AtomicUsize>,
    /// Answers before the tokens, in order.
    pub script: Arc<Mutex<Vec<Scripted>>>,
    /// Seconds each token is valid for (Azure's 600 unless changed).
    pub lifetime: Arc<Mutex<i64>>,
}

impl FakeSpeech {
    /// Starts the server; (it, its token URL).
    pub async fn start(key: &str) -> (Self, String) {
        let fake = FakeSpeech {
            key: key.to_owned(),
            calls: Arc::default(),
            script: Arc::default(),
            lifetime: Arc::new(Mutex::new(600)),
        };
        let app = Router::new()
            .route("/sts/v1.0/issueToken", post(issue_token))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/sts/v1.0/issueToken",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, url)
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

async fn issue_token(State(fake): State<FakeSpeech>, headers: HeaderMap, body: Bytes) -> Response {
    let n = fake.calls.fetch_add(1, Ordering::SeqCst) + 1;
    let scripted = {
        let mut s = fake.script.lock().unwrap();
        (!s.is_empty()).then(|| s.remove(0))
    };
    if let Some((status, retry)) = scripted {
        let mut resp = (
            StatusCode::from_u16(status).unwrap(),
            r#"{"error":{"code":"429","message":"Too many requests"}}"#,
        )
            .into_response();
        if let Some(r) = retry {
            resp.headers_mut().insert("retry-after", r.parse().unwrap());
        }
        return resp;
    }
    if headers
        .get("ocp-apim-subscription-key")
        .and_then(|v| v.to_str().ok())
        != Some(fake.key.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}}"#,
        )
            .into_response();
    }
    if !body.is_empty() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let exp = chrono::Utc::now().timestamp() + *fake.lifetime.lock().unwrap();
    let token = format!(
        "{}.{}.{}",
        b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64.encode(format!(r#"{{"region":"westeurope","exp":{exp}}}"#)),
        b64.encode(format!("signature-{n}"))
    );
    (StatusCode::OK, token).into_response()
}
