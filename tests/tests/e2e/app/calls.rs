//! Interviews held as voice calls (issue 14) against a local server
//! speaking Ultravox's protocol ([`integrations::fake::ultravox`]): the
//! candidate starts the call and gets its join URL; Ultravox's signed
//! webhooks move the interview along; when the call ends a job pages
//! through its messages, writes them as the transcript, completes the
//! interview and has it scored. A bad signature stores nothing, a replayed
//! event writes nothing twice, and a throttled provider is retried after
//! the time it asked for.

use axum::http::Method;
use chrono::Utc;
use integrations::fake::ultravox::{message, FakeUltravox};
use serde_json::{json, Value};
use tests::TestApp;

const KEY: &str = "uv-api-key-for-tests";
const SECRET: &str = "uv-webhook-secret-for-tests";

async fn app(name: &str) -> (TestApp, FakeUltravox) {
    let (uv, url) = FakeUltravox::start(KEY).await;
    let api = TestApp::with_args(
        name,
        &[
            ("--ultravox-api-key", KEY),
            ("--ultravox-api-url", &url),
            ("--ultravox-webhook-secret", &format!("old-secret,{SECRET}")),
        ],
    )
    .await;
    (api, uv)
}

/// Posts Ultravox's webhook for `event` on call `id`, signed with `secret`
/// at `at`.
async fn webhook(
    api: &TestApp,
    secret: &str,
    event: &str,
    id: &str,
    at: chrono::DateTime<Utc>,
) -> (u16, Value) {
    let (headers, body) = FakeUltravox::webhook(secret, event, id, at);
    let mut req = api
        .anon(Method::POST, "/api/v1/webhooks/ultravox")
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.body(body).fetch().await
}

async fn count(api: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&api.env.pool)
        .await
        .expect(sql)
}

