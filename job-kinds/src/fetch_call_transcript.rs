//! `fetch_call_transcript`: a finished voice or video session's transcript
//! fetched from its provider (every page of it), written to the
//! interview's transcript as ordered segments after what it already holds,
//! and, when the candidate spoke, the interview completed and
//! `score_interview` enqueued. Enqueued when the provider's webhook says
//! the session ended.
//!
//! Idempotent: the segments, the session's `transcript_segments` count,
//! the interview's completion and the score job are written in one
//! transaction, which first checks that count under the session's row
//! lock; a replayed webhook's job, or a retry after a lost outcome, finds
//! it set and writes nothing.
//!
//! A provider that throttles is retried after the time it asks for; one
//! that is down is retried with the kind's backoff.

use std::sync::Arc;

use integrations::{CallProvider, ProviderError, Speaker, TranscriptSegment};
use recruiting::{
    domain::interview::InterviewStatus,
    store::{
        calls,
        interviews::{self, NewSegment},
        StoreError,
    },
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{db, store, Enqueue, Job, JobContext, JobError, KindPolicy, ScoreInterview};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchCallTranscript {
    /// The session (`interview_calls.id`).
    pub call_id: Uuid,
}

/// The longest segment kept, in characters (the transcript API's limit).
const MAX_CONTENT: usize = 20_000;

/// The call a job is about and its provider on this worker. A call deleted
/// since, or a provider this worker is not configured for, fails the job
/// for good.
pub(crate) async fn call_and_provider(
    ctx: &JobContext,
    org: Uuid,
    call_id: Uuid,
) -> Result<(calls::Call, Arc<dyn CallProvider>), JobError> {
    let call = match calls::get(&ctx.pool, org, call_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => {
            return Err(JobError::permanent("the call no longer exists"))
        }
        Err(e) => return Err(store(e)),
    };
    let provider = ctx.services.calls.get(&call.provider).ok_or_else(|| {
        JobError::permanent(format!(
            "the call's provider ({}) is not configured on this worker",
            call.provider
        ))
    })?;
    Ok((call, provider))
}

/// A provider's failure as a job outcome.
pub(crate) fn provider_error(e: ProviderError) -> JobError {
    match e {
        ProviderError::Throttled {
            retry_after: Some(wait),
            ..
        } => JobError::retry_after(e.to_string(), wait),
        // Throttled without a time, unreachable, or refusing our
        // credentials (an operator can fix the key while the job waits):
        // retried with the kind's backoff.
        ProviderError::Throttled { .. }
        | ProviderError::Unavailable { .. }
        | ProviderError::Refused { .. } => JobError::retryable(e.to_string()),
        ProviderError::Unsupported { .. } | ProviderError::Protocol { .. } => {
            JobError::permanent(e.to_string())
        }
    }
}

/// Which side a provider's speaker is on: the candidate by name (the first
/// word of a meeting participant's name), everyone else the interviewer.
fn speaker(s: &Speaker, first_name: &str) -> &'static str {
    match s {
        Speaker::Candidate => "candidate",
        Speaker::Interviewer => "interviewer",
        Speaker::Named(name) => {
            let first = name.split_whitespace().next().unwrap_or_default();
            if !first_name.is_empty() && first.eq_ignore_ascii_case(first_name.trim()) {
                "candidate"
            } else {
                "interviewer"
            }
        }
    }
}

/// The provider's segments as the transcript's, placed from `offset_ms`.
fn segments(t: &[TranscriptSegment], first_name: &str, offset_ms: i32) -> Vec<NewSegment> {
    let clamp = |ms: i64| {
        i32::try_from(ms.max(0))
            .unwrap_or(i32::MAX)
            .saturating_add(offset_ms)
    };
    let mut last_start = offset_ms;
    t.iter()
        .filter(|s| !s.content.trim().is_empty())
        .map(|s| {
            // Never before the previous segment (the transcript is ordered).
            let start = clamp(s.start_ms).max(last_start);
            last_start = start;
            NewSegment {
                speaker: speaker(&s.speaker, first_name).to_owned(),
                content: s.content.trim().chars().take(MAX_CONTENT).collect(),
                start_ms: start,
                end_ms: clamp(s.end_ms).max(start),
                confidence: None,
            }
        })
        .collect()
}

