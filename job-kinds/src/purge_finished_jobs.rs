//! `purge_finished_jobs`: deletes finished jobs once they are past their retention,
//! so the jobs table — and every scan of it — stays the size of recent work
//! (Oban's pruner, River's job cleaner). Declared periodic in
//! [`crate::registry`]: daily. Settled webhook deliveries go too, after the
//! dead jobs' retention, and provider webhook events' keys after a week.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use job_engine::db;

use crate::{Job, JobContext, JobError, KindPolicy};

/// Rows deleted per statement: short transactions, no long locks.
const BATCH: i64 = 5_000;
/// Days a provider webhook event's key is kept for deduplication.
const PROVIDER_EVENT_DAYS: i64 = 7;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurgeFinishedJobs {
    /// Succeeded and cancelled jobs that finished longer ago than this many
    /// days are deleted.
    #[serde(default = "PurgeFinishedJobs::default_finished_days")]
    pub keep_finished_days: u32,
    /// Dead jobs are kept longer (operators retry them), and never before
    /// their dead-letter hook has run.
    #[serde(default = "PurgeFinishedJobs::default_dead_days")]
    pub keep_dead_days: u32,
}

impl PurgeFinishedJobs {
    fn default_finished_days() -> u32 {
        14
    }

    fn default_dead_days() -> u32 {
        30
    }
}

impl Default for PurgeFinishedJobs {
    fn default() -> Self {
        Self {
            keep_finished_days: Self::default_finished_days(),
            keep_dead_days: Self::default_dead_days(),
        }
    }
}

impl Job for PurgeFinishedJobs {
    const KIND: &'static str = "purge_finished_jobs";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        KindPolicy {
            concurrency: 1,
            max_attempts: 3,
            base_backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(600),
            timeout: Duration::from_secs(900),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        if self.keep_finished_days == 0 || self.keep_dead_days == 0 {
            return Err(JobError::permanent(
                "keep_finished_days and keep_dead_days must be at least 1",
            ));
        }
        let now = Utc::now();
        let finished_before = now - chrono::Duration::days(self.keep_finished_days.into());
        let dead_before = now - chrono::Duration::days(self.keep_dead_days.into());
        let (mut deleted, mut after) = (0u64, None);
        loop {
            let (n, last) =
                db::prune_finished(&ctx.pool, finished_before, dead_before, after, BATCH)
                    .await
                    .map_err(|e| JobError::retryable(format!("database: {e}")))?;
            deleted += n;
            after = last.or(after);
            if n < BATCH as u64 {
                break;
            }
            ctx.progress(50, &format!("{deleted} jobs deleted so far"))
                .await?;
        }
        if deleted > 0 {
            tracing::info!(deleted, "pruned finished jobs");
        }
        // Throughput is shown for the last hour; a day is kept.
        let minutes = db::prune_minutes(&ctx.pool, now - chrono::Duration::days(1))
            .await
            .map_err(|e| JobError::retryable(format!("database: {e}")))?;
        // Settled webhook deliveries go with the dead jobs' retention (a
        // failed one is replayable until then).
        let mut deliveries = 0u64;
        loop {
            let n = recruiting::store::webhooks::purge_settled(&ctx.pool, dead_before, BATCH)
                .await
                .map_err(crate::store)?;
            deliveries += n;
            if n < BATCH as u64 {
                break;
            }
        }
        // Provider webhook events are remembered a week, long past any
        // provider's redelivery, so a replay changes nothing.
        let provider_events = recruiting::store::calls::purge_events(
            &ctx.pool,
            now - chrono::Duration::days(PROVIDER_EVENT_DAYS),
        )
        .await
        .map_err(crate::store)?;
        Ok(json!({
            "deleted": deleted,
            "webhook_deliveries_deleted": deliveries,
            "provider_events_deleted": provider_events,
            "throughput_minutes_deleted": minutes,
            "finished_before": finished_before,
            "dead_before": dead_before,
        }))
    }
}
