//! Job spine benchmark (run with `scripts/bench`; results in BENCHMARKS.md).
//!
//! (a) Drain: enqueue N no-op jobs (batches of 1,000 per transaction) while
//!     1 or 2 release-built worker processes run, and time until every job is
//!     `succeeded` in Postgres: enqueue, dispatcher, Redis, worker, outcome.
//!     Then, separately, until Redis is swept to empty (every finished
//!     apalis task's keys deleted), with the peak of finished tasks waiting
//!     to be swept.
//! (b) Sustained: enqueue at a steady rate for a while (batches every 20 ms)
//!     and sample the finished tasks not yet swept: under load the sweep
//!     must keep that count bounded, not growing with the run's length.
//! (c) Latency: enqueue single jobs (one transaction each, through the hand-off as the API does)
//!     at a steady rate and report enqueue→start (created_at → started_at)
//!     percentiles.
//! (d) `--assess`: the score and shortlist jobs (see `assess.rs`).

mod assess;
mod cpu;
mod fairness;
mod growth;
mod http;
mod parse_save;
mod peer;
mod queue_stats;

use job_engine::Job;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use clap::Parser;
use redis::AsyncCommands;
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
    /// Steady enqueue rate of the sustained run (jobs/s).
    #[arg(long, default_value_t = 3_000)]
    sustain_rate: u64,
    /// Length of the sustained run, seconds.
    #[arg(long, default_value_t = 30)]
    sustain_secs: u64,
    /// Worker processes in the sustained run.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    sustain_workers: Vec<usize>,
    /// Skip the sustained runs.
    #[arg(long)]
    no_sustain: bool,
    /// Skip the latency runs.
    #[arg(long)]
    no_latency: bool,
    /// Run the resume-parse benchmark instead of the spine's.
    #[arg(long)]
    parse: bool,
    /// Parse benchmark: copies of the 12 fixture resumes to parse.
    #[arg(long, default_value_t = 100)]
    parse_rounds: usize,
    /// Parse benchmark: jobs of `parse_resume` one worker runs at once
    /// (default: the kind's own).
    #[arg(long)]
    parse_concurrency: Option<usize>,
    /// Parse benchmark: how many times to measure raw and job path.
    #[arg(long, default_value_t = 3)]
    parse_repeats: usize,
    /// Parse benchmark: worker process counts of the job-path runs.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    parse_workers: Vec<usize>,
    /// Parse benchmark: skip the raw extraction runs.
    #[arg(long)]
    no_raw: bool,
    /// Run the assessment benchmark (score and shortlist jobs) instead of
    /// the spine's.
    #[arg(long)]
    assess: bool,
    /// Assessment benchmark: rounds.
    #[arg(long, default_value_t = 3)]
    assess_repeats: usize,
    /// Assessment benchmark: applications the shortlist ranks.
    #[arg(long, default_value_t = 10_000)]
    shortlist_applications: usize,
    /// Run the fairness benchmark (A's backlog, then B's 20 jobs; no cap
    /// and a per-organisation cap of `--fair-cap`) with this many of A's jobs.
    #[arg(long)]
    fairness: Option<usize>,
    #[arg(long, default_value_t = 8)]
    fair_cap: u32,
    /// Time the queue-state queries (metrics, `GET /queues`) with this many
    /// job rows in the table instead of the spine's benchmark.
    #[arg(long)]
    queue_stats: Option<i64>,
    /// Drain and poll with this many finished job rows in the table, kept
    /// and then purged (see `growth.rs`; takes `--jobs`), e.g.
    /// `20000,200000,2000000`.
    #[arg(long, value_delimiter = ',')]
    growth: Vec<i64>,
    /// Growth benchmark: seconds of each wrk poll.
    #[arg(long, default_value_t = 10)]
    growth_secs: u64,
    /// Time the parse's own write (`save_parse`) alone, this many saves
    /// (see `parse_save.rs`; takes `--parse-repeats`).
    #[arg(long)]
    parse_save: Option<usize>,
    /// Parse-save benchmark: saves per transaction.
    #[arg(long, default_value_t = 1)]
    parse_save_batch: usize,
    /// Internal: extract the fixtures in a loop for this many seconds and
    /// print `pages resumes` (one process of the raw measurement).
    #[arg(long, hide = true)]
    raw_extract_secs: Option<f64>,
    /// Internal: with --raw-extract-secs, also parse each text with the
    /// built-in engine.
    #[arg(long, hide = true)]
    raw_with_engine: bool,
    /// Run our drain and latency side by side with Celery's (see `peer.rs`;
    /// takes `--jobs`, `--workers`, `--rate`, `--latency-secs`,
    /// `--latency-workers`).
    #[arg(long)]
    peer: bool,
    /// Peer benchmark: rounds (even rounds run Celery first).
    #[arg(long, default_value_t = 2)]
    peer_rounds: usize,
    /// Run wrk against the API (see `http.rs`) instead of the spine's
    /// benchmark.
    #[arg(long)]
    http: bool,
    /// HTTP benchmark: seconds of each wrk run.
    #[arg(long, default_value_t = 15)]
    http_secs: u64,
    /// HTTP benchmark: rounds.
    #[arg(long, default_value_t = 1)]
    http_rounds: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if std::env::var("TALENTI_BIN_DIR").is_err() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release");
        std::env::set_var("TALENTI_BIN_DIR", dir);
    }
    if let Some(secs) = args.raw_extract_secs {
        let (pages, resumes) = raw_extract(Duration::from_secs_f64(secs), args.raw_with_engine);
        println!("{pages} {resumes}");
        return Ok(());
    }
    if args.peer {
        return peer::run(&args).await;
    }
    if args.http {
        return http::run(args.http_secs, args.http_rounds).await;
    }
    if args.parse {
        return parse_bench(&args).await;
    }
    if args.assess {
        return assess::run(args.assess_repeats, args.shortlist_applications).await;
    }
    if let Some(backlog) = args.fairness {
        return fairness::run(backlog, args.fair_cap, 2).await;
    }
    if let Some(saves) = args.parse_save {
        return parse_save::run(saves, args.parse_repeats, args.parse_save_batch).await;
    }
    if !args.growth.is_empty() {
        return growth::run(&args.growth, args.jobs, args.growth_secs).await;
    }
    if let Some(rows) = args.queue_stats {
        return queue_stats::run(rows, 20).await;
    }
    if !args.no_drain {
        for &n in &args.workers {
            drain(args.jobs, n).await?;
        }
    }
    if !args.no_sustain {
        for &n in &args.sustain_workers {
            sustained(args.sustain_rate, args.sustain_secs, n).await?;
        }
    }
    if !args.no_latency {
        for &n in &args.latency_workers {
            latency(args.rate, args.latency_secs, n).await?;
        }
    }
    Ok(())
}