#[tokio::test]
async fn a_voice_call_ends_in_a_transcript_and_a_score_once_whatever_is_replayed() {
    let (api, uv) = app("calls_ultravox").await;
    let org = api.organisation("uv").await;
    let r = &org.recruiter;
    let (_, id) = super::interviewer::interview(&api, r, "amara.voice@example.com").await;
    let (st, access) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{id}/access-token"),
            None,
        )
        .await;
    assert_eq!(st, 201, "{access}");
    let token = access["token"].as_str().unwrap();

    // The candidate starts the call; asking again gives the same call.
    let start = |api: &TestApp| {
        api.anon(Method::POST, &format!("/api/v1/interviews/{id}/voice-call"))
            .header("x-interview-token", token)
            .fetch()
    };
    let (st, call) = start(&api).await;
    assert_eq!(st, 201, "{call}");
    assert_eq!(call["provider"], "ultravox");
    assert_eq!(call["status"], "created");
    assert!(call["join_url"].as_str().unwrap().starts_with("wss://"));
    let (st, again) = start(&api).await;
    assert_eq!((st, &again["id"]), (200, &call["id"]));
    let external = call["external_id"].as_str().unwrap();
    let sent = uv.call(external).request;
    let prompt = sent["systemPrompt"].as_str().unwrap();
    assert!(
        prompt.contains("Backend (Go)") && prompt.contains("Amara"),
        "{prompt}"
    );
    assert!(!prompt.contains("amara.voice@example.com"));
    assert_eq!(
        count(
            &api,
            &format!(
                "SELECT count(*) FROM interviews WHERE id = '{id}' AND question_set_id IS NOT NULL"
            )
        )
        .await,
        1,
        "the call pins the interview's question set"
    );

    // A webhook not signed with a current secret, or signed ten minutes
    // ago, is refused and stores nothing.
    let now = Utc::now();
    let (st, v) = webhook(&api, "not-the-secret", "call.ended", external, now).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (st, _) = webhook(
        &api,
        SECRET,
        "call.ended",
        external,
        now - chrono::Duration::minutes(10),
    )
    .await;
    assert_eq!(st, 401);
    assert_eq!(count(&api, "SELECT count(*) FROM provider_events").await, 0);
    assert_eq!(
        count(
            &api,
            "SELECT count(*) FROM jobs WHERE kind = 'fetch_call_transcript'"
        )
        .await,
        0
    );

    // Started: the call and the interview are under way.
    let (st, _) = webhook(&api, "old-secret", "call.started", external, Utc::now()).await;
    assert_eq!(st, 204);
    let (_, iv) = api
        .call(r, Method::GET, &format!("/api/v1/interviews/{id}"), None)
        .await;
    assert_eq!(iv["status"], "in_progress");

    // What was said, over three pages of the fake's messages.
    let (_, qs) = api
        .call(r, Method::GET, &format!("/api/v1/interviews/{id}"), None)
        .await;
    assert_eq!(qs["status"], "in_progress");
    uv.set_messages(
        external,
        vec![
            message("agent", "Hello Amara, shall we begin?", 0.0, 2.0),
            message("user", "Yes, I'm ready.", 2.5, 3.5),
            message("agent", "Tell me about a Go service you built and ran in production.", 4.0, 8.0),
            message("user", "I built an order service in Go with gRPC and Postgres; I cut p99 latency from 300 ms to 40 ms by batching writes, and I ran it on Kubernetes with Prometheus alerts.", 8.5, 30.0),
            message("tool", "{}", 30.1, 30.1),
            message("agent", "How do you test concurrent code?", 31.0, 33.0),
            message("user", "With the race detector in CI, table-driven tests, and fuzzing of the parsers; I also load test with k6 before each release.", 33.5, 50.0),
            message("agent", "Thank you, that is everything.", 51.0, 53.0),
        ],
    );

    // Ended: one transcript job, however often the event is delivered.
    let (st, _) = webhook(&api, SECRET, "call.ended", external, Utc::now()).await;
    assert_eq!(st, 204);
    let (st, _) = webhook(&api, SECRET, "call.ended", external, Utc::now()).await;
    assert_eq!(st, 204, "a redelivered event is acknowledged");
    assert_eq!(
        count(
            &api,
            "SELECT count(*) FROM jobs WHERE kind = 'fetch_call_transcript'"
        )
        .await,
        1
    );

    // Ultravox throttles the first page: the job waits the 30 s it asked
    // for (not the test runner's zero delay).
    uv.script.lock().unwrap().push((429, Some("30")));
    api.run_pending_jobs().await;
    let (status, wait): (String, f64) = sqlx::query_as(
        "SELECT status::text, EXTRACT(EPOCH FROM run_at - now())::float8 FROM jobs WHERE kind = 'fetch_call_transcript'",
    )
    .fetch_one(&api.env.pool)
    .await
    .unwrap();
    assert_eq!(status, "failed");
    assert!((25.0..=31.0).contains(&wait), "retried in {wait} s");
    assert_eq!(
        count(
            &api,
            &format!("SELECT count(*) FROM transcript_segments WHERE interview_id = '{id}'")
        )
        .await,
        0
    );

    // Its retry writes the transcript, completes the interview and scores it.
    api.make_retries_due().await;
    api.run_pending_jobs().await;
    let (_, t) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews/{id}/transcript"),
            None,
        )
        .await;
    let said: Vec<(String, String, i64)> = t["segments"]
        .as_array()
        .or_else(|| t.as_array())
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["speaker"].as_str().unwrap().to_owned(),
                s["content"].as_str().unwrap().chars().take(20).collect(),
                s["start_ms"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(said.len(), 7, "{t}");
    assert_eq!(
        said[0],
        ("interviewer".into(), "Hello Amara, shall w".into(), 0)
    );
    assert_eq!(
        said[3],
        ("candidate".into(), "I built an order ser".into(), 8500)
    );
    assert_eq!(said[6].0, "interviewer");
    let (_, iv) = api
        .call(r, Method::GET, &format!("/api/v1/interviews/{id}"), None)
        .await;
    assert_eq!(iv["status"], "completed");
    let (st, score) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews/{id}/score"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{score}");
    assert!(score["score"]["overall"].as_f64().is_some());
    let (_, calls) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews/{id}/calls"),
            None,
        )
        .await;
    assert_eq!(calls["items"][0]["status"], "ended");
    assert_eq!(calls["items"][0]["transcript_segments"], 7);

    // A replay after all that, and the job run again: nothing twice.
    let (st, _) = webhook(&api, SECRET, "call.ended", external, Utc::now()).await;
    assert_eq!(st, 204);
    let job: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM jobs WHERE kind = 'fetch_call_transcript'")
            .fetch_one(&api.env.pool)
            .await
            .unwrap();
    // As if its outcome had been lost after it committed: it runs again.
    sqlx::query("UPDATE jobs SET status = 'failed', run_at = now() WHERE id = $1")
        .bind(job)
        .execute(&api.env.pool)
        .await
        .unwrap();
    api.run_pending_jobs().await;
    assert_eq!(
        count(
            &api,
            &format!("SELECT count(*) FROM transcript_segments WHERE interview_id = '{id}'")
        )
        .await,
        7
    );
    assert_eq!(
        count(&api, &format!("SELECT count(*) FROM jobs WHERE kind = 'score_interview' AND payload->>'interview_id' = '{id}'")).await,
        1
    );
}

