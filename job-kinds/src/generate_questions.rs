//! `generate_questions`: drafts interview questions for a job role from its
//! extracted requirements and rubric by the configured provider (the
//! built-in `assessment::questions`, or a model whose drafts are checked
//! against the rubric), replacing
//! the role's current drafts (rejected questions stay). A recruiter then
//! approves, edits, reorders or rejects them.
//!
//! Idempotent: a job saves its questions once.

use recruiting::store::{questions, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{db, store, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateQuestions {
    pub job_role_id: Uuid,
}

impl Job for GenerateQuestions {
    const KIND: &'static str = "generate_questions";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::recruiting_policy(4, 60)
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let mut conn = ctx.pool.acquire().await.map_err(db)?;
        let (requirements, rubric) =
            match questions::generation_input(&mut *conn, org, self.job_role_id).await {
                Ok(input) => input,
                Err(StoreError::NotFound(_)) => {
                    return Err(JobError::permanent("the job role no longer exists"))
                }
                Err(e) => return Err(store(e)),
            };
        let requirements = requirements.ok_or_else(|| {
            JobError::permanent(
                "the job role's requirements have not been extracted yet (POST …/extract-requirements first)",
            )
        })?;
        let drafted = ctx
            .services
            .ai
            .draft_questions(&requirements, &rubric)
            .await?;
        let saved =
            questions::save_generated(&mut conn, org, self.job_role_id, ctx.job_id, &drafted)
                .await
                .map_err(store)?;
        Ok(json!({ "job_role_id": self.job_role_id, "questions": saved }))
    }
}