/// The Redis keys of the `noop` queue's tasks. apalis keeps, per task, a
/// field in the data hash and a metadata hash, and puts a finished task's id
/// in the done (or dead) set; the dispatcher's sweep deletes all three.
struct RedisTasks {
    conn: redis::aio::ConnectionManager,
    done: String,
    dead: String,
    data: String,
    meta: String,
}

impl RedisTasks {
    async fn new(env: &TestEnv) -> anyhow::Result<Self> {
        let q = job_engine::queue::Queues::connect(&env.redis_url, &env.prefix).await?;
        let keys = q.task_keys("noop");
        Ok(Self {
            conn: q.connection(),
            done: keys.done,
            dead: keys.dead,
            data: keys.data,
            meta: keys.meta,
        })
    }

    /// (finished tasks not yet swept, tasks of any state with data in Redis).
    async fn counts(&mut self) -> anyhow::Result<(u64, u64)> {
        let (done, dead, data): (u64, u64, u64) = redis::pipe()
            .scard(&self.done)
            .scard(&self.dead)
            .hlen(&self.data)
            .query_async(&mut self.conn)
            .await?;
        Ok((done + dead, data))
    }

    /// Metadata hashes left (a SCAN: only once a run is over).
    async fn meta_keys(&mut self) -> anyhow::Result<usize> {
        let mut iter: redis::AsyncIter<String> =
            self.conn.scan_match(format!("{}:*", self.meta)).await?;
        let mut n = 0;
        while let Some(k) = iter.next_item().await {
            k?;
            n += 1;
        }
        Ok(n)
    }

