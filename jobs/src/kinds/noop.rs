//! `noop`: a diagnostic kind that sleeps, fails or aborts on request.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{Job, JobContext, JobError, KindPolicy};

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
}

impl Job for Noop {
    const KIND: &'static str = "noop";

    fn policy() -> KindPolicy {
        KindPolicy {
            concurrency: 64,
            max_attempts: 5,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(600),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        if self.abort {
            return Err(JobError::permanent("aborted on request (noop abort=true)"));
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
}
