//! The scheduler: exactly one job per tick across replicas; catch-up.

use job_engine::Job;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use tests::{log_lines, wait_for, Proc, TestEnv};
use uuid::Uuid;

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
    let spec = tests::only_schedules("noop=* * * * * *");
    let every_second = [("TALENTI_SCHEDULE", spec.as_str()), ("NO_COLOR", "1")];
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
    // The declared schedules are turned off: only this one may enqueue.
    let spec = tests::only_schedules(&format!(
        "noop={} {} * * *",
        next_tick.minute(),
        next_tick.hour()
    ));
    let daily = [("TALENTI_SCHEDULE", spec.as_str())];
    // The schedule last fired three days ago; every scheduler was down since.
    let old_tick = due - chrono::Duration::days(3);
    let mut tx = env.pool.begin().await.unwrap();
    let old = job_kinds::Noop::default()
        .enqueue(
            &mut tx,
            job_engine::Enqueue::system().key(format!("schedule:noop:{}", old_tick.to_rfc3339())),
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
        s.log_text()
            .contains("no schedule or job kind is called `nope`"),
        "{}",
        s.log_text()
    );
}

/// A job id made `days_ago`, so that pruning (which reads the age of a job
/// from its UUIDv7 id) sees an old job.
fn id_days_ago(days_ago: i64) -> Uuid {
    let t = Utc::now() - chrono::Duration::days(days_ago);
    Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        t.timestamp() as u64,
        0,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_declared_job_pruning_runs_on_its_schedule_and_keeps_what_is_not_due() {
    let env = TestEnv::new("prune").await;
    // Jobs as they would stand after weeks of work: (days ago, status,
    // dead-letter hook still pending, deleted?).
    let cases = [
        (20, "succeeded", false, true),
        (20, "cancelled", false, true),
        (40, "dead", false, true),
        (3, "succeeded", false, false),
        (20, "dead", false, false),
        (40, "dead", true, false),
        (40, "queued", false, false),
    ];
    let mut ids = Vec::new();
    for (days, status, hook_pending, _) in cases {
        let made = env.enqueue_committed("noop", serde_json::json!({})).await;
        let id = id_days_ago(days);
        let at = Utc::now() - chrono::Duration::days(days);
        sqlx::query(
            "UPDATE jobs SET id = $2, status = $3::job_status, created_at = $4,
                    finished_at = CASE WHEN $3 = 'queued' THEN NULL ELSE $4 END,
                    run_at = $4 + interval '1000 days',
                    dead_hook_at = CASE WHEN $5 THEN now() + interval '1 day' END
             WHERE id = $1",
        )
        .bind(made)
        .bind(id)
        .bind(status)
        .bind(at)
        .bind(hook_pending)
        .execute(&env.pool)
        .await
        .unwrap();
        ids.push(id);
    }

    // Webhook deliveries: settled ones go with the dead jobs' retention;
    // a pending one stays however old.
    let org = Uuid::now_v7();
    sqlx::query(
        "WITH o AS (INSERT INTO organisations (id, name) VALUES ($1, 'purge') RETURNING id),
              e AS (INSERT INTO webhook_endpoints (id, organisation_id, url, events, secret_sealed)
                    SELECT $1, id, 'https://hooks.example.com/', '{job.dead}', '\\x00' FROM o RETURNING id)
         INSERT INTO webhook_deliveries (id, endpoint_id, organisation_id, event_type, event_key, payload, status, job_id, created_at)
         SELECT talenti_uuid_v7(), e.id, $1, 'job.dead', d.key, '{}', d.status, talenti_uuid_v7(), now() - d.age
         FROM e, (VALUES ('old-delivered', 'delivered', interval '40 days'), ('old-pending', 'pending', interval '40 days'),
                         ('new-failed', 'failed', interval '3 days')) AS d(key, status, age)",
    )
    .bind(org)
    .execute(&env.pool)
    .await
    .unwrap();

    // The schedule is declared in code; configuration only makes it fire
    // every second for the test.
    let _worker = env.worker("worker", &[]);
    let _scheduler = env.scheduler(
        "scheduler",
        &[("TALENTI_SCHEDULE", "purge_finished_jobs=* * * * * *")],
    );
    let pruned: serde_json::Value = wait_for("a purge_finished_jobs job to succeed", T, || async {
        sqlx::query_scalar(
            "SELECT result FROM jobs WHERE kind = 'purge_finished_jobs' AND status = 'succeeded'
             ORDER BY id LIMIT 1",
        )
        .fetch_optional(&env.pool)
        .await
        .unwrap()
    })
    .await;
    assert_eq!(pruned["deleted"], 3, "{pruned}");
    assert_eq!(pruned["webhook_deliveries_deleted"], 1, "{pruned}");
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT event_key FROM webhook_deliveries ORDER BY event_key")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(kept, ["new-failed", "old-pending"]);
    let payload: serde_json::Value =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'purge_finished_jobs' LIMIT 1")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(
        payload,
        serde_json::json!({ "keep_finished_days": 14, "keep_dead_days": 30 })
    );
    for ((days, status, hook_pending, deleted), id) in cases.iter().zip(&ids) {
        let there: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1)")
            .bind(id)
            .fetch_one(&env.pool)
            .await
            .unwrap();
        assert_eq!(
            there, !deleted,
            "{status} {days} days ago, hook pending {hook_pending}"
        );
    }
}

/// The purges delete thousands of rows a statement, and each deleted row
/// runs the foreign-key actions of the rows pointing at it. Without an
/// index on the referencing columns that is a scan of the whole
/// referencing table per deleted row: a purge of 5,000 jobs beside 40,000
/// resumes took 9.4 s instead of 82 ms (BENCHMARKS.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_pointing_at_a_purged_table_is_found_by_an_index() {
    let env = TestEnv::new("purge-fk-indexes").await;
    let unindexed: Vec<String> = sqlx::query_scalar(
        "SELECT c.conrelid::regclass::text || ' (' ||
                (SELECT string_agg(attname, ', ') FROM pg_attribute
                 WHERE attrelid = c.conrelid AND attnum = ANY (c.conkey)) || ') → ' ||
                c.confrelid::regclass::text
         FROM pg_constraint c
         WHERE c.contype = 'f'
           AND c.confrelid::regclass::text IN ('jobs', 'webhook_deliveries', 'provider_events')
           AND NOT EXISTS (
               SELECT 1 FROM pg_index i
               WHERE i.indrelid = c.conrelid
                 AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
                 AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey)
         ORDER BY 1",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert!(
        unindexed.is_empty(),
        "foreign keys into purged tables without an index: {unindexed:?}"
    );
    // The walk sees the keys it is about.
    let keys: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = 'jobs'::regclass",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(keys >= 2, "{keys} foreign keys into jobs");
}
