//! A voice interview through the real processes (issue 14): the API and a
//! worker configured for Ultravox by their environment, a local server
//! speaking Ultravox's protocol, and Redis between them. The candidate
//! starts the call, Ultravox's signed `call.ended` reaches the API, and the
//! worker's transcript job (dispatched through Redis) writes the transcript
//! and has the interview scored.

use std::time::Duration;

use chrono::Utc;
use integrations::fake::ultravox::{message, FakeUltravox};
use reqwest::Method;
use serde_json::{json, Value};
use tests::{wait_for, TestEnv};
use uuid::Uuid;

const T: Duration = Duration::from_secs(60);
const KEY: &str = "uv-process-key";
const SECRET: &str = "uv-process-webhook-secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_call_ends_in_a_scored_interview_through_the_api_and_a_worker() {
    let (uv, url) = FakeUltravox::start(KEY).await;
    let env = TestEnv::new("proc_voice_call").await;
    let provider = [
        ("TALENTI_ULTRAVOX_API_KEY", KEY),
        ("TALENTI_ULTRAVOX_API_URL", url.as_str()),
        ("TALENTI_ULTRAVOX_WEBHOOK_SECRET", SECRET),
    ];
    let api = env.api(&provider).await;
    let _worker = env.worker("worker", &provider);
    let org = api.organisation("pv").await;
    let r = &org.recruiter;

    // A role with approved questions, made by the worker's jobs.
    let role = api.job_role(r, "jd_01", "Backend (Go)").await;
    for step in ["extract-requirements", "questions/generate"] {
        let (st, v) = api
            .call(r, Method::POST, &format!("{role}/{step}"), None)
            .await;
        assert_eq!(st, 202, "{step}: {v}");
        let job: Uuid = v["job_id"].as_str().unwrap().parse().unwrap();
        env.wait_status(job, job_engine::db::JobStatus::Succeeded, T)
            .await;
    }
    let (st, set) = api
        .call(r, Method::POST, &format!("{role}/question-sets"), None)
        .await;
    assert_eq!(st, 201, "{set}");
    let iv = tests::fixtures::interview_for(
        &api,
        r,
        role.rsplit('/').next().unwrap(),
        json!({ "first_name": "Amara", "last_name": "O", "email": "amara.proc@example.com" }),
        json!({}),
    )
    .await;
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

    let http = reqwest::Client::new();
    let call: Value = http
        .post(format!("{}/api/v1/interviews/{id}/voice-call", api.base))
        .header("x-interview-token", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let external = call["external_id"].as_str().expect("a call").to_owned();
    uv.set_messages(
        &external,
        vec![
            message("agent", "Tell me about a Go service you ran in production.", 0.0, 3.0),
            message("user", "I built an order service in Go with gRPC and Postgres and ran it on Kubernetes; batching writes cut p99 latency from 300 ms to 40 ms.", 3.5, 20.0),
            message("agent", "Thank you, that is everything.", 21.0, 23.0),
        ],
    );

    let (headers, body) = FakeUltravox::webhook(SECRET, "call.ended", &external, Utc::now());
    let mut req = http
        .post(format!("{}/api/v1/webhooks/ultravox", api.base))
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req.body(body).send().await.unwrap();
    assert_eq!(resp.status(), 204);

    let score = wait_for("the interview to be scored", T, || async {
        let (st, v) = api
            .call(
                r,
                Method::GET,
                &format!("/api/v1/interviews/{id}/score"),
                None,
            )
            .await;
        (st == 200).then_some(v)
    })
    .await;
    assert!(score["score"]["overall"].as_f64().is_some(), "{score}");
    assert_eq!(
        tests::fixtures::transcript_speakers(&api, r, id).await,
        ["interviewer", "candidate", "interviewer"]
    );
}
