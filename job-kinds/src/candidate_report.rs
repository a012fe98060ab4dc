//! `candidate_report`: renders an application's report (profile,
//! requirement match, interview scores with quotes, integrity notes) as a
//! PDF (`reports`), stores it and records it; the API serves the latest.
//!
//! Idempotent: the file is named by the job, so a re-run writes the same
//! object and records nothing twice.

use assessment::shortlist::{rank, Applicant, InterviewResult};
use chrono::Utc;
use recruiting::store::{reports as store_reports, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{db, store, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateReport {
    pub application_id: Uuid,
}

impl Job for CandidateReport {
    const KIND: &'static str = "candidate_report";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::recruiting_policy(4, 60)
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let mut conn = ctx.pool.acquire().await.map_err(db)?;
        let input = match store_reports::report_input(
            &mut conn,
            &ctx.services.postbox.keys,
            org,
            self.application_id,
        )
        .await
        {
            Ok(input) => input,
            Err(StoreError::NotFound(_)) => {
                return Err(JobError::permanent("the application no longer exists"))
            }
            Err(e) => return Err(store(e)),
        };
        let matched = input.requirements.as_ref().map(|req| {
            rank(
                req,
                vec![Applicant {
                    application_id: self.application_id,
                    skills: input.skills.clone(),
                    total_years: input.total_years,
                    interview: input.score.as_ref().map(|(s, _)| InterviewResult {
                        overall: s.overall,
                        risk: s.integrity.risk,
                    }),
                }],
            )
            .remove(0)
        });
        let report = reports::Report {
            candidate_name: format!("{} {}", input.first_name, input.last_name)
                .trim()
                .to_owned(),
            email: input.email,
            phone: input.phone,
            location: input.location,
            headline: input.headline,
            skills: input.skills,
            total_years: input.total_years,
            role_title: input.role_title,
            stage: input.stage.as_str().to_owned(),
            matched,
            interview: input.score,
            generated: format!("generated {}", Utc::now().format("%Y-%m-%d %H:%M UTC")),
        };
        let pdf = tokio::task::spawn_blocking(move || reports::render(&report))
            .await
            .map_err(|e| JobError::retryable(format!("rendering task failed: {e}")))?
            .map_err(|e| JobError::permanent(e.to_string()))?;
        let key = recruiting::storage::report_key(org, self.application_id, ctx.job_id);
        let size = pdf.len();
        let sealed = ctx
            .services
            .postbox
            .keys
            .seal(&pdf, &store_reports::file_aad(key.as_ref()));
        ctx.services
            .storage
            .put(&key, sealed.into())
            .await
            .map_err(|e| JobError::retryable(format!("storing the report: {e}")))?;
        let saved = store_reports::save(
            &mut conn,
            org,
            self.application_id,
            ctx.job_id,
            key.as_ref(),
            i32::try_from(size).unwrap_or(i32::MAX),
            ctx.services.postbox.keys.current_id(),
        )
        .await
        .map_err(store)?;
        if !saved {
            return Err(JobError::permanent("the application no longer exists"));
        }
        Ok(json!({ "application_id": self.application_id, "size_bytes": size }))
    }
}
