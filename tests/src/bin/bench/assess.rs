//! Assessment benchmarks (issue 10), each job run by a release worker and
//! timed from Postgres (`started_at` → `finished_at`: claim to outcome):
//! (a) the built-in scorer on a 60-minute transcript, in this process
//!     (CPU-bound: wall time on a quiet core) and as `score_interview` jobs;
//! (b) `shortlist` over N synthetic applications of one job role (skills
//!     from the job description's, years spread, a third interviewed and
//!     scored), with the ranking's own time and the snapshot's size;
//! (c) the built-in interviewer's turn latency through the release API
//!     (HTTP, candidate tokens) with many interviews at once.

use std::time::{Duration, Instant};

use assessment::{rubric::default_rubric, score_interview, Turn};
use job_engine::{Enqueue, Job};
use serde_json::Value;
use tests::{fixture, TestEnv};
use uuid::Uuid;

use crate::wait_all_succeeded;

/// A made-up candidate's email, sealed and indexed as the platform stores it.
fn sealed_email(id: Uuid, email: &str) -> (Vec<u8>, Vec<u8>) {
    let keys = tests::test_keyring(tests::TEST_DATA_KEYS);
    let f = recruiting::store::candidates::Sealer { keys: &keys }.email(id, email);
    (f.sealed, f.index)
}

/// tr_01 repeated, shifted in time, until it spans 60 minutes.
fn sixty_minute_transcript() -> Vec<Turn> {
    let base: Vec<Value> = serde_json::from_slice(&fixture("transcripts/tr_01.json")).unwrap();
    let span = base.last().unwrap()["start_ms"].as_i64().unwrap() + 12_000;
    let mut turns = Vec::new();
    let mut offset = 0;
    while offset < 3_600_000 {
        for t in &base {
            turns.push(Turn {
                speaker: t["speaker"].as_str().unwrap().to_owned(),
                content: t["content"].as_str().unwrap().to_owned(),
                start_ms: offset + t["start_ms"].as_i64().unwrap(),
            });
        }
        offset += span;
    }
    turns
}

pub async fn run(repeats: usize, applications: usize) -> anyhow::Result<()> {
    let turns = sixty_minute_transcript();
    let skills = role_requirements();
    let role_skills = [
        skills.required_skills.clone(),
        skills.preferred_skills.clone(),
    ]
    .concat();
    let rounds = 50;
    let t0 = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(score_interview(&turns, &default_rubric(), &role_skills));
    }
    println!(
        "scorer: 60-minute transcript ({} turns, {} words), in process: {:.2} ms per score (mean of {rounds})",
        turns.len(),
        turns.iter().map(|t| t.content.split_whitespace().count()).sum::<usize>(),
        t0.elapsed().as_secs_f64() * 1000.0 / rounds as f64
    );
    for round in 1..=repeats {
        score_jobs(&turns, round).await?;
        shortlist_job(applications, round).await?;
        interviewer(50, round, Duration::ZERO).await?;
        interviewer(50, round, Duration::from_millis(500)).await?;
    }
    Ok(())
}

