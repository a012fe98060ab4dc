//! `shortlist`: ranks a job role's applications in play by resume fit and
//! interview score (`assessment::shortlist`), and saves the ranking as a
//! dated snapshot: the first `max_candidates` at or above `min_score` that
//! are not flagged for review make the shortlist. The role's requirements
//! must have been extracted (`extract_requirements`).
//!
//! Idempotent: a re-delivered job saves nothing twice and answers with the
//! first snapshot.

use recruiting::store::{
    shortlists::{self, Entry},
    StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{db, store, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shortlist {
    pub job_role_id: Uuid,
    /// How many make the shortlist (1–500).
    pub max_candidates: u16,
    /// The lowest score (0–100) that can make it.
    #[serde(default)]
    pub min_score: f64,
}

/// Largest `max_candidates`.
pub const MAX_SHORTLIST: u16 = 500;

impl Job for Shortlist {
    const KIND: &'static str = "shortlist";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::recruiting_policy(4, 120)
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        if !(1..=MAX_SHORTLIST).contains(&self.max_candidates)
            || !(0.0..=100.0).contains(&self.min_score)
        {
            return Err(JobError::permanent(format!(
                "max_candidates must be 1 to {MAX_SHORTLIST} and min_score 0 to 100"
            )));
        }
        let mut conn = ctx.pool.acquire().await.map_err(db)?;
        let read = std::time::Instant::now();
        let (requirements, in_play) =
            match shortlists::ranking_input(&mut conn, org, self.job_role_id).await {
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
        let read_ms = read.elapsed().as_millis() as u64;
        let started = std::time::Instant::now();
        let mut people: std::collections::HashMap<Uuid, _> = in_play
            .iter()
            .map(|p| {
                (
                    p.applicant.application_id,
                    (p.candidate_id, p.candidate_name.clone(), p.stage),
                )
            })
            .collect();
        let ranked = assessment::shortlist::rank(
            &requirements,
            in_play.into_iter().map(|p| p.applicant).collect(),
        );
        let mut taken = 0usize;
        let entries: Vec<Entry> = ranked
            .into_iter()
            .map(|r| {
                let shortlisted = taken < usize::from(self.max_candidates)
                    && r.score >= self.min_score
                    && !r.flag_for_review;
                taken += usize::from(shortlisted);
                let (candidate_id, candidate_name, stage) = people
                    .remove(&r.application_id)
                    .expect("every ranked application was in play");
                Entry {
                    ranked: r,
                    candidate_id,
                    candidate_name,
                    stage,
                    shortlisted,
                }
            })
            .collect();
        let ranking_ms = started.elapsed().as_millis() as u64;
        let saving = std::time::Instant::now();
        let id = shortlists::save(
            &mut conn,
            org,
            self.job_role_id,
            ctx.job_id,
            i32::from(self.max_candidates),
            self.min_score,
            &requirements,
            &entries,
        )
        .await
        .map_err(store)?
        .ok_or_else(|| JobError::permanent("the job role no longer exists"))?;
        let save_ms = saving.elapsed().as_millis() as u64;
        Ok(json!({
            "shortlist_id": id,
            "job_role_id": self.job_role_id,
            "applications": entries.len(),
            "shortlisted": taken,
            "flagged_for_review": entries.iter().filter(|e| e.ranked.flag_for_review).count(),
            "read_ms": read_ms,
            "ranking_ms": ranking_ms,
            "save_ms": save_ms,
        }))
    }
}
