//! A job's life: retries, dead, idempotency, listing; jobs run in process.

use std::time::Duration;

use job_engine::{
    db::{JobRow, JobStatus},
    runner::RetryDelay,
};
use serde_json::json;
use tests::TestApp;

/// How long after its failed attempt was recorded a job's retry is due.
fn retry_wait(job: &JobRow) -> Duration {
    (job.run_at - job.updated_at).to_std().unwrap_or_default()
}

/// The kind's backoff after a failed attempt is in `[full/2, full]` (equal
/// jitter); `run_at` is computed just before `updated_at` is written, so
/// allow that gap below.
fn assert_backoff(job: &JobRow, full: Duration) {
    let wait = retry_wait(job);
    assert!(
        wait + Duration::from_millis(250) >= full / 2 && wait <= full,
        "attempt {}: retry due after {wait:?}, backoff {full:?}",
        job.attempt
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_job_retries_with_backoff_until_it_succeeds() {
    let mut api = TestApp::new("retry-succeeds").await;
    // The kind's real backoff (1 s, then 2 s, with jitter).
    api.set_retry_delay(RetryDelay::Policy);
    let id = api.enqueue("noop", json!({ "fail_times": 2 })).await;

    // Attempt 1 fails and the job waits for its retry: nothing more is due.
    assert_eq!(api.run_pending_jobs().await, 1);
    let failed = api.env.job(id).await;
    assert_eq!((failed.status, failed.attempt), (JobStatus::Failed, 1));
    assert!(failed
        .last_error
        .as_deref()
        .unwrap()
        .contains("failing on request"));
    // Backoff is a re-schedule in the future, not a sleep in the worker.
    assert!(failed.run_at > failed.started_at.unwrap());
    assert_backoff(&failed, Duration::from_secs(1));
    assert_eq!(api.run_pending_jobs().await, 0, "ran before its backoff");

    // The backoff passes: attempt 2 fails, with a doubled backoff.
    assert_eq!(api.make_retries_due().await, 1);
    assert_eq!(api.run_pending_jobs().await, 1);
    let failed = api.env.job(id).await;
    assert_eq!((failed.status, failed.attempt), (JobStatus::Failed, 2));
    assert_backoff(&failed, Duration::from_secs(2));

    assert_eq!(api.make_retries_due().await, 1);
    let done = api.settled(id, JobStatus::Succeeded).await;
    assert_eq!(done.attempt, 3);
    assert_eq!(done.result.unwrap()["attempt"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_failing_every_attempt_is_dead_after_exactly_max_attempts() {
    let mut api = TestApp::new("retry-dead").await;
    api.set_retry_delay(RetryDelay::Policy);
    let id = api.enqueue("noop", json!({ "fail_times": 100 })).await;

    // Four backoffs of 1-2-4-8 s (each at least half that), then dead.
    for (attempt, backoff) in (1..=4).zip([1, 2, 4, 8]) {
        assert_eq!(api.run_pending_jobs().await, 1);
        let failed = api.env.job(id).await;
        assert_eq!(
            (failed.status, failed.attempt),
            (JobStatus::Failed, attempt)
        );
        assert_backoff(&failed, Duration::from_secs(backoff));
        assert_eq!(api.make_retries_due().await, 1);
    }
    let dead = api.settled(id, JobStatus::Dead).await;
    assert_eq!(dead.attempt, 5);
    assert_eq!(dead.max_attempts, 5);
    assert!(
        dead.last_error
            .as_deref()
            .unwrap()
            .contains("no attempts left"),
        "{:?}",
        dead.last_error
    );
    // And it stays dead: nothing retries it again, while a job enqueued
    // after it died runs.
    assert_eq!(api.make_retries_due().await, 0);
    let later = api.enqueue("noop", json!({})).await;
    assert_eq!(api.run_pending_jobs().await, 1);
    assert_eq!(api.env.job(later).await.status, JobStatus::Succeeded);
    let still = api.env.job(id).await;
    assert_eq!((still.status, still.attempt), (JobStatus::Dead, 5));
    assert_eq!(still.finished_at, dead.finished_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_job_is_dead_after_one_attempt() {
    let api = TestApp::new("abort").await;
    let id = api.enqueue("noop", json!({ "abort": true })).await;
    let dead = api.settled(id, JobStatus::Dead).await;
    assert_eq!(dead.attempt, 1);
    assert!(dead.last_error.as_deref().unwrap().contains("aborted"));
    let (_, body) = api.get_json(&format!("/api/v1/jobs/{id}")).await;
    assert_eq!(body["status"], "dead");
    assert_eq!(body["error"], "aborted on request (noop abort=true)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_idempotency_key_returns_the_same_job() {
    let api = TestApp::new("idempotency").await;
    let env = &api.env;
    let body =
        json!({ "kind": "noop", "payload": { "sleep_ms": 1 }, "idempotency_key": "import-42" });
    let (s1, first) = api
        .post_json("/api/v1/admin/jobs", Some(body.clone()))
        .await;
    let (s2, second) = api.post_json("/api/v1/admin/jobs", Some(body)).await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(first["job_id"], second["job_id"]);
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 1);

    // Reusing the key for a different payload is a conflict, not a new job.
    let other =
        json!({ "kind": "noop", "payload": { "sleep_ms": 2 }, "idempotency_key": "import-42" });
    let (s3, err) = api.post_json("/api/v1/admin/jobs", Some(other)).await;
    assert_eq!(s3, 409);
    assert_eq!(err["error"]["code"], "conflict");
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 1);

    // Concurrent submissions with one key still make one job.
    let mut handles = Vec::new();
    for _ in 0..8 {
        let req = api.req(reqwest::Method::POST, "/api/v1/admin/jobs");
        handles.push(tokio::spawn(async move {
            let res = req
                .json(&json!({ "kind": "noop", "idempotency_key": "burst" }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 202);
            res.json::<serde_json::Value>().await.unwrap()["job_id"].clone()
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(
        env.count("SELECT count(*) FROM jobs WHERE idempotency_key = 'burst'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_list_filters_by_kind_and_status_with_cursor_pagination() {
    let api = TestApp::new("list").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(api.enqueue("noop", json!({})).await);
    }
    let (s, page1) = api
        .get_json("/api/v1/jobs?kind=noop&status=queued&limit=2")
        .await;
    assert_eq!(s, 200);
    let items = page1["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Newest first.
    assert_eq!(items[0]["id"], ids[4].to_string());
    assert_eq!(items[1]["id"], ids[3].to_string());
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = api
        .get_json(&format!("/api/v1/jobs?kind=noop&limit=2&cursor={cursor}"))
        .await;
    let (_, page3) = api
        .get_json(&format!(
            "/api/v1/jobs?kind=noop&limit=2&cursor={}",
            page2["next_cursor"].as_str().unwrap()
        ))
        .await;
    let seen: Vec<String> = [&page1, &page2, &page3]
        .iter()
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected: Vec<String> = ids.iter().rev().map(|i| i.to_string()).collect();
    assert_eq!(seen, expected);
    assert!(page3["next_cursor"].is_null());
    let (_, none) = api.get_json("/api/v1/jobs?status=succeeded").await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let (_, other_kind) = api.get_json("/api/v1/jobs?kind=parse_resume").await;
    assert_eq!(other_kind["items"].as_array().unwrap().len(), 0);
}
