//! The API hands a job to Redis as soon as its transaction commits
//! (`job_engine::handoff`), and the dispatchers stay the safety net: a
//! capped kind, a failed push and a process without Redis all go the long
//! way, and every job still runs once.

use std::time::Duration;

use job_engine::db::JobStatus;
use serde_json::json;
use tests::{dispatcher_pushed, log_lines, wait_for, TcpProxy, TestEnv};
use uuid::Uuid;

const T: Duration = Duration::from_secs(60);

/// Debug logs of the dispatcher (each push: `dispatched … count=N`), plain.
const DISPATCH_LOGS: &[(&str, &str)] = &[
    ("RUST_LOG", "info,job_engine::dispatcher=debug"),
    ("NO_COLOR", "1"),
];

/// Whether the job's row says it is in Redis (dispatched, not yet claimed).
async fn marked_dispatched(env: &TestEnv, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT dispatched_at IS NOT NULL FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_enqueue_is_in_redis_before_the_answer_with_no_dispatcher_running() {
    let env = TestEnv::new("handoff").await;
    let api = env.api(&[]).await;
    let queues = env.queues().await;

    // The API learns that `noop` is not capped within a second of
    // reaching Redis; until then its enqueues go the long way (and wait,
    // here, for a dispatcher).
    let tried = std::sync::Mutex::new(Vec::new());
    wait_for("an enqueue handed to Redis", T, || async {
        let id = api.enqueue("noop", json!({})).await;
        tried.lock().unwrap().push(id);
        marked_dispatched(&env, id).await.then_some(())
    })
    .await;
    let mut ids = tried.into_inner().unwrap();
    let long_way = ids.len() - 1;
    // From then on every enqueue is in Redis when the API answers: no
    // process other than the API has touched the queue.
    for _ in 0..5 {
        let id = api.enqueue("noop", json!({})).await;
        assert!(marked_dispatched(&env, id).await, "{id} was not handed off");
        ids.push(id);
    }
    assert_eq!(queues.backlog("noop").await.unwrap(), 6);

    // A worker runs them all, once each; its dispatcher moves only those
    // that went the long way.
    let worker = env.worker("worker", DISPATCH_LOGS);
    for id in &ids {
        let job = env.wait_status(*id, JobStatus::Succeeded, T).await;
        assert_eq!(job.attempt, 1);
    }
    assert_eq!(
        dispatcher_pushed(&worker),
        long_way,
        "{}",
        worker.log_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_capped_per_organisation_is_left_to_the_dispatchers() {
    let env = TestEnv::new("handoff-capped").await;
    let worker = env.worker(
        "worker",
        &[
            DISPATCH_LOGS[0],
            DISPATCH_LOGS[1],
            ("TALENTI_ORG_CAP", "noop=2"),
        ],
    );
    worker.wait_log("started", 1, T).await;
    let api = env.api(&[]).await;
    // The cap is announced in Redis, and the API reads it within a second:
    // wait until an enqueue went through the dispatcher.
    let pushed = wait_for("an enqueue left to the dispatcher", T, || async {
        let before = dispatcher_pushed(&worker);
        let id = api.enqueue("noop", json!({})).await;
        env.wait_status(id, JobStatus::Succeeded, T).await;
        let after = dispatcher_pushed(&worker);
        (after > before).then_some(after)
    })
    .await;
    // Every later enqueue goes that way too.
    for _ in 0..4 {
        let id = api.enqueue("noop", json!({})).await;
        env.wait_status(id, JobStatus::Succeeded, T).await;
    }
    assert_eq!(dispatcher_pushed(&worker), pushed + 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_push_is_undone_and_the_dispatchers_run_the_job_once() {
    let env = TestEnv::new("handoff-cut").await;
    let proxy = TcpProxy::start("127.0.0.1:6379").await;
    let through_proxy = format!("redis://127.0.0.1:{}", proxy.port);
    let worker = env.worker("worker", DISPATCH_LOGS);
    worker.wait_log("started", 1, T).await;
    let api = env.api(&[("REDIS_URL", through_proxy.as_str())]).await;
    // Wait until the API hands jobs off (the dispatcher did not push one).
    wait_for("an enqueue handed off", T, || async {
        let before = dispatcher_pushed(&worker);
        let id = api.enqueue("noop", json!({})).await;
        env.wait_status(id, JobStatus::Succeeded, T).await;
        (dispatcher_pushed(&worker) == before).then_some(())
    })
    .await;

    // The API's Redis goes away: its pushes fail after the commit. Each job
    // is undone and left to the dispatcher, which runs it once.
    proxy.cut();
    let before = dispatcher_pushed(&worker);
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(api.enqueue("noop", json!({})).await);
    }
    for id in &ids {
        let job = env.wait_status(*id, JobStatus::Succeeded, T).await;
        assert_eq!(job.attempt, 1);
    }
    assert_eq!(dispatcher_pushed(&worker), before + 3);
    assert!(
        log_lines(&api.proc, &["handing jobs to Redis failed"]).len() >= 3,
        "{}",
        api.proc.log_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_enqueues_with_one_idempotency_key_make_one_job() {
    let env = TestEnv::new("handoff-key").await;
    let api = env.api(&[("TALENTI_RATE_LIMIT_BURST", "1000")]).await;
    let requests = (0..24).map(|i| {
        // Half share one key; the others are their own.
        let key = if i % 2 == 0 {
            "same".to_owned()
        } else {
            format!("own-{i}")
        };
        api.req(reqwest::Method::POST, "/api/v1/admin/jobs")
            .json(&json!({ "kind": "noop", "payload": {}, "idempotency_key": key }))
            .send()
    });
    let answers = futures::future::join_all(requests).await;
    let mut same = Vec::new();
    let mut replayed = 0;
    for (i, res) in answers.into_iter().enumerate() {
        let res = res.unwrap();
        assert_eq!(res.status(), 202);
        let was_replayed = res.headers().contains_key("idempotent-replayed");
        let body: serde_json::Value = res.json().await.unwrap();
        if i % 2 == 0 {
            same.push(body["job_id"].as_str().unwrap().to_owned());
            replayed += usize::from(was_replayed);
        } else {
            assert!(!was_replayed);
        }
    }
    same.dedup();
    assert_eq!(same.len(), 1, "{same:?}");
    assert_eq!(replayed, 11);
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 13);
}
