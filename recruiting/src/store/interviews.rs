//! Interviews of an application, their status, their transcripts
//! (segments appended in order) and their scores.

use assessment::InterviewScore;
use chrono::{DateTime, Utc};
use extraction::JobRequirements;
use serde::{Deserialize, Serialize};
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::{applications, StoreError, StoreResult};
use crate::domain::{interview::InterviewStatus, pipeline::Stage, rubric::RubricDimension};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = InterviewView)]
pub struct Interview {
    pub id: Uuid,
    pub application_id: Uuid,
    pub status: InterviewStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Where the recording is stored (object-store key or URL).
    pub recording_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changes to an interview: None leaves a field; Some(None) clears.
#[derive(Debug, Default)]
pub struct InterviewChanges<'a> {
    pub status: Option<InterviewStatus>,
    pub scheduled_at: Option<Option<DateTime<Utc>>>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub recording_ref: Option<Option<&'a str>>,
}

/// Which interviews to list: newest first, ids below `before`.
#[derive(Debug, Default)]
pub struct Filter {
    pub application_id: Option<Uuid>,
    pub status: Option<InterviewStatus>,
    pub before: Option<Uuid>,
    pub limit: i64,
}

/// A stored transcript segment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Segment {
    /// Position in the transcript (assigned on append).
    pub seq: i32,
    /// e.g. `interviewer`, `candidate`.
    pub speaker: String,
    pub content: String,
    pub start_ms: i32,
    pub end_ms: i32,
    /// 0–1, from the speech recogniser.
    pub confidence: Option<f32>,
    /// A candidate's turn: how long after the start of the interviewer's
    /// last turn it started (the answer latency).
    pub answer_latency_ms: Option<i32>,
}

impl Segment {
    /// The segment as the scorer and the interviewer read it.
    pub fn turn(&self) -> assessment::Turn {
        assessment::Turn {
            speaker: self.speaker.clone(),
            content: self.content.clone(),
            start_ms: i64::from(self.start_ms),
        }
    }
}

/// A segment to append (validated by the caller); its position is
/// assigned on append.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSegment {
    /// e.g. `interviewer`, `candidate`.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub speaker: String,
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub content: String,
    #[schema(minimum = 0)]
    pub start_ms: i32,
    /// Not before `start_ms`.
    #[schema(minimum = 0)]
    pub end_ms: i32,
    /// 0–1, from the speech recogniser.
    #[schema(minimum = 0, maximum = 1)]
    pub confidence: Option<f32>,
}

/// Schedules an interview for an application that is still in play.
pub async fn create(
    conn: &mut PgConnection,
    org: Uuid,
    application_id: Uuid,
    scheduled_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
) -> StoreResult<Interview> {
    let stage = applications::stage_for_share(&mut *conn, org, application_id).await?;
    if matches!(stage, Stage::Hired | Stage::Rejected | Stage::Withdrawn) {
        return Err(StoreError::Conflict(format!(
            "the application is {}",
            stage.as_str()
        )));
    }
    Ok(sqlx::query_as!(
        Interview,
        r#"INSERT INTO interviews (id, organisation_id, application_id, scheduled_at, expires_at)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id, application_id, status AS "status: InterviewStatus", scheduled_at, expires_at,
                     started_at, completed_at, recording_ref, created_at, updated_at"#,
        Uuid::now_v7(),
        org,
        application_id,
        scheduled_at,
        expires_at,
    )
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn list<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    f: &Filter,
) -> sqlx::Result<Vec<Interview>> {
    sqlx::query_as!(
        Interview,
        r#"SELECT id, application_id, status AS "status: InterviewStatus", scheduled_at, expires_at,
                  started_at, completed_at, recording_ref, created_at, updated_at
           FROM interviews
           WHERE organisation_id = $1 AND ($2::uuid IS NULL OR application_id = $2)
             AND ($3::interview_status IS NULL OR status = $3) AND ($4::uuid IS NULL OR id < $4)
           ORDER BY id DESC LIMIT $5"#,
        org,
        f.application_id,
        f.status as Option<InterviewStatus>,
        f.before,
        f.limit,
    )
    .fetch_all(db)
    .await
}

pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Interview> {
    sqlx::query_as!(
        Interview,
        r#"SELECT id, application_id, status AS "status: InterviewStatus", scheduled_at, expires_at,
                  started_at, completed_at, recording_ref, created_at, updated_at
           FROM interviews WHERE id = $1 AND organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("interview"))
}

async fn status_for_update(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
) -> StoreResult<InterviewStatus> {
    sqlx::query_scalar!(
        r#"SELECT status AS "status: InterviewStatus" FROM interviews
           WHERE id = $1 AND organisation_id = $2 FOR UPDATE"#,
        id,
        org,
    )
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("interview"))
}

