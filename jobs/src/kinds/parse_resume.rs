//! `parse_resume`: an uploaded resume → text (pdfium / DOCX) → structured
//! profile (the configured AI provider) → the candidate's profile, and an
//! application when the resume came in for a job role.
//!
//! Idempotent: a re-run updates the same candidate and application. Fields a
//! recruiter edited by hand (`candidates.edited_fields`) are never
//! overwritten by a parse.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    ai::ResumeProfile,
    docs,
    domain::pipeline::Stage,
    recruiting::{record_stage_move, StageMove},
    Job, JobContext, JobError, KindPolicy,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParseResume {
    pub resume_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct ResumeRow {
    organisation_id: Uuid,
    job_role_id: Option<Uuid>,
    application_id: Option<Uuid>,
    candidate_id: Option<Uuid>,
    storage_key: String,
}

impl Job for ParseResume {
    const KIND: &'static str = "parse_resume";

    fn policy() -> KindPolicy {
        KindPolicy {
            // pdfium serialises calls within a process: parallelism comes
            // from worker processes.
            concurrency: 2,
            max_attempts: 4,
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
            timeout: Duration::from_secs(180),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let result = self.attempt(&ctx).await;
        // The last attempt failing for a passing reason still ends the
        // resume's story: say so on it, not only on the job.
        if let Err(JobError::Retryable { message, .. }) = &result {
            if ctx.attempt >= ctx.max_attempts {
                let reason = format!(
                    "could not be parsed after {} attempts: {message}",
                    ctx.attempt
                );
                let _ = self.mark_failed(&ctx, &reason).await;
            }
        }
        result
    }
}

impl ParseResume {
    async fn attempt(&self, ctx: &JobContext) -> Result<Value, JobError> {
        let row: Option<ResumeRow> = sqlx::query_as(
            "SELECT organisation_id, job_role_id, application_id, candidate_id, storage_key FROM resumes
             WHERE id = $1 AND organisation_id IS NOT DISTINCT FROM COALESCE($2, organisation_id)",
        )
        .bind(self.resume_id)
        .bind(ctx.organisation_id)
        .fetch_optional(&ctx.pool)
        .await
        .map_err(db)?;
        let Some(resume) = row else {
            return Err(JobError::permanent("the resume no longer exists"));
        };

        ctx.progress(10, "reading the document").await?;
        let key = object_store::path::Path::from(resume.storage_key.as_str());
        let bytes = match ctx.services.storage.get(&key).await {
            Ok(r) => r
                .bytes()
                .await
                .map_err(|e| JobError::retryable(format!("reading the upload: {e}")))?,
            Err(object_store::Error::NotFound { .. }) => {
                return self
                    .fail(ctx, "the uploaded file is missing from storage")
                    .await;
            }
            Err(e) => return Err(JobError::retryable(format!("reading the upload: {e}"))),
        };
        let limits = ctx.services.limits;
        let extracted = tokio::task::spawn_blocking(move || docs::extract(&bytes, &limits))
            .await
            .map_err(|e| JobError::retryable(format!("document reader crashed: {e}")))?;
        let extracted = match extracted {
            Ok(x) => x,
            Err(e) if e.is_permanent() => return self.fail(ctx, &e.to_string()).await,
            Err(e) => return Err(JobError::retryable(e.to_string())),
        };

        ctx.progress(50, "extracting the profile").await?;
        let as_of = Utc::now().format("%Y-%m").to_string();
        let profile = match ctx.services.ai.parse_resume(&extracted.text, &as_of).await {
            Ok(p) => p,
            Err(e) => {
                let err = JobError::from(e);
                if let JobError::Permanent { message } = &err {
                    return self.fail(ctx, message).await;
                }
                return Err(err);
            }
        };
        let version = ctx.services.ai.version();

        ctx.progress(80, "saving the profile").await?;
        let mut tx = ctx.pool.begin().await.map_err(db)?;
        let candidate_id = match self.candidate_for(&mut tx, &resume, &profile).await? {
            Ok(id) => id,
            Err(reason) => {
                drop(tx);
                return self.fail(ctx, &reason).await;
            }
        };
        update_candidate(
            &mut tx,
            resume.organisation_id,
            candidate_id,
            &profile,
            &version,
        )
        .await?;
        let application_id = match (resume.application_id, resume.job_role_id) {
            (Some(app), _) => Some(app),
            (None, Some(role)) => {
                Some(apply(&mut tx, resume.organisation_id, candidate_id, role).await?)
            }
            (None, None) => None,
        };
        sqlx::query(
            "UPDATE resumes SET status = 'parsed', error = NULL, parsed = $2, parser_version = $3, pages = $4,
                    candidate_id = $5, application_id = $6
             WHERE id = $1",
        )
        .bind(self.resume_id)
        .bind(sqlx::types::Json(&profile))
        .bind(&version)
        .bind(extracted.pages as i32)
        .bind(candidate_id)
        .bind(application_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;

        Ok(json!({
            "resume_id": self.resume_id,
            "candidate_id": candidate_id,
            "application_id": application_id,
            "parser_version": version,
            "pages": extracted.pages,
            "skills": profile.skills.len(),
            "experience": profile.experience.len(),
        }))
    }
}

fn db(e: sqlx::Error) -> JobError {
    JobError::retryable(format!("database: {e}"))
}

impl ParseResume {
    async fn mark_failed(&self, ctx: &JobContext, reason: &str) -> Result<(), JobError> {
        sqlx::query("UPDATE resumes SET status = 'failed', error = $2 WHERE id = $1")
            .bind(self.resume_id)
            .bind(reason)
            .execute(&ctx.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Records why the resume cannot be parsed and ends the job `dead`.
    async fn fail(&self, ctx: &JobContext, reason: &str) -> Result<Value, JobError> {
        self.mark_failed(ctx, reason).await?;
        Err(JobError::permanent(reason))
    }

    /// The candidate this resume describes: the one it was uploaded for, or
    /// (for a job role upload) the organisation's candidate with the same
    /// email, or a new one. Err(reason) when none can be made.
    async fn candidate_for(
        &self,
        tx: &mut PgConnection,
        resume: &ResumeRow,
        p: &ResumeProfile,
    ) -> Result<Result<Uuid, String>, JobError> {
        if let Some(id) = resume.candidate_id {
            return Ok(Ok(id));
        }
        if let Some(app) = resume.application_id {
            let id: Option<Uuid> = sqlx::query_scalar(
                "SELECT candidate_id FROM applications WHERE id = $1 AND organisation_id = $2",
            )
            .bind(app)
            .bind(resume.organisation_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            return Ok(id.ok_or_else(|| "the application no longer exists".to_owned()));
        }
        let Some(email) = p.email.as_deref().filter(|e| e.contains('@')) else {
            return Ok(Err(
                "no email address found in the resume; add the candidate by hand and upload it to their application"
                    .to_owned(),
            ));
        };
        // Two uploads of one person may be parsed at once: insert-or-find in
        // one statement each, so neither fails on the other's row.
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO candidates (id, organisation_id, first_name, last_name, email) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (organisation_id, lower(email)) DO NOTHING RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(resume.organisation_id)
        .bind(p.first_name.as_deref().unwrap_or("Unknown"))
        .bind(p.last_name.as_deref().unwrap_or(""))
        .bind(email)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let id = match inserted {
            Some(id) => id,
            None => sqlx::query_scalar(
                "SELECT id FROM candidates WHERE organisation_id = $1 AND lower(email) = lower($2)",
            )
            .bind(resume.organisation_id)
            .bind(email)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?,
        };
        Ok(Ok(id))
    }
}

/// Writes the parsed profile onto the candidate, leaving every field a
/// recruiter edited by hand as it is.
async fn update_candidate(
    tx: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    p: &ResumeProfile,
    version: &str,
) -> Result<(), JobError> {
    let experience: Vec<Value> = p
        .experience
        .iter()
        .map(|e| {
            json!({ "job_title": e.job_title, "company_name": e.company_name, "start_date": e.start_date,
                    "end_date": e.end_date, "is_current": e.is_current })
        })
        .collect();
    let education: Vec<Value> = p
        .education
        .iter()
        .map(|e| {
            json!({ "institution": e.institution, "degree": e.degree, "degree_level": e.degree_level,
                    "field_of_study": e.field_of_study, "end_year": e.end_year })
        })
        .collect();
    macro_rules! keep {
        ($f:literal, $n:literal) => {
            concat!(
                $f,
                " = CASE WHEN '",
                $f,
                "' = ANY(edited_fields) THEN ",
                $f,
                " ELSE COALESCE($",
                $n,
                ", ",
                $f,
                ") END"
            )
        };
    }
    let sql = [
        "UPDATE candidates SET ",
        keep!("first_name", "3"),
        ", ",
        keep!("last_name", "4"),
        ", ",
        keep!("phone", "5"),
        ", ",
        keep!("linkedin_url", "6"),
        ", ",
        keep!("github_url", "7"),
        ", ",
        keep!("portfolio_url", "8"),
        ", ",
        keep!("location", "9"),
        ", ",
        keep!("headline", "10"),
        ", ",
        keep!("summary", "11"),
        ", skills = CASE WHEN 'skills' = ANY(edited_fields) THEN skills ELSE $12 END",
        ", experience = CASE WHEN 'experience' = ANY(edited_fields) THEN experience ELSE $13 END",
        ", education = CASE WHEN 'education' = ANY(edited_fields) THEN education ELSE $14 END",
        ", certifications = CASE WHEN 'certifications' = ANY(edited_fields) THEN certifications ELSE $15 END",
        ", total_years_experience = $16, parsed_profile = $17, parser_version = $18, parsed_at = now()",
        " WHERE id = $1 AND organisation_id = $2",
    ]
    .concat();
    sqlx::query(&sql)
        .bind(id)
        .bind(org)
        .bind(&p.first_name)
        .bind(&p.last_name)
        .bind(p.phone_e164.as_ref().or(p.phone.as_ref()))
        .bind(&p.linkedin_url)
        .bind(&p.github_url)
        .bind(&p.portfolio_url)
        .bind(&p.location)
        .bind(&p.headline)
        .bind(&p.summary)
        .bind(&p.skills)
        .bind(Value::Array(experience))
        .bind(Value::Array(education))
        .bind(&p.certifications)
        .bind(p.total_years_experience.map(|y| y as f32))
        .bind(sqlx::types::Json(p))
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// The candidate's application to the role, created if missing.
async fn apply(
    tx: &mut PgConnection,
    org: Uuid,
    candidate: Uuid,
    role: Uuid,
) -> Result<Uuid, JobError> {
    let id = Uuid::now_v7();
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO applications (id, organisation_id, candidate_id, job_role_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (candidate_id, job_role_id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(org)
    .bind(candidate)
    .bind(role)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    if let Some(id) = inserted {
        record_stage_move(
            &mut *tx,
            StageMove {
                organisation_id: org,
                application_id: id,
                from: None,
                to: Stage::Applied,
                moved_by: None,
                reason: Some("resume uploaded"),
            },
        )
        .await
        .map_err(db)?;
        return Ok(id);
    }
    sqlx::query_scalar("SELECT id FROM applications WHERE candidate_id = $1 AND job_role_id = $2")
        .bind(candidate)
        .bind(role)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)
}
