//! `--peer`: the job spine side by side with Celery on the same machine and
//! the same Redis: drain throughput and enqueue→start latency.
//!
//! Ours is `drain` and `latency` of main.rs, unchanged. Celery's side is
//! `scripts/peer/bench.py` (its docstring and `peer_app.py`'s say how it is
//! set up and how "done" is counted), run with the python of a venv at
//! `target/peer-venv` built from `scripts/peer/requirements.txt`. Each round
//! runs, for 1 and 2 worker processes, our drain and Celery's, then our
//! latency and Celery's; even rounds run Celery first.
//!
//! What is compared:
//! - drain: ours enqueues in transactions of 1,000 rows and is done when
//!   every job is `succeeded` in Postgres (outcome recorded); Celery's one
//!   producer publishes message by message (it has no bulk publish) and is
//!   done when the workers have run every task (no result stored). Both
//!   clocks run from just before the first enqueue/publish; both poll for
//!   "done" every 25 ms.
//! - latency: ours is `started_at − created_at` of single-job transactions
//!   (Postgres clock); Celery's is the task's `time.time()` at start minus
//!   the publisher's just before `apply_async`. Same rate, same count.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use sqlx::Connection;

use crate::Args;

/// What one drain run measured.
#[derive(Debug, Clone, Copy)]
pub struct DrainFigures {
    pub workers: usize,
    pub jobs_per_s: f64,
    pub secs: f64,
    /// Enqueue (ours) or publish (Celery) alone.
    pub enqueue_secs: f64,
    /// CPU µs per job of the workers, Postgres and Redis (ours only).
    pub cpu: Option<[f64; 3]>,
}

/// What one latency run measured, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct LatencyFigures {
    pub jobs: u64,
    pub workers: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The machine, printed before the figures: cores, CPU model, kernel,
/// Postgres and Redis versions.
pub async fn print_machine() {
    let nproc = Command::new("nproc")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into())
        });
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "?".into());
    let postgres = match sqlx::PgConnection::connect(&tests::admin_database_url()).await {
        Ok(mut c) => sqlx::query_scalar::<_, String>("SHOW server_version")
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| format!("? ({e})")),
        Err(e) => format!("? ({e})"),
    };
    let redis = redis_version().await.unwrap_or_else(|e| format!("? ({e})"));
    println!(
        "machine: nproc {nproc}; CPU {cpu}; kernel {kernel}; PostgreSQL {postgres}; Redis {redis}"
    );
}

async fn redis_version() -> anyhow::Result<String> {
    let client = redis::Client::open(tests::redis_url())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut conn)
        .await?;
    Ok(info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap_or("?")
        .trim()
        .to_owned())
}

/// `/proc/loadavg`'s 1, 5 and 15 minute load averages.
pub fn print_load(when: &str) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let three: Vec<&str> = load.split_whitespace().take(3).collect();
    println!("load average {when}: {}", three.join(" "));
}

/// The venv's python, (re)building the venv when it is missing or was built
/// from other requirements (a copy of them is kept inside it). The only
/// network use of the peer benchmark is this pip install.
fn peer_python() -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    let req = root.join("scripts/peer/requirements.txt");
    let venv = root.join("target/peer-venv");
    let stamp = venv.join("talenti-requirements.txt");
    let python = venv.join("bin/python");
    let want = std::fs::read(&req)?;
    if python.exists() && std::fs::read(&stamp).is_ok_and(|have| have == want) {
        return Ok(python);
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv)?;
    }
    println!("building {} from {}", venv.display(), req.display());
    let run = |cmd: &mut Command| -> anyhow::Result<()> {
        let status = cmd.stdin(Stdio::null()).status()?;
        anyhow::ensure!(status.success(), "{cmd:?} failed: {status}");
        Ok(())
    };
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&req))?;
    std::fs::write(&stamp, &want)?;
    Ok(python)
}

/// The Celery broker: the test Redis, database 15 (ours use 0). Every key
/// there also carries a prefix unique to the run.
fn celery_redis_url() -> String {
    let base = tests::redis_url();
    let host_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    format!("{}/15", &base[..host_end])
}

/// Runs `scripts/peer/bench.py` with `args`; returns its JSON line.
async fn celery(python: &Path, args: Vec<String>) -> anyhow::Result<serde_json::Value> {
    let root = workspace_root();
    let mut cmd = Command::new(python);
    cmd.arg(root.join("scripts/peer/bench.py"))
        .args(&args)
        .arg("--redis-url")
        .arg(celery_redis_url())
        .arg("--log-dir")
        .arg(root.join("target/test-logs/bench-peer-celery"))
        // No __pycache__ left in scripts/peer/ (the workers run from there).
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "scripts/peer/bench.py {args:?} failed ({}): {text}",
        out.status
    );
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or_else(|| anyhow::anyhow!("no JSON from scripts/peer/bench.py: {text}"))?;
    Ok(serde_json::from_str(line)?)
}

fn num(v: &serde_json::Value, key: &str) -> anyhow::Result<f64> {
    v[key]
        .as_f64()
        .ok_or_else(|| anyhow::anyhow!("no `{key}` in {v}"))
}

