//! Fairness between organisations: A enqueues a backlog of `noop` jobs
//! (sleeping 20 ms each), then B enqueues 20; B's enqueue → start latency,
//! with no cap and with a per-organisation cap (`TALENTI_ORG_CAP`), in
//! alternating rounds on one worker process.

use std::time::{Duration, Instant};

use serde_json::json;
use tests::TestEnv;
use uuid::Uuid;

pub async fn run(backlog: usize, cap: u32, rounds: usize) -> anyhow::Result<()> {
    println!(
        "fairness: A enqueues {backlog} noop jobs (20 ms each), then B enqueues 20; one worker process"
    );
    for round in 1..=rounds {
        for capped in [false, true] {
            one(backlog, capped.then_some(cap), round).await?;
        }
    }
    Ok(())
}

async fn one(backlog: usize, cap: Option<u32>, round: usize) -> anyhow::Result<()> {
    let env = TestEnv::new(&format!("bench-fair-{round}-{}", cap.unwrap_or(0))).await;
    let cap_entry = cap.map(|c| format!("noop={c}"));
    let mut extra = vec![("TALENTI_LOG_FORMAT", "json"), ("RUST_LOG", "info")];
    if let Some(c) = &cap_entry {
        extra.push(("TALENTI_ORG_CAP", c.as_str()));
    }
    let worker = env.worker("worker", &extra);
    worker.wait_log("started", 1, Duration::from_secs(30)).await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut conn = env.pool.acquire().await?;
    let slow: Vec<_> = (0..backlog).map(|_| json!({ "sleep_ms": 20 })).collect();
    let start = Instant::now();
    job_engine::db::enqueue_many(&mut conn, "noop", Some(a), 5, &slow).await?;
    let quick: Vec<_> = (0..20).map(|_| json!({})).collect();
    let b_ids = job_engine::db::enqueue_many(&mut conn, "noop", Some(b), 5, &quick).await?;
    drop(conn);
    let deadline = Duration::from_secs(600);
    loop {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE id = ANY($1) AND status = 'succeeded'",
        )
        .bind(&b_ids)
        .fetch_one(&env.pool)
        .await?;
        if done == b_ids.len() as i64 {
            break;
        }
        anyhow::ensure!(start.elapsed() < deadline, "B's jobs did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let b_done = start.elapsed();
    let mut waits: Vec<f64> = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM started_at - created_at)::float8 * 1000 FROM jobs WHERE id = ANY($1)",
    )
    .bind(&b_ids)
    .fetch_all(&env.pool)
    .await?;
    waits.sort_by(f64::total_cmp);
    let pct = |p: f64| waits[((waits.len() as f64 * p).ceil() as usize).clamp(1, waits.len()) - 1];
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE organisation_id = $1 AND status <> 'succeeded'",
        )
        .bind(a)
        .fetch_one(&env.pool)
        .await?;
        if left == 0 {
            break;
        }
        anyhow::ensure!(start.elapsed() < deadline, "A's jobs did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "  round {round}, {:<10} B enqueue→start p50 {:>8.1} ms, p99 {:>8.1} ms; B done after {:>6.2} s; A's backlog drained after {:>6.2} s",
        match cap {
            Some(c) => format!("cap {c}"),
            None => "no cap".to_owned(),
        },
        pct(0.5),
        pct(0.99),
        b_done.as_secs_f64(),
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}
