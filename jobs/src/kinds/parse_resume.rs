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
use uuid::Uuid;

use crate::{ai::ResumeProfile, docs, DeadJob, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParseResume {
    pub resume_id: Uuid,
    /// Where the upload is stored. Set at upload (it never changes), so the
    /// job reads the file without a database round trip first; jobs
    /// enqueued without it look it up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_key: Option<String>,
}

const RESUME_GONE: &str = "the resume no longer exists";

/// Where the resume came in, for the reason a parse has nowhere to go.
#[derive(sqlx::FromRow)]
struct ResumeRow {
    job_role_id: Option<Uuid>,
    application_id: Option<Uuid>,
    candidate_id: Option<Uuid>,
}

impl Job for ParseResume {
    const KIND: &'static str = "parse_resume";

    fn policy() -> KindPolicy {
        KindPolicy {
            // PDFs are read on the process's one pdfium thread (parallelism
            // comes from worker processes); the other attempts in flight
            // read storage, run the engine or write to Postgres meanwhile,
            // keeping that thread fed (measured in BENCHMARKS.md).
            concurrency: 8,
            max_attempts: 4,
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
            timeout: Duration::from_secs(180),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        self.attempt(&ctx).await
    }

    /// However the job died, the resume's story ends: it is `failed` with
    /// the reason. A parse that failed for a reason of its own (a bad file,
    /// no email) already said so, and keeps its words; a resume a re-parse
    /// failed on keeps its earlier profile.
    async fn on_dead(self, dead: DeadJob) -> Result<(), JobError> {
        sqlx::query(
            "UPDATE resumes SET status = 'failed', error = $3
             WHERE id = $1 AND organisation_id IS NOT DISTINCT FROM COALESCE($2, organisation_id)
               AND status = 'uploaded'",
        )
        .bind(self.resume_id)
        .bind(dead.organisation_id)
        .bind(format!("could not be parsed: {}", dead.reason))
        .execute(&dead.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}

impl ParseResume {
    async fn attempt(&self, ctx: &JobContext) -> Result<Value, JobError> {
        let (org, storage_key) = match (ctx.organisation_id, &self.storage_key) {
            (Some(org), Some(key)) if is_own_key(org, self.resume_id, key) => (org, key.clone()),
            _ => {
                let row: Option<(Uuid, String)> = sqlx::query_as(
                    "SELECT organisation_id, storage_key FROM resumes
                     WHERE id = $1 AND organisation_id IS NOT DISTINCT FROM COALESCE($2, organisation_id)",
                )
                .bind(self.resume_id)
                .bind(ctx.organisation_id)
                .fetch_optional(&ctx.pool)
                .await
                .map_err(db)?;
                row.ok_or_else(|| JobError::permanent(RESUME_GONE))?
            }
        };

        ctx.progress(10, "reading the document").await?;
        let key = object_store::path::Path::from(storage_key.as_str());
        let bytes = match ctx.services.storage.get(&key).await {
            Ok(r) => r
                .bytes()
                .await
                .map_err(|e| JobError::retryable(format!("reading the upload: {e}")))?,
            Err(object_store::Error::NotFound { .. }) => {
                let reason = match self.why_unsaved(ctx, org, None).await? {
                    RESUME_GONE => RESUME_GONE,
                    _ => "the uploaded file is missing from storage",
                };
                return self.fail(ctx, reason).await;
            }
            Err(e) => return Err(JobError::retryable(format!("reading the upload: {e}"))),
        };
        let limits = ctx.services.limits;
        let extracted = match docs::read(bytes, limits).await {
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
        let saved = save(
            ctx,
            self.resume_id,
            org,
            &profile,
            &version,
            extracted.pages,
        )
        .await?;
        let (candidate_id, application_id) = match saved {
            Some(ids) => ids,
            None => {
                let reason = self.why_unsaved(ctx, org, Some(&profile)).await?;
                return self.fail(ctx, reason).await;
            }
        };
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

    /// Why [`save`] found nowhere to put the parse.
    async fn why_unsaved(
        &self,
        ctx: &JobContext,
        org: Uuid,
        p: Option<&ResumeProfile>,
    ) -> Result<&'static str, JobError> {
        let row: Option<ResumeRow> = sqlx::query_as(
            "SELECT job_role_id, application_id, candidate_id FROM resumes WHERE id = $1 AND organisation_id = $2",
        )
        .bind(self.resume_id)
        .bind(org)
        .fetch_optional(&ctx.pool)
        .await
        .map_err(db)?;
        Ok(match row {
            None => RESUME_GONE,
            Some(r) if r.candidate_id.is_some() => "the candidate no longer exists",
            Some(r) if r.application_id.is_some() => "the application no longer exists",
            Some(r) if r.job_role_id.is_some() && p.and_then(email).is_none() => {
                "no email address found in the resume; add the candidate by hand and upload it to their application"
            }
            Some(_) => "the resume is not attached to a candidate, application or job role",
        })
    }

    /// Records why the resume cannot be parsed and ends the job `dead`.
    async fn fail(&self, ctx: &JobContext, reason: &str) -> Result<Value, JobError> {
        self.mark_failed(ctx, reason).await?;
        Err(JobError::permanent(reason))
    }
}

/// The candidate's fields from a parse. Every field a recruiter edited by
/// hand (`edited_fields`) keeps its value; a field the parse did not find
/// keeps the one it had. Shared by the update and the upsert below.
macro_rules! profile_set {
    () => {
        concat!(
            keep!("first_name", "3"), ", ",
            keep!("last_name", "4"), ", ",
            keep!("phone", "5"), ", ",
            keep!("linkedin_url", "6"), ", ",
            keep!("github_url", "7"), ", ",
            keep!("portfolio_url", "8"), ", ",
            keep!("location", "9"), ", ",
            keep!("headline", "10"), ", ",
            keep!("summary", "11"), ", ",
            keep_list!("skills", "12"), ", ",
            keep_list!("experience", "13"), ", ",
            keep_list!("education", "14"), ", ",
            keep_list!("certifications", "15"),
            ", total_years_experience = $16, parsed_resume_id = $1, parser_version = $17, parsed_at = now()"
        )
    };
}
macro_rules! keep {
    ($f:literal, $n:literal) => {
        concat!(
            $f,
            " = CASE WHEN '",
            $f,
            "' = ANY(candidates.edited_fields) THEN candidates.",
            $f,
            " ELSE COALESCE($",
            $n,
            ", candidates.",
            $f,
            ") END"
        )
    };
}
macro_rules! keep_list {
    ($f:literal, $n:literal) => {
        concat!(
            $f,
            " = CASE WHEN '",
            $f,
            "' = ANY(candidates.edited_fields) THEN candidates.",
            $f,
            " ELSE $",
            $n,
            " END"
        )
    };
}

/// The whole parse written in one statement, whichever way the resume came
/// in (`r`): for a known candidate (`resumes.candidate_id`, or through the
/// application it was uploaded to) that candidate is updated; for a job role
/// the organisation's candidate with the parsed email ($22) is upserted
/// (inserted as $20 if new) with their application to the role (inserted as
/// $21 with its first stage move $23 if new). Both upserts return the row
/// whether it was inserted or already there, also when a concurrent parse
/// of the same person committed it a moment ago; a returned id equal to the
/// proposed one means inserted. No row: nowhere to put the parse.
const SAVE: &str = concat!(
    "WITH r AS (
        SELECT r.id, r.job_role_id, r.application_id, COALESCE(r.candidate_id, a.candidate_id) AS candidate_id
        FROM resumes r
        LEFT JOIN applications a ON a.id = r.application_id AND a.organisation_id = r.organisation_id
        WHERE r.id = $1 AND r.organisation_id = $2
     ), known AS (
        UPDATE candidates SET ",
    profile_set!(),
    " FROM r WHERE candidates.organisation_id = $2 AND candidates.id = r.candidate_id
        RETURNING candidates.id
     ), fresh AS (
        INSERT INTO candidates (id, organisation_id, email, first_name, last_name, phone, linkedin_url, github_url,
                                portfolio_url, location, headline, summary, skills, experience, education, certifications,
                                total_years_experience, parsed_resume_id, parser_version, parsed_at)
        SELECT $20, $2, $22, COALESCE($3, 'Unknown'), COALESCE($4, ''), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
               $15, $16, $1, $17, now()
        FROM r WHERE r.candidate_id IS NULL AND r.application_id IS NULL AND r.job_role_id IS NOT NULL
                 AND $22::text IS NOT NULL
        ON CONFLICT (organisation_id, lower(email)) DO UPDATE SET ",
    profile_set!(),
    " RETURNING id
     ), c AS (
        SELECT id FROM known UNION ALL SELECT id FROM fresh
     ), a AS (
        INSERT INTO applications (id, organisation_id, candidate_id, job_role_id)
        SELECT $21, $2, c.id, r.job_role_id FROM c, r WHERE r.application_id IS NULL AND r.job_role_id IS NOT NULL
        ON CONFLICT (candidate_id, job_role_id) DO UPDATE SET job_role_id = EXCLUDED.job_role_id
        RETURNING id
     ), m AS (
        INSERT INTO application_stage_moves (id, organisation_id, application_id, from_stage, to_stage, reason)
        SELECT $23, $2, a.id, NULL, 'applied', 'resume uploaded' FROM a WHERE a.id = $21
     )
     UPDATE resumes SET status = 'parsed', error = NULL, parsed = $18, parser_version = $17, pages = $19,
            candidate_id = c.id, application_id = COALESCE(r.application_id, (SELECT id FROM a))
     FROM c, r WHERE resumes.id = r.id
     RETURNING c.id, resumes.application_id"
);

/// Whether a payload's storage key is this resume's own key in this
/// organisation: a payload never points a job at another file.
fn is_own_key(org: Uuid, resume_id: Uuid, key: &str) -> bool {
    ["pdf", "docx"]
        .iter()
        .any(|ext| crate::storage::resume_key(org, resume_id, ext).as_ref() == key)
}

/// The parsed email, if it looks like one.
fn email(p: &ResumeProfile) -> Option<&str> {
    p.email.as_deref().filter(|e| e.contains('@'))
}

/// Writes the parse ([`SAVE`]). None when it has nowhere to go.
async fn save(
    ctx: &JobContext,
    resume_id: Uuid,
    org: Uuid,
    p: &ResumeProfile,
    version: &str,
    pages: usize,
) -> Result<Option<(Uuid, Option<Uuid>)>, JobError> {
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
    sqlx::query_as(SAVE)
        .bind(resume_id)
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
        .bind(version)
        .bind(sqlx::types::Json(p))
        .bind(pages as i32)
        .bind(Uuid::now_v7())
        .bind(Uuid::now_v7())
        .bind(email(p))
        .bind(Uuid::now_v7())
        .fetch_optional(&ctx.pool)
        .await
        .map_err(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_key_is_used_only_if_it_is_the_resumes_own() {
        let (org, id, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(is_own_key(org, id, &format!("resumes/{org}/{id}.pdf")));
        assert!(is_own_key(org, id, &format!("resumes/{org}/{id}.docx")));
        for key in [
            format!("resumes/{other}/{id}.pdf"),
            format!("resumes/{org}/{other}.pdf"),
            format!("resumes/{org}/{id}.pdf/../../{other}/{id}.pdf"),
            format!("resumes/{org}/{id}.txt"),
            String::new(),
        ] {
            assert!(!is_own_key(org, id, &key), "{key}");
        }
    }
}
