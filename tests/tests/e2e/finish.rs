//! Finishing writes (`JobContext::finish`): a job's last writes commit
//! with its `succeeded` outcome, in a transaction shared by the attempts
//! finishing at the same moment, or not at all.

use std::{sync::Arc, time::Duration};

use futures::future::join_all;
use job_engine::{
    db::JobStatus,
    finish::Finished,
    runner::{Attempted, RetryDelay, Runner, RunnerConfig},
    Enqueue, Job, JobContext, JobError, Registry,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tests::{wait_for, TestEnv};
use uuid::Uuid;

const T: Duration = Duration::from_secs(30);

/// Writes a row of `finish_probe` as its finishing write.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Probe {
    note: String,
    /// The write fails (a duplicate key: a real statement error).
    #[serde(default)]
    collide: bool,
    /// The writes answer `None`: nothing to commit.
    #[serde(default)]
    nothing: bool,
    /// Before finishing, wait until this gate row exists.
    #[serde(default)]
    gate: Option<Uuid>,
}

impl Job for Probe {
    const KIND: &'static str = "finish_probe";
    type Services = ();

    async fn run(self, ctx: JobContext<()>) -> Result<Value, JobError> {
        if let Some(gate) = self.gate {
            let pool = ctx.pool.clone();
            wait_for("the gate to open", T, || {
                let pool = pool.clone();
                async move {
                    sqlx::query_scalar::<_, i64>("SELECT count(*) FROM finish_gate WHERE id = $1")
                        .bind(gate)
                        .fetch_one(&pool)
                        .await
                        .unwrap()
                        .eq(&1)
                        .then_some(())
                }
            })
            .await;
        }
        let job_id = ctx.job_id;
        let finished = ctx
            .finish(move |conn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO finish_probe (job_id, note) VALUES ($1, $2)")
                        .bind(job_id)
                        .bind(&self.note)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| JobError::retryable(e.to_string()))?;
                    if self.collide {
                        sqlx::query("INSERT INTO finish_probe (job_id, note) VALUES ($1, 'again')")
                            .bind(job_id)
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| JobError::permanent(format!("second write: {e}")))?;
                    }
                    Ok((!self.nothing).then(|| json!({ "note": self.note })))
                })
            })
            .await?;
        match finished {
            Finished::Recorded(result) => Ok(result),
            Finished::Nothing => Err(JobError::permanent("nothing to write")),
        }
    }
}

async fn setup(tag: &str) -> (TestEnv, Runner<()>) {
    let env = TestEnv::new(tag).await;
    sqlx::query("CREATE TABLE finish_probe (job_id uuid PRIMARY KEY, note text NOT NULL)")
        .execute(&env.pool)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE finish_gate (id uuid PRIMARY KEY)")
        .execute(&env.pool)
        .await
        .unwrap();
    let mut registry = Registry::default();
    registry.register::<Probe>();
    let runner = Runner::new(
        env.pool.clone(),
        Arc::new(()),
        registry,
        RunnerConfig {
            worker_id: format!("finish-test-{}", Uuid::new_v4()),
            lease: Duration::from_secs(30),
            retry_delay: RetryDelay::Fixed(Duration::from_secs(3_600)),
        },
    );
    (env, runner)
}

async fn enqueue(env: &TestEnv, probe: Probe) -> Uuid {
    let mut tx = env.pool.begin().await.unwrap();
    let id = probe
        .enqueue(&mut tx, Enqueue::system())
        .await
        .unwrap()
        .job
        .id;
    tx.commit().await.unwrap();
    id
}

fn probe(note: &str) -> Probe {
    Probe {
        note: note.to_owned(),
        collide: false,
        nothing: false,
        gate: None,
    }
}

type Attempts = tokio::task::JoinHandle<Vec<Result<Attempted, Arc<sqlx::Error>>>>;

/// Starts an attempt of each job (each waits at its gate) and returns once
/// all are running.
async fn start_held(env: &TestEnv, runner: &Runner<()>, ids: &[Uuid]) -> Attempts {
    let attempts = {
        let (runner, ids) = (runner.clone(), ids.to_vec());
        tokio::spawn(async move { join_all(ids.iter().map(|id| runner.attempt(*id))).await })
    };
    wait_for("every probe to be running", T, || async {
        let running = env
            .count("SELECT count(*) FROM jobs WHERE status = 'running'")
            .await;
        (running as usize == ids.len()).then_some(())
    })
    .await;
    attempts
}

