//! Interview recordings past their organisation's retention: found in
//! batches (by id, so a run resumes where it stopped), and marked deleted
//! or failed once their object is gone or could not be removed.

use sqlx::PgExecutor;
use uuid::Uuid;

use super::StoreResult;

#[derive(Debug, Clone)]
pub struct DueRecording {
    pub organisation_id: Uuid,
    pub interview_id: Uuid,
    pub recording_ref: String,
}

/// Up to `limit` recordings past retention, with interview ids above
/// `after`, in id order.
pub async fn due<'e>(
    db: impl PgExecutor<'e>,
    after: Uuid,
    limit: i64,
) -> StoreResult<Vec<DueRecording>> {
    Ok(sqlx::query_as!(
        DueRecording,
        r#"SELECT i.organisation_id, i.id AS interview_id, i.recording_ref AS "recording_ref!"
           FROM interviews i JOIN organisations o ON o.id = i.organisation_id
           WHERE i.recording_ref IS NOT NULL AND i.id > $1
             AND COALESCE(i.completed_at, i.started_at, i.created_at)
                 < now() - make_interval(days => o.recording_retention_days)
           ORDER BY i.id LIMIT $2"#,
        after,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// The recording's object is gone: the interview no longer refers to it.
/// False if the interview meanwhile refers to another recording.
pub async fn deleted<'e>(db: impl PgExecutor<'e>, r: &DueRecording) -> StoreResult<bool> {
    let done = sqlx::query!(
        "UPDATE interviews SET recording_ref = NULL, recording_deleted_at = now(), recording_delete_error = NULL
         WHERE id = $1 AND organisation_id = $2 AND recording_ref = $3",
        r.interview_id,
        r.organisation_id,
        r.recording_ref,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deleting the recording failed; the next run tries again.
pub async fn failed<'e>(db: impl PgExecutor<'e>, r: &DueRecording, error: &str) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE interviews SET recording_delete_error = $3 WHERE id = $1 AND organisation_id = $2",
        r.interview_id,
        r.organisation_id,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Where an interview's recordings are stored: every object under it is
/// deleted with the interview's recording at retention.
pub fn prefix(org: Uuid, interview: Uuid) -> String {
    format!("recordings/{org}/{interview}/")
}

/// Records a stored recording on its interview, so retention finds it:
/// the interview's `recording_ref` unless it already has one (its other
/// recordings share the interview's [`prefix`] and go with it). Returns
/// whether the interview (still) exists.
pub async fn attach<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    interview: Uuid,
    key: &str,
) -> StoreResult<bool> {
    let done = sqlx::query!(
        "UPDATE interviews SET recording_ref = COALESCE(recording_ref, $3), recording_deleted_at = NULL
         WHERE id = $1 AND organisation_id = $2",
        interview,
        org,
        key,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
