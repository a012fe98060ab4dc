//! The scheduler: exactly one job per tick across replicas; catch-up.

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use tests::{wait_for, TestEnv};

const T: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_enqueue_exactly_one_job_per_tick() {
    let env = TestEnv::new("two-schedulers").await;
    let every_second = [("TALENTI_SCHEDULE", "noop=* * * * * *")];
    let a = env.scheduler("scheduler-a", &every_second);
    let b = env.scheduler("scheduler-b", &every_second);
    a.wait_log("schedules running", 1, T).await;
    b.wait_log("schedules running", 1, T).await;
    wait_for("5 ticks", T, || async {
        (env.count("SELECT count(*) FROM schedule_ticks").await >= 5).then_some(())
    })
    .await;
    // Both replicas fired on every tick; only one insert per tick won.
    a.wait_log("tick", 3, T).await;
    b.wait_log("tick", 3, T).await;
    a.terminate();
    b.terminate();

    let ticks = env.count("SELECT count(*) FROM schedule_ticks").await;
    let jobs = env
        .count("SELECT count(*) FROM jobs WHERE kind = 'noop'")
        .await;
    let distinct = env
        .count("SELECT count(DISTINCT idempotency_key) FROM jobs")
        .await;
    assert_eq!(jobs, ticks);
    assert_eq!(distinct, jobs);
    let created = env
        .count("SELECT count(*) FROM jobs WHERE idempotency_key LIKE 'schedule:noop:%' AND organisation_id IS NULL")
        .await;
    assert_eq!(created, jobs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_missed_while_no_scheduler_ran_is_enqueued_once_at_startup() {
    let env = TestEnv::new("catch-up").await;
    let hourly = [("TALENTI_SCHEDULE", "noop=0 * * * *")];
    let now = Utc::now();
    let this_hour: DateTime<Utc> = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap();
    // The schedule last fired three hours ago; every scheduler was down since.
    let old_tick = this_hour - chrono::Duration::hours(3);
    let mut tx = env.pool.begin().await.unwrap();
    let old = jobs::db::enqueue(
        &mut tx,
        jobs::db::NewJob {
            kind: "noop".into(),
            organisation_id: None,
            payload: serde_json::json!({}),
            max_attempts: 5,
            idempotency_key: Some(format!("schedule:noop:{}", old_tick.to_rfc3339())),
            run_at: None,
        },
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO schedule_ticks (schedule_name, tick_at, job_id) VALUES ('noop', $1, $2)",
    )
    .bind(old_tick)
    .bind(old.job.id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Two replicas start at once: the missed tick is made up once.
    let a = env.scheduler("scheduler-a", &hourly);
    let b = env.scheduler("scheduler-b", &hourly);
    a.wait_log("schedules running", 1, T).await;
    b.wait_log("schedules running", 1, T).await;
    let ticks: Vec<DateTime<Utc>> =
        sqlx::query_scalar("SELECT tick_at FROM schedule_ticks ORDER BY tick_at")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(ticks, vec![old_tick, this_hour]);
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 2);

    // A restart in the same hour makes up nothing more.
    drop((a, b));
    let c = env.scheduler("scheduler-c", &hourly);
    c.wait_log("schedules running", 1, T).await;
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_refuses_a_bad_schedule_with_a_clear_message() {
    let env = TestEnv::new("bad-schedule").await;
    let mut s = env.scheduler("scheduler", &[("TALENTI_SCHEDULE", "noop=not a cron")]);
    assert_ne!(s.wait_exit(T).await, Some(0));
    assert!(
        s.log_text().contains("invalid cron expression"),
        "{}",
        s.log_text()
    );
    let mut s = env.scheduler("scheduler-2", &[("TALENTI_SCHEDULE", "nope=* * * * *")]);
    assert_ne!(s.wait_exit(T).await, Some(0));
    assert!(
        s.log_text().contains("unknown job kind `nope`"),
        "{}",
        s.log_text()
    );
}
