//! `--growth 20000,200000,2000000`: what the hot paths cost as the jobs
//! table grows. Per size, in a fresh database: that many finished jobs are
//! seeded (5 to 45 days old, so the purge keeps about a quarter, over 12 kinds and 200 organisations, one of
//! them the polling recruiter's; 97 % succeeded, 2 % cancelled, 1 % dead;
//! each `parse_resume` job with its resume row pointing at it), then
//!
//! - a drain of `--jobs` no-op jobs with 2 worker processes (jobs/s, CPU
//!   per job, and the rows Postgres read by sequential scans of `jobs` per
//!   job: a hot query that scans grows with the table),
//! - polls with wrk as the organisation's recruiter: `GET /jobs/{id}` of a
//!   seeded job, `GET /jobs?ids=` of ten, and the first page of
//!   `GET /jobs?kind=parse_resume&status=dead`,
//!
//! with the rows kept, then again after `purge_finished_jobs`'s own purge
//! (default retention: 14 days for succeeded and cancelled, 30 for dead)
//! deleted what is past retention, timed, with a drain running beside it.

use std::time::{Duration, Instant};

use tests::TestEnv;

use crate::http::{line, wrk, ScriptDir, Wrk, WARMUP_SECS};

const KINDS: [&str; 12] = [
    "parse_resume",
    "send_email",
    "score_interview",
    "extract_requirements",
    "generate_questions",
    "shortlist",
    "deliver_webhook",
    "candidate_report",
    "send_reminders",
    "expire_invitations",
    "retention_cleanup",
    "fetch_call_transcript",
];
/// Rows per seeding statement.
const SEED_CHUNK: i64 = 250_000;

/// One phase's figures (rows kept, or purged).
struct Phase {
    rows: i64,
    table_mb: f64,
    drain: crate::peer::DrainFigures,
    seq_rows_per_job: f64,
    polls: Vec<(&'static str, Wrk, f64)>,
}

pub async fn run(sizes: &[i64], jobs: usize, secs: u64) -> anyhow::Result<()> {
    crate::peer::print_machine().await;
    crate::peer::print_load("before");
    let mut table = Vec::new();
    for &size in sizes {
        table.push((size, one_size(size, jobs, secs).await?));
    }
    crate::peer::print_load("after");
    println!();
    println!("### The jobs table growing: {jobs}-job drains (2 workers), wrk polls {secs} s as a recruiter");
    println!();
    println!("| seeded | phase | rows | table+indexes MB | drain jobs/s | CPU µs/job (workers, Postgres, Redis) | rows seq-scanned per job | GET /jobs/{{id}} req/s, p99 | GET /jobs?ids= (10) req/s, p99 | GET /jobs?kind&status req/s, p99 | polls: Postgres µs/request |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (size, (kept, purged, purge)) in &table {
        for (name, p) in [("kept", kept), ("purged", purged)] {
            let cpu = p.drain.cpu.unwrap_or_default();
            let polls: Vec<String> = p
                .polls
                .iter()
                .map(|(_, w, _)| format!("{:.0}, {:.2} ms", w.rps, w.p99_ms))
                .collect();
            let pg: Vec<String> = p
                .polls
                .iter()
                .map(|(_, _, pg)| format!("{pg:.0}"))
                .collect();
            println!(
                "| {size} | {name} | {} | {:.0} | {:.0} | {:.0}, {:.0}, {:.0} | {:.2} | {} | {} |",
                p.rows,
                p.table_mb,
                p.drain.jobs_per_s,
                cpu[0],
                cpu[1],
                cpu[2],
                p.seq_rows_per_job,
                polls.join(" | "),
                pg.join(" / "),
            );
        }
        println!("|  | purge | {purge} |  |  |  |  |  |  |  |  |");
    }
    Ok(())
}

/// (kept, purged, what the purge did).
async fn one_size(size: i64, jobs: usize, secs: u64) -> anyhow::Result<(Phase, Phase, String)> {
    let env = TestEnv::new(&format!("bench-growth-{size}")).await;
    let api = crate::http::bench_api(&env, 20 * (secs + WARMUP_SECS)).await;
    let org = api.organisation("growth").await;
    let procs = crate::start_workers(&env, 2).await;

    let t = Instant::now();
    seed(&env, org.id, size).await?;
    println!(
        "growth {size}: seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let token = &org.recruiter.access_token;
    let measure = || phase(&env, &api, &procs, org.id, token, jobs, secs, size);
    let kept = measure().await?;

    // The purge, with a drain running beside it (as it would under load).
    let purge = {
        let pool = env.pool.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            let now = chrono::Utc::now();
            let (finished, dead) = (
                now - chrono::Duration::days(14),
                now - chrono::Duration::days(30),
            );
            let (mut deleted, mut after) = (0, None);
            loop {
                let (n, last) =
                    job_engine::db::prune_finished(&pool, finished, dead, after, 5_000).await?;
                deleted += n;
                after = last.or(after);
                if n < 5_000 {
                    return Ok::<_, sqlx::Error>((deleted, t.elapsed().as_secs_f64()));
                }
            }
        })
    };
    let beside = crate::drain_in(&env, &procs, jobs).await?;
    let (deleted, purge_secs) = purge.await??;
    // What autovacuum would do in its own time, done now so the figures
    // after the purge do not depend on when it runs.
    let v = Instant::now();
    sqlx::query("VACUUM ANALYZE jobs")
        .execute(&env.pool)
        .await?;
    checkpoint(&env).await?;
    let purge_note = format!(
        "{deleted} rows deleted in {purge_secs:.1} s ({:.0} rows/s) while {jobs} jobs drained beside it at {:.0} jobs/s; VACUUM {:.1} s",
        deleted as f64 / purge_secs,
        beside.jobs_per_s,
        v.elapsed().as_secs_f64()
    );
    println!("growth {size}: purge: {purge_note}");

