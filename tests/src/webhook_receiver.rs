//! A webhook receiver for tests: a real HTTP server on loopback that
//! records what it is sent and checks Standard Webhooks signatures with the
//! reference implementation and again by hand (HMAC-SHA256 over
//! `id.timestamp.body`).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;

/// A request a receiver got.
#[derive(Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// An answer a receiver gives: status and `Retry-After`.
pub type Answer = (u16, Option<&'static str>);

/// A webhook receiver: records every request and answers with the next
/// queued answer, or 200 once the queue is empty.
#[derive(Clone, Default)]
pub struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
}

impl Receiver {
    /// Listens on loopback; returns the receiver and its URL.
    pub async fn start() -> (Self, String) {
        let me = Self::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(me.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (me, url)
    }

    /// Queues the answer to a coming request.
    pub fn answer(&self, status: u16, retry_after: Option<&'static str>) {
        self.answers
            .lock()
            .unwrap()
            .push_back((status, retry_after));
    }

    /// Every request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    r.got.lock().unwrap().push(Received { headers, body });
    let (status, retry_after) = r.answers.lock().unwrap().pop_front().unwrap_or((200, None));
    let mut out = HeaderMap::new();
    if let Some(v) = retry_after {
        out.insert("retry-after", v.parse().unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), out, "ok")
}

/// Checks `r`'s signature under `secret` both ways; returns its body.
pub fn verified(secret: &str, r: &Received) -> Value {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&r.body, &r.headers)
        .expect("the reference implementation verifies the signature");
    let header = |name: &str| r.headers[name].to_str().unwrap().to_owned();
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", header("webhook-id"), header("webhook-timestamp")).as_bytes());
    mac.update(&r.body);
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert!(
        header("webhook-signature")
            .split(' ')
            .any(|s| s == expected),
        "no signature under this secret in {}",
        header("webhook-signature")
    );
    assert_eq!(r.headers["content-type"], "application/json");
    serde_json::from_slice(&r.body).unwrap()
}
