//! `noop`: a diagnostic kind that sleeps, fails, aborts, panics or overruns
//! its timeout on request.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{DeadJob, Job, JobContext, JobError, KindPolicy};

/// The `noop` kind's timeout: short, so that `overrun` shows a timeout within
/// seconds, and well above the sleeps tests and smoke checks ask for.
pub const NOOP_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noop {
    /// Sleep this long before finishing.
    #[serde(default)]
    pub sleep_ms: u64,
    /// Fail the first `fail_times` attempts with a retryable error.
    #[serde(default)]
    pub fail_times: u32,
    /// Fail permanently (the job is `dead` after one attempt).
    #[serde(default)]
    pub abort: bool,
    /// Panic in the handler, on every attempt (the runner catches it).
    #[serde(default)]
    pub panic: bool,
    /// Sleep a minute past the kind's timeout, on every attempt (the runner
    /// stops the attempt at the timeout).
    #[serde(default)]
    pub overrun: bool,
}

impl Job for Noop {
    const KIND: &'static str = "noop";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        KindPolicy {
            concurrency: 64,
            max_attempts: 5,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            timeout: NOOP_TIMEOUT,
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        if self.abort {
            return Err(JobError::permanent("aborted on request (noop abort=true)"));
        }
        if self.panic {
            panic!("panicking on request (noop panic=true)");
        }
        if self.overrun {
            tokio::time::sleep(NOOP_TIMEOUT + Duration::from_secs(60)).await;
        }
        if self.sleep_ms > 0 {
            // Half the sleep, a progress report, the other half: lets tests
            // and operators watch progress move.
            let half = Duration::from_millis(self.sleep_ms / 2);
            tokio::time::sleep(half).await;
            ctx.progress(50, "halfway").await?;
            tokio::time::sleep(Duration::from_millis(self.sleep_ms) - half).await;
        }
        if ctx.attempt as i64 <= self.fail_times as i64 {
            return Err(JobError::retryable(format!(
                "failing on request: attempt {} of the first {} fails",
                ctx.attempt, self.fail_times
            )));
        }
        Ok(json!({ "ok": true, "attempt": ctx.attempt }))
    }

    /// Says so in the worker's log: operators and tests see the
    /// dead-letter path work end to end.
    async fn on_dead(self, dead: DeadJob) -> Result<(), JobError> {
        tracing::info!(job.id = %dead.job_id, "noop dead-letter hook ran");
        Ok(())
    }
}