/// `concurrent` candidates each take a whole interview (8 questions, full
/// answers) at once through the API, waiting `think` between an answer and
/// the next (zero: back to back, a stress); every turn request is timed.
async fn interviewer(concurrent: usize, round: usize, think: Duration) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let env = TestEnv::new(&format!("bench-interviewer-{round}-{}", think.as_millis())).await;
    let api = env
        .api(&[
            ("TALENTI_RATE_LIMIT_PER_SECOND", "100000"),
            ("TALENTI_RATE_LIMIT_BURST", "100000"),
        ])
        .await;
    let (org, role) = role(&env).await?;
    let questions: Vec<_> = assessment::questions::generate(&role_requirements(), &[])
        .into_iter()
        .take(8)
        .collect();
    sqlx::query(
        "INSERT INTO question_sets (id, organisation_id, job_role_id, version, questions) VALUES ($1, $2, $3, 1, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(org)
    .bind(role)
    .bind(serde_json::to_value(&questions)?)
    .execute(&env.pool)
    .await?;
    let mut interviews = Vec::new();
    for n in 0..concurrent {
        let (cand, app, iv) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let token = format!("bench-token-{n}-{}", Uuid::now_v7());
        let (email, index) = sealed_email(cand, &format!("i{n}@example.com"));
        sqlx::query("INSERT INTO candidates (id, organisation_id, first_name, last_name, email_sealed, email_index) VALUES ($1, $2, 'C', 'B', $3, $4)")
            .bind(cand).bind(org).bind(email).bind(index)
            .execute(&env.pool).await?;
        sqlx::query("INSERT INTO applications (id, organisation_id, candidate_id, job_role_id) VALUES ($1, $2, $3, $4)")
            .bind(app).bind(org).bind(cand).bind(role)
            .execute(&env.pool).await?;
        sqlx::query(
            "INSERT INTO interviews (id, organisation_id, application_id, access_token_hash, access_expires_at)
             VALUES ($1, $2, $3, $4, now() + interval '1 day')",
        )
        .bind(iv).bind(org).bind(app).bind(Sha256::digest(token.as_bytes()).to_vec())
        .execute(&env.pool).await?;
        interviews.push((iv, token));
    }
    let answer = "Last year a deploy took checkout down for twelve minutes because a readiness probe hit the database; I rolled it back, then we made probes check only local state and added a disruption budget so it could not recur.";
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (iv, token) in interviews {
        let http = api.http.clone();
        let url = api.url(&format!("/api/v1/interviews/{iv}/turns"));
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            let mut content = "";
            loop {
                let t0 = Instant::now();
                let res = http
                    .post(&url)
                    .header("x-interview-token", &token)
                    .json(&serde_json::json!({ "content": content }))
                    .send()
                    .await?;
                let status = res.status();
                let turn: Value = res.json().await?;
                took.push(t0.elapsed());
                anyhow::ensure!(status.is_success(), "turn answered {status}: {turn}");
                if turn["done"] == true {
                    return Ok::<_, anyhow::Error>(took);
                }
                content = answer;
                tokio::time::sleep(think).await;
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "interviewer, {concurrent} interviews at once, {} ms between turns, round {round}: {} turns in {wall:.2} s ({:.0} turns/s); turn latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        think.as_millis(),
        all.len(),
        all.len() as f64 / wall,
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}

fn role_requirements() -> extraction::JobRequirements {
    extraction::extract_requirements(&String::from_utf8(fixture("jobs/jd_01.txt")).unwrap())
}

/// An organisation and an open job role with jd_01's requirements.
async fn role(env: &TestEnv) -> anyhow::Result<(Uuid, Uuid)> {
    let (org, role) = (Uuid::now_v7(), Uuid::now_v7());
    sqlx::query("INSERT INTO organisations (id, name) VALUES ($1, 'bench')")
        .bind(org)
        .execute(&env.pool)
        .await?;
    sqlx::query(
        "INSERT INTO job_roles (id, organisation_id, title, status, extracted_requirements)
         VALUES ($1, $2, 'Bench', 'open', $3)",
    )
    .bind(role)
    .bind(org)
    .bind(serde_json::to_value(role_requirements())?)
    .execute(&env.pool)
    .await?;
    Ok((org, role))
}

/// Run times (ms) of the succeeded jobs of `kind`: mean and max.
async fn run_times(env: &TestEnv, kind: &str) -> anyhow::Result<(f64, f64)> {
    Ok(sqlx::query_as(
        "SELECT (avg(extract(epoch FROM finished_at - started_at)) * 1000)::float8,
                (max(extract(epoch FROM finished_at - started_at)) * 1000)::float8
         FROM jobs WHERE kind = $1 AND status = 'succeeded'",
    )
    .bind(kind)
    .fetch_one(&env.pool)
    .await?)
}

async fn score_jobs(turns: &[Turn], round: usize) -> anyhow::Result<()> {
    let env = TestEnv::new(&format!("bench-score-{round}")).await;
    let worker = env.worker("worker", &[("TALENTI_WORKER_KINDS", "score_interview")]);
    worker.wait_log("started", 1, Duration::from_secs(30)).await;
    let (org, role) = role(&env).await?;
    let jobs = 5;
    let mut tx = env.pool.begin().await?;
    for n in 0..jobs {
        let (cand, app, iv) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (email, index) = sealed_email(cand, &format!("c{n}@example.com"));
        sqlx::query("INSERT INTO candidates (id, organisation_id, first_name, last_name, email_sealed, email_index) VALUES ($1, $2, 'C', 'B', $3, $4)")
            .bind(cand).bind(org).bind(email).bind(index)
            .execute(&mut *tx).await?;
        sqlx::query("INSERT INTO applications (id, organisation_id, candidate_id, job_role_id) VALUES ($1, $2, $3, $4)")
            .bind(app).bind(org).bind(cand).bind(role)
            .execute(&mut *tx).await?;
        sqlx::query("INSERT INTO interviews (id, organisation_id, application_id, status) VALUES ($1, $2, $3, 'completed')")
            .bind(iv).bind(org).bind(app)
            .execute(&mut *tx).await?;
        let seqs: Vec<i32> = (0..turns.len() as i32).collect();
        let speakers: Vec<&str> = turns.iter().map(|t| t.speaker.as_str()).collect();
        let contents: Vec<&str> = turns.iter().map(|t| t.content.as_str()).collect();
        let starts: Vec<i32> = turns.iter().map(|t| t.start_ms as i32).collect();
        sqlx::query(
            "INSERT INTO transcript_segments (organisation_id, interview_id, seq, speaker, content, start_ms, end_ms)
             SELECT $1, $2, u.seq, u.speaker, u.content, u.start_ms, u.start_ms
             FROM UNNEST($3::int[], $4::text[], $5::text[], $6::int[]) AS u(seq, speaker, content, start_ms)",
        )
        .bind(org).bind(iv).bind(&seqs).bind(&speakers).bind(&contents).bind(&starts)
        .execute(&mut *tx).await?;
        job_kinds::ScoreInterview { interview_id: iv }
            .enqueue(&mut tx, Enqueue::for_org(org))
            .await?;
    }
    tx.commit().await?;
    wait_all_succeeded(
        &env,
        "every score job to succeed",
        jobs,
        Duration::from_secs(300),
    )
    .await;
    let (mean, max) = run_times(&env, "score_interview").await?;
    println!("score_interview, 60-minute transcript, round {round}: job runs {mean:.1} ms on average, {max:.1} ms at most ({jobs} jobs, one at a time per interview)");
    Ok(())
}

async fn shortlist_job(applications: usize, round: usize) -> anyhow::Result<()> {
    let env = TestEnv::new(&format!("bench-shortlist-{round}")).await;
    let worker = env.worker("worker", &[("TALENTI_WORKER_KINDS", "shortlist")]);
    worker.wait_log("started", 1, Duration::from_secs(30)).await;
    let (org, role) = role(&env).await?;
    let req = role_requirements();
    let pool_skills: Vec<String> = [
        req.required_skills.clone(),
        req.preferred_skills.clone(),
        vec!["Python".into(), "Java".into(), "React".into()],
    ]
    .concat();
    let seeded = Instant::now();
    let mut tx = env.pool.begin().await?;
    let ids: Vec<Uuid> = (0..applications).map(|_| Uuid::now_v7()).collect();
    let (emails, indexes): (Vec<Vec<u8>>, Vec<Vec<u8>>) = ids
        .iter()
        .enumerate()
        .map(|(g, id)| sealed_email(*id, &format!("c{}@example.com", g + 1)))
        .unzip();
    sqlx::query(
        "INSERT INTO candidates (id, organisation_id, first_name, last_name, email_sealed, email_index, skills,
                                 total_years_experience)
         SELECT c.id, $1, 'Cand', 'N' || c.g, c.email, c.idx,
                ARRAY(SELECT s FROM unnest($2::text[]) WITH ORDINALITY AS u(s, i) WHERE (c.g * 7 + i * 3) % 5 < 2),
                (c.g % 16)::real
         FROM unnest($3::uuid[], $4::bytea[], $5::bytea[]) WITH ORDINALITY AS c(id, email, idx, g)",
    )
    .bind(org).bind(&pool_skills).bind(&ids).bind(&emails).bind(&indexes)
    .execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO applications (id, organisation_id, candidate_id, job_role_id)
         SELECT gen_random_uuid(), $1, c.id, $2 FROM candidates c WHERE c.organisation_id = $1",
    )
    .bind(org)
    .bind(role)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH chosen AS (
             SELECT a.id AS application_id, gen_random_uuid() AS interview_id, row_number() OVER (ORDER BY a.id) AS n
             FROM applications a WHERE a.organisation_id = $1
         ), ivs AS (
             INSERT INTO interviews (id, organisation_id, application_id, status)
             SELECT interview_id, $1, application_id, 'completed' FROM chosen WHERE n % 3 = 0
             RETURNING id
         )
         INSERT INTO interview_scores (interview_id, organisation_id, overall, integrity_risk, score, rubric,
                                       rubric_version, scorer, segments, job_id)
         SELECT c.interview_id, $1, (c.n * 37 % 100)::float8,
                CASE WHEN c.n % 30 = 0 THEN 'high' ELSE 'low' END, '{}', '[]', 'bench', 'bench', 0, gen_random_uuid()
         FROM chosen c WHERE c.n % 3 = 0",
    )
    .bind(org)
    .execute(&mut *tx).await?;
    tx.commit().await?;
    // As autovacuum would soon after a bulk load: without statistics the
    // planner takes the fresh tables for empty and nests loops (the read
    // then costs ≈ 200 ms instead of ≈ 15).
    sqlx::query("ANALYZE").execute(&env.pool).await?;
    let seed_secs = seeded.elapsed().as_secs_f64();
    let mut tx = env.pool.begin().await?;
    job_kinds::Shortlist {
        job_role_id: role,
        max_candidates: 50,
        min_score: 0.0,
    }
    .enqueue(&mut tx, Enqueue::for_org(org))
    .await?;
    tx.commit().await?;
    wait_all_succeeded(
        &env,
        "the shortlist job to succeed",
        1,
        Duration::from_secs(300),
    )
    .await;
    let (mean, _) = run_times(&env, "shortlist").await?;
    let (result, size): (Value, i32) = sqlx::query_as(
        "SELECT j.result, pg_column_size(s.entries) FROM jobs j JOIN shortlists s ON s.job_id = j.id WHERE j.kind = 'shortlist'",
    )
    .fetch_one(&env.pool)
    .await?;
    println!(
        "shortlist, {} applications ({} interviewed), round {round}: job runs {mean:.1} ms (read {} ms, rank {} ms, save {} ms; snapshot {:.1} MB stored); seeding took {seed_secs:.1} s",
        result["applications"], applications / 3, result["read_ms"], result["ranking_ms"], result["save_ms"], size as f64 / 1e6
    );
    Ok(())
}