impl Job for FetchCallTranscript {
    const KIND: &'static str = "fetch_call_transcript";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        // Providers' outages and rate limits outlast a few seconds: eight
        // attempts, from 10 s up to 15 minutes apart.
        KindPolicy {
            concurrency: 4,
            max_attempts: 8,
            base_backoff: std::time::Duration::from_secs(10),
            max_backoff: std::time::Duration::from_secs(900),
            timeout: std::time::Duration::from_secs(300),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let (call, provider) = call_and_provider(&ctx, org, self.call_id).await?;
        if let Some(n) = call.transcript_segments {
            return Ok(json!({ "call_id": call.id, "segments": n, "already": true }));
        }
        let fetched = provider
            .fetch_transcript(&call.external_id)
            .await
            .map_err(provider_error)?;

        let mut tx = ctx.pool.begin().await.map_err(db)?;
        let call = calls::get_for_update(&mut tx, org, self.call_id)
            .await
            .map_err(store)?;
        if let Some(n) = call.transcript_segments {
            return Ok(json!({ "call_id": call.id, "segments": n, "already": true }));
        }
        let state = interviews::turn_state(&mut tx, org, call.interview_id)
            .await
            .map_err(store)?;
        if matches!(
            state.status,
            InterviewStatus::Cancelled | InterviewStatus::Expired
        ) {
            return Err(JobError::permanent(format!(
                "the interview is {}; its transcript is not changed",
                state.status.as_str()
            )));
        }
        let end_ms = calls::transcript_end(&mut tx, call.interview_id)
            .await
            .map_err(store)?;
        let new = segments(&fetched, &state.first_name, end_ms);
        let spoke = new.iter().any(|s| s.speaker == "candidate");
        let written = i32::try_from(new.len()).unwrap_or(i32::MAX);
        if !new.is_empty() {
            interviews::insert_segments(&mut tx, org, call.interview_id, &new)
                .await
                .map_err(store)?;
        }
        calls::transcript_written(&mut tx, call.id, written)
            .await
            .map_err(store)?;
        let completed = spoke
            && interviews::advance_to(&mut tx, org, call.interview_id, InterviewStatus::Completed)
                .await
                .map_err(store)?;
        if spoke {
            // Keyed by the call: one score per call's transcript, also when
            // the interview was completed before the transcript arrived.
            ScoreInterview {
                interview_id: call.interview_id,
            }
            .enqueue(
                &mut tx,
                Enqueue::for_org(org).key(format!("score:{}:call:{}", call.interview_id, call.id)),
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(json!({
            "call_id": call.id,
            "interview_id": call.interview_id,
            "segments": written,
            "candidate_spoke": spoke,
            "completed": completed,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_the_transcript_in_order() {
        let t = vec![
            TranscriptSegment {
                speaker: Speaker::Named("Ada Lovelace".into()),
                content: " I built the engine. ".into(),
                start_ms: 2000,
                end_ms: 1000,
            },
            TranscriptSegment {
                speaker: Speaker::Named("Recruiter".into()),
                content: "Thanks.".into(),
                start_ms: 1500,
                end_ms: 3000,
            },
            TranscriptSegment {
                speaker: Speaker::Interviewer,
                content: "   ".into(),
                start_ms: 4000,
                end_ms: 5000,
            },
        ];
        let s = segments(&t, "ada", 10_000);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].speaker.as_str(), s[0].content.as_str()),
            ("candidate", "I built the engine.")
        );
        assert_eq!((s[0].start_ms, s[0].end_ms), (12_000, 12_000));
        assert_eq!(s[1].speaker, "interviewer");
        // Not before the segment it follows.
        assert_eq!((s[1].start_ms, s[1].end_ms), (12_000, 13_000));
    }
}
