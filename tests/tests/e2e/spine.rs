//! The job spine's promises (README, Architecture), each proven against the
//! real binaries: a panicking handler is caught, a kind's timeout fails the
//! attempt, Redis holds a bounded window, duplicate deliveries are refused,
//! and a job enqueued in a rolled-back transaction never exists.

use job_engine::Job;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use job_engine::db::{Dispatched, JobStatus};
use job_kinds::NOOP_TIMEOUT;
use serde_json::json;
use tests::{log_lines, wait_for, Proc, TestEnv};
use uuid::Uuid;

/// Generous: these run on busy machines.
const T: Duration = Duration::from_secs(60);

/// Log lines without colour codes, so that fields can be matched.
const PLAIN: (&str, &str) = ("NO_COLOR", "1");

const REFUSED: &str = "delivery refused by claim";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_fails_its_attempt_and_the_same_worker_runs_the_next_job() {
    let env = TestEnv::new("panic").await;
    let api = env.api(&[]).await;
    let mut worker = env.worker("worker", &[]);
    let id = api.enqueue("noop", json!({ "panic": true })).await;

    let failed = env
        .wait_job(id, "failed by a caught panic", T, |j| {
            j.last_error
                .as_deref()
                .is_some_and(|e| e.contains("handler panicked"))
        })
        .await;
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap()
            .contains("panicking on request"),
        "{:?}",
        failed.last_error
    );
    let panicked_on = failed.worker_id.clone().unwrap();
    assert!(
        panicked_on.contains(&format!("-{}-", worker.pid())),
        "{panicked_on}"
    );
    // A panic is a retryable failure: the job runs again.
    env.wait_job(id, "retried after its panic", T, |j| j.attempt >= 2)
        .await;

    // The process that caught the panic is alive and runs the next job.
    assert!(worker.is_running(), "{}", worker.log_text());
    let next = api.enqueue("noop", json!({})).await;
    let done = env.wait_status(next, JobStatus::Succeeded, T).await;
    assert_eq!(done.worker_id.as_deref(), Some(panicked_on.as_str()));
    assert!(worker.is_running(), "{}", worker.log_text());
    assert_eq!(
        worker.log_text().matches("worker starting").count(),
        1,
        "the worker restarted: {}",
        worker.log_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_running_past_its_kinds_timeout_fails_timed_out_and_the_job_retries() {
    let env = TestEnv::new("timeout").await;
    let api = env.api(&[]).await;
    let _worker = env.worker("worker", &[]);
    // Sleeps a minute past the kind's timeout on every attempt.
    let id = api.enqueue("noop", json!({ "overrun": true })).await;
    let first = env
        .wait_job(id, "running attempt 1", T, |j| {
            j.status == JobStatus::Running && j.attempt == 1
        })
        .await;

    let timed_out = env
        .wait_job(id, "failed by its timeout", NOOP_TIMEOUT + T, |j| {
            j.last_error
                .as_deref()
                .is_some_and(|e| e.contains("timed out"))
        })
        .await;
    let error = timed_out.last_error.unwrap();
    assert!(
        error.contains(&format!("timed out after {}s", NOOP_TIMEOUT.as_secs())),
        "{error}"
    );

    // Retryable: a second attempt starts.
    let second = env
        .wait_job(id, "started again as attempt 2", T, |j| j.attempt == 2)
        .await;
    assert_ne!(second.status, JobStatus::Dead);
    // Attempt 1 had its whole timeout and was stopped then, not when its
    // sleep (a minute longer) ended.
    let ran = (second.started_at.unwrap() - first.started_at.unwrap())
        .to_std()
        .unwrap();
    assert!(
        ran >= NOOP_TIMEOUT,
        "attempt 2 began {ran:?} after attempt 1"
    );
    assert!(
        ran < NOOP_TIMEOUT + Duration::from_secs(45),
        "attempt 2 began {ran:?} after attempt 1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_never_holds_more_than_the_window_of_waiting_tasks_per_queue() {
    const WINDOW: usize = 5;
    const JOBS: usize = 200;
    let env = TestEnv::new("window").await;
    // The whole backlog, 40 windows of it, is in Postgres before any worker
    // runs.
    let payloads = vec![json!({ "sleep_ms": 100 }); JOBS];
    let mut tx = env.pool.begin().await.unwrap();
    job_engine::db::enqueue_many(&mut tx, "noop", None, 5, &payloads)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Samples the tasks waiting in the queue (apalis' active list and
    // scheduled set, read atomically: what a worker has not fetched yet)
    // until the drain ends. Tasks a worker fetched are bounded by its
    // concurrency instead.
    let keys = env.queues().await.task_keys("noop");
    let (active, scheduled) = (keys.active, keys.scheduled);
    let client = redis::Client::open(env.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let drained = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let drained = drained.clone();
        async move {
            let (mut max, mut samples, mut busy) = (0usize, 0usize, 0usize);
            let mut every = tokio::time::interval(Duration::from_millis(2));
            while !drained.load(Ordering::Relaxed) {
                every.tick().await;
                let (a, s): (usize, usize) = redis::pipe()
                    .atomic()
                    .llen(&active)
                    .zcard(&scheduled)
                    .query_async(&mut conn)
                    .await
                    .expect("sample the queue");
                max = max.max(a + s);
                samples += 1;
                busy += usize::from(a + s > 0);
            }
            (max, samples, busy)
        }
    });

    let window = WINDOW.to_string();
    let _worker = env.worker(
        "worker",
        &[
            ("TALENTI_REDIS_WINDOW", window.as_str()),
            ("TALENTI_WORKER_CONCURRENCY", "noop=8"),
        ],
    );
    wait_for("every job to succeed", Duration::from_secs(180), || async {
        let done = env
            .count("SELECT count(*) FROM jobs WHERE status = 'succeeded'")
            .await;
        (done == JOBS as i64).then_some(())
    })
    .await;
    drained.store(true, Ordering::Relaxed);
    let (max, samples, busy) = sampler.await.unwrap();
    eprintln!("{samples} samples, {busy} with tasks waiting, at most {max}");
    assert!(
        max <= WINDOW,
        "Redis held {max} waiting tasks; the window is {WINDOW}"
    );
    // The sampler saw the queue in use, not only before and after.
    assert!(busy > 0, "{samples} samples, none with a task waiting");
    assert_eq!(
        env.count("SELECT count(*) FROM jobs WHERE attempt <> 1")
            .await,
        0
    );
}

/// Waits until `worker` has refused `times` deliveries of job `id`.
async fn refusals(worker: &Proc, id: Uuid, times: usize) {
    let id = id.to_string();
    wait_for(&format!("{times} refused deliveries of {id}"), T, || {
        let n = log_lines(worker, &[REFUSED, &id]).len();
        async move { (n >= times).then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_delivery_of_a_running_or_finished_job_is_refused_and_it_runs_once() {
    let env = TestEnv::new("duplicate").await;
    let api = env.api(&[]).await;
    let worker = env.worker(
        "worker",
        &[("RUST_LOG", "info,job_engine::runner=debug"), PLAIN],
    );
    let queues = env.queues().await;
    // A second task naming the job, pushed as the dispatcher pushes one.
    let duplicate = |id| Dispatched {
        id,
        redis_task_id: Uuid::new_v4(),
    };

    let id = api.enqueue("noop", json!({ "sleep_ms": 10_000 })).await;
    let running = env.wait_status(id, JobStatus::Running, T).await;
    queues.push("noop", &[duplicate(id)]).await.unwrap();
    refusals(&worker, id, 1).await;
    // Refused while the first attempt still runs: it is that attempt.
    let job = env.job(id).await;
    assert_eq!(
        (job.status, job.attempt, job.started_at),
        (JobStatus::Running, 1, running.started_at)
    );

    let done = env.wait_status(id, JobStatus::Succeeded, T).await;
    assert_eq!(done.attempt, 1);
    queues.push("noop", &[duplicate(id)]).await.unwrap();
    refusals(&worker, id, 2).await;
    let after = env.job(id).await;
    assert_eq!(
        (
            after.status,
            after.attempt,
            after.started_at,
            after.finished_at
        ),
        (JobStatus::Succeeded, 1, done.started_at, done.finished_at)
    );
    assert_eq!(after.result.unwrap()["attempt"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists_nor_reaches_redis() {
    let env = TestEnv::new("rollback").await;
    let worker = env.worker(
        "worker",
        &[
            (
                "RUST_LOG",
                "info,job_engine::dispatcher=debug,job_engine::runner=debug",
            ),
            PLAIN,
        ],
    );
    // The worker's dispatcher is up: a committed job runs.
    let before = env.enqueue_committed("noop", json!({})).await;
    env.wait_status(before, JobStatus::Succeeded, T).await;

    let mut tx = env.pool.begin().await.unwrap();
    let doomed = job_kinds::Noop::default()
        .enqueue(&mut tx, job_engine::Enqueue::system())
        .await
        .unwrap();
    assert!(doomed.created);
    let doomed = doomed.job.id;
    // While it is uncommitted, the dispatcher moves another job and the
    // worker runs it.
    let during = env.enqueue_committed("noop", json!({})).await;
    env.wait_status(during, JobStatus::Succeeded, T).await;
    tx.rollback().await.unwrap();
    // And after the rollback.
    let after = env.enqueue_committed("noop", json!({})).await;
    env.wait_status(after, JobStatus::Succeeded, T).await;

    assert_eq!(
        env.count(&format!("SELECT count(*) FROM jobs WHERE id = '{doomed}'"))
            .await,
        0
    );
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 3);
    // Every push to Redis is logged by the dispatcher: the three committed
    // jobs went there, nothing else.
    let pushed = tests::dispatcher_pushed(&worker);
    assert_eq!(pushed, 3, "{}", worker.log_text());
    // No delivery named a job that has no row.
    assert!(
        log_lines(&worker, &[REFUSED]).is_empty(),
        "{}",
        worker.log_text()
    );
    let data = env.queues().await.task_keys("noop").data;
    let client = redis::Client::open(env.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let tasks: Vec<Vec<u8>> = redis::cmd("HVALS")
        .arg(&data)
        .query_async(&mut conn)
        .await
        .unwrap();
    let doomed = doomed.to_string();
    assert!(
        !tasks
            .iter()
            .any(|t| String::from_utf8_lossy(t).contains(&doomed)),
        "a Redis task names the rolled-back job"
    );
}

/// The job's dead-letter hook is done (and not pending or held).
async fn dead_hook_done(env: &TestEnv, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT status = 'dead' AND dead_hook_at IS NULL FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&env.pool)
        .await
        .expect("job row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dead_letter_hook_runs_once_however_a_job_dies_and_again_after_a_retry_dies() {
    let env = TestEnv::new("dead-letter").await;
    let api = env.api(&[]).await;
    // A permanent error, and a panic and a timeout on the last attempt (a
    // lost worker on the last attempt: the resumes tests).
    let abort = env
        .enqueue_committed("noop", json!({ "abort": true }))
        .await;
    let panic = env
        .enqueue_committed("noop", json!({ "panic": true }))
        .await;
    let overrun = env
        .enqueue_committed("noop", json!({ "overrun": true }))
        .await;
    sqlx::query("UPDATE jobs SET max_attempts = 1 WHERE id = ANY($1)")
        .bind([panic, overrun].as_slice())
        .execute(&env.pool)
        .await
        .unwrap();
    let worker = env.worker("worker", &[PLAIN]);
    let hook_runs = |id: Uuid| {
        log_lines(
            &worker,
            &["noop dead-letter hook ran", &format!("job.id={id}")],
        )
        .len()
    };
    for (id, why) in [
        (abort, "aborted on request"),
        (panic, "handler panicked"),
        (overrun, "timed out"),
    ] {
        let dead = env.wait_status(id, JobStatus::Dead, T + NOOP_TIMEOUT).await;
        assert!(
            dead.last_error.as_deref().is_some_and(|e| e.contains(why)),
            "{:?}",
            dead.last_error
        );
        wait_for(&format!("the hook of {why}"), T, || async {
            dead_hook_done(&env, id).await.then_some(())
        })
        .await;
        assert_eq!(hook_runs(id), 1, "{why}");
    }

    // An operator's retry re-arms the hook: dying again runs it again.
    let (st, _) = api
        .post_json(&format!("/api/v1/jobs/{abort}/retry"), None)
        .await;
    assert_eq!(st, 200);
    wait_for("the retried job's second hook", T, || async {
        (hook_runs(abort) == 2 && dead_hook_done(&env, abort).await).then_some(())
    })
    .await;
    // Done hooks are not run again by the sweeps that went by meanwhile.
    assert_eq!(hook_runs(panic), 1);
    assert_eq!(hook_runs(overrun), 1);
}