    /// Polls until no task has keys left; returns when that was, and the
    /// most finished-but-unswept tasks seen meanwhile.
    async fn wait_swept(&mut self, deadline: Duration) -> anyhow::Result<(Instant, u64)> {
        let start = Instant::now();
        let mut peak = 0;
        loop {
            let (unswept, data) = self.counts().await?;
            peak = peak.max(unswept);
            if unswept == 0 && data == 0 {
                let at = Instant::now();
                let meta = self.meta_keys().await?;
                anyhow::ensure!(meta == 0, "{meta} task metadata keys left after the sweep");
                return Ok((at, peak));
            }
            anyhow::ensure!(
                start.elapsed() < deadline,
                "Redis not swept after {deadline:?}: {unswept} finished tasks, {data} tasks with data"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
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

async fn drain(jobs: usize, workers: usize) -> anyhow::Result<peer::DrainFigures> {
    let env = TestEnv::new(&format!("bench-drain-{workers}")).await;
    let procs = start_workers(&env, workers).await;
    drain_in(&env, &procs, jobs).await
}

/// Drains `jobs` no-op jobs with the running `workers`. Only jobs made by
/// this run are counted (ids from `first` up, one primary-key range), so
/// the table may hold other rows.
async fn drain_in(
    env: &TestEnv,
    procs: &[tests::Proc],
    jobs: usize,
) -> anyhow::Result<peer::DrainFigures> {
    let workers = procs.len();
    let mut redis = RedisTasks::new(env).await?;
    let payloads: Vec<serde_json::Value> = (0..1_000).map(|_| json!({})).collect();
    let first = uuid::Uuid::now_v7();
    let ours = |cond: &str| {
        format!("SELECT count(*) FROM jobs WHERE id >= '{first}' AND kind = 'noop' AND ({cond})")
    };
    let cpu = cpu::Components {
        pids: vec![("workers", procs.iter().map(|w| w.pid()).collect())],
    };
    let cpu_before = cpu.sample();

    let t0 = Instant::now();
    let mut sent = 0;
    while sent < jobs {
        let n = (jobs - sent).min(payloads.len());
        let mut tx = env.pool.begin().await?;
        job_engine::db::enqueue_many(&mut tx, "noop", None, 5, &payloads[..n]).await?;
        tx.commit().await?;
        sent += n;
    }
    let enqueued = t0.elapsed();
    // Every job succeeded in Postgres: the figure comparable with earlier
    // runs. Finished tasks waiting to be swept are sampled meanwhile.
    let mut peak = 0;
    let deadline = Duration::from_secs(600);
    loop {
        peak = peak.max(redis.counts().await?.0);
        let done = env.count(&ours("status = 'succeeded'")).await;
        if done as usize >= jobs {
            break;
        }
        anyhow::ensure!(t0.elapsed() < deadline, "jobs not done after {deadline:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let total = t0.elapsed();
    let cpu_after = cpu.sample();
    let cpu_used = cpu_before.per_unit(&cpu_after, jobs as f64);
    let cpu_of = |name| cpu_before.us_per_unit(&cpu_after, jobs as f64, name);
    let cpu_per_job = [cpu_of("workers"), cpu_of("postgres"), cpu_of("redis")];
    let (swept_at, after_peak) = redis.wait_swept(Duration::from_secs(600)).await?;
    let swept = swept_at - t0;
    let peak = peak.max(after_peak);
    let other = env
        .count(&ours("status <> 'succeeded' OR attempt <> 1"))
        .await;
    anyhow::ensure!(
        other == 0,
        "{other} jobs did not succeed at their first attempt"
    );
    println!(
        "drain: {jobs} jobs, {workers} worker process(es): {:.0} jobs/s end to end ({:.2} s; enqueue alone {:.2} s); \
         Redis swept to empty after {:.2} s ({:.0} jobs/s including the sweep), peak {peak} finished tasks unswept; {cpu_used}",
        jobs as f64 / total.as_secs_f64(),
        total.as_secs_f64(),
        enqueued.as_secs_f64(),
        swept.as_secs_f64(),
        jobs as f64 / swept.as_secs_f64(),
    );
    Ok(peer::DrainFigures {
        workers,
        jobs_per_s: jobs as f64 / total.as_secs_f64(),
        secs: total.as_secs_f64(),
        enqueue_secs: enqueued.as_secs_f64(),
        cpu: Some(cpu_per_job),
    })
}

/// Enqueues at `rate` jobs/s for `secs` s (a transaction every 20 ms) and
/// samples the finished tasks not yet swept every 100 ms. Bounded means the
/// last third of the run peaks no higher than the first third, give or take
/// one sweep batch; the slope over the whole run says how fast it grows.
async fn sustained(rate: u64, secs: u64, workers: usize) -> anyhow::Result<()> {
    const TICK: Duration = Duration::from_millis(20);
    let env = TestEnv::new(&format!("bench-sustain-{workers}")).await;
    let _procs = start_workers(&env, workers).await;
    let mut redis = RedisTasks::new(&env).await?;
    let ticks = secs * 1000 / TICK.as_millis() as u64;
    let per_tick = (rate as f64 * TICK.as_secs_f64()).round() as usize;
    let payloads: Vec<serde_json::Value> = (0..per_tick).map(|_| json!({})).collect();

    let t0 = Instant::now();
    let samples: Arc<Mutex<Vec<(f64, u64)>>> = Arc::default();
    let sampler = {
        let mut redis = RedisTasks::new(&env).await?;
        let samples = samples.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Ok((unswept, _)) = redis.counts().await {
                    let t = t0.elapsed().as_secs_f64();
                    samples.lock().unwrap().push((t, unswept));
                }
            }
        })
    };

    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for _ in 0..ticks {
        tick.tick().await;
        let mut tx = env.pool.begin().await?;
        job_engine::db::enqueue_many(&mut tx, "noop", None, 5, &payloads).await?;
        tx.commit().await?;
    }
    let enqueue_secs = t0.elapsed().as_secs_f64();
    let total = ticks as usize * per_tick;
    wait_all_succeeded(
        &env,
        "every job to succeed",
        total,
        Duration::from_secs(600),
    )
    .await;
    let caught_up = t0.elapsed().as_secs_f64() - enqueue_secs;
    let (swept_at, _) = redis.wait_swept(Duration::from_secs(600)).await?;
    let swept_after = swept_at.duration_since(t0).as_secs_f64() - enqueue_secs - caught_up;
    sampler.abort();
    let samples = std::mem::take(&mut *samples.lock().unwrap());
    let other = env
        .count("SELECT count(*) FROM jobs WHERE status <> 'succeeded' OR attempt <> 1")
        .await;
    anyhow::ensure!(
        other == 0,
        "{other} jobs did not succeed at their first attempt"
    );

    // While jobs were being enqueued.
    let during: Vec<(f64, u64)> = samples
        .into_iter()
        .filter(|(t, _)| *t <= enqueue_secs)
        .collect();
    let third = |k: usize| {
        let (a, b) = (
            enqueue_secs * k as f64 / 3.0,
            enqueue_secs * (k + 1) as f64 / 3.0,
        );
        during
            .iter()
            .filter(|(t, _)| *t >= a && *t < b)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0)
    };
    let peak = during.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let mean = during.iter().map(|(_, n)| *n as f64).sum::<f64>() / during.len().max(1) as f64;
    let slope = slope(&during);
    let (first, last) = (third(0), third(2));
    let bounded = last <= first + 1_000;
    println!(
        "sustained: {total} jobs at {rate}/s for {secs} s ({:.0} jobs/s enqueued), {workers} worker process(es): \
         finished tasks unswept peak {peak}, mean {mean:.0}, peak in first/last third {first}/{last}, trend {slope:+.0}/s: {}; \
         every job succeeded {caught_up:.2} s after the last enqueue, Redis swept to empty {swept_after:.2} s after that",
        total as f64 / enqueue_secs,
        if bounded { "bounded" } else { "GROWING" },
    );
    Ok(())
}

/// Least-squares slope of `(t, n)` samples, per second.
fn slope(samples: &[(f64, u64)]) -> f64 {
    let n = samples.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mt = samples.iter().map(|(t, _)| t).sum::<f64>() / n;
    let mv = samples.iter().map(|(_, v)| *v as f64).sum::<f64>() / n;
    let cov: f64 = samples
        .iter()
        .map(|(t, v)| (t - mt) * (*v as f64 - mv))
        .sum();
    let var: f64 = samples.iter().map(|(t, _)| (t - mt).powi(2)).sum();
    if var == 0.0 {
        0.0
    } else {
        cov / var
    }
}

async fn latency(rate: u64, secs: u64, workers: usize) -> anyhow::Result<peer::LatencyFigures> {
    let env = TestEnv::new(&format!("bench-latency-{workers}")).await;
    let procs = start_workers(&env, workers).await;
    let cpu = cpu::Components {
        pids: vec![("workers", procs.iter().map(|w| w.pid()).collect())],
    };
    // Enqueues as the API does: through the hand-off, pushed to Redis as
    // each transaction commits.
    let handoff = job_engine::Handoff::start(
        env.pool.clone(),
        &env.redis_url,
        &env.prefix,
        ["noop".to_owned()],
        2_000,
    );
    wait_for(
        "the hand-off to reach Redis",
        Duration::from_secs(30),
        || {
            let ready = handoff.takes("noop");
            async move { ready.then_some(()) }
        },
    )
    .await;
    let total = rate * secs;
    let cpu_before = cpu.sample();
    let every = Duration::from_secs_f64(1.0 / rate as f64);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut handles = Vec::with_capacity(total as usize);
    for _ in 0..total {
        tick.tick().await;
        let handoff = handoff.clone();
        handles.push(tokio::spawn(async move {
            let mut tx = handoff.begin().await?;
            job_kinds::Noop::default()
                .enqueue(&mut tx, job_engine::Enqueue::system())
                .await?;
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    wait_all_succeeded(
        &env,
        "every job to succeed",
        total as usize,
        Duration::from_secs(120),
    )
    .await;
    let cpu_used = cpu_before.per_unit(&cpu.sample(), total as f64);
    let mut ms: Vec<f64> = sqlx::query_scalar(
        "SELECT (extract(epoch FROM started_at - created_at) * 1000)::float8 FROM jobs ORDER BY 1",
    )
    .fetch_all(&env.pool)
    .await?;
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "latency: {total} jobs at {rate}/s, {workers} worker process(es): enqueue→start p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {cpu_used}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        ms[ms.len() - 1]
    );
    Ok(peer::LatencyFigures {
        jobs: total,
        workers,
        p50: pct(0.50),
        p90: pct(0.90),
        p99: pct(0.99),
        max: ms[ms.len() - 1],
    })
}

fn fixture_resumes() -> Vec<(String, Vec<u8>)> {
    (1..=12)
        .map(|n| {
            let name = format!("resume_{n:02}.pdf");
            (name.clone(), tests::fixture(&name))
        })
        .collect()
}

/// Raw pdfium text extraction of the fixtures (and, with `engine`, the
/// built-in parse of each text), in a loop, in this process.
fn raw_extract(for_: Duration, engine: bool) -> (usize, usize) {
    let files = fixture_resumes();
    let limits = documents::Limits::default();
    let start = Instant::now();
    let (mut pages, mut resumes) = (0, 0);
    while start.elapsed() < for_ {
        for (_, bytes) in &files {
            let x = pdf_text::extract(bytes, &limits).expect("fixture extracts");
            if engine {
                std::hint::black_box(extraction::parse_resume(&x.text, "2026-11"));
            }
            pages += x.pages;
            resumes += 1;
        }
    }
    (pages, resumes)
}

/// Raw extraction in `procs` processes at once for `secs`: (pages, resumes)
/// per second, all processes together.
fn raw_run(procs: usize, engine: bool, secs: f64) -> anyhow::Result<(f64, f64)> {
    let me = std::env::current_exe()?;
    let cpu_before = cpu::Components::default().sample();
    let handles: Vec<_> = (0..procs)
        .map(|_| {
            let me = me.clone();
            std::thread::spawn(move || {
                let mut cmd = std::process::Command::new(me);
                cmd.args(["--raw-extract-secs", &secs.to_string()]);
                if engine {
                    cmd.arg("--raw-with-engine");
                }
                let out = cmd.output().expect("run raw extraction");
                let text = String::from_utf8_lossy(&out.stdout).to_string();
                let mut it = text
                    .split_whitespace()
                    .map(|n| n.parse::<usize>().unwrap_or(0));
                (it.next().unwrap_or(0), it.next().unwrap_or(0))
            })
        })
        .collect();
    let (mut pages, mut resumes) = (0, 0);
    for h in handles {
        let (p, r) = h.join().expect("raw thread");
        pages += p;
        resumes += r;
    }
    let children = cpu::Components::default().sample().get("load generator")
        - cpu_before.get("load generator");
    println!(
        "  raw: {:.0} µs CPU per resume ({}extraction)",
        children * 1e6 / resumes.max(1) as f64,
        if engine { "built-in parse and " } else { "" }
    );
    Ok((pages as f64 / secs, resumes as f64 / secs))
}

/// Each repeat measures raw extraction and then the job path right after
/// it, with 1 and then 2 processes, so each share of raw compares runs
/// seconds apart (this machine's speed drifts by tens of percent over
/// minutes).
async fn parse_bench(args: &Args) -> anyhow::Result<()> {
    if !args.no_raw {
        for procs in [1, 2] {
            let (pages, resumes) = raw_run(procs, true, 4.0)?;
            println!(
                "raw extraction + built-in parse, {procs} process(es): {pages:.0} pages/s, {resumes:.0} resumes/s"
            );
        }
    }
    let mut shares: Vec<(usize, f64)> = Vec::new();
    for repeat in 1..=args.parse_repeats {
        for &workers in &args.parse_workers {
            let raw = if args.no_raw {
                None
            } else {
                let (pages, resumes) = raw_run(workers, false, 4.0)?;
                println!(
                    "repeat {repeat}: raw pdfium extraction, {workers} process(es): {pages:.0} pages/s, {resumes:.0} resumes/s"
                );
                Some(pages)
            };
            let (pages, _) = parse_run(args, workers).await?;
            if let Some(raw_pages) = raw {
                let share = pages / raw_pages;
                println!("  job path share of raw: {:.0} %", share * 100.0);
                shares.push((workers, share));
            }
        }
    }
    for &workers in &args.parse_workers {
        let mut s: Vec<f64> = shares
            .iter()
            .filter(|(w, _)| *w == workers)
            .map(|(_, v)| *v)
            .collect();
        if s.is_empty() {
            continue;
        }
        s.sort_by(f64::total_cmp);
        println!(
            "job path / raw, {workers} process(es): median {:.0} % (of {}: {})",
            s[s.len() / 2] * 100.0,
            s.len(),
            s.iter()
                .map(|v| format!("{:.0} %", v * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// Transactions committed in the current database so far.
async fn commits(pool: &sqlx::PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await
}

/// The whole job path: stored uploads → parse_resume jobs → workers →
/// candidates and applications in Postgres.
async fn parse_run(args: &Args, workers: usize) -> anyhow::Result<(f64, f64)> {
    let env = TestEnv::new(&format!("bench-parse-{workers}")).await;
    let storage = env.log_dir.join("storage");
    let storage_s = storage.to_string_lossy().to_string();
    let conc = args
        .parse_concurrency
        .map(|c| format!("parse_resume={c}"))
        .unwrap_or_default();
    let mut extra = vec![
        ("TALENTI_STORAGE_URL", storage_s.as_str()),
        ("TALENTI_WORKER_KINDS", "parse_resume"),
        ("TALENTI_LOG_FORMAT", "json"),
    ];
    if args.parse_concurrency.is_some() {
        extra.push(("TALENTI_WORKER_CONCURRENCY", conc.as_str()));
    }
    let mut procs = Vec::new();
    for i in 0..workers {
        procs.push(env.worker(&format!("worker-{i}"), &extra));
    }
    for p in &procs {
        p.wait_log("started", 1, Duration::from_secs(30)).await;
    }
    // One organisation per round, so every parse writes its own candidate
    // (re-parsing one person 20 times at once would measure row locks).
    let mut targets = Vec::new();
    for _ in 0..args.parse_rounds {
        targets.push(open_role(&env.pool).await?);
    }
    // Uploads stored ahead (as the API would), then enqueued at once.
    let store = recruiting::storage::open(&storage_s)?;
    let files = fixture_resumes();
    let mut rows = Vec::new();
    for &(org, role) in &targets {
        for (_, bytes) in &files {
            let id = uuid::Uuid::now_v7();
            let key = recruiting::storage::resume_key(org, id, "pdf");
            store.put(&key, bytes.clone().into()).await?;
            rows.push((id, org, role, key.to_string(), bytes.len() as i64));
        }
    }
    let cpu = cpu::Components {
        pids: vec![("workers", procs.iter().map(|w| w.pid()).collect())],
    };
    let idle_start = cpu.sample();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_end = cpu.sample();
    let commits_before = commits(&env.pool).await?;
    let cpu_before = cpu.sample();
    let t0 = Instant::now();
    let mut tx = env.pool.begin().await?;
    for (id, org, role, key, size) in &rows {
        let job = job_kinds::ParseResume {
            resume_id: *id,
            storage_key: Some(key.clone()),
        }
        .enqueue(&mut tx, job_engine::Enqueue::for_org(*org))
        .await?;
        sqlx::query(
            "INSERT INTO resumes (id, organisation_id, job_role_id, storage_key, kind, size_bytes, sha256, job_id)
             VALUES ($1, $2, $3, $4, 'pdf', $5, '', $6)",
        )
        .bind(id)
        .bind(org)
        .bind(role)
        .bind(key)
        .bind(size)
        .bind(job.job.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let total = rows.len();
    wait_all_succeeded(
        &env,
        "every parse to succeed",
        total,
        Duration::from_secs(900),
    )
    .await;
    let secs = t0.elapsed().as_secs_f64();
    let cpu_after = cpu.sample();
    let cpu_used = format!(
        "{}; {}",
        cpu_before.per_unit(&cpu_after, rows.len() as f64),
        cpu_before.per_unit_net(
            &cpu_after,
            rows.len() as f64,
            secs,
            (&idle_start, &idle_end, 3.0)
        )
    );
    let commits_after = commits(&env.pool).await?;
    let pages = env
        .count("SELECT coalesce(sum(pages), 0) FROM resumes")
        .await;
    let bad = env
        .count("SELECT count(*) FROM jobs WHERE status <> 'succeeded' OR attempt <> 1")
        .await;
    anyhow::ensure!(
        bad == 0,
        "{bad} parse jobs did not succeed at their first attempt"
    );
    let (run_ms, p90_ms): (f64, f64) = sqlx::query_as(
        "SELECT (avg(extract(epoch FROM finished_at - started_at)) * 1000)::float8,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)::float8) * 1000
         FROM jobs",
    )
    .fetch_one(&env.pool)
    .await?;
    let (pages_s, resumes_s) = (pages as f64 / secs, total as f64 / secs);
    println!(
        "job path, {workers} worker process(es): {total} resumes in {secs:.2} s = {resumes_s:.0} resumes/s, {pages_s:.0} pages/s; a job runs {run_ms:.1} ms on average (p90 {p90_ms:.1} ms); {:.1} Postgres transactions per resume; {cpu_used}",
        (commits_after - commits_before) as f64 / total as f64
    );
    Ok((pages_s, resumes_s))
}

/// A new organisation with an open job role: (organisation, role).
async fn open_role(pool: &sqlx::PgPool) -> anyhow::Result<(uuid::Uuid, uuid::Uuid)> {
    let (org, role) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    sqlx::query("INSERT INTO organisations (id, name) VALUES ($1, 'bench')")
        .bind(org)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO job_roles (id, organisation_id, title, status) VALUES ($1, $2, 'Bench', 'open')",
    )
    .bind(role)
    .bind(org)
    .execute(pool)
    .await?;
    Ok((org, role))
}

/// Waits until `total` jobs have succeeded.
async fn wait_all_succeeded(env: &TestEnv, what: &str, total: usize, deadline: Duration) {
    wait_for(what, deadline, || async {
        let done = env
            .count("SELECT count(*) FROM jobs WHERE status = 'succeeded'")
            .await;
        (done as usize >= total).then_some(())
    })
    .await;
}
