//! Queue control against the real binaries: a kind paused with the ops
//! CLI is held back by every dispatcher, across a worker restart, while
//! other kinds flow; resumed, it drains; the CLI's stats, job listing and
//! bulk retry read and change the same rows as the API.

use std::process::{Command, Stdio};
use std::time::Duration;

use job_engine::db::JobStatus;
use serde_json::json;
use tests::{bin_dir, TestEnv};
use uuid::Uuid;

const T: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_paused_with_the_cli_waits_across_a_worker_restart_and_drains_when_resumed() {
    let env = TestEnv::new("ops-cli").await;
    let mut worker = env.worker("worker", &[]);
    let paused = env.ops(&["pause", "noop", "--reason", "provider maintenance"]);
    assert_eq!(
        (&paused["kind"], &paused["reason"]),
        (&json!("noop"), &json!("provider maintenance"))
    );
    assert!(paused["paused_by"].as_str().unwrap().starts_with("cli:"));

    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(env.enqueue_committed("noop", json!({})).await);
    }
    // Other kinds flow meanwhile: a job committed after the held ones runs,
    // so the dispatcher has passed over them.
    let flows = env
        .enqueue_committed("purge_finished_jobs", json!({}))
        .await;
    env.wait_status(flows, JobStatus::Succeeded, T).await;
    // The pause is in Postgres, not in a process: a new worker holds too.
    worker.terminate();
    worker.wait_exit(T).await;
    let _worker = env.worker("worker-2", &[]);
    let flows = env
        .enqueue_committed("purge_finished_jobs", json!({}))
        .await;
    env.wait_status(flows, JobStatus::Succeeded, T).await;
    let waiting = env
        .count("SELECT count(*) FROM jobs WHERE kind = 'noop' AND status = 'queued' AND dispatched_at IS NULL")
        .await;
    assert_eq!(waiting, 5, "a paused kind's jobs stay in Postgres");
    let stats = env.ops(&["stats"]);
    let noop = stats["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "noop")
        .unwrap();
    assert_eq!(
        (&noop["due"], &noop["paused"]),
        (&json!(5), &json!(true)),
        "{stats}"
    );

    let resumed = env.ops(&["resume", "noop"]);
    assert_eq!(resumed["resumed"], true);
    for id in &held {
        env.wait_status(*id, JobStatus::Succeeded, T).await;
    }
    let listed = env.ops(&["jobs", "list", "--kind", "noop", "--status", "succeeded"]);
    assert_eq!(listed.as_array().unwrap().len(), 5, "{listed}");
    let shown = env.ops(&["jobs", "show", &held[0].to_string()]);
    assert_eq!(
        (&shown["status"], &shown["attempt"]),
        (&json!("succeeded"), &json!(1))
    );

    // A dead job, counted and then retried over a filter.
    let dead: Uuid = env
        .enqueue_committed("noop", json!({ "abort": true }))
        .await;
    env.wait_status(dead, JobStatus::Dead, T).await;
    let filter = ["--kind", "noop", "--status", "dead", "--error", "ABORT"];
    let count = env.ops(&[&["retry"][..], &filter, &["--reason", "count", "--dry-run"]].concat());
    assert_eq!(
        (&count["jobs"], &count["dry_run"]),
        (&json!(1), &json!(true))
    );
    let retried = env.ops(&[&["retry"][..], &filter, &["--reason", "try again"]].concat());
    assert_eq!(retried["jobs"], 1);
    env.wait_job(dead, "run again and dead again", T, |j| {
        j.attempt == 2 && j.status == JobStatus::Dead
    })
    .await;
    let audited = env
        .count("SELECT count(*) FROM audit_log WHERE action IN ('jobs.pause', 'jobs.resume', 'jobs.bulk_retry') AND details->>'via' LIKE 'cli:%'")
        .await;
    assert_eq!(audited, 3);

    // People get a table; a refused operation says why and exits non-zero.
    let out = Command::new(bin_dir().join("talenti-ops"))
        .arg("stats")
        .envs(&env.env)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("oldest due") && table.contains("noop"),
        "{table}"
    );
    let out = Command::new(bin_dir().join("talenti-ops"))
        .args(["purge", "--status", "queued", "--reason", "x"])
        .envs(&env.env)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not apply to queued jobs"), "{err}");
}