    let purged = measure().await?;
    Ok((kept, purged, purge_note))
}

/// Seeds `size` finished jobs, ids UUIDv7 of their creation instant as the
/// engine makes them, and analyses the table.
async fn seed(env: &TestEnv, org: uuid::Uuid, size: i64) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO organisations (id, name) SELECT gen_random_uuid(), 'org ' || g FROM generate_series(1, 199) g",
    )
    .execute(&env.pool)
    .await?;
    let kinds: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
    let mut from = 0;
    while from < size {
        let to = (from + SEED_CHUNK).min(size);
        sqlx::query(
            "WITH orgs AS (SELECT $1::uuid || array_agg(id ORDER BY id) AS ids
                           FROM organisations WHERE id <> $1),
                  g AS (SELECT g, now() - interval '5 days' - random() * interval '40 days' AS at,
                               (random() * 12)::int % 12 AS kind, (random() * 200)::int % 200 AS org,
                               (random() * 100)::int % 100 AS state
                        FROM generate_series($2::bigint + 1, $3::bigint) g)
             INSERT INTO jobs (id, kind, organisation_id, status, attempt, max_attempts, run_at, payload,
                               result, created_at, started_at, finished_at, updated_at)
             SELECT encode(set_byte(overlay(uuid_send(gen_random_uuid())
                                     placing substring(int8send((extract(epoch FROM at) * 1000)::bigint) from 3)
                                     from 1 for 6), 6, (g % 16)::int | 112), 'hex')::uuid,
                    ($4::text[])[1 + kind], (SELECT ids[1 + org] FROM orgs),
                    CASE WHEN state < 97 THEN 'succeeded' WHEN state < 99 THEN 'cancelled' ELSE 'dead' END::job_status,
                    1, 5, at, jsonb_build_object('resume_id', gen_random_uuid()), '{}',
                    at, at, at + interval '1 second', at + interval '1 second'
             FROM g",
        )
        .bind(org)
        .bind(from)
        .bind(to)
        .bind(&kinds)
        .execute(&env.pool)
        .await?;
        from = to;
    }
    // Each parse job's resume points at it (the purge sets that to NULL).
    sqlx::query(
        "INSERT INTO resumes (id, organisation_id, storage_key, kind, size_bytes, sha256, status, job_id, created_at)
         SELECT gen_random_uuid(), organisation_id, 'resumes/seeded.pdf', 'pdf', 1, '', 'parsed', id, created_at
         FROM jobs WHERE kind = 'parse_resume'",
    )
    .execute(&env.pool)
    .await?;
    sqlx::query("VACUUM ANALYZE jobs, resumes")
        .execute(&env.pool)
        .await?;
    checkpoint(env).await
}

