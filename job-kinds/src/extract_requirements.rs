//! `extract_requirements`: reads a job role's description and requirements
//! text and saves the structured requirements (skills, years, education,
//! certifications, responsibilities, competencies) on the job role.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use recruiting::store::{job_roles, StoreError};

use crate::{db, store, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequirements {
    pub job_role_id: Uuid,
}

impl Job for ExtractRequirements {
    const KIND: &'static str = "extract_requirements";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::recruiting_policy(4, 120)
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let role = match job_roles::text(&ctx.pool, ctx.organisation_id, self.job_role_id).await {
            Ok(role) => role,
            Err(StoreError::NotFound(_)) => {
                return Err(JobError::permanent("the job role no longer exists"))
            }
            Err(e) => return Err(store(e)),
        };
        let (title, description, requirements) =
            (&role.title, &role.description, &role.requirements);
        let text = format!("{title}\n\n{description}\n\n{requirements}");
        if text.trim().len() < 20 {
            return Err(JobError::permanent(
                "the job role has no description or requirements to read",
            ));
        }
        let found = ctx.services.ai.extract_requirements(&text).await?;
        let version = ctx.services.ai.version();
        job_roles::save_requirements(
            &ctx.pool,
            role.organisation_id,
            self.job_role_id,
            &found,
            &version,
        )
        .await
        .map_err(db)?;
        Ok(json!({
            "job_role_id": self.job_role_id,
            "version": version,
            "required_skills": found.required_skills.len(),
            "preferred_skills": found.preferred_skills.len(),
        }))
    }
}
