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

use job_engine::finish::Finished;
use recruiting::store::resumes;

use crate::{db, DeadJob, Job, JobContext, JobError, KindPolicy};

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

impl Job for ParseResume {
    const KIND: &'static str = "parse_resume";
    type Services = crate::Services;

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
    /// the reason. A parse that failed for a reason of its own (a bad file)
    /// already said so, and keeps its words; a resume a re-parse
    /// failed on keeps its earlier profile.
    async fn on_dead(self, dead: DeadJob) -> Result<(), JobError> {
        let reason = format!("could not be parsed: {}", dead.reason);
        resumes::mark_failed(
            &dead.pool,
            dead.organisation_id,
            self.resume_id,
            &reason,
            true,
        )
        .await
        .map_err(db)?;
        Ok(())
    }
}

impl ParseResume {
    async fn attempt(&self, ctx: &JobContext) -> Result<Value, JobError> {
        // `expected`: the candidate the parse is for, when known here (the
        // phone is sealed for them; see `resumes::save_parse`).
        let (org, storage_key, expected) = match (ctx.organisation_id, &self.storage_key) {
            (Some(org), Some(key)) if is_own_key(org, self.resume_id, key) => {
                (org, key.clone(), None)
            }
            _ => {
                let row = resumes::locate(&ctx.pool, ctx.organisation_id, self.resume_id)
                    .await
                    .map_err(db)?
                    .ok_or_else(|| JobError::permanent(RESUME_GONE))?;
                (row.organisation_id, row.storage_key, row.candidate_id)
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
                let reason = match self.why_unsaved(ctx, org).await? {
                    RESUME_GONE => RESUME_GONE,
                    _ => "the uploaded file is missing from storage",
                };
                return self.fail(ctx, reason).await;
            }
            Err(e) => return Err(JobError::retryable(format!("reading the upload: {e}"))),
        };
        let keys = &ctx.services.postbox.keys;
        let bytes = match resumes::open_file(keys, self.resume_id, &bytes) {
            Ok(plain) => bytes::Bytes::from(plain),
            // A key missing from this worker's keyring may be in another's
            // (a rotation being deployed): retried.
            Err(e @ seal::OpenError::UnknownKey(_)) => {
                return Err(JobError::retryable(format!("opening the upload: {e}")))
            }
            Err(e) => {
                return self
                    .fail(ctx, &format!("the stored file cannot be opened: {e}"))
                    .await
            }
        };
        let limits = ctx.services.limits;
        let extracted = match ctx.services.documents.read(bytes, limits).await {
            Ok(x) => x,
            Err(e) if e.is_permanent() => return self.fail(ctx, &e.to_string()).await,
            Err(e) => return Err(JobError::retryable(e.to_string())),
        };

        ctx.progress(50, "extracting the profile").await?;
        let as_of = Utc::now().format("%Y-%m").to_string();
        let mut profile = match ctx.services.ai.parse_resume(&extracted.text, &as_of).await {
            Ok(p) => p,
            Err(e) => {
                let err = JobError::from(e);
                if let JobError::Permanent { message } = &err {
                    return self.fail(ctx, message).await;
                }
                return Err(err);
            }
        };
        profile.ocr = extracted.ocr.as_ref().map(|o| extraction::OcrNote {
            pages: o.pages,
            words: o.words,
            mean_confidence: o.mean_confidence,
        });
        let version = ctx.services.ai.version();

        ctx.progress(80, "saving the profile").await?;
        // The profile lands with the job's outcome, in a transaction shared
        // with the other parses finishing now: one commit for many.
        let pages = i32::try_from(extracted.pages).unwrap_or(i32::MAX);
        let (services, resume_id, job_id) = (ctx.services.clone(), self.resume_id, ctx.job_id);
        let finished = ctx
            .finish(move |conn| {
                Box::pin(async move {
                    let landed = resumes::save_parse(
                        conn,
                        &services.postbox.keys,
                        org,
                        resume_id,
                        expected,
                        &profile,
                        &version,
                        pages,
                        job_id,
                    )
                    .await
                    .map_err(crate::store)?;
                    Ok(landed.map(|l| {
                        json!({
                            "resume_id": resume_id,
                            "candidate_id": l.candidate_id,
                            "application_id": l.application_id,
                            "parser_version": version,
                            "pages": pages,
                            "skills": profile.skills.len(),
                            "experience": profile.experience.len(),
                        })
                    }))
                })
            })
            .await?;
        match finished {
            Finished::Recorded(result) => Ok(result),
            Finished::Nothing => {
                let reason = self.why_unsaved(ctx, org).await?;
                self.fail(ctx, reason).await
            }
        }
    }
}

impl ParseResume {
    /// Why [`resumes::save_parse`] found nowhere to put the parse.
    async fn why_unsaved(&self, ctx: &JobContext, org: Uuid) -> Result<&'static str, JobError> {
        let row = resumes::origin(&ctx.pool, org, self.resume_id)
            .await
            .map_err(db)?;
        Ok(match row {
            None => RESUME_GONE,
            Some(r) if r.candidate_id.is_some() => "the candidate no longer exists",
            Some(r) if r.application_id.is_some() => "the application no longer exists",
            Some(_) => "the resume is not attached to a candidate, application or job role",
        })
    }

    /// Records why the resume cannot be parsed and ends the job `dead`.
    async fn fail(&self, ctx: &JobContext, reason: &str) -> Result<Value, JobError> {
        resumes::mark_failed(
            &ctx.pool,
            ctx.organisation_id,
            self.resume_id,
            reason,
            false,
        )
        .await
        .map_err(db)?;
        Err(JobError::permanent(reason))
    }
}

/// Whether a payload's storage key is this resume's own key in this
/// organisation: a payload never points a job at another file.
fn is_own_key(org: Uuid, resume_id: Uuid, key: &str) -> bool {
    ["pdf", "docx"]
        .iter()
        .any(|ext| recruiting::storage::resume_key(org, resume_id, ext).as_ref() == key)
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
