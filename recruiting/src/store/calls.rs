//! Interviews' voice and video sessions on a provider (`interview_calls`)
//! and the provider webhook events already acted on (`provider_events`).
//! A session is found by its interview (the API) or by the provider's id
//! (webhooks, which carry no organisation).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};

/// A session of an interview on a provider.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Call {
    pub id: Uuid,
    #[serde(skip)]
    pub organisation_id: Uuid,
    pub interview_id: Uuid,
    /// `ultravox`, `zoom` or `acs`.
    pub provider: String,
    /// The provider's id for the session.
    pub external_id: String,
    /// Where the participant joins (a voice call's or a meeting's URL).
    pub join_url: Option<String>,
    /// `created`, `started` or `ended`.
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Segments the session added to the transcript, once it has.
    pub transcript_segments: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// The interview's session on `provider` that is not over, if any.
pub async fn live<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    interview: Uuid,
    provider: &str,
) -> StoreResult<Option<Call>> {
    Ok(sqlx::query_as!(
        Call,
        "SELECT id, organisation_id, interview_id, provider, external_id, join_url, status,
                started_at, ended_at, transcript_segments, created_at
         FROM interview_calls
         WHERE organisation_id = $1 AND interview_id = $2 AND provider = $3 AND status <> 'ended'",
        org,
        interview,
        provider,
    )
    .fetch_optional(db)
    .await?)
}

/// The interview's sessions, newest first.
pub async fn of_interview<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    interview: Uuid,
) -> StoreResult<Vec<Call>> {
    Ok(sqlx::query_as!(
        Call,
        "SELECT id, organisation_id, interview_id, provider, external_id, join_url, status,
                started_at, ended_at, transcript_segments, created_at
         FROM interview_calls
         WHERE organisation_id = $1 AND interview_id = $2
         ORDER BY created_at DESC, id DESC LIMIT 100",
        org,
        interview,
    )
    .fetch_all(db)
    .await?)
}

/// Records a session the provider created. `None` when the interview
/// meanwhile got another live session on this provider (two requests at
/// once): the caller ends the one it made and uses that one.
pub async fn insert(
    conn: &mut PgConnection,
    org: Uuid,
    interview: Uuid,
    provider: &str,
    external_id: &str,
    join_url: Option<&str>,
) -> StoreResult<Option<Call>> {
    Ok(sqlx::query_as!(
        Call,
        "INSERT INTO interview_calls (id, organisation_id, interview_id, provider, external_id, join_url)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (interview_id, provider) WHERE status <> 'ended' DO NOTHING
         RETURNING id, organisation_id, interview_id, provider, external_id, join_url, status,
                   started_at, ended_at, transcript_segments, created_at",
        Uuid::now_v7(),
        org,
        interview,
        provider,
        external_id,
        join_url,
    )
    .fetch_optional(conn)
    .await?)
}

/// The session the provider calls `external_id`, locked for the caller's
/// transaction.
pub async fn by_external_for_update(
    conn: &mut PgConnection,
    provider: &str,
    external_id: &str,
) -> StoreResult<Option<Call>> {
    Ok(sqlx::query_as!(
        Call,
        "SELECT id, organisation_id, interview_id, provider, external_id, join_url, status,
                started_at, ended_at, transcript_segments, created_at
         FROM interview_calls WHERE provider = $1 AND external_id = $2 FOR UPDATE",
        provider,
        external_id,
    )
    .fetch_optional(conn)
    .await?)
}

/// The session `id` of the organisation.
pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Call> {
    sqlx::query_as!(
        Call,
        "SELECT id, organisation_id, interview_id, provider, external_id, join_url, status,
                started_at, ended_at, transcript_segments, created_at
         FROM interview_calls WHERE organisation_id = $1 AND id = $2",
        org,
        id,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("call"))
}

/// The session `id` of the organisation, locked for the caller's transaction.
pub async fn get_for_update(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<Call> {
    sqlx::query_as!(
        Call,
        "SELECT id, organisation_id, interview_id, provider, external_id, join_url, status,
                started_at, ended_at, transcript_segments, created_at
         FROM interview_calls WHERE organisation_id = $1 AND id = $2 FOR UPDATE",
        org,
        id,
    )
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("call"))
}

/// The session started (once; an ended session stays ended).
pub async fn mark_started(conn: &mut PgConnection, id: Uuid) -> StoreResult<bool> {
    let done = sqlx::query!(
        "UPDATE interview_calls SET status = 'started', started_at = COALESCE(started_at, now())
         WHERE id = $1 AND status = 'created'",
        id,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The session is over (once).
pub async fn mark_ended(conn: &mut PgConnection, id: Uuid) -> StoreResult<bool> {
    let done = sqlx::query!(
        "UPDATE interview_calls SET status = 'ended', ended_at = now() WHERE id = $1 AND status <> 'ended'",
        id,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that the session's transcript has been written (`segments` of
/// it), in the transaction that wrote it.
pub async fn transcript_written(
    conn: &mut PgConnection,
    id: Uuid,
    segments: i32,
) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE interview_calls SET transcript_segments = $2 WHERE id = $1",
        id,
        segments,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// When the interview's transcript so far ends (0 when empty): a
/// session's transcript is placed after it.
pub async fn transcript_end(conn: &mut PgConnection, interview: Uuid) -> StoreResult<i32> {
    Ok(sqlx::query_scalar!(
        r#"SELECT COALESCE(MAX(end_ms), 0) AS "end_ms!" FROM transcript_segments WHERE interview_id = $1"#,
        interview,
    )
    .fetch_one(conn)
    .await?)
}

/// Records that the event `key` of `provider` is being acted on, in the
/// transaction that acts on it. False when it already was (a replay):
/// the caller changes nothing.
pub async fn first_delivery(
    conn: &mut PgConnection,
    provider: &str,
    key: &str,
) -> StoreResult<bool> {
    let done = sqlx::query!(
        "INSERT INTO provider_events (provider, event_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        provider,
        key,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets events received before `before` (providers have long stopped
/// redelivering them). Returns how many.
pub async fn purge_events<'e>(db: impl PgExecutor<'e>, before: DateTime<Utc>) -> StoreResult<u64> {
    let done = sqlx::query!("DELETE FROM provider_events WHERE received_at < $1", before)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
