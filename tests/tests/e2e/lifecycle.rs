//! A job's life: queued → running → succeeded, retries, dead, idempotency.

use std::time::Duration;

use jobs::db::JobStatus;
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
async fn failing_job_retries_with_backoff_until_it_succeeds() {
    let env = TestEnv::new("retry-succeeds").await;
    let api = env.api(&[]).await;
    let _worker = env.worker("worker", &[]);
    let id = api.enqueue("noop", json!({ "fail_times": 2 })).await;

    // Failed, waiting for its retry: after attempt 1 (for 0.5–1 s) or
    // attempt 2 (1–2 s); a busy machine's polling may miss the first.
    let failed = env.wait_status(id, JobStatus::Failed, T).await;
    assert!((1..=2).contains(&failed.attempt), "{}", failed.attempt);
    assert!(failed
        .last_error
        .as_deref()
        .unwrap()
        .contains("failing on request"));
    // Backoff is a re-schedule in the future, not a sleep in the worker.
    assert!(failed.run_at > failed.started_at.unwrap());

    let done = env.wait_status(id, JobStatus::Succeeded, T).await;
    assert_eq!(done.attempt, 3);
    assert_eq!(done.result.unwrap()["attempt"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_failing_every_attempt_is_dead_after_exactly_max_attempts() {
    let env = TestEnv::new("retry-dead").await;
    let api = env.api(&[]).await;
    let _worker = env.worker("worker", &[]);
    let enqueued_at = std::time::Instant::now();
    let id = api.enqueue("noop", json!({ "fail_times": 100 })).await;

    let dead = env
        .wait_status(id, JobStatus::Dead, Duration::from_secs(60))
        .await;
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
    // Four backoffs of at least 0.5, 1, 2 and 4 s (half of 1-2-4-8 s) passed.
    assert!(
        enqueued_at.elapsed() >= Duration::from_millis(7_500),
        "{:?}",
        enqueued_at.elapsed()
    );
    // And it stays dead: nothing retries it again, while the worker and its
    // dispatcher go on to run a job enqueued after it died.
    let later = api.enqueue("noop", json!({})).await;
    env.wait_status(later, JobStatus::Succeeded, T).await;
    let still = env.job(id).await;
    assert_eq!((still.status, still.attempt), (JobStatus::Dead, 5));
    assert_eq!(still.finished_at, dead.finished_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_job_is_dead_after_one_attempt() {
    let env = TestEnv::new("abort").await;
    let api = env.api(&[]).await;
    let _worker = env.worker("worker", &[]);
    let id = api.enqueue("noop", json!({ "abort": true })).await;
    let dead = env.wait_status(id, JobStatus::Dead, T).await;
    assert_eq!(dead.attempt, 1);
    assert!(dead.last_error.as_deref().unwrap().contains("aborted"));
    let (_, body) = api.get_json(&format!("/api/v1/jobs/{id}")).await;
    assert_eq!(body["status"], "dead");
    assert_eq!(body["error"], "aborted on request (noop abort=true)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_idempotency_key_returns_the_same_job() {
    let env = TestEnv::new("idempotency").await;
    let api = env.api(&[]).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_list_filters_by_kind_and_status_with_cursor_pagination() {
    let env = TestEnv::new("list").await;
    let api = env.api(&[]).await;
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
