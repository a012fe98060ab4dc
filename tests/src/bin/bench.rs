//! Job spine benchmark (run with `scripts/bench`; results in BENCHMARKS.md).
//!
//! (a) Drain: enqueue N no-op jobs (batches of 1,000 per transaction) while
//!     1 or 2 release-built worker processes run, and time until every job is
//!     `succeeded` in Postgres: enqueue, dispatcher, Redis, worker, outcome.
//! (b) Latency: enqueue single jobs (one transaction each, as the API does)
//!     at a steady rate and report enqueue→start (created_at → started_at)
//!     percentiles.

use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use tests::{wait_for, TestEnv};

#[derive(Debug, Parser)]
struct Args {
    /// Jobs per drain run.
    #[arg(long, default_value_t = 20_000)]
    jobs: usize,
    /// Worker process counts to drain with.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    workers: Vec<usize>,
    /// Steady enqueue rate of the latency run (jobs/s).
    #[arg(long, default_value_t = 200)]
    rate: u64,
    /// Length of the latency run, seconds.
    #[arg(long, default_value_t = 20)]
    latency_secs: u64,
    /// Worker processes in the latency run.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    latency_workers: Vec<usize>,
    /// Skip the drain runs.
    #[arg(long)]
    no_drain: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if std::env::var("TALENTI_BIN_DIR").is_err() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release");
        std::env::set_var("TALENTI_BIN_DIR", dir);
    }
    if !args.no_drain {
        for &n in &args.workers {
            drain(args.jobs, n).await?;
        }
    }
    for &n in &args.latency_workers {
        latency(args.rate, args.latency_secs, n).await?;
    }
    Ok(())
}

fn worker_env() -> Vec<(&'static str, &'static str)> {
    vec![("TALENTI_LOG_FORMAT", "json"), ("RUST_LOG", "info")]
}

async fn start_workers(env: &TestEnv, n: usize) -> Vec<tests::Proc> {
    let mut procs = Vec::new();
    for i in 0..n {
        procs.push(env.worker(&format!("worker-{i}"), &worker_env()));
    }
    for p in &procs {
        p.wait_log("started", 1, Duration::from_secs(30)).await;
    }
    procs
}

async fn drain(jobs: usize, workers: usize) -> anyhow::Result<()> {
    let env = TestEnv::new(&format!("bench-drain-{workers}")).await;
    let _procs = start_workers(&env, workers).await;
    let payloads: Vec<serde_json::Value> = (0..1_000).map(|_| json!({})).collect();

    let t0 = Instant::now();
    let mut sent = 0;
    while sent < jobs {
        let n = (jobs - sent).min(payloads.len());
        let mut tx = env.pool.begin().await?;
        jobs::db::enqueue_many(&mut tx, "noop", None, 5, &payloads[..n]).await?;
        tx.commit().await?;
        sent += n;
    }
    let enqueued = t0.elapsed();
    wait_for("every job to succeed", Duration::from_secs(600), || async {
        let done = env
            .count("SELECT count(*) FROM jobs WHERE status = 'succeeded'")
            .await;
        (done as usize >= jobs).then_some(())
    })
    .await;
    let total = t0.elapsed();
    let other = env
        .count("SELECT count(*) FROM jobs WHERE status <> 'succeeded' OR attempt <> 1")
        .await;
    anyhow::ensure!(
        other == 0,
        "{other} jobs did not succeed at their first attempt"
    );
    println!(
        "drain: {jobs} jobs, {workers} worker process(es): {:.0} jobs/s end to end ({:.2} s; enqueue alone {:.2} s)",
        jobs as f64 / total.as_secs_f64(),
        total.as_secs_f64(),
        enqueued.as_secs_f64()
    );
    Ok(())
}

async fn latency(rate: u64, secs: u64, workers: usize) -> anyhow::Result<()> {
    let env = TestEnv::new(&format!("bench-latency-{workers}")).await;
    let _procs = start_workers(&env, workers).await;
    let total = rate * secs;
    let every = Duration::from_secs_f64(1.0 / rate as f64);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut handles = Vec::with_capacity(total as usize);
    for _ in 0..total {
        tick.tick().await;
        let pool = env.pool.clone();
        handles.push(tokio::spawn(async move {
            let mut tx = pool.begin().await?;
            jobs::db::enqueue(
                &mut tx,
                jobs::db::NewJob {
                    kind: "noop".into(),
                    organisation_id: None,
                    payload: json!({}),
                    max_attempts: 5,
                    idempotency_key: None,
                    run_at: None,
                },
            )
            .await?;
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    wait_for("every job to succeed", Duration::from_secs(120), || async {
        let done = env
            .count("SELECT count(*) FROM jobs WHERE status = 'succeeded'")
            .await;
        (done as u64 >= total).then_some(())
    })
    .await;
    let mut ms: Vec<f64> = sqlx::query_scalar(
        "SELECT (extract(epoch FROM started_at - created_at) * 1000)::float8 FROM jobs ORDER BY 1",
    )
    .fetch_all(&env.pool)
    .await?;
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "latency: {total} jobs at {rate}/s, {workers} worker process(es): enqueue→start p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        ms[ms.len() - 1]
    );
    Ok(())
}
