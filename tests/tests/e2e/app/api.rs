//! The API's contract: one error shape, request ids, diagnostics-only kinds.

use reqwest::Method;
use serde_json::{json, Value};
use tests::TestApp;

fn assert_error_shape(body: &Value, code: &str) {
    let e = &body["error"];
    assert_eq!(e["code"], code, "{body}");
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        e["request_id"].as_str().is_some_and(|r| r.len() >= 32),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_4xx_in_one_error_shape() {
    let api = TestApp::new("api-errors").await;
    let env = &api.env;

    let res = api
        .req(Method::POST, "/api/v1/admin/jobs")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_error_shape(&body, "invalid_json");
    assert_eq!(body["error"]["request_id"], request_id);

    let res = api
        .req(Method::POST, "/api/v1/admin/jobs")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_error_shape(&res.json().await.unwrap(), "unsupported_media_type");

    let (s, body) = api
        .post_json("/api/v1/admin/jobs", Some(json!({ "kind": "nope" })))
        .await;
    assert_eq!(s, 422);
    assert_error_shape(&body, "validation_failed");
    assert_eq!(body["error"]["fields"][0]["field"], "kind");

    let (s, body) = api
        .post_json(
            "/api/v1/admin/jobs",
            Some(json!({ "kind": "noop", "payload": { "sleep_ms": "soon" } })),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "payload");

    let (s, body) = api
        .post_json("/api/v1/admin/jobs", Some(json!({ "payload": {} })))
        .await;
    assert_eq!(s, 422, "{body}");

    let (s, body) = api
        .get_json(&format!("/api/v1/jobs/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(s, 404);
    assert_error_shape(&body, "not_found");

    let (s, body) = api.get_json("/api/v1/jobs/not-a-uuid").await;
    assert_eq!(s, 400);
    assert_error_shape(&body, "bad_request");

    let (s, body) = api.get_json("/api/v1/jobs?status=sleeping&limit=0").await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "limit"]);

    let (s, body) = api.get_json("/api/v1/nothing-here").await;
    assert_eq!(s, 404);
    assert_error_shape(&body, "not_found");

    let res = api
        .anon(Method::DELETE, "/api/v1/jobs")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_error_shape(&res.json().await.unwrap(), "method_not_allowed");

    let big = "x".repeat(2 * 1024 * 1024);
    let res = api
        .req(Method::POST, "/api/v1/admin/jobs")
        .header("content-type", "application/json")
        .body(format!(
            "{{\"kind\":\"noop\",\"idempotency_key\":\"{big}\"}}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_error_shape(&res.json().await.unwrap(), "payload_too_large");

    // Nothing above created a job.
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 0);
    // Security headers on every response.
    let res = api.req(Method::GET, "/api/v1/jobs").send().await.unwrap();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers().contains_key("content-security-policy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noop_kind_exists_only_with_diagnostics_enabled() {
    let api = TestApp::with_args("no-diagnostics", &[("--diagnostics", "0")]).await;
    let (s, body) = api
        .post_json("/api/v1/admin/jobs", Some(json!({ "kind": "noop" })))
        .await;
    assert_eq!(s, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "kind");
}