/// Changes an interview (allowed status moves only; a finished interview's
/// times stay). Returns the status it had and the interview.
pub async fn update(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    c: &InterviewChanges<'_>,
) -> StoreResult<(InterviewStatus, Interview)> {
    let current = status_for_update(&mut *conn, org, id).await?;
    if let Some(to) = c.status {
        if to != current && !current.can_move_to(to) {
            return Err(StoreError::Conflict(format!(
                "cannot change an interview from {} to {}",
                current.as_str(),
                to.as_str()
            )));
        }
    }
    if current.is_final() && (c.scheduled_at.is_some() || c.expires_at.is_some()) {
        return Err(StoreError::Conflict(format!(
            "the interview is {}",
            current.as_str()
        )));
    }
    let row = sqlx::query_as!(
        Interview,
        r#"UPDATE interviews SET
               status = COALESCE($3, status),
               started_at = CASE WHEN $3 = 'in_progress' AND started_at IS NULL THEN now() ELSE started_at END,
               completed_at = CASE WHEN $3 = 'completed' THEN now() ELSE completed_at END,
               scheduled_at = CASE WHEN $4 THEN $5 ELSE scheduled_at END,
               expires_at = CASE WHEN $6 THEN $7 ELSE expires_at END,
               recording_ref = CASE WHEN $8 THEN $9 ELSE recording_ref END
           WHERE id = $1 AND organisation_id = $2
           RETURNING id, application_id, status AS "status: InterviewStatus", scheduled_at, expires_at,
                     started_at, completed_at, recording_ref, created_at, updated_at"#,
        id,
        org,
        c.status as Option<InterviewStatus>,
        c.scheduled_at.is_some(),
        c.scheduled_at.flatten(),
        c.expires_at.is_some(),
        c.expires_at.flatten(),
        c.recording_ref.is_some(),
        c.recording_ref.flatten(),
    )
    .fetch_one(&mut *conn)
    .await?;
    if row.status != current {
        super::interview_invitations::follow_interview(conn, id, row.status).await?;
    }
    Ok((current, row))
}