/// Writes out what seeding (or purging) dirtied, so the measurements that
/// follow do not pay for a checkpoint it set off (full-page images of every
/// page first touched after it, and the checkpointer's own CPU).
async fn checkpoint(env: &TestEnv) -> anyhow::Result<()> {
    sqlx::query("CHECKPOINT").execute(&env.pool).await?;
    Ok(())
}

/// Sequential scans of `jobs` so far: rows read.
async fn seq_rows(env: &TestEnv) -> anyhow::Result<i64> {
    // Backends publish their counters at most once a second.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    Ok(sqlx::query_scalar(
        "SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relname = 'jobs'",
    )
    .fetch_one(&env.pool)
    .await?)
}

#[allow(clippy::too_many_arguments)]
async fn phase(
    env: &TestEnv,
    api: &tests::Api,
    procs: &[tests::Proc],
    org: uuid::Uuid,
    token: &str,
    jobs: usize,
    secs: u64,
    size: i64,
) -> anyhow::Result<Phase> {
    let rows = env.count("SELECT count(*) FROM jobs").await;
    let table_mb: f64 =
        sqlx::query_scalar("SELECT pg_total_relation_size('jobs')::float8 / 1048576")
            .fetch_one(&env.pool)
            .await?;
    let seq_before = seq_rows(env).await?;
    let drain = crate::drain_in(env, procs, jobs).await?;
    let seq_rows_per_job = (seq_rows(env).await? - seq_before) as f64 / jobs as f64;

    // Polls of the organisation's own jobs, as its recruiter.
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE organisation_id = $1 ORDER BY id DESC LIMIT 10",
    )
    .bind(org)
    .fetch_all(&env.pool)
    .await?;
    anyhow::ensure!(ids.len() == 10, "the organisation has {} jobs", ids.len());
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let paths = [
        ("GET /jobs/{id}", format!("/api/v1/jobs/{}", ids[0])),
        (
            "GET /jobs?ids=",
            format!("/api/v1/jobs?ids={}", list.join(",")),
        ),
        (
            "GET /jobs?kind&status",
            "/api/v1/jobs?kind=parse_resume&status=dead&limit=50".to_owned(),
        ),
    ];
    let scripts = ScriptDir::new()?;
    let script = scripts.write(
        "get.lua",
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    )?;
    let cpu = crate::cpu::Components {
        pids: vec![("api", vec![api.proc.pid()])],
    };
    let mut polls = Vec::new();
    for (name, path) in paths {
        let res = api.as_(token, reqwest::Method::GET, &path).send().await?;
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await?;
        anyhow::ensure!(status == 200, "{path} answered {status}: {body}");
        // The filtered page may be empty: a filter matching nothing is
        // the list's worst case (nothing stops its scan early).
        if name == "GET /jobs?ids=" {
            let n = body["items"].as_array().map_or(0, Vec::len);
            anyhow::ensure!(n > 0, "{path} found no jobs");
        }
        let url = api.url(&path);
        wrk(&script, &url, WARMUP_SECS).await?;
        let before = cpu.sample();
        let w = wrk(&script, &url, secs).await?;
        let after = cpu.sample();
        let pg = before.us_per_unit(&after, w.requests as f64, "postgres");
        println!(
            "growth {size} ({rows} rows): {name}: {}; {}",
            line(&w),
            before.per_unit(&after, w.requests as f64)
        );
        anyhow::ensure!(
            w.non_2xx_3xx == 0,
            "{name}: {} non-2xx/3xx answers",
            w.non_2xx_3xx
        );
        polls.push((name, w, pg));
    }
    Ok(Phase {
        rows,
        table_mb,
        drain,
        seq_rows_per_job,
        polls,
    })
}
