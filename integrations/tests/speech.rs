//! The Speech token client against a local server speaking Azure's
//! `issueToken` protocol: the key in `Ocp-Apim-Subscription-Key`, an empty
//! POST, the token as the plain-text answer; 401 for a wrong key, 429 with
//! `Retry-After` when throttled.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
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
use integrations::{
    speech::{SpeechConfig, SpeechTokens},
    ProviderError,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// A scripted answer: a status and its `Retry-After`.
type Scripted = (u16, Option<&'static str>);

#[derive(Clone, Default)]
struct Azure {
    calls: Arc<AtomicUsize>,
    /// What the next answers are (status, Retry-After), in order; then tokens.
    script: Arc<Mutex<Vec<Scripted>>>,
    /// Seconds each token is valid for.
    lifetime: Arc<Mutex<i64>>,
}

async fn issue_token(State(az): State<Azure>, headers: HeaderMap, body: Bytes) -> Response {
    az.calls.fetch_add(1, Ordering::SeqCst);
    let scripted = {
        let mut s = az.script.lock().unwrap();
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
        != Some(KEY)
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
    let exp = chrono::Utc::now().timestamp() + *az.lifetime.lock().unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = format!(r#"{{"region":"westeurope","subscription-id":"x","exp":{exp}}}"#);
    let n = az.calls.load(Ordering::SeqCst);
    let token = format!(
        "{}.{}.{}",
        b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64.encode(claims),
        b64.encode(format!("signature-{n}"))
    );
    (
        StatusCode::OK,
        [("content-type", "application/jwt; charset=us-ascii")],
        token,
    )
        .into_response()
}

async fn azure() -> (Azure, String) {
    let az = Azure {
        lifetime: Arc::new(Mutex::new(600)),
        ..Default::default()
    };
    let app = Router::new()
        .route("/sts/v1.0/issueToken", post(issue_token))
        .with_state(az.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/sts/v1.0/issueToken",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (az, url)
}

fn client(url: &str, key: &str) -> SpeechTokens {
    SpeechConfig {
        region: Some("westeurope".into()),
        key: Some(key.into()),
        token_url: Some(url.into()),
    }
    .build()
    .unwrap()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_serves_every_caller_until_shortly_before_it_expires() {
    let (az, url) = azure().await;
    let speech = Arc::new(client(&url, KEY));
    let first = speech.token().await.expect("token");
    assert_eq!(first.region, "westeurope");
    assert_eq!(first.token.split('.').count(), 3);
    let left = first.expires_at - chrono::Utc::now();
    assert!(left > chrono::Duration::seconds(590) && left <= chrono::Duration::seconds(600));
    // Ten callers at once, and one more later: the same token, one request.
    let many = futures_join(speech.clone(), 10).await;
    assert!(many.iter().all(|t| t == &first.token));
    assert_eq!(az.calls.load(Ordering::SeqCst), 1);

    // A token that is about to expire is not handed out: each call renews.
    let (az2, url2) = azure().await;
    *az2.lifetime.lock().unwrap() = 60;
    let short = client(&url2, KEY);
    let a = short.token().await.unwrap();
    let b = short.token().await.unwrap();
    assert_ne!(a.token, b.token);
    assert_eq!(az2.calls.load(Ordering::SeqCst), 2);
}

async fn futures_join(speech: Arc<SpeechTokens>, n: usize) -> Vec<String> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let s = speech.clone();
        handles.push(tokio::spawn(async move { s.token().await.unwrap().token }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_a_throttle_says_when_to_come_back() {
    let (az, url) = azure().await;
    let wrong = client(&url, "not-the-key");
    match wrong.token().await {
        Err(ProviderError::Refused { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
    az.script
        .lock()
        .unwrap()
        .extend([(429, Some("2")), (500, None)]);
    let speech = client(&url, KEY);
    match speech.token().await {
        Err(ProviderError::Throttled {
            retry_after: Some(d),
            ..
        }) => assert_eq!(d, Duration::from_secs(2)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        speech.token().await,
        Err(ProviderError::Unavailable { .. })
    ));
    // Nothing was cached from the failures; the next call gets a token.
    assert!(speech.token().await.is_ok());
    assert_eq!(az.calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/sts/v1.0/issueToken",
        listener.local_addr().unwrap()
    );
    drop(listener);
    assert!(matches!(
        client(&url, KEY).token().await,
        Err(ProviderError::Unavailable { .. })
    ));
}
