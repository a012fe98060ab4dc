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
    let noop = stats
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
