//! A job's life: queued → running → succeeded, retries, dead, idempotency.

use std::time::Duration;

use job_engine::db::JobStatus;
use serde_json::json;
use tests::{wait_for, TestEnv};

const T: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_goes_queued_running_succeeded_with_result_over_http() {
    let env = TestEnv::new("happy-path").await;
    let api = env.api(&[]).await;
    // No worker yet: the job waits, queued. It then runs for 10 s, so that
    // polling sees it running, and halfway, for seconds on a busy machine.
    let id = api.enqueue("noop", json!({ "sleep_ms": 10_000 })).await;
    let (status, body) = api.get_json(&format!("/api/v1/jobs/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "queued");
    assert_eq!(body["attempt"], 0);
    assert_eq!(body["max_attempts"], 5);

    let _worker = env.worker("worker", &[]);
    let running = wait_for("status running over HTTP", T, || async {
        let (_, b) = api.get_json(&format!("/api/v1/jobs/{id}")).await;
        (b["status"] == "running").then_some(b)
    })
    .await;
    assert_eq!(running["attempt"], 1);
    assert!(running["started_at"].is_string());
    // The handler's progress report is visible while it runs.
    let halfway = wait_for("progress reported over HTTP", T, || async {
        let (_, b) = api.get_json(&format!("/api/v1/jobs/{id}")).await;
        (b["status"] == "running" && b["progress"]["percent"] == 50).then_some(b)
    })
    .await;
    assert_eq!(halfway["progress"]["message"], "halfway");

    let done = wait_for("status succeeded over HTTP", T, || async {
        let (_, b) = api.get_json(&format!("/api/v1/jobs/{id}")).await;
        (b["status"] == "succeeded").then_some(b)
    })
    .await;
    assert_eq!(done["attempt"], 1);
    assert_eq!(done["result"], json!({ "ok": true, "attempt": 1 }));
    assert_eq!(done["progress"]["percent"], 100);
    assert!(done["error"].is_null());
    assert!(done["finished_at"].is_string());

    // Finished apalis task keys are swept from Redis.
    wait_for("finished task keys swept", T, || async {
        let keys = env.redis_keys().await;
        let leftovers: Vec<String> = keys
            .into_iter()
            .filter(|k| {
                k.contains(":meta:")
                    || k.ends_with(":data")
                    || k.ends_with(":done")
                    || k.ends_with(":dead")
            })
            .collect();
        leftovers.is_empty().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keeps_no_keys_of_finished_jobs_or_departed_workers() {
    let env = TestEnv::new("redis-clean").await;
    let api = env.api(&[]).await;
    // Workers come and go (each start registers a new apalis worker name).
    for i in 0..3 {
        let mut w = env.worker(&format!("worker-{i}"), &[("TALENTI_WORKER_KINDS", "noop")]);
        let id = api.enqueue("noop", json!({})).await;
        env.wait_status(id, JobStatus::Succeeded, T).await;
        w.kill();
    }
    let _last = env.worker("worker-last", &[("TALENTI_WORKER_KINDS", "noop")]);
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(api.enqueue("noop", json!({ "fail_times": 1 })).await);
    }
    for id in ids {
        env.wait_status(id, JobStatus::Succeeded, T).await;
    }
    // Left: the queue's structures and one live worker's registration.
    let keys = wait_for("Redis to hold only live structures", T, || async {
        let keys = env.redis_keys().await;
        let task_keys = keys.iter().filter(|k| k.contains(":meta:")).count();
        let worker_meta = keys
            .iter()
            .filter(|k| k.contains(":workers:metadata:"))
            .count();
        (task_keys == 0 && worker_meta == 1).then_some(keys)
    })
    .await;
    assert!(keys.len() <= 8, "{keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_retries_a_dead_job_and_cancels_waiting_and_running_ones() {
    let env = TestEnv::new("retry-cancel").await;
    let api = env.api(&[]).await;
    let worker = env.worker("worker", &[]);

    // Retry: dead → queued → runs again with a fresh attempt budget.
    let id = api.enqueue("noop", json!({ "abort": true })).await;
    env.wait_status(id, JobStatus::Dead, T).await;
    let (s, body) = api
        .post_json(&format!("/api/v1/jobs/{id}/retry"), None)
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["status"], "queued");
    env.wait_job(id, "dead again at attempt 2", T, |j| {
        j.status == JobStatus::Dead && j.attempt == 2
    })
    .await;
    // A succeeded job cannot be retried.
    let ok = api.enqueue("noop", json!({})).await;
    env.wait_status(ok, JobStatus::Succeeded, T).await;
    let (s, body) = api
        .post_json(&format!("/api/v1/jobs/{ok}/retry"), None)
        .await;
    assert_eq!(s, 409);
    assert_eq!(body["error"]["code"], "conflict");

    // Cancel a job that is not due yet: it never runs.
    let later = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let (s, body) = api
        .post_json(
            "/api/v1/admin/jobs",
            Some(json!({ "kind": "noop", "run_at": later })),
        )
        .await;
    assert_eq!(s, 202);
    let waiting: uuid::Uuid = body["job_id"].as_str().unwrap().parse().unwrap();
    let (s, body) = api
        .post_json(&format!("/api/v1/jobs/{waiting}/cancel"), None)
        .await;
    assert_eq!((s, body["status"].as_str()), (200, Some("cancelled")));
    let (s, _) = api
        .post_json(&format!("/api/v1/jobs/{waiting}/cancel"), None)
        .await;
    assert_eq!(s, 409);

    // Cancel a running job: the worker stops it and it stays cancelled.
    let long = api.enqueue("noop", json!({ "sleep_ms": 15_000 })).await;
    env.wait_status(long, JobStatus::Running, T).await;
    let (s, _) = api
        .post_json(&format!("/api/v1/jobs/{long}/cancel"), None)
        .await;
    assert_eq!(s, 200);
    worker
        .wait_log("attempt stopped: job cancelled", 1, T)
        .await;
    let job = env.job(long).await;
    assert_eq!(job.status, JobStatus::Cancelled);
    assert_eq!(job.attempt, 1);
    let job = env.job(waiting).await;
    assert_eq!((job.status, job.attempt), (JobStatus::Cancelled, 0));
}
