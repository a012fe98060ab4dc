//! Voice and video credentials for an interview (issue 14): an Azure Speech
//! token from a local server speaking Azure's `issueToken` protocol.

use axum::http::Method;
use integrations::fake::speech::FakeSpeech;
use serde_json::{json, Value};
use tests::TestApp;

const KEY: &str = "speech-subscription-key-0123456789";

/// A scheduled interview ([`TestApp::scheduled_interview`]) and its
/// candidate's access token: (id, token).
async fn interview(api: &TestApp, r: &tests::Session, email: &str) -> (String, String) {
    let iv = api.scheduled_interview(r, email).await;
    let id = iv["id"].as_str().unwrap().to_owned();
    let (st, access) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{id}/access-token"),
            None,
        )
        .await;
    assert_eq!(st, 201, "{access}");
    (id, access["token"].as_str().unwrap().to_owned())
}

async fn speech_token(api: &TestApp, id: &str, token: &str) -> (u16, Value) {
    api.anon(
        Method::POST,
        &format!("/api/v1/interviews/{id}/speech-token"),
    )
    .header("x-interview-token", token)
    .fetch()
    .await
}

#[tokio::test]
async fn the_candidate_gets_a_shared_short_lived_speech_token_and_never_the_key() {
    let (azure, url) = FakeSpeech::start(KEY).await;
    let api = TestApp::with_args(
        "media_speech",
        &[
            ("--azure-speech-region", "westeurope"),
            ("--azure-speech-key", KEY),
            ("--azure-speech-token-url", &url),
        ],
    )
    .await;
    let org = api.organisation("sp").await;
    let r = &org.recruiter;
    let (id, token) = interview(&api, r, "amara@example.com").await;

    let (st, first) = speech_token(&api, &id, &token).await;
    assert_eq!(st, 200, "{first}");
    assert_eq!(first["region"], "westeurope");
    assert_eq!(first["token"].as_str().unwrap().split('.').count(), 3);
    assert!(!first.to_string().contains(KEY));
    let expires: chrono::DateTime<chrono::Utc> =
        first["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > chrono::Utc::now() + chrono::Duration::minutes(8));
    // A recruiter driving the interview gets the same token: one request
    // to Azure for both.
    let (st, again) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{id}/speech-token"),
            None,
        )
        .await;
    assert_eq!((st, &again["token"]), (200, &first["token"]));
    assert_eq!(azure.calls(), 1);

    // The token opens its own interview only; no token, no answer.
    let (other, _) = interview(&api, r, "other@example.com").await;
    let (st, _) = speech_token(&api, &other, &token).await;
    assert_eq!(st, 404);
    let (st, _) = api
        .anon(
            Method::POST,
            &format!("/api/v1/interviews/{id}/speech-token"),
        )
        .fetch()
        .await;
    assert_eq!(st, 401);

    // An interview that is over gets none.
    let (st, body) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/interviews/{other}"),
            Some(json!({ "status": "cancelled" })),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let (st, body) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{other}/speech-token"),
            None,
        )
        .await;
    assert_eq!(st, 409, "{body}");
}

#[tokio::test]
async fn a_throttled_or_refusing_azure_is_a_clear_503_or_502_and_no_speech_config_is_a_404() {
    let (azure, url) = FakeSpeech::start(KEY).await;
    azure.script.lock().unwrap().push((429, Some("7")));
    let api = TestApp::with_args(
        "media_speech_errors",
        &[
            ("--azure-speech-region", "westeurope"),
            ("--azure-speech-key", "a-key-azure-does-not-know"),
            ("--azure-speech-token-url", &url),
        ],
    )
    .await;
    let org = api.organisation("se").await;
    let (id, token) = interview(&api, &org.recruiter, "amara@example.com").await;
    let resp = api
        .anon(
            Method::POST,
            &format!("/api/v1/interviews/{id}/speech-token"),
        )
        .header("x-interview-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "7");
    let (st, body) = speech_token(&api, &id, &token).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (502, Some("provider_error")),
        "{body}"
    );
    assert!(!body.to_string().contains("a-key-azure-does-not-know"));

    let plain = TestApp::new("media_speech_off").await;
    let org = plain.organisation("so").await;
    let (id, token) = interview(&plain, &org.recruiter, "amara@example.com").await;
    let (st, body) = speech_token(&plain, &id, &token).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (404, Some("provider_not_configured")),
        "{body}"
    );
}
