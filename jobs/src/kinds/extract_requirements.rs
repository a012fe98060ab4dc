//! `extract_requirements`: reads a job role's description and requirements
//! text and saves the structured requirements (skills, years, education,
//! certifications, responsibilities, competencies) on the job role.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequirements {
    pub job_role_id: Uuid,
}

impl Job for ExtractRequirements {
    const KIND: &'static str = "extract_requirements";

    fn policy() -> KindPolicy {
        KindPolicy {
            concurrency: 4,
            max_attempts: 4,
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
            timeout: Duration::from_secs(120),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let db = |e: sqlx::Error| JobError::retryable(format!("database: {e}"));
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT title, description, requirements FROM job_roles
             WHERE id = $1 AND organisation_id IS NOT DISTINCT FROM COALESCE($2, organisation_id)",
        )
        .bind(self.job_role_id)
        .bind(ctx.organisation_id)
        .fetch_optional(&ctx.pool)
        .await
        .map_err(db)?;
        let Some((title, description, requirements)) = row else {
            return Err(JobError::permanent("the job role no longer exists"));
        };
        let text = format!("{title}\n\n{description}\n\n{requirements}");
        if text.trim().len() < 20 {
            return Err(JobError::permanent(
                "the job role has no description or requirements to read",
            ));
        }
        let found = ctx.services.ai.extract_requirements(&text).await?;
        let version = ctx.services.ai.version();
        sqlx::query(
            "UPDATE job_roles SET extracted_requirements = $2, requirements_version = $3,
                    requirements_extracted_at = now()
             WHERE id = $1",
        )
        .bind(self.job_role_id)
        .bind(sqlx::types::Json(&found))
        .bind(&version)
        .execute(&ctx.pool)
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