/// Appends segments (in order of `start_ms`) to a transcript that accepts
/// them; none may start before the transcript's last one. Returns the
/// number of segments in the transcript now.
pub async fn append_segments(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    segments: &[NewSegment],
) -> StoreResult<i64> {
    let status = status_for_update(&mut *conn, org, id).await?;
    if !status.accepts_transcript() {
        return Err(StoreError::Conflict(format!(
            "the interview is {}",
            status.as_str()
        )));
    }
    let last = sqlx::query!(
        "SELECT seq, start_ms FROM transcript_segments WHERE interview_id = $1 ORDER BY seq DESC LIMIT 1",
        id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let (Some(last), Some(first)) = (&last, segments.first()) {
        if first.start_ms < last.start_ms {
            return Err(StoreError::Invalid(vec![(
                "segments[0].start_ms".into(),
                "starts before the transcript's last segment".into(),
            )]));
        }
    }
    let first_seq = last.map(|l| l.seq + 1).unwrap_or(0);
    insert_at(conn, org, id, first_seq, segments).await
}

/// Appends segments after the transcript's last, whatever the interview's
/// status (the caller holds the interview and has checked it): a finished
/// call's transcript can land after its interview was marked completed.
/// Returns the number of segments in the transcript now.
pub async fn insert_segments(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    segments: &[NewSegment],
) -> StoreResult<i64> {
    let first_seq = sqlx::query_scalar!(
        r#"SELECT COALESCE(MAX(seq) + 1, 0) AS "next!" FROM transcript_segments WHERE interview_id = $1"#,
        id,
    )
    .fetch_one(&mut *conn)
    .await?;
    insert_at(conn, org, id, first_seq, segments).await
}

async fn insert_at(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    first_seq: i32,
    segments: &[NewSegment],
) -> StoreResult<i64> {
    let seqs: Vec<i32> = (0..segments.len() as i32).map(|i| first_seq + i).collect();
    let speakers: Vec<String> = segments.iter().map(|s| s.speaker.clone()).collect();
    let contents: Vec<String> = segments.iter().map(|s| s.content.clone()).collect();
    let starts: Vec<i32> = segments.iter().map(|s| s.start_ms).collect();
    let ends: Vec<i32> = segments.iter().map(|s| s.end_ms).collect();
    let confidences: Vec<Option<f32>> = segments.iter().map(|s| s.confidence).collect();
    sqlx::query!(
        "INSERT INTO transcript_segments (organisation_id, interview_id, seq, speaker, content, start_ms, end_ms, confidence)
         SELECT $1, $2, u.seq, u.speaker, u.content, u.start_ms, u.end_ms, u.confidence
         FROM UNNEST($3::int[], $4::text[], $5::text[], $6::int[], $7::int[], $8::real[])
              AS u(seq, speaker, content, start_ms, end_ms, confidence)",
        org,
        id,
        &seqs,
        &speakers,
        &contents,
        &starts,
        &ends,
        &confidences as &[Option<f32>],
    )
    .execute(&mut *conn)
    .await?;
    Ok(first_seq as i64 + segments.len() as i64)
}

/// The transcript, in order.
pub async fn transcript(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<Vec<Segment>> {
    get(&mut *conn, org, id).await?;
    Ok(sqlx::query_as!(
        Segment,
        r#"SELECT seq, speaker, content, start_ms, end_ms, confidence,
                  -- Speakers compared as assessment::Turn::is_candidate does.
                  CASE WHEN lower(btrim(speaker)) = 'candidate' THEN start_ms - max(start_ms)
                      FILTER (WHERE lower(btrim(speaker)) <> 'candidate') OVER (ORDER BY seq) END AS answer_latency_ms
           FROM transcript_segments
           WHERE interview_id = $1 AND organisation_id = $2 ORDER BY seq"#,
        id,
        org,
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// What scoring an interview reads: its status and transcript, and its job
/// role's rubric and skills (required and preferred, once extracted).
#[derive(Debug, Clone)]
pub struct ScoringInput {
    pub status: InterviewStatus,
    pub rubric: Vec<RubricDimension>,
    pub role_skills: Vec<String>,
    pub transcript: Vec<Segment>,
}

pub async fn scoring_input(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
) -> StoreResult<ScoringInput> {
    let row = sqlx::query!(
        r#"SELECT i.status AS "status: InterviewStatus",
                  r.rubric AS "rubric: Json<Vec<RubricDimension>>",
                  r.extracted_requirements AS "requirements: Json<JobRequirements>"
           FROM interviews i
           JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
           JOIN job_roles r ON r.id = a.job_role_id AND r.organisation_id = a.organisation_id
           WHERE i.id = $1 AND i.organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("interview"))?;
    let role_skills = row
        .requirements
        .map(|Json(r)| [r.required_skills, r.preferred_skills].concat())
        .unwrap_or_default();
    Ok(ScoringInput {
        status: row.status,
        rubric: row.rubric.0,
        role_skills,
        transcript: transcript(conn, org, id).await?,
    })
}

/// A score to save, with what it was scored against and by.
#[derive(Debug)]
pub struct NewScore<'a> {
    /// The job that scored it.
    pub job_id: Uuid,
    pub score: &'a InterviewScore,
    pub rubric: &'a [RubricDimension],
    pub rubric_version: &'a str,
    /// `builtin-1`, or the provider and model.
    pub scorer: &'a str,
    /// Transcript segments scored.
    pub segments: i32,
}

/// Saves an interview's score, replacing any earlier one whole, and clears
/// the last scoring failure, in one statement. The job that wrote the score
/// does not write it again (a re-delivered job changes nothing). False if
/// the interview is gone. The same statement announces `interview.scored`
/// to the organisation's webhook endpoints when the score was written.
pub async fn save_score(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    s: &NewScore<'_>,
) -> StoreResult<bool> {
    let score = serde_json::to_value(s.score).expect("scores serialise");
    let rubric = serde_json::to_value(s.rubric).expect("rubrics serialise");
    let saved = sqlx::query!(
        r#"WITH saved AS (
               INSERT INTO interview_scores (interview_id, organisation_id, overall, integrity_risk, score,
                                             rubric, rubric_version, scorer, segments, job_id)
               SELECT i.id, i.organisation_id, $3, $4, $5, $6, $7, $8, $9, $10
               FROM interviews i WHERE i.id = $1 AND i.organisation_id = $2
               ON CONFLICT (interview_id) DO UPDATE SET
                   overall = EXCLUDED.overall, integrity_risk = EXCLUDED.integrity_risk,
                   score = EXCLUDED.score, rubric = EXCLUDED.rubric,
                   rubric_version = EXCLUDED.rubric_version, scorer = EXCLUDED.scorer,
                   segments = EXCLUDED.segments, job_id = EXCLUDED.job_id, scored_at = now()
               WHERE interview_scores.job_id IS DISTINCT FROM EXCLUDED.job_id
               RETURNING interview_id
           ), cleared AS (
               UPDATE interviews SET score_error = NULL
               WHERE id = $1 AND organisation_id = $2 AND score_error IS NOT NULL
           ), announced AS (
               SELECT webhook_emit($2, 'interview.scored', 'interview.scored:' || $1::uuid::text || ':' || $10::uuid::text,
                                   jsonb_build_object('interview_id', $1::uuid, 'application_id', i.application_id,
                                                      'overall', $3::float8, 'integrity_risk', $4::text,
                                                      'rubric_version', $7::text, 'job_id', $10::uuid)) AS n
               FROM saved JOIN interviews i ON i.id = saved.interview_id
           )
           SELECT EXISTS (SELECT 1 FROM interviews WHERE id = $1 AND organisation_id = $2) AS "exists!",
                  (SELECT count(*) FROM announced) AS "announced!""#,
        id,
        org,
        s.score.overall,
        s.score.integrity.risk.as_str(),
        score,
        rubric,
        s.rubric_version,
        s.scorer,
        s.segments,
        s.job_id,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(saved.exists)
}

/// Records why scoring an interview failed (shown until a score lands).
pub async fn mark_score_failed<'e>(
    db: impl PgExecutor<'e>,
    org: Option<Uuid>,
    id: Uuid,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE interviews SET score_error = $3
         WHERE id = $1 AND organisation_id = COALESCE($2, organisation_id)",
        id,
        org,
        reason,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An interview's saved score.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = InterviewScoreView)]
pub struct StoredScore {
    pub interview_id: Uuid,
    #[schema(value_type = InterviewScore)]
    pub score: Json<InterviewScore>,
    /// The rubric as it was scored against.
    #[schema(value_type = Vec<RubricDimension>)]
    pub rubric: Json<Vec<RubricDimension>>,
    /// A digest of `rubric`: equal versions, equal rubrics.
    pub rubric_version: String,
    /// `builtin-1`, or the provider and model.
    pub scorer: String,
    /// Transcript segments scored.
    pub segments: i32,
    /// The job that scored it.
    pub job_id: Uuid,
    pub scored_at: DateTime<Utc>,
}

/// An interview's score, or why there is none: `Err(None)` when it was
/// never scored, `Err(Some(reason))` when the last scoring failed.
pub async fn score<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    id: Uuid,
) -> StoreResult<Result<StoredScore, Option<String>>> {
    let row = sqlx::query!(
        r#"SELECT i.score_error, s.interview_id AS "scored?: Uuid",
                  s.score AS "score?: Json<InterviewScore>",
                  s.rubric AS "rubric?: Json<Vec<RubricDimension>>",
                  s.rubric_version AS "rubric_version?", s.scorer AS "scorer?",
                  s.segments AS "segments?", s.job_id AS "job_id?", s.scored_at AS "scored_at?"
           FROM interviews i LEFT JOIN interview_scores s ON s.interview_id = i.id
           WHERE i.id = $1 AND i.organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("interview"))?;
    Ok(
        match (
            row.score,
            row.rubric,
            row.rubric_version,
            row.scorer,
            row.segments,
            row.job_id,
            row.scored_at,
        ) {
            (
                Some(score),
                Some(rubric),
                Some(rubric_version),
                Some(scorer),
                Some(segments),
                Some(job_id),
                Some(scored_at),
            ) => Ok(StoredScore {
                interview_id: id,
                score,
                rubric,
                rubric_version,
                scorer,
                segments,
                job_id,
                scored_at,
            }),
            _ => Err(row.score_error),
        },
    )
}

/// Stores a new access token's digest for the interview's candidate,
/// replacing any earlier one; refused once the interview is over.
pub async fn issue_access(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let status = status_for_update(&mut *conn, org, id).await?;
    if status.is_final() {
        return Err(StoreError::Conflict(format!(
            "the interview is {}",
            status.as_str()
        )));
    }
    sqlx::query!(
        "UPDATE interviews SET access_token_hash = $3, access_expires_at = $4
         WHERE id = $1 AND organisation_id = $2",
        id,
        org,
        token_hash,
        expires_at,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The interview (organisation, id) an unexpired access token opens.
pub async fn by_access_token<'e>(
    db: impl PgExecutor<'e>,
    token_hash: &[u8],
) -> StoreResult<Option<(Uuid, Uuid)>> {
    Ok(sqlx::query!(
        "SELECT organisation_id, id FROM interviews
         WHERE access_token_hash = $1 AND access_expires_at > now()",
        token_hash,
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.organisation_id, r.id)))
}

/// What the interviewer's next turn needs, with the interview locked until
/// the caller's transaction ends (one turn at a time).
#[derive(Debug, Clone)]
pub struct TurnState {
    pub status: InterviewStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub job_role_id: Uuid,
    pub role_title: String,
    pub first_name: String,
    /// The question set the interview started with (None before it
    /// starts).
    pub question_set_id: Option<Uuid>,
    pub transcript: Vec<Segment>,
}

pub async fn turn_state(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<TurnState> {
    let row = sqlx::query!(
        r#"SELECT i.status AS "status: InterviewStatus", i.started_at, i.expires_at,
                  a.job_role_id, j.title, c.first_name, i.question_set_id
           FROM interviews i
           JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
           JOIN candidates c ON c.id = a.candidate_id AND c.organisation_id = a.organisation_id
           JOIN job_roles j ON j.id = a.job_role_id AND j.organisation_id = a.organisation_id
           WHERE i.id = $1 AND i.organisation_id = $2
           FOR UPDATE OF i"#,
        id,
        org,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("interview"))?;
    Ok(TurnState {
        status: row.status,
        started_at: row.started_at,
        expires_at: row.expires_at,
        job_role_id: row.job_role_id,
        role_title: row.title,
        first_name: row.first_name,
        question_set_id: row.question_set_id,
        transcript: transcript(conn, org, id).await?,
    })
}

/// Keeps `set` as the interview's question set (at its start).
pub async fn pin_question_set(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    set: Uuid,
) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE interviews SET question_set_id = $3 WHERE id = $1 AND organisation_id = $2",
        id,
        org,
        set,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves the interview on to `to` through the statuses between
/// (scheduled → in progress → completed); nothing when it is already there
/// or past it (over, cancelled, expired). Returns whether it moved.
pub async fn advance_to(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    to: InterviewStatus,
) -> StoreResult<bool> {
    use InterviewStatus::*;
    let current = status_for_update(&mut *conn, org, id).await?;
    let steps: &[InterviewStatus] = match (current, to) {
        (Scheduled, InProgress) => &[InProgress],
        (Scheduled, Completed) => &[InProgress, Completed],
        (InProgress, Completed) => &[Completed],
        _ => &[],
    };
    for step in steps {
        let changes = InterviewChanges {
            status: Some(*step),
            ..InterviewChanges::default()
        };
        update(conn, org, id, &changes).await?;
    }
    Ok(!steps.is_empty())
}
