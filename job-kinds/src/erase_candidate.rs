//! `erase_candidate`: the right to be forgotten. Deletes the candidate's
//! files from storage (resumes, recordings, reports, export archives),
//! then in one transaction deletes or anonymises their personal data
//! across the tables (`recruiting::store::subjects::erase`) and records the
//! erasure in the audit log (with no personal data). The anonymised
//! candidate row, applications and score numbers stay, for statistics.
//!
//! Idempotent: objects already gone count as deleted, and erasing an
//! erased candidate changes nothing more.

use object_store::path::Path;
use recruiting::store::{subjects, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{db, store, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseCandidate {
    pub candidate_id: Uuid,
    /// Who asked (for the audit log).
    pub requested_by: Option<Uuid>,
}

fn anonymise(score: Value) -> Value {
    match serde_json::from_value::<assessment::InterviewScore>(score) {
        Ok(s) => serde_json::to_value(s.anonymised()).unwrap_or(Value::Null),
        // Not a score this version reads: keep nothing of it.
        Err(_) => json!({}),
    }
}

impl Job for EraseCandidate {
    const KIND: &'static str = "erase_candidate";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::recruiting_policy(2, 300)
    }

    fn idempotency_key(&self) -> Option<String> {
        Some(format!("erase:{}", self.candidate_id))
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let mut conn = ctx.pool.acquire().await.map_err(db)?;
        let objects = subjects::stored_objects(&mut conn, org, self.candidate_id)
            .await
            .map_err(store)?;
        let mut files = 0;
        for key in &objects {
            let Ok(path) = Path::parse(key) else { continue };
            match ctx.services.storage.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => files += 1,
                Err(e) => return Err(JobError::retryable(format!("deleting a file: {e}"))),
            }
        }
        drop(conn);
        let mut tx = ctx.pool.begin().await.map_err(db)?;
        let audit = subjects::ErasureAudit {
            requested_by: self.requested_by,
            job_id: ctx.job_id,
            files,
        };
        let erased = match subjects::erase(&mut tx, org, self.candidate_id, anonymise, audit).await
        {
            Ok(e) => e,
            Err(StoreError::NotFound(_)) => {
                return Err(JobError::permanent("the candidate no longer exists"))
            }
            Err(e) => return Err(store(e)),
        };
        tx.commit().await.map_err(db)?;
        Ok(json!({ "candidate_id": self.candidate_id, "files": files, "erased": erased }))
    }
}
