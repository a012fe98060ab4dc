//! `retention_cleanup` (periodic): deletes interview recordings older than
//! their organisation's `recording_retention_days` from object storage and
//! marks them deleted on the interview. In batches by interview id, so a
//! run that stops (deploy, crash) resumes with what is still due; an
//! object that cannot be deleted is recorded on its interview and in the
//! result, and the run goes on with the rest (the next run tries it again).

use futures::StreamExt;
use object_store::path::Path;
use recruiting::store::recordings::{self, DueRecording};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{store, Job, JobContext, JobError, KindPolicy};

const BATCH: i64 = 200;
/// Failures listed in the result (all are counted).
const LISTED: usize = 20;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionCleanup {}

/// Deletes one recording's object, and every other object under its
/// interview's recordings prefix (a call recorded in chunks); an object
/// already gone counts as deleted.
async fn delete(ctx: &JobContext, r: &DueRecording) -> Result<(), String> {
    let path =
        Path::parse(&r.recording_ref).map_err(|e| format!("not a stored object's key: {e}"))?;
    let gone = |res: object_store::Result<()>| match res {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(format!("storage: {e}")),
    };
    gone(ctx.services.storage.delete(&path).await)?;
    let prefix = recordings::prefix(r.organisation_id, r.interview_id);
    if r.recording_ref.starts_with(&prefix) {
        let prefix = Path::parse(&prefix).map_err(|e| format!("bad prefix: {e}"))?;
        let mut objects = ctx.services.storage.list(Some(&prefix));
        while let Some(meta) = objects.next().await {
            match meta {
                Ok(meta) => gone(ctx.services.storage.delete(&meta.location).await)?,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(format!("storage: {e}")),
            }
        }
    }
    Ok(())
}

impl Job for RetentionCleanup {
    const KIND: &'static str = "retention_cleanup";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::housekeeping_policy()
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let mut after = Uuid::nil();
        let (mut deleted, mut failed) = (0u64, 0u64);
        let mut failures = Vec::new();
        loop {
            let batch = recordings::due(&ctx.pool, after, BATCH)
                .await
                .map_err(store)?;
            let Some(last) = batch.last() else { break };
            after = last.interview_id;
            for r in &batch {
                match delete(&ctx, r).await {
                    Ok(()) => {
                        if recordings::deleted(&ctx.pool, r).await.map_err(store)? {
                            deleted += 1;
                        }
                    }
                    Err(error) => {
                        failed += 1;
                        tracing::warn!(interview.id = %r.interview_id, %error, "deleting a recording failed");
                        recordings::failed(&ctx.pool, r, &error)
                            .await
                            .map_err(store)?;
                        if failures.len() < LISTED {
                            failures
                                .push(json!({ "interview_id": r.interview_id, "error": error }));
                        }
                    }
                }
            }
            ctx.progress(
                50,
                &format!("{deleted} recordings deleted, {failed} failed"),
            )
            .await?;
            if (batch.len() as i64) < BATCH {
                break;
            }
        }
        Ok(json!({ "deleted": deleted, "failed": failed, "failures": failures }))
    }
}