async fn open(env: &TestEnv, gate: Uuid) {
    sqlx::query("INSERT INTO finish_gate (id) VALUES ($1)")
        .bind(gate)
        .execute(&env.pool)
        .await
        .unwrap();
}

async fn probe_note(env: &TestEnv, job: Uuid) -> Option<String> {
    sqlx::query_scalar("SELECT note FROM finish_probe WHERE job_id = $1")
        .bind(job)
        .fetch_optional(&env.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finishing_writes_commit_with_the_outcome_and_a_failing_one_takes_back_only_its_own() {
    let (env, runner) = setup("finish-together").await;
    // Held at one gate, then released together: they finish at the same
    // moment and share transactions; whichever way they are grouped, each
    // job's writes and outcome stand or fall together.
    let gate = Uuid::new_v4();
    let mut jobs = Vec::new();
    for i in 0..24 {
        let mut p = probe(&format!("probe {i}"));
        p.gate = Some(gate);
        p.collide = i % 6 == 1;
        p.nothing = i % 6 == 4;
        jobs.push((i, enqueue(&env, p).await));
    }
    let ids: Vec<Uuid> = jobs.iter().map(|(_, id)| *id).collect();
    let attempts = start_held(&env, &runner, &ids).await;
    open(&env, gate).await;
    let attempted = attempts.await.unwrap();

    for ((i, id), attempted) in jobs.iter().zip(attempted) {
        let job = env.job(*id).await;
        let note = probe_note(&env, *id).await;
        match i % 6 {
            1 => {
                assert_eq!(attempted.unwrap(), Attempted::Failed);
                assert_eq!(job.status, JobStatus::Dead, "probe {i}");
                let error = job.last_error.unwrap_or_default();
                assert!(error.starts_with("second write:"), "probe {i}: {error}");
                assert_eq!(note, None, "probe {i}: its first write was taken back too");
            }
            4 => {
                assert_eq!(job.status, JobStatus::Dead, "probe {i}");
                assert_eq!(job.last_error.as_deref(), Some("nothing to write"));
                assert_eq!(note, None, "probe {i}");
            }
            _ => {
                assert_eq!(attempted.unwrap(), Attempted::Succeeded);
                assert_eq!(job.status, JobStatus::Succeeded, "probe {i}");
                assert_eq!(job.result, Some(json!({ "note": format!("probe {i}") })));
                assert_eq!(job.progress_percent, Some(100));
                assert!(job.finished_at.is_some());
                assert_eq!(note.as_deref(), Some(format!("probe {i}").as_str()));
            }
        }
    }
    // Counted once each in the throughput minutes, as any outcome is.
    let succeeded = env
        .count("SELECT coalesce(sum(succeeded), 0) FROM job_minutes WHERE kind = 'finish_probe'")
        .await;
    assert_eq!(succeeded, 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_taken_over_before_its_finishing_writes_writes_nothing() {
    let (env, runner) = setup("finish-taken").await;
    let gate = Uuid::new_v4();
    let (mut taken, mut kept) = (probe("taken"), probe("kept"));
    taken.gate = Some(gate);
    kept.gate = Some(gate);
    let (taken, kept) = (enqueue(&env, taken).await, enqueue(&env, kept).await);
    let attempts = start_held(&env, &runner, &[taken, kept]).await;
    // Another worker takes `taken` over (its lease was reaped and it was
    // claimed again): this attempt no longer holds it.
    sqlx::query("UPDATE jobs SET attempt = attempt + 1, worker_id = 'someone-else' WHERE id = $1")
        .bind(taken)
        .execute(&env.pool)
        .await
        .unwrap();
    open(&env, gate).await;
    let attempted = attempts.await.unwrap();
    // A stopped attempt has nothing to record (its delivery is acked: the
    // job is someone else's now); the kept one succeeded.
    assert!(attempted[0].is_ok());
    assert_eq!(attempted[1].as_ref().unwrap(), &Attempted::Succeeded);

    assert_eq!(
        probe_note(&env, taken).await,
        None,
        "the taken job wrote nothing"
    );
    let job = env.job(taken).await;
    assert_eq!(
        (job.status, job.attempt, job.worker_id.as_deref()),
        (JobStatus::Running, 2, Some("someone-else")),
        "the new holder's attempt is untouched"
    );
    assert_eq!(probe_note(&env, kept).await.as_deref(), Some("kept"));
    assert_eq!(env.job(kept).await.status, JobStatus::Succeeded);
}