#[tokio::test]
async fn without_the_provider_voice_calls_and_its_webhooks_are_not_found() {
    let api = TestApp::new("calls_unconfigured").await;
    let org = api.organisation("nc").await;
    let r = &org.recruiter;
    let iv = api.scheduled_interview(r, "nc@example.com").await;
    let id = iv["id"].as_str().unwrap();
    let (st, v) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{id}/voice-call"),
            None,
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("provider_not_configured"))
    );
    let (headers, body) = FakeUltravox::webhook(
        SECRET,
        "call.ended",
        "3c90c3cc-0d44-4b50-8888-000000000001",
        Utc::now(),
    );
    let mut req = api.anon(Method::POST, "/api/v1/webhooks/ultravox");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let (st, v) = req.body(body).fetch().await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("provider_not_configured"))
    );
}

#[tokio::test]
async fn events_for_unknown_calls_are_acknowledged_and_an_over_interview_gets_no_call() {
    let (api, uv) = app("calls_unknown").await;
    let (st, _) = webhook(
        &api,
        SECRET,
        "call.ended",
        "3c90c3cc-0d44-4b50-8888-00000000beef",
        Utc::now(),
    )
    .await;
    assert_eq!(st, 204);
    assert_eq!(
        count(
            &api,
            "SELECT count(*) FROM jobs WHERE kind = 'fetch_call_transcript'"
        )
        .await,
        0
    );
    // Signed, but not an event.
    let ts = Utc::now().to_rfc3339();
    let body = b"{\"event\": 1}".to_vec();
    let sig = integrations::ultravox::sign(SECRET, &ts, &body);
    let (st, _) = api
        .anon(Method::POST, "/api/v1/webhooks/ultravox")
        .header("x-ultravox-webhook-timestamp", ts)
        .header("x-ultravox-webhook-signature", sig)
        .body(body)
        .fetch()
        .await;
    assert_eq!(st, 400);

    let org = api.organisation("un").await;
    let r = &org.recruiter;
    let iv = api.scheduled_interview(r, "un@example.com").await;
    let id = iv["id"].as_str().unwrap();
    let (st, _) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/interviews/{id}"),
            Some(json!({ "status": "cancelled" })),
        )
        .await;
    assert_eq!(st, 200);
    let (st, v) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{id}/voice-call"),
            None,
        )
        .await;
    assert_eq!(st, 409, "{v}");
    assert_eq!(uv.requests(), 0, "nothing was asked of the provider");
}

async fn post_signed(
    api: &TestApp,
    path: &str,
    headers: Vec<(&str, String)>,
    body: impl Into<axum::body::Bytes>,
) -> (u16, Value) {
    let mut req = api
        .anon(Method::POST, path)
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.body(body).fetch().await
}

async fn zoom_event(api: &TestApp, secret: &str, body: &str) -> (u16, Value) {
    let (ts, sig) = integrations::fake::zoom::sign_webhook(secret, body);
    post_signed(
        api,
        "/api/v1/webhooks/zoom",
        vec![("x-zm-request-timestamp", ts), ("x-zm-signature", sig)],
        body.to_owned(),
    )
    .await
}

