//! The AI interviewer: the candidate (with the interview's access token) or
//! a recruiter answers; the interviewer's next turn (from the configured
//! provider: the built-in interviewer, or a model held to the approved
//! questions) comes back, as JSON or
//! streamed as server-sent events. Each call appends the answer and the
//! interviewer's turn to the transcript in one transaction: a stream that
//! is cut off before its end saves nothing.

use std::convert::Infallible;

use assessment::{interviewer::Next, Turn};
use axum::{
    extract::{FromRequestParts, State},
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::{
        sse::{Event, Sse},
        IntoResponse, Response,
    },
};
use chrono::Utc;
use futures::{stream, StreamExt};
use recruiting::{
    domain::interview::InterviewStatus,
    store::{
        interviews::{self, InterviewChanges, NewSegment},
        questions,
    },
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{tokens, unauthorized, OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_access))
        .routes(routes!(turn))
}

/// An access token's lifetime when the interview has no expiry of its own.
const ACCESS_DAYS: i64 = 14;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Access {
    /// Shown once: the candidate sends it as `X-Interview-Token`.
    pub token: String,
    pub expires_at: chrono::DateTime<Utc>,
}

/// Issues the candidate's access token to this interview (replacing any
/// earlier one); it lapses with the interview's expiry.
#[utoipa::path(post, path = "/interviews/{id}/access-token", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 201, body = Access), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn issue_access(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<Access>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.pool.begin().await?;
    let interview = interviews::get(&mut *tx, ctx.org_id, id).await?;
    let expires_at = interview
        .expires_at
        .unwrap_or_else(|| Utc::now() + chrono::Duration::days(ACCESS_DAYS));
    if expires_at <= Utc::now() {
        return Err(ApiError::Conflict("the interview has expired".into()));
    }
    let token = tokens::random_secret();
    interviews::issue_access(
        &mut tx,
        ctx.org_id,
        id,
        &tokens::hash_secret(&token),
        expires_at,
    )
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "interview.access_issued",
        "interview",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Access { token, expires_at }),
    ))
}

/// Who drives an interview: its candidate, by access token, or a member who
/// may write.
pub enum Driver {
    Candidate { org: Uuid, interview: Uuid },
    Member(OrgCtx),
}

impl Driver {
    /// The organisation whose interview `id` this driver may drive: a
    /// candidate's token opens its own interview only.
    pub fn org_for(&self, id: Uuid) -> Result<Uuid, ApiError> {
        match self {
            Driver::Candidate { org, interview } if *interview == id => Ok(*org),
            Driver::Candidate { .. } => Err(ApiError::NotFound("interview")),
            Driver::Member(ctx) => Ok(ctx.org_id),
        }
    }
}

impl FromRequestParts<AppState> for Driver {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = parts.headers.get("x-interview-token") {
            let token = token.to_str().unwrap_or_default();
            return match interviews::by_access_token(&state.pool, &tokens::hash_secret(token))
                .await?
            {
                Some((org, interview)) => Ok(Driver::Candidate { org, interview }),
                None => Err(unauthorized("the interview link is invalid or has expired")),
            };
        }
        let ctx = OrgCtx::from_request_parts(parts, state).await?;
        ctx.require(Perm::Write)?;
        Ok(Driver::Member(ctx))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The candidate's answer; empty (or absent) only to start the
    /// interview.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub content: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterviewerTurn {
    /// What the interviewer says next.
    pub content: String,
    /// Where it stands in the transcript, from the interview's start.
    pub start_ms: i32,
    /// `question`, `follow_up` or `closing`.
    pub kind: &'static str,
    /// 1-based number of the question being asked (or followed up).
    pub question: Option<usize>,
    pub questions: usize,
    /// The interview is over (and being scored).
    pub done: bool,
    /// From the start of the interviewer's previous turn to the answer.
    pub answer_latency_ms: Option<i32>,
}

