//! `score_interview`: a completed interview's transcript scored against its
//! job role's rubric (the default rubric when the role has none) by the
//! configured provider (the built-in `assessment` scorer, or a model whose
//! answer is checked: every dimension, quotes verbatim, else re-asked and
//! at last `dead` with the reason), saved as the interview's score and
//! replacing any earlier one. Enqueued when an interview is marked
//! completed, and on demand.
//!
//! Idempotent: a re-run replaces the score with the same one, and the job
//! that wrote a score never writes it again. A job that dies records why on
//! the interview.

use assessment::{rubric, Turn};
use recruiting::{
    domain::interview::InterviewStatus,
    store::{
        interviews::{self, NewScore},
        StoreError,
    },
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{db, store, DeadJob, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreInterview {
    pub interview_id: Uuid,
}

const GONE: &str = "the interview no longer exists";

impl Job for ScoreInterview {
    const KIND: &'static str = "score_interview";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::recruiting_policy(8, 120)
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let mut conn = ctx.pool.acquire().await.map_err(db)?;
        let input = match interviews::scoring_input(&mut conn, org, self.interview_id).await {
            Ok(input) => input,
            Err(StoreError::NotFound(_)) => return Err(JobError::permanent(GONE)),
            Err(e) => return Err(store(e)),
        };
        if input.status != InterviewStatus::Completed {
            return Err(JobError::permanent(format!(
                "the interview is {}; only completed interviews are scored",
                input.status.as_str()
            )));
        }
        let turns: Vec<Turn> = input.transcript.iter().map(|s| s.turn()).collect();
        if !turns.iter().any(Turn::is_candidate) {
            return Err(JobError::permanent(
                "the transcript has no candidate turns (speaker `candidate`) to score",
            ));
        }
        let rubric = rubric::or_default(&input.rubric);
        let score = ctx
            .services
            .ai
            .score_interview(&turns, &rubric, &input.role_skills)
            .await?;
        let scorer = ctx.services.ai.scorer();
        let version = rubric::version(&rubric);
        let saved = interviews::save_score(
            &mut conn,
            org,
            self.interview_id,
            &NewScore {
                job_id: ctx.job_id,
                score: &score,
                rubric: &rubric,
                rubric_version: &version,
                scorer: &scorer,
                segments: i32::try_from(turns.len()).unwrap_or(i32::MAX),
            },
        )
        .await
        .map_err(store)?;
        if !saved {
            return Err(JobError::permanent(GONE));
        }
        Ok(json!({
            "interview_id": self.interview_id,
            "overall": score.overall,
            "integrity_risk": score.integrity.risk,
            "scorer": scorer,
            "rubric_version": version,
        }))
    }

    /// However the job died, the interview says that scoring failed, and why.
    async fn on_dead(self, dead: DeadJob) -> Result<(), JobError> {
        let reason = format!("scoring failed: {}", dead.reason);
        interviews::mark_score_failed(&dead.pool, dead.organisation_id, self.interview_id, &reason)
            .await
            .map_err(store)
    }
}
