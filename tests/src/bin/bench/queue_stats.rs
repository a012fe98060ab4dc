//! The cost of reading queue state as the table grows: `control::stats`
//! (the job-state gauges and `GET /queues`) and the noisiest-tenants query,
//! with N job rows in the table, mostly finished as in a real one.

use std::time::{Duration, Instant};

use job_engine::{control, db::Scope};
use tests::TestEnv;

/// Seeds `rows` jobs (95 % succeeded, 3 % dead, 1.5 % due, 0.5 % running,
/// over 12 kinds and 200 organisations), then times each query `repeats`
/// times and prints the median and worst.
pub async fn run(rows: i64, repeats: usize) -> anyhow::Result<()> {
    let env = TestEnv::new("bench-queue-stats").await;
    let seeded = Instant::now();
    sqlx::query(
        "INSERT INTO organisations (id, name) SELECT gen_random_uuid(), 'org ' || g FROM generate_series(1, 200) g",
    )
    .execute(&env.pool)
    .await?;
    sqlx::query(
        "WITH orgs AS (SELECT array_agg(id) AS ids FROM organisations)
         INSERT INTO jobs (id, kind, organisation_id, status, attempt, max_attempts, run_at, payload,
                           created_at, started_at, finished_at)
         SELECT gen_random_uuid(), 'kind_' || (g % 12),
                (SELECT ids[1 + (g % 200)] FROM orgs),
                CASE WHEN g % 200 < 190 THEN 'succeeded' WHEN g % 200 < 196 THEN 'dead'
                     WHEN g % 200 < 199 THEN 'queued' ELSE 'running' END::job_status,
                1, 5, now() - (g % 3600) * interval '1 second', '{}',
                now() - interval '1 hour', now() - interval '1 hour',
                CASE WHEN g % 200 < 196 THEN now() - interval '30 minutes' END
         FROM generate_series(1, $1) g",
    )
    .bind(rows)
    .execute(&env.pool)
    .await?;
    sqlx::query("VACUUM ANALYZE jobs")
        .execute(&env.pool)
        .await?;
    println!(
        "queue stats: {rows} job rows seeded in {:.1}s",
        seeded.elapsed().as_secs_f64()
    );
    let time = |d: &mut Vec<Duration>| {
        d.sort();
        (d[d.len() / 2], d[d.len() - 1])
    };
    let mut stats = Vec::new();
    let mut kinds = 0;
    for _ in 0..repeats {
        let t = Instant::now();
        kinds = control::stats(&env.pool, Scope::Platform).await?.len();
        stats.push(t.elapsed());
    }
    let mut tenants = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        control::noisiest_tenants(&env.pool, 5).await?;
        tenants.push(t.elapsed());
    }
    let (median, worst) = time(&mut stats);
    println!(
        "  control::stats ({kinds} kinds): median {median:.2?}, worst {worst:.2?} over {repeats}"
    );
    let (median, worst) = time(&mut tenants);
    println!("  noisiest tenants (top 5): median {median:.2?}, worst {worst:.2?} over {repeats}");
    Ok(())
}
