//! The scheduler: exactly one job per tick across replicas; catch-up.

use jobs::Job;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use tests::{log_lines, wait_for, Proc, TestEnv};

const T: Duration = Duration::from_secs(60);

const TAKEN: &str = "tick already enqueued by another replica";

/// The ticks (as logged) of `proc`'s log lines that contain `needle`.
fn logged_ticks(proc: &Proc, needle: &str) -> Vec<String> {
    log_lines(proc, &[needle])
        .iter()
        .filter_map(|l| {
            let at = l.find("tick=")? + "tick=".len();
            // `2025-01-01 00:00:00 UTC`
            l.get(at..at + 23).map(str::to_owned)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_enqueue_exactly_one_job_per_tick() {
    let env = TestEnv::new("two-schedulers").await;
    let every_second = [("TALENTI_SCHEDULE", "noop=* * * * * *"), ("NO_COLOR", "1")];
    let mut a = env.scheduler("scheduler-a", &every_second);
    let mut b = env.scheduler("scheduler-b", &every_second);
    a.wait_log("schedules running", 1, T).await;
    b.wait_log("schedules running", 1, T).await;
    wait_for("5 ticks", T, || async {
        (env.count("SELECT count(*) FROM schedule_ticks").await >= 5).then_some(())
    })
    .await;
    // Both replicas fire on every tick; only one insert per tick wins, and
    // the other replica finds the tick's key taken.
    a.wait_log("tick", 3, T).await;
    b.wait_log("tick", 3, T).await;
    wait_for("a replica to find a tick already enqueued", T, || {
        let n = a.log_text().matches(TAKEN).count() + b.log_text().matches(TAKEN).count();
        async move { (n >= 1).then_some(()) }
    })
    .await;
    a.terminate();
    b.terminate();
    a.wait_exit(T).await;
    b.wait_exit(T).await;

    // Every tick one replica found taken, the other enqueued.
    let mut contested = 0;
    for (loser, winner) in [(&a, &b), (&b, &a)] {
        let won = logged_ticks(winner, "tick enqueued");
        for tick in logged_ticks(loser, TAKEN) {
            assert!(
                won.contains(&tick),
                "{} found {tick} taken, but {} did not enqueue it",
                loser.name,
                winner.name
            );
            contested += 1;
        }
    }
    assert!(contested >= 1);

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
    // A daily schedule whose time of day is twelve hours away: its latest
    // tick was about twelve hours ago and its next is twelve hours ahead, so
    // no tick falls due while the test runs, whenever it runs.
    let next_tick: DateTime<Utc> = (Utc::now() + chrono::Duration::hours(12))
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap();
    let due = next_tick - chrono::Duration::days(1);
    let spec = format!("noop={} {} * * *", next_tick.minute(), next_tick.hour());
    let daily = [("TALENTI_SCHEDULE", spec.as_str())];
    // The schedule last fired three days ago; every scheduler was down since.
    let old_tick = due - chrono::Duration::days(3);
    let mut tx = env.pool.begin().await.unwrap();
    let old = jobs::kinds::Noop::default()
        .enqueue(
            &mut tx,
            jobs::Enqueue::system().key(format!("schedule:noop:{}", old_tick.to_rfc3339())),
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
    let a = env.scheduler("scheduler-a", &daily);
    let b = env.scheduler("scheduler-b", &daily);
    a.wait_log("schedules running", 1, T).await;
    b.wait_log("schedules running", 1, T).await;
    let ticks: Vec<DateTime<Utc>> =
        sqlx::query_scalar("SELECT tick_at FROM schedule_ticks ORDER BY tick_at")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(ticks, vec![old_tick, due]);
    assert_eq!(env.count("SELECT count(*) FROM jobs").await, 2);

    // A restart before the next tick makes up nothing more.
    drop((a, b));
    let c = env.scheduler("scheduler-c", &daily);
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
