//! Outbound webhooks through the real processes: the API registers the
//! endpoint, a worker process parses the resume and delivers the event (its
//! settings from the environment), a receiver on loopback verifies it. The
//! rest of the behaviour is in `app::webhooks`.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tests::{
    webhook_receiver::{verified, Receiver},
    TestEnv,
};

const T: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_process_delivers_signed_events_for_a_parsed_resume() {
    let env = TestEnv::new("webhooks-processes").await;
    let allow = [("TALENTI_WEBHOOKS_ALLOW_PRIVATE", "1")];
    let api = env.api(&allow).await;
    let _worker = env.worker("worker", &allow);
    let org = api.organisation("wp").await;
    let (receiver, url) = Receiver::start().await;
    let (st, ep) = api
        .call(
            &org.admin,
            Method::POST,
            "/api/v1/webhook-endpoints",
            Some(json!({ "url": url, "events": ["resume.parsed", "job.succeeded"] })),
        )
        .await;
    assert_eq!(st, 201, "{ep}");
    let secret = ep["secret"].as_str().unwrap();
    let (st, role) = api
        .call(
            &org.recruiter,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": "Data Engineer", "status": "open" })),
        )
        .await;
    assert_eq!(st, 201, "{role}");
    let path = format!("/api/v1/job-roles/{}/resumes", role["id"].as_str().unwrap());
    let (st, upload) = api.upload(&org.recruiter, &path, "resume_03.pdf").await;
    assert_eq!(st, 202, "{upload}");
    let parse_job = upload["job_id"].as_str().unwrap().to_owned();

    let bodies: Vec<Value> = tests::wait_for("the parse's two events", T, || {
        let got = receiver.received();
        let parse_job = parse_job.clone();
        async move {
            let bodies: Vec<Value> = got.iter().map(|r| verified(secret, r)).collect();
            let parsed = bodies.iter().any(|b| b["type"] == "resume.parsed");
            let done = bodies
                .iter()
                .any(|b| b["type"] == "job.succeeded" && b["data"]["job"]["id"] == parse_job);
            (parsed && done).then_some(bodies)
        }
    })
    .await;
    let parsed = bodies
        .iter()
        .find(|b| b["type"] == "resume.parsed")
        .unwrap();
    assert_eq!(parsed["data"]["resume_id"], upload["resume_id"]);
}
