//! `--parse-save N`: the parse's own write (`resumes::save_parse`) alone,
//! apart from the document, the engine and the job: N resumes uploaded for
//! a role (12 fixture profiles per organisation, so each lands on a new
//! candidate with an application, as a first parse does), saved by 8 tasks
//! at once as 8 `parse_resume` jobs of a worker would, `--parse-save-batch`
//! saves to a transaction (1: a commit each). CPU per save of Postgres and
//! of this process (sealing, encoding, the driver).

use std::time::Instant;

use futures::{stream, TryStreamExt};
use tests::TestEnv;
use uuid::Uuid;

const CONCURRENCY: usize = 8;

pub async fn run(saves: usize, repeats: usize, batch: usize) -> anyhow::Result<()> {
    let batch = batch.max(1);
    let limits = documents::Limits::default();
    let profiles: Vec<extraction::ResumeProfile> = crate::fixture_resumes()
        .iter()
        .map(|(_, bytes)| {
            let x = pdf_text::extract(bytes, &limits).expect("fixture extracts");
            extraction::parse_resume(&x.text, "2026-11")
        })
        .collect();
    let keys = tests::test_keyring(tests::TEST_DATA_KEYS);
    for repeat in 1..=repeats {
        let env = TestEnv::new(&format!("bench-parse-save-{repeat}")).await;
        let mut rows = Vec::with_capacity(saves);
        for chunk in 0..saves.div_ceil(profiles.len()) {
            let (org, role) = crate::open_role(&env.pool).await?;
            for p in 0..profiles.len().min(saves - chunk * profiles.len()) {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO resumes (id, organisation_id, job_role_id, storage_key, kind, size_bytes, sha256)
                     VALUES ($1, $2, $3, 'resumes/bench.pdf', 'pdf', 1, '')",
                )
                .bind(id)
                .bind(org)
                .bind(role)
                .execute(&env.pool)
                .await?;
                rows.push((org, id, p));
            }
        }
        sqlx::query("VACUUM ANALYZE").execute(&env.pool).await?;
        let cpu = crate::cpu::Components::default();
        let before = cpu.sample();
        let t0 = Instant::now();
        let statements = crate::commits(&env.pool).await?;
        stream::iter(rows.chunks(batch).map(Ok::<_, anyhow::Error>))
            .try_for_each_concurrent(CONCURRENCY, |chunk| {
                let (pool, keys, profiles) = (&env.pool, &keys, &profiles);
                async move {
                    let mut tx = pool.begin().await?;
                    for &(org, id, p) in chunk {
                        let landed = recruiting::store::resumes::save_parse(
                            &mut tx,
                            keys,
                            org,
                            id,
                            None,
                            &profiles[p],
                            "bench",
                            1,
                            Uuid::now_v7(),
                        )
                        .await?;
                        anyhow::ensure!(landed.is_some(), "a parse found nowhere to land");
                    }
                    tx.commit().await?;
                    Ok(())
                }
            })
            .await?;
        let secs = t0.elapsed().as_secs_f64();
        let after = cpu.sample();
        let commits = crate::commits(&env.pool).await? - statements;
        let parsed = env
            .count("SELECT count(*) FROM resumes WHERE status = 'parsed'")
            .await;
        anyhow::ensure!(
            parsed as usize == saves,
            "{parsed} of {saves} resumes parsed"
        );
        let n = saves as f64;
        println!(
            "parse save, repeat {repeat}, {batch} to a transaction: {saves} saves by {CONCURRENCY} tasks in {secs:.2} s ({:.0}/s), {:.2} transactions per save; \
             CPU µs per save: Postgres {:.0}, this process {:.0}",
            n / secs,
            commits as f64 / n,
            before.us_per_unit(&after, n, "postgres"),
            before.us_per_unit(&after, n, "harness"),
        );
    }
    Ok(())
}
