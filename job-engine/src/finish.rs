//! Finishing writes ([`crate::JobContext::finish`]): a job's last writes
//! and its `succeeded` outcome in one transaction, shared by the attempts
//! of this process that finish at the same moment.
//!
//! One commit (one WAL flush) then serves many jobs' writes and outcomes
//! instead of one per write plus one per batch of outcomes, and a job's
//! effects and its outcome land together or not at all: a worker that dies
//! after the commit leaves a finished job, one that dies before it leaves
//! neither, and the job runs again.
//!
//! Each attempt's writes run in a savepoint of their own, so one attempt's
//! failing statement takes back only its writes. Only attempts still
//! holding their job write anything: the batch first locks the jobs still
//! `running` under each attempt (a job cancelled or taken over meanwhile
//! writes nothing), and a batch of one checks with its outcome instead,
//! rolling back if the outcome finds the job gone.

use std::{
    collections::HashSet,
    pin::Pin,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
};

use futures::Future;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    batch::Batcher,
    db::{self, JobStatus, Outcome},
    JobError,
};

/// Attempts finished in one transaction at most.
const MAX_BATCH: usize = 32;
/// Finishing transactions in flight at once per process.
const PARALLEL: usize = 4;

type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A job's finishing writes: `Some(result)` to commit them with the job
/// `succeeded` and that result; `None` to take them back and go on.
pub type Writes = Box<
    dyn for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Result<Option<Value>, JobError>>
        + Send,
>;

/// What became of an attempt's finishing writes.
#[derive(Debug)]
pub enum Finished {
    /// Committed with the job's outcome: the attempt is over, `succeeded`
    /// with this result.
    Recorded(Value),
    /// The writes answered `None`: nothing was written.
    Nothing,
}

/// Where an attempt's outcome stands, for the runner once the handler
/// returns: 0 while open, then [`RECORDED`] or [`DISCARDED`].
#[derive(Debug, Default)]
pub(crate) struct State(AtomicU8);

const RECORDED: u8 = 1;
const DISCARDED: u8 = 2;

impl State {
    /// The outcome was committed with the job's finishing writes.
    pub(crate) fn recorded(&self) -> bool {
        self.0.load(Ordering::Acquire) == RECORDED
    }

    /// The job was no longer this attempt's: nothing was written, and
    /// there is no outcome to record.
    pub(crate) fn discarded(&self) -> bool {
        self.0.load(Ordering::Acquire) == DISCARDED
    }

    fn set(&self, v: u8) {
        self.0.store(v, Ordering::Release);
    }
}

pub(crate) struct Request {
    pub id: Uuid,
    pub attempt: i32,
    pub writes: Writes,
    pub state: Arc<State>,
}

pub(crate) enum Reply {
    Recorded(Value),
    Nothing,
    Failed(JobError),
    Discarded,
}

pub(crate) type Finisher = Batcher<Request, Reply>;

pub(crate) fn spawn(pool: PgPool) -> Finisher {
    Batcher::spawn(MAX_BATCH, PARALLEL, move |requests: Vec<Request>| {
        let pool = pool.clone();
        async move { run(&pool, requests).await }
    })
}

/// The message a job gets back when its job was cancelled or taken over
/// before its writes committed.
pub(crate) const TAKEN: &str = "the job was cancelled or taken over; its writes were not made";

async fn run(pool: &PgPool, requests: Vec<Request>) -> sqlx::Result<Vec<Reply>> {
    let mut tx = pool.begin().await?;
    if requests.len() == 1 {
        let req = requests.into_iter().next().expect("one request");
        let reply = match (req.writes)(&mut tx).await {
            Ok(Some(result)) => {
                let outcome = succeeded(req.id, req.attempt, result.clone());
                if db::record_outcomes(&mut *tx, &[outcome]).await?.is_empty() {
                    tx.rollback().await?;
                    req.state.set(DISCARDED);
                    return Ok(vec![Reply::Discarded]);
                }
                tx.commit().await?;
                req.state.set(RECORDED);
                Reply::Recorded(result)
            }
            Ok(None) => {
                tx.rollback().await?;
                Reply::Nothing
            }
            Err(e) => {
                tx.rollback().await?;
                Reply::Failed(e)
            }
        };
        return Ok(vec![reply]);
    }

    let ids: Vec<Uuid> = requests.iter().map(|r| r.id).collect();
    let attempts: Vec<i32> = requests.iter().map(|r| r.attempt).collect();
    let held: HashSet<Uuid> = db::hold_running(&mut tx, &ids, &attempts)
        .await?
        .into_iter()
        .collect();
    let mut replies = Vec::with_capacity(requests.len());
    let mut outcomes = Vec::new();
    let mut recorded = Vec::new();
    for req in requests {
        if !held.contains(&req.id) {
            req.state.set(DISCARDED);
            replies.push(Reply::Discarded);
            continue;
        }
        sqlx::query("SAVEPOINT finish").execute(&mut *tx).await?;
        let reply = match (req.writes)(&mut tx).await {
            Ok(Some(result)) => {
                sqlx::query("RELEASE SAVEPOINT finish")
                    .execute(&mut *tx)
                    .await?;
                outcomes.push(succeeded(req.id, req.attempt, result.clone()));
                recorded.push(req.state.clone());
                Reply::Recorded(result)
            }
            Ok(None) => {
                sqlx::query("ROLLBACK TO SAVEPOINT finish")
                    .execute(&mut *tx)
                    .await?;
                Reply::Nothing
            }
            Err(e) => {
                sqlx::query("ROLLBACK TO SAVEPOINT finish")
                    .execute(&mut *tx)
                    .await?;
                Reply::Failed(e)
            }
        };
        replies.push(reply);
    }
    if !outcomes.is_empty() {
        // The jobs are locked: every outcome is recorded.
        let written = db::record_outcomes(&mut *tx, &outcomes).await?;
        debug_assert_eq!(written.len(), outcomes.len());
    }
    tx.commit().await?;
    for state in recorded {
        state.set(RECORDED);
    }
    Ok(replies)
}

fn succeeded(id: Uuid, attempt: i32, result: Value) -> Outcome {
    Outcome {
        id,
        attempt,
        status: JobStatus::Succeeded,
        result: Some(result),
        error: None,
        retry_at: None,
    }
}
