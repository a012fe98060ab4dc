//! Failures: killed workers, Redis and Postgres outages, graceful shutdown.

use std::time::Duration;

use job_engine::db::JobStatus;
use serde_json::json;
use tests::{wait_for, OwnRedis, TestEnv};
use uuid::Uuid;

const T: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_worker_job_completes_on_another_worker_as_attempt_2() {
    let env = TestEnv::new("sigkill").await;
    let api = env.api(&[]).await;
    let mut first = env.worker("worker-a", &[]);
    // Long enough to be seen running before the kill, on a busy machine too.
    let id = api.enqueue("noop", json!({ "sleep_ms": 8_000 })).await;
    let running = env.wait_status(id, JobStatus::Running, T).await;
    let victim = running.worker_id.clone().unwrap();
    assert!(victim.contains(&format!("-{}-", first.pid())), "{victim}");

    first.kill();
    let _second = env.worker("worker-b", &[]);
    // Attempt 2 starts once the 10 s lease has expired (and is reaped).
    let rerun = env
        .wait_job(id, "running again", T, |j| {
            j.status == JobStatus::Running && j.attempt == 2
        })
        .await;
    assert_ne!(rerun.worker_id.as_deref(), Some(victim.as_str()));
    let done = env.wait_status(id, JobStatus::Succeeded, T).await;
    assert_eq!(done.attempt, 2);
    assert_eq!(done.result.unwrap()["attempt"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_that_kills_its_worker_every_time_ends_dead_not_in_a_loop() {
    let env = TestEnv::new("crash-loop").await;
    let api = env.api(&[]).await;
    let lease = [("TALENTI_LEASE_SECS", "3")];
    let id = api.enqueue("noop", json!({ "sleep_ms": 15_000 })).await;
    for attempt in 1..=5 {
        let mut w = env.worker(&format!("worker-{attempt}"), &lease);
        env.wait_job(id, &format!("running attempt {attempt}"), T, |j| {
            j.status == JobStatus::Running && j.attempt == attempt
        })
        .await;
        w.kill();
    }
    let _last = env.worker("worker-last", &lease);
    let dead = env.wait_status(id, JobStatus::Dead, T).await;
    assert_eq!(dead.attempt, 5);
    assert!(
        dead.last_error.as_deref().unwrap().contains("worker lost"),
        "{:?}",
        dead.last_error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_accepted_while_redis_is_down_all_run_after_it_returns() {
    let env0 = TestEnv::new("redis-outage-logs").await;
    let mut redis = OwnRedis::start(&env0.log_dir).await;
    let env = TestEnv::with_redis("redis-outage", redis.url()).await;
    let api = env.api(&[]).await;
    // One job at a time, so that some wait in Redis when it goes away.
    let worker = env.worker("worker", &[("TALENTI_WORKER_CONCURRENCY", "noop=1")]);

    let mut ids: Vec<Uuid> = Vec::new();
    // The first runs for 5 s: long enough to be seen running while the
    // others wait in Redis.
    for _ in 0..4 {
        ids.push(api.enqueue("noop", json!({ "sleep_ms": 5_000 })).await);
    }
    env.wait_status(ids[0], JobStatus::Running, T).await;
    // Jobs 2..4 are in Redis now; stopping it loses them (it keeps nothing).
    redis.stop();

    for _ in 0..10 {
        ids.push(api.enqueue("noop", json!({})).await);
    }
    let (s, _) = api.get_json("/health/ready").await;
    assert_eq!(s, 503);

    redis.restart().await;
    for id in &ids {
        let job = env.wait_status(*id, JobStatus::Succeeded, T).await;
        assert!(job.attempt >= 1);
    }
    let (s, _) = api.get_json("/health/ready").await;
    assert_eq!(s, 200);
    // Jobs accepted after the return run promptly, without a restart.
    let id = api.enqueue("noop", json!({})).await;
    env.wait_status(id, JobStatus::Succeeded, T).await;
    drop(worker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_and_api_recover_when_postgres_connections_drop() {
    let env = TestEnv::new("pg-outage").await;
    let api = env.api(&[]).await;
    let _worker = env.worker("worker", &[]);
    let id = api.enqueue("noop", json!({})).await;
    env.wait_status(id, JobStatus::Succeeded, T).await;

    // Every connection to this test's database is cut, as in a failover.
    let admin = sqlx::PgPool::connect(&tests::admin_database_url())
        .await
        .unwrap();
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
    )
    .bind(&env.db_name)
    .fetch_one(&admin)
    .await
    .unwrap();
    assert!(cut >= 2, "cut {cut} connections");

    wait_for("api to accept again", T, || async {
        let res = api
            .req(reqwest::Method::POST, "/api/v1/admin/jobs")
            .json(&json!({ "kind": "noop" }))
            .send()
            .await
            .ok()?;
        (res.status() == 202).then_some(())
    })
    .await;
    let mut later = Vec::new();
    for _ in 0..5 {
        later.push(api.enqueue("noop", json!({})).await);
    }
    for id in later {
        env.wait_status(id, JobStatus::Succeeded, T).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_jobs_and_hands_back_what_outlives_the_deadline() {
    let env = TestEnv::new("sigterm").await;
    let api = env.api(&[]).await;

    let mut worker = env.worker("worker-drain", &[("TALENTI_SHUTDOWN_TIMEOUT_SECS", "40")]);
    let mut ids = Vec::new();
    // Long enough to be seen running, and still running at the SIGTERM.
    for _ in 0..3 {
        ids.push(api.enqueue("noop", json!({ "sleep_ms": 8_000 })).await);
    }
    for id in &ids {
        env.wait_status(*id, JobStatus::Running, T).await;
    }
    worker.terminate();
    // A job enqueued during the drain is not taken by the stopping worker.
    let queued_later = api.enqueue("noop", json!({})).await;
    assert_eq!(worker.wait_exit(T).await, Some(0), "{}", worker.log_text());
    for id in &ids {
        let job = env.job(*id).await;
        assert_eq!((job.status, job.attempt), (JobStatus::Succeeded, 1), "{id}");
    }
    assert_eq!(env.job(queued_later).await.status, JobStatus::Queued);

    // A job still running at the deadline goes back to the queue, uncounted.
    let mut short = env.worker("worker-deadline", &[("TALENTI_SHUTDOWN_TIMEOUT_SECS", "1")]);
    let long = api.enqueue("noop", json!({ "sleep_ms": 15_000 })).await;
    env.wait_status(long, JobStatus::Running, T).await;
    short.terminate();
    assert_eq!(short.wait_exit(T).await, Some(0), "{}", short.log_text());
    let handed = env.job(long).await;
    assert_eq!((handed.status, handed.attempt), (JobStatus::Queued, 0));
    assert!(handed.last_error.unwrap().contains("handed back"));

    // The next worker runs both.
    let _next = env.worker("worker-next", &[]);
    env.wait_status(queued_later, JobStatus::Succeeded, T).await;
    let job = env.wait_status(long, JobStatus::Running, T).await;
    assert_eq!(job.attempt, 1);
}