/// Answers and gets the interviewer's next turn. The first call (no
/// answer) starts the interview and asks the first approved question;
/// after the last question the interview completes and is scored. With
/// `Accept: text/event-stream` the turn streams as `token` events and ends
/// with a `done` event carrying the turn, sent once it is saved.
#[utoipa::path(post, path = "/interviews/{id}/turns", tag = "interviews",
    security(("bearer" = []), ("interview_token" = [])),
    params(("id" = Uuid, Path)), request_body = Answer,
    responses((status = 200, body = InterviewerTurn, description = "JSON, or `text/event-stream` when asked"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn turn(
    State(state): State<AppState>,
    driver: Driver,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<Answer>,
) -> Result<Response, ApiError> {
    let org = driver.org_for(id)?;
    let answer = req.content.trim();
    let mut p = Vec::new();
    validate::check(&mut p, "content", validate::max_len(answer, 20_000));
    validate::finish(p)?;

    let mut tx = state.pool.begin().await?;
    let st = interviews::turn_state(&mut tx, org, id).await?;
    if !st.status.accepts_transcript() {
        return Err(ApiError::Conflict(format!(
            "the interview is {}",
            st.status.as_str()
        )));
    }
    if st.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(ApiError::Conflict("the interview has expired".into()));
    }
    // The set the interview started with (the first turn pins it).
    let set = questions::of_interview(&mut tx, org, &st, id)
        .await?
        .ok_or_else(|| ApiError::Conflict("the job role has no approved questions".into()))?;
    let mut transcript: Vec<Turn> = st.transcript.iter().map(|s| s.turn()).collect();
    let started = transcript.iter().any(|t| !t.is_candidate());
    if answer.is_empty() && started {
        return Err(ApiError::field("content", "your answer to the question"));
    }
    if !answer.is_empty() && !started {
        return Err(ApiError::field(
            "content",
            "empty: start the interview first",
        ));
    }
    let started_at = match st.started_at {
        Some(at) => at,
        None => {
            let changes = InterviewChanges {
                status: Some(InterviewStatus::InProgress),
                ..InterviewChanges::default()
            };
            interviews::update(&mut tx, org, id, &changes)
                .await?
                .1
                .started_at
                .unwrap_or_else(Utc::now)
        }
    };
    let last_start = st.transcript.last().map_or(0, |s| s.start_ms);
    let now_ms = i32::try_from((Utc::now() - started_at).num_milliseconds().max(0))
        .unwrap_or(i32::MAX)
        .max(last_start);
    let mut segments = Vec::new();
    let mut answer_latency_ms = None;
    if !answer.is_empty() {
        let asked_at = transcript
            .iter()
            .rev()
            .find(|t| !t.is_candidate())
            .map_or(0, |t| t.start_ms);
        answer_latency_ms = Some(now_ms - i32::try_from(asked_at).unwrap_or(0));
        segments.push(NewSegment {
            speaker: "candidate".into(),
            content: answer.to_owned(),
            start_ms: now_ms,
            end_ms: now_ms,
            confidence: None,
        });
        transcript.push(Turn {
            speaker: "candidate".into(),
            content: answer.to_owned(),
            start_ms: i64::from(now_ms),
        });
    }
    // A provider that fails leaves nothing written (the transaction is
    // dropped): the candidate sends the answer again.
    let next = state
        .ai
        .interviewer_turn(
            &st.role_title,
            &set.questions.0,
            &transcript,
            Some(st.first_name.as_str()),
        )
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "the interviewer's provider failed");
            ApiError::Status {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "interviewer_unavailable",
                message: "the interviewer could not answer just now; send your answer again".into(),
            }
        })?;
    let (kind, question, done) = match &next {
        Next::Ask { index, .. } => ("question", Some(index + 1), false),
        Next::FollowUp { index, .. } => ("follow_up", Some(index + 1), false),
        Next::Close { .. } => ("closing", None, true),
    };
    let reply = InterviewerTurn {
        content: next.text().to_owned(),
        start_ms: now_ms,
        kind,
        question,
        questions: set.questions.0.len(),
        done,
        answer_latency_ms,
    };
    segments.push(NewSegment {
        speaker: "interviewer".into(),
        content: reply.content.clone(),
        start_ms: now_ms,
        end_ms: now_ms,
        confidence: None,
    });
    interviews::append_segments(&mut tx, org, id, &segments).await?;
    if done {
        let changes = InterviewChanges {
            status: Some(InterviewStatus::Completed),
            ..InterviewChanges::default()
        };
        interviews::update(&mut tx, org, id, &changes).await?;
        super::interviews::score_when_completed(&mut tx, org, id).await?;
    }

    let streamed = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/event-stream"));
    if !streamed {
        tx.commit().await?;
        return Ok(axum::Json(reply).into_response());
    }
    // The words go out first; the turn is saved when the stream reaches its
    // end, and only then is `done` sent. A client gone before that drops
    // the stream, and with it the transaction: nothing is saved.
    let words: Vec<String> = reply
        .content
        .split_inclusive(' ')
        .map(str::to_owned)
        .collect();
    let tokens =
        stream::iter(words).map(|w| Ok::<_, Infallible>(Event::default().event("token").data(w)));
    let finish = stream::once(async move {
        Ok(match tx.commit().await {
            Ok(()) => Event::default()
                .event("done")
                .json_data(&reply)
                .unwrap_or_else(|_| {
                    Event::default()
                        .event("error")
                        .data("the turn could not be encoded")
                }),
            Err(e) => {
                tracing::warn!(error = %e, "saving a streamed interview turn failed");
                Event::default()
                    .event("error")
                    .data("the turn could not be saved; send the answer again")
            }
        })
    });
    Ok(Sse::new(tokens.chain(finish)).into_response())
}