async fn celery_drain(python: &Path, jobs: usize, workers: usize) -> anyhow::Result<DrainFigures> {
    let v = celery(
        python,
        vec![
            "drain".into(),
            "--jobs".into(),
            jobs.to_string(),
            "--workers".into(),
            workers.to_string(),
        ],
    )
    .await?;
    let f = DrainFigures {
        workers,
        jobs_per_s: num(&v, "jobs_per_s")?,
        secs: num(&v, "secs")?,
        enqueue_secs: num(&v, "publish_secs")?,
        cpu: None,
    };
    println!(
        "celery drain: {jobs} tasks, {workers} worker process(es): {:.0} tasks/s end to end ({:.2} s; publish alone {:.2} s)",
        f.jobs_per_s, f.secs, f.enqueue_secs
    );
    Ok(f)
}

async fn celery_latency(
    python: &Path,
    rate: u64,
    secs: u64,
    workers: usize,
) -> anyhow::Result<LatencyFigures> {
    let v = celery(
        python,
        vec![
            "latency".into(),
            "--rate".into(),
            rate.to_string(),
            "--secs".into(),
            secs.to_string(),
            "--workers".into(),
            workers.to_string(),
        ],
    )
    .await?;
    let f = LatencyFigures {
        jobs: rate * secs,
        workers,
        p50: num(&v, "p50")?,
        p90: num(&v, "p90")?,
        p99: num(&v, "p99")?,
        max: num(&v, "max")?,
    };
    println!(
        "celery latency: {} tasks at {rate}/s, {workers} worker process(es): publish→start p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        f.jobs, f.p50, f.p90, f.p99, f.max
    );
    Ok(f)
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    print_machine().await;
    print_load("before");
    let python = peer_python()?;
    let versions = Command::new(&python)
        .args([
            "-c",
            "import sys, celery, kombu, redis; print(f'Python {sys.version.split()[0]}, celery {celery.__version__}, kombu {kombu.__version__}, redis-py {redis.__version__}')",
        ])
        .output()?;
    println!(
        "peer: {}; broker {} (prefix and queue unique per run)",
        String::from_utf8_lossy(&versions.stdout).trim(),
        celery_redis_url()
    );

    let mut drains: Vec<(usize, DrainFigures, DrainFigures)> = Vec::new();
    let mut latencies: Vec<(usize, LatencyFigures, LatencyFigures)> = Vec::new();
    for round in 1..=args.peer_rounds {
        let celery_first = round % 2 == 0;
        println!(
            "round {round}: {} first",
            if celery_first { "Celery" } else { "ours" }
        );
        for &workers in &args.workers {
            let (ours, theirs) = if celery_first {
                let theirs = celery_drain(&python, args.jobs, workers).await?;
                (crate::drain(args.jobs, workers).await?, theirs)
            } else {
                let ours = crate::drain(args.jobs, workers).await?;
                (ours, celery_drain(&python, args.jobs, workers).await?)
            };
            drains.push((round, ours, theirs));
        }
        for &workers in &args.latency_workers {
            let (rate, secs) = (args.rate, args.latency_secs);
            let (ours, theirs) = if celery_first {
                let theirs = celery_latency(&python, rate, secs, workers).await?;
                (crate::latency(rate, secs, workers).await?, theirs)
            } else {
                let ours = crate::latency(rate, secs, workers).await?;
                (ours, celery_latency(&python, rate, secs, workers).await?)
            };
            latencies.push((round, ours, theirs));
        }
    }
    print_load("after");

    println!();
    println!(
        "### Drain: {} no-op jobs, jobs/s until all done (ours: succeeded in Postgres; Celery: run by a worker)",
        args.jobs
    );
    println!();
    println!("| round | workers | ours jobs/s | ours s (enqueue s) | Celery jobs/s | Celery s (publish s) | ours / Celery |");
    println!("|---|---|---|---|---|---|---|");
    for (round, o, c) in &drains {
        println!(
            "| {round} | {} | {:.0} | {:.2} ({:.2}) | {:.0} | {:.2} ({:.2}) | {:.2} |",
            o.workers,
            o.jobs_per_s,
            o.secs,
            o.enqueue_secs,
            c.jobs_per_s,
            c.secs,
            c.enqueue_secs,
            o.jobs_per_s / c.jobs_per_s
        );
    }
    println!();
    println!(
        "### Latency: {} jobs/s for {} s, enqueue→start ms (ours / Celery > 1: ours slower)",
        args.rate, args.latency_secs
    );
    println!();
    println!("| round | workers | ours p50 / p90 / p99 / max | Celery p50 / p90 / p99 / max | p50 ours / Celery | p99 ours / Celery |");
    println!("|---|---|---|---|---|---|");
    for (round, o, c) in &latencies {
        println!(
            "| {round} | {} | {:.2} / {:.2} / {:.2} / {:.2} | {:.2} / {:.2} / {:.2} / {:.2} | {:.2} | {:.2} |",
            o.workers,
            o.p50,
            o.p90,
            o.p99,
            o.max,
            c.p50,
            c.p90,
            c.p99,
            c.max,
            o.p50 / c.p50,
            o.p99 / c.p99
        );
    }
    Ok(())
}