#[tokio::test]
async fn a_zoom_meeting_is_scheduled_moved_followed_to_its_end_and_its_transcript_scored() {
    use integrations::fake::zoom::{meeting_event, url_validation, FakeZoom};
    const ZSECRET: &str = "zoom-secret-token";
    let (zoom, api_url, oauth_url) = FakeZoom::start("acct", "client", "client-secret").await;
    let api = TestApp::with_args(
        "calls_zoom",
        &[
            ("--zoom-account-id", "acct"),
            ("--zoom-client-id", "client"),
            ("--zoom-client-secret", "client-secret"),
            ("--zoom-webhook-secret", ZSECRET),
            ("--zoom-api-url", &api_url),
            ("--zoom-oauth-url", &oauth_url),
        ],
    )
    .await;
    let org = api.organisation("zm").await;
    let r = &org.recruiter;
    let iv = api.scheduled_interview(r, "ada.zoom@example.com").await;
    let id = iv["id"].as_str().unwrap();
    let path = format!("/api/v1/interviews/{id}/video-meeting");

    let (st, call) = api.call(r, Method::POST, &path, None).await;
    assert_eq!(st, 201, "{call}");
    assert_eq!(call["provider"], "zoom");
    let meeting_id = call["external_id"].as_str().unwrap().to_owned();
    let meeting = zoom
        .meeting(&meeting_id)
        .expect("the meeting exists at Zoom");
    assert_eq!(call["join_url"].as_str(), Some(meeting.join_url.as_str()));
    assert!(
        !call.to_string().contains(&meeting.start_url),
        "the host's link stays with Zoom"
    );
    assert_eq!(meeting.duration, Some(60));
    // Moved when the interview moves.
    let later = Utc::now() + chrono::Duration::days(3);
    let (st, _) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/interviews/{id}"),
            Some(json!({ "scheduled_at": later })),
        )
        .await;
    assert_eq!(st, 200);
    let (st, again) = api.call(r, Method::POST, &path, None).await;
    assert_eq!((st, &again["id"]), (200, &call["id"]));
    let moved = zoom
        .meeting(&meeting_id)
        .unwrap()
        .updated_with
        .expect("PATCHed");
    assert_eq!(
        moved["start_time"].as_str().unwrap(),
        later.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    );
    // A reviewer may not schedule.
    let (st, _) = api.call(&org.reviewer, Method::POST, &path, None).await;
    assert_eq!(st, 403);

    // Zoom's URL validation is answered with the token HMAC'd by the secret.
    let body = url_validation("plain-token-123", Utc::now().timestamp_millis());
    let (st, v) = zoom_event(&api, ZSECRET, &body).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["plainToken"], "plain-token-123");
    assert_eq!(
        v["encryptedToken"].as_str().unwrap(),
        hex::encode(integrations::webhook::hmac_sha256(
            ZSECRET.as_bytes(),
            &[b"plain-token-123"]
        ))
    );
    // Not Zoom's signature: 401, nothing stored.
    let ended = meeting_event("meeting.ended", &meeting, Utc::now().timestamp_millis());
    let (st, _) = zoom_event(&api, "wrong", &ended).await;
    assert_eq!(st, 401);
    assert_eq!(count(&api, "SELECT count(*) FROM provider_events").await, 0);

    let started = meeting_event("meeting.started", &meeting, Utc::now().timestamp_millis());
    assert_eq!(zoom_event(&api, ZSECRET, &started).await.0, 204);
    assert_eq!(zoom_event(&api, ZSECRET, &ended).await.0, 204);
    assert_eq!(
        zoom_event(&api, ZSECRET, &ended).await.0,
        204,
        "redelivered"
    );
    let (_, iv) = api
        .call(r, Method::GET, &format!("/api/v1/interviews/{id}"), None)
        .await;
    assert_eq!(
        iv["status"], "completed",
        "meeting.ended completes the interview"
    );

    // The cloud recording's transcript arrives later: written, then scored.
    zoom.set_transcript(
        &meeting_id,
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nRecruiter Jones: Tell me about your testing strategy.\n\n2\n00:00:05.000 --> 00:00:20.000\nAda Quinn: I write property-based tests and run mutation testing in CI; flaky tests are quarantined within a day.\n",
    );
    let done = meeting_event(
        "recording.transcript_completed",
        &meeting,
        Utc::now().timestamp_millis(),
    );
    assert_eq!(zoom_event(&api, ZSECRET, &done).await.0, 204);
    api.run_pending_jobs().await;
    assert_eq!(
        tests::fixtures::transcript_speakers(&api, r, id).await,
        ["interviewer", "candidate"]
    );
    let (st, score) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews/{id}/score"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{score}");

    // Another interview's meeting is deleted at Zoom when cancelled.
    let other = api.scheduled_interview(r, "other.zoom@example.com").await;
    let other_path = format!(
        "/api/v1/interviews/{}/video-meeting",
        other["id"].as_str().unwrap()
    );
    let (_, m) = api.call(r, Method::POST, &other_path, None).await;
    let (st, _) = api.call(r, Method::DELETE, &other_path, None).await;
    assert_eq!(st, 204);
    assert!(zoom.meeting(m["external_id"].as_str().unwrap()).is_none());
    let (st, _) = api.call(r, Method::DELETE, &other_path, None).await;
    assert_eq!(st, 409, "no meeting left to delete");
}