/// A server-sent event: its `event`, `id` and `data` fields.
#[derive(Debug, Clone)]
struct Sent {
    event: String,
    id: String,
    data: serde_json::Value,
}

/// Reads a `text/event-stream` to its end (or panics after `T`).
async fn read_events(res: reqwest::Response) -> Vec<Sent> {
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let text = tokio::time::timeout(T, res.text())
        .await
        .expect("the stream ends when the job ends")
        .unwrap();
    text.split("\n\n")
        .filter(|block| block.lines().any(|l| l.starts_with("data:")))
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .filter_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim_start().to_owned())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Sent {
                event: field("event:"),
                id: field("id:"),
                data: serde_json::from_str(&field("data:")).unwrap(),
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jobs_events_stream_its_changes_as_they_happen_and_end_with_it() {
    let env = TestEnv::new("job-events").await;
    let api = env.api(&[]).await;
    let _worker = env.worker("worker", &[]);
    let org = api.organisation("eventsco").await;
    // A job that fails once (a retry a second later), then succeeds.
    let id = env
        .enqueue_committed("noop", json!({ "fail_times": 1, "sleep_ms": 300 }))
        .await;
    let path = format!("/api/v1/jobs/{id}/events");
    let res = api.req(reqwest::Method::GET, &path).send().await.unwrap();
    let events = read_events(res).await;
    assert!(events.iter().all(|e| e.event == "job"), "{events:?}");
    let seen: Vec<(String, i64)> = events
        .iter()
        .map(|e| {
            (
                e.data["status"].as_str().unwrap().to_owned(),
                e.data["attempt"].as_i64().unwrap(),
            )
        })
        .collect();
    // Every change after the first answer, none twice; the end is the last.
    let expected_tail = [
        ("failed".to_owned(), 1),
        ("running".to_owned(), 2),
        ("succeeded".to_owned(), 2),
    ];
    assert!(seen.ends_with(&expected_tail), "{seen:?}");
    assert!(seen.len() <= 5, "{seen:?}");
    let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "each event a new version");

    // Reconnecting after the last event: nothing new, and the stream ends.
    let last = &events.last().unwrap().id;
    let res = api
        .req(reqwest::Method::GET, &path)
        .header("last-event-id", last)
        .send()
        .await
        .unwrap();
    assert!(read_events(res).await.is_empty());
    // Reconnecting with an older one: the current state, once.
    let res = api
        .req(reqwest::Method::GET, &path)
        .header("last-event-id", &events[0].id)
        .send()
        .await
        .unwrap();
    let again = read_events(res).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].data["status"], "succeeded");
    // Another organisation's member: no such job.
    let res = api
        .as_(&org.owner.access_token, reqwest::Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_jobs_show_their_worker_and_the_consistency_view_finds_what_disagrees() {
    let env = TestEnv::new("ops-consistency").await;
    let api = env.api(&[]).await;
    let worker = env.worker("worker", &[]);
    // A long attempt, seen running with its worker and lease.
    let long = api.enqueue("noop", json!({ "sleep_ms": 20_000 })).await;
    env.wait_status(long, JobStatus::Running, T).await;
    let (s, running) = api.get_json("/api/v1/queues/running?kind=noop").await;
    assert_eq!(s, 200, "{running}");
    let r = &running[0];
    assert_eq!(r["id"], long.to_string());
    assert!(
        r["worker_id"]
            .as_str()
            .unwrap()
            .contains(&format!("-{}-", worker.pid())),
        "{r}"
    );
    assert_eq!(r["lease_expired"], false);
    let listed = env.ops(&["running"]);
    assert_eq!(listed[0]["id"], long.to_string());

    // Made to disagree: a job whose lease ran out (its worker "lost"), and
    // a job Postgres believes is in Redis under a task Redis never had.
    sqlx::query("UPDATE jobs SET lease_expires_at = now() - interval '1 minute' WHERE id = $1")
        .bind(long)
        .execute(&env.pool)
        .await
        .unwrap();
    drop(worker);
    let ghost = env
        .enqueue_committed(
            "extract_requirements",
            json!({ "job_role_id": Uuid::now_v7() }),
        )
        .await;
    sqlx::query(
        "UPDATE jobs SET dispatched_at = now() - interval '1 minute', redis_task_id = gen_random_uuid() WHERE id = $1",
    )
    .bind(ghost)
    .execute(&env.pool)
    .await
    .unwrap();
    // And one committed but never handed over (no dispatcher runs now).
    let waiting = env.enqueue_committed("noop", json!({})).await;
    sqlx::query("UPDATE jobs SET run_at = now() - interval '1 minute' WHERE id = $1")
        .bind(waiting)
        .execute(&env.pool)
        .await
        .unwrap();

    let (s, view) = api.get_json("/api/v1/queues/consistency?lag_secs=5").await;
    assert_eq!(s, 200, "{view}");
    assert_eq!(view["redis_error"], serde_json::Value::Null, "{view}");
    let kind = |k: &str| {
        view["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == k)
            .cloned()
            .unwrap()
    };
    let noop = kind("noop");
    assert_eq!(
        (&noop["expired_leases"], &noop["undispatched"]),
        (&json!(1), &json!(1)),
        "{view}"
    );
    assert!(noop["oldest_undispatched_secs"].as_f64().unwrap() >= 55.0);
    let extract = kind("extract_requirements");
    assert_eq!(
        (
            &extract["dispatched_waiting"],
            &extract["missing_from_redis"]
        ),
        (&json!(1), &json!(1)),
        "{view}"
    );
    // The CLI says the same (ages move on between the two reads).
    let counts = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.as_object_mut()
                    .unwrap()
                    .remove("oldest_undispatched_secs");
                c
            })
            .collect()
    };
    let cli = env.ops(&["consistency", "--lag-secs", "5"]);
    assert_eq!(counts(&cli), counts(&view));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_schedule_skips_its_ticks_and_a_trigger_runs_it_once_per_key() {
    let env = TestEnv::new("ops-schedules").await;
    let api = env.api(&[]).await;
    let spec = tests::only_schedules("noop=* * * * * *");
    let scheduler = env.scheduler("scheduler", &[("TALENTI_SCHEDULE", spec.as_str())]);
    scheduler.wait_log("tick enqueued", 1, T).await;
    let noop = || async {
        let (s, list) = api.get_json("/api/v1/schedules").await;
        assert_eq!(s, 200, "{list}");
        assert_eq!(
            list.as_array().unwrap().len(),
            1,
            "only the test's schedule: {list}"
        );
        list[0].clone()
    };
    let seen = noop().await;
    assert_eq!(
        (&seen["name"], &seen["expression"]),
        (&json!("noop"), &json!("* * * * * *"))
    );
    assert!(
        seen["last_tick"].is_string() && seen["next_tick"].is_string(),
        "{seen}"
    );
    assert_eq!(seen["last_job_status"], "queued");

    let (s, _) = api
        .post_json(
            "/api/v1/schedules/pause",
            Some(json!({ "name": "noop", "reason": "noisy" })),
        )
        .await;
    assert_eq!(s, 204);
    scheduler
        .wait_log("tick skipped: schedule paused", 1, T)
        .await;
    let ticks = || env.count("SELECT count(*) FROM schedule_ticks WHERE schedule_name = 'noop'");
    let before = ticks().await;
    scheduler
        .wait_log("tick skipped: schedule paused", 3, T)
        .await;
    assert_eq!(ticks().await, before, "no tick while paused");
    let paused = noop().await;
    assert_eq!(
        (&paused["paused"], &paused["pause_reason"]),
        (&json!(true), &json!("noisy"))
    );
    assert!(paused["next_tick"].is_null());

    // Run now: once per key, paused or not.
    let trigger = |key: &'static str| {
        let api = &api;
        async move {
            let res = api
                .req(reqwest::Method::POST, "/api/v1/schedules/trigger")
                .json(&json!({ "name": "noop", "idempotency_key": key }))
                .send()
                .await
                .unwrap();
            let replayed = res.headers().contains_key("idempotent-replayed");
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.unwrap();
            (
                status,
                body["job_id"].as_str().unwrap_or_default().to_owned(),
                replayed,
            )
        }
    };
    let (s, first, replayed) = trigger("run-now-1").await;
    assert_eq!((s, replayed), (202, false));
    let (s, again, replayed) = trigger("run-now-1").await;
    assert_eq!((s, replayed, &again), (202, true, &first));
    let cli = env.ops(&["schedule", "trigger", "noop", "--key", "run-now-1"]);
    assert_eq!(
        (&cli["job_id"], &cli["created"]),
        (&json!(first), &json!(false))
    );
    let (s, v) = api
        .post_json("/api/v1/schedules/trigger", Some(json!({ "name": "nope" })))
        .await;
    assert_eq!(s, 422, "{v}");

    // Resumed from the CLI: ticks again.
    env.ops(&["schedule", "resume", "noop"]);
    tests::wait_for("a tick after the resume", T, || async {
        (ticks().await > before).then_some(())
    })
    .await;
    let listed = env.ops(&["schedules"]);
    assert_eq!(listed[0]["paused"], false);
    let audited = env
        .count("SELECT count(*) FROM audit_log WHERE action IN ('jobs.schedule_pause', 'jobs.schedule_trigger', 'jobs.schedule_resume')")
        .await;
    assert_eq!(
        audited, 3,
        "pause, one trigger (the replays enqueue nothing), resume"
    );

    // Not for an organisation's members.
    let org = api.organisation("schedco").await;
    let res = api
        .as_(
            &org.owner.access_token,
            reqwest::Method::GET,
            "/api/v1/schedules",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_cap_one_tenants_backlog_does_not_hold_back_another() {
    let env = TestEnv::new("fairness").await;
    let _worker = env.worker("worker", &[("TALENTI_ORG_CAP", "noop=2")]);
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut conn = env.pool.acquire().await.unwrap();
    let slow: Vec<serde_json::Value> = (0..40).map(|_| json!({ "sleep_ms": 400 })).collect();
    let backlog = job_engine::db::enqueue_many(&mut conn, "noop", Some(a), 5, &slow)
        .await
        .unwrap();
    let quick =
        job_engine::db::enqueue_many(&mut conn, "noop", Some(b), 5, &[json!({}), json!({})])
            .await
            .unwrap();
    drop(conn);
    for id in &quick {
        env.wait_status(*id, JobStatus::Succeeded, T).await;
    }
    let a_done = env
        .count(&format!(
            "SELECT count(*) FROM jobs WHERE organisation_id = '{a}' AND status = 'succeeded'"
        ))
        .await;
    assert!(
        a_done <= 10,
        "B's jobs ran among the first of A's 40, not after ({a_done} done)"
    );
    // A never has more than its cap in flight.
    let most = tests::wait_for("A's backlog to drain", T, || async {
        let in_flight = env
            .count(&format!(
                "SELECT count(*) FROM jobs WHERE organisation_id = '{a}'
                   AND (status = 'running' OR (status IN ('queued', 'failed') AND dispatched_at IS NOT NULL))"
            ))
            .await;
        assert!(in_flight <= 2, "{in_flight} of A's jobs in flight");
        let left = env
            .count(&format!(
                "SELECT count(*) FROM jobs WHERE organisation_id = '{a}' AND status <> 'succeeded'"
            ))
            .await;
        (left == 0).then_some(in_flight)
    })
    .await;
    assert_eq!(most, 0);
    assert_eq!(backlog.len(), 40);
}
