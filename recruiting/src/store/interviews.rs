//! Interviews of an application, their status, and their transcripts
//! (segments appended in order).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{applications, StoreError, StoreResult};
use crate::domain::{interview::InterviewStatus, pipeline::Stage};

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
        "SELECT seq, speaker, content, start_ms, end_ms, confidence FROM transcript_segments
         WHERE interview_id = $1 AND organisation_id = $2 ORDER BY seq",
        id,
        org,
    )
    .fetch_all(&mut *conn)
    .await?)
}