#[tokio::test]
async fn acs_gives_the_candidate_a_voip_token_and_event_grid_events_follow_the_linked_call() {
    use integrations::fake::acs::{
        cloud_events, event_grid_call_ended, event_grid_recording_ready, event_grid_validation,
        FakeAcs,
    };
    const EG: &str = "event-grid-shared-secret-0123";
    let (acs, connection) = FakeAcs::start("c2VjcmV0LWFjY2Vzcy1rZXktZm9yLXRlc3Rz").await;
    let api = TestApp::with_args(
        "calls_acs",
        &[
            ("--acs-connection-string", &connection),
            ("--event-grid-secret", EG),
            // The local server's recordings; and a small cap to test it.
            ("--acs-recording-hosts", "http://127.0.0.1"),
            ("--recording-max-bytes", "4000000"),
        ],
    )
    .await;
    let org = api.organisation("ac").await;
    let r = &org.recruiter;
    let iv = api.scheduled_interview(r, "acs@example.com").await;
    let id = iv["id"].as_str().unwrap();
    let (_, access) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{id}/access-token"),
            None,
        )
        .await;
    let token = access["token"].as_str().unwrap();

    let resp = api
        .anon(Method::POST, &format!("/api/v1/interviews/{id}/acs-token"))
        .header("x-interview-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let t: Value = resp.json().await.unwrap();
    assert!(t["identity"].as_str().unwrap().starts_with("8:acs:"), "{t}");
    assert!(!t["token"].as_str().unwrap().is_empty());
    assert!(!t.to_string().contains("c2VjcmV0"), "never the key");
    assert_eq!(acs.calls(), 1);

    let link = |server_call_id: &str| {
        api.anon(Method::POST, &format!("/api/v1/interviews/{id}/acs-call"))
            .header("x-interview-token", token)
            .json(&json!({ "server_call_id": server_call_id }))
            .fetch()
    };
    let (st, call) = link("aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t").await;
    assert_eq!(st, 201, "{call}");
    assert_eq!(
        link("aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t").await.0,
        200
    );
    assert_eq!(
        link("YW5vdGhlci1jYWxs").await.0,
        409,
        "one call under way at a time"
    );
    assert_eq!(link("no spaces allowed").await.0, 422);

    let hook = |q: &str, body: &Value| {
        api.anon(Method::POST, &format!("/api/v1/webhooks/event-grid{q}"))
            .header("content-type", "application/json")
            .json(body)
            .fetch()
    };
    // The subscription handshake, with the secret.
    let (st, v) = hook(&format!("?key={EG}"), &event_grid_validation("code-42")).await;
    assert_eq!((st, &v), (200, &json!({ "validationResponse": "code-42" })));
    let (st, _) = hook("?key=wrong", &event_grid_validation("code-42")).await;
    assert_eq!(st, 401);
    // The CloudEvents handshake.
    let resp = api
        .anon(
            Method::OPTIONS,
            &format!("/api/v1/webhooks/event-grid?key={EG}"),
        )
        .header("webhook-request-origin", "eventgrid.azure.net")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.headers());
    assert_eq!(
        resp.headers()
            .get("webhook-allowed-origin")
            .map(|v| v.as_bytes()),
        Some(&b"eventgrid.azure.net"[..]),
        "{:?}",
        resp.headers()
    );

    // The call ends (as CloudEvents, delivered twice): the interview completes, once.
    let ended = cloud_events(&event_grid_call_ended(
        "7e0bb2d7-0000-4000-8000-000000000001",
        "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t",
    ));
    let (st, _) = hook("", &ended).await;
    assert_eq!(st, 401, "no secret, nothing stored");
    assert_eq!(count(&api, "SELECT count(*) FROM provider_events").await, 0);
    assert_eq!(hook(&format!("?key={EG}"), &ended).await.0, 204);
    assert_eq!(hook(&format!("?key={EG}"), &ended).await.0, 204);
    assert_eq!(count(&api, "SELECT count(*) FROM provider_events").await, 1);
    let (_, iv) = api
        .call(r, Method::GET, &format!("/api/v1/interviews/{id}"), None)
        .await;
    assert_eq!(iv["status"], "completed");
    let (_, calls) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews/{id}/calls"),
            None,
        )
        .await;
    assert_eq!(calls["items"][0]["status"], "ended");
    assert_eq!(
        count(
            &api,
            "SELECT count(*) FROM jobs WHERE kind = 'fetch_call_transcript'"
        )
        .await,
        0,
        "ACS keeps no transcripts"
    );
    // The recording, announced by Event Grid: streamed into storage under
    // the interview, once however often the event comes, and kept on the
    // interview for retention.
    let server_call = "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t";
    let audio: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    acs.put_recording("rec-1", audio.clone());
    let ready = event_grid_recording_ready(
        "7e0bb2d7-0000-4000-8000-000000000002",
        server_call,
        &acs.recording_url("rec-1"),
    );
    assert_eq!(hook(&format!("?key={EG}"), &ready).await.0, 204);
    assert_eq!(hook(&format!("?key={EG}"), &ready).await.0, 204);
    api.run_pending_jobs().await;
    let stored: (String, String) = sqlx::query_as(
        "SELECT status::text, result->>'key' FROM jobs WHERE kind = 'store_call_recording'",
    )
    .fetch_one(&api.env.pool)
    .await
    .expect("one recording job");
    assert_eq!(stored.0, "succeeded");
    assert!(stored.1.starts_with("recordings/"), "{stored:?}");
    let on_disk = std::fs::read(api.env.log_dir.join("storage").join(&stored.1)).unwrap();
    assert!(on_disk == audio, "the stored recording is the provider's");
    let recording_ref: Option<String> =
        sqlx::query_scalar("SELECT recording_ref FROM interviews WHERE id = $1::text::uuid")
            .bind(id)
            .fetch_one(&api.env.pool)
            .await
            .unwrap();
    assert_eq!(recording_ref.as_deref(), Some(stored.1.as_str()));

    // One past the cap fails with the reason, and leaves nothing behind.
    acs.put_recording("rec-2", vec![7u8; 5_000_000]);
    let big = event_grid_recording_ready(
        "7e0bb2d7-0000-4000-8000-000000000003",
        server_call,
        &acs.recording_url("rec-2"),
    );
    assert_eq!(hook(&format!("?key={EG}"), &big).await.0, 204);
    api.run_pending_jobs().await;
    let (status, error): (String, String) = sqlx::query_as(
        "SELECT status::text, COALESCE(last_error, '') FROM jobs WHERE kind = 'store_call_recording' AND status <> 'succeeded'",
    )
    .fetch_one(&api.env.pool)
    .await
    .unwrap();
    assert_eq!(status, "dead");
    assert!(error.contains("larger than"), "{error}");
    let files = walk(&api.env.log_dir.join("storage").join("recordings"));
    assert_eq!(
        files.len(),
        1,
        "only the first recording is stored: {files:?}"
    );

    // Past retention, every recording under the interview goes (a second
    // chunk included), and the interview says so.
    let second = format!("{}/second-chunk", stored.1.rsplit_once('/').unwrap().0);
    let second_path = api.env.log_dir.join("storage").join(&second);
    std::fs::write(&second_path, b"chunk").unwrap();
    sqlx::query("UPDATE interviews SET completed_at = now() - interval '400 days' WHERE id = $1::text::uuid")
        .bind(id)
        .execute(&api.env.pool)
        .await
        .unwrap();
    let job = api.enqueue("retention_cleanup", json!({})).await;
    api.settled(job, job_engine::db::JobStatus::Succeeded).await;
    assert!(
        walk(&api.env.log_dir.join("storage").join("recordings")).is_empty(),
        "every chunk deleted"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
