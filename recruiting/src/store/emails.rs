//! The email outbox: every message the platform sends, its sealed
//! recipient and body, and its delivery status, which a re-run of its
//! `send_email` job reads to tell whether the message may have gone.

use seal::Keyring;
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type, utoipa::ToSchema)]
#[sqlx(type_name = "email_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Waiting for its job.
    Queued,
    /// An attempt is talking to the server; the body has not gone.
    Sending,
    /// The body is going (or went) to the server.
    Transmitting,
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
    /// An attempt stopped while the body was going: it may have been
    /// delivered, so it is not sent again.
    Unconfirmed,
}

/// A new email: who it is for and its composed message, in plain; the
/// store seals both.
pub struct NewEmail<'a> {
    pub organisation_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub dedupe_key: &'a str,
    pub template: &'a str,
    pub sender: &'a str,
    pub recipient: &'a str,
    pub message: &'a [u8],
}

fn recipient_aad(id: Uuid) -> Vec<u8> {
    format!("emails.recipient:{id}").into_bytes()
}

fn message_aad(id: Uuid) -> Vec<u8> {
    format!("emails.message:{id}").into_bytes()
}

/// Records an email under its dedupe key: `(id, true)` for a new one, or
/// the existing email's `(id, false)` when the key was used before.
pub async fn insert(
    conn: &mut PgConnection,
    keys: &Keyring,
    id: Uuid,
    email: NewEmail<'_>,
) -> StoreResult<(Uuid, bool)> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO emails (id, organisation_id, candidate_id, dedupe_key, template, sender, recipient, message)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        id,
        email.organisation_id,
        email.candidate_id,
        email.dedupe_key,
        email.template,
        email.sender,
        keys.seal_str(email.recipient, &recipient_aad(id)),
        keys.seal(email.message, &message_aad(id)),
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let existing = sqlx::query_scalar!(
        "SELECT id FROM emails WHERE dedupe_key = $1",
        email.dedupe_key
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((existing, false))
}

/// Notes the job that sends the email.
pub async fn set_job<'e>(db: impl PgExecutor<'e>, id: Uuid, job_id: Uuid) -> StoreResult<()> {
    sqlx::query!("UPDATE emails SET job_id = $2 WHERE id = $1", id, job_id)
        .execute(db)
        .await?;
    Ok(())
}

/// An email as its sender sees it, locked by [`lock`].
pub struct Outgoing {
    pub status: EmailStatus,
    pub sender: String,
    pub recipient: String,
    /// None once sent.
    pub message: Option<Vec<u8>>,
}

/// Locks the email for the caller's transaction and opens its sealed
/// fields.
pub async fn lock(conn: &mut PgConnection, keys: &Keyring, id: Uuid) -> StoreResult<Outgoing> {
    let row = sqlx::query!(
        r#"SELECT status AS "status: EmailStatus", sender, recipient, message
           FROM emails WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("email"))?;
    let unseal = |what: &str, e: seal::OpenError| {
        StoreError::Sealed(format!("the email's {what} cannot be opened: {e}"))
    };
    Ok(Outgoing {
        status: row.status,
        sender: row.sender,
        recipient: keys
            .open_str(&row.recipient, &recipient_aad(id))
            .map_err(|e| unseal("recipient", e))?,
        message: row
            .message
            .map(|m| keys.open(&m, &message_aad(id)))
            .transpose()
            .map_err(|e| unseal("message", e))?,
    })
}

/// Moves the email from one of `from` to `to`, noting an error (or
/// clearing it). False when it was in none of `from`.
pub async fn advance<'e>(
    db: impl PgExecutor<'e>,
    id: Uuid,
    from: &[EmailStatus],
    to: EmailStatus,
    error: Option<&str>,
) -> StoreResult<bool> {
    let done = sqlx::query!(
        r#"UPDATE emails SET status = $3, last_error = COALESCE($4, last_error)
           WHERE id = $1 AND status = ANY($2)"#,
        id,
        from as &[EmailStatus],
        to as EmailStatus,
        error,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Starts an attempt: `sending`, one more attempt counted.
pub async fn start_attempt<'e>(db: impl PgExecutor<'e>, id: Uuid) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE emails SET status = 'sending', attempts = attempts + 1 WHERE id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records the delivery: sent, with the server's receipt, and the message
/// (which may hold a link's secret) dropped. Interview invitations whose
/// email this was become `sent`.
pub async fn mark_sent(conn: &mut PgConnection, id: Uuid, receipt: &str) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE emails SET status = 'sent', receipt = $2, message = NULL, sent_at = now(), last_error = NULL
         WHERE id = $1",
        id,
        receipt,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE interview_invitations SET status = 'sent', sent_at = now()
         WHERE email_id = $1 AND status = 'pending'",
        id,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An email's delivery, for status views.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EmailDelivery)]
pub struct Delivery {
    pub id: Uuid,
    pub template: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub job_id: Option<Uuid>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn delivery<'e>(db: impl PgExecutor<'e>, id: Uuid) -> StoreResult<Option<Delivery>> {
    Ok(sqlx::query_as!(
        Delivery,
        r#"SELECT id, template, status AS "status: EmailStatus", attempts, last_error, job_id, sent_at
           FROM emails WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// Re-seals up to `limit` emails whose recipient or message is under
/// another key than the keyring's current one; returns how many. Rows
/// another transaction holds are waited for (a sender's lock is short),
/// so a batch smaller than `limit` means none is left.
pub async fn reseal_batch(conn: &mut PgConnection, keys: &Keyring, limit: i64) -> StoreResult<u64> {
    let rows = sqlx::query!(
        r#"SELECT id, recipient, message FROM emails
           WHERE (convert_from(substring(recipient from 3 for get_byte(recipient, 1)), 'UTF8') <> $1
                  OR (message IS NOT NULL
                      AND convert_from(substring(message from 3 for get_byte(message, 1)), 'UTF8') <> $1))
           ORDER BY id LIMIT $2 FOR UPDATE"#,
        keys.current_id(),
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let unseal = |e: seal::OpenError| StoreError::Sealed(format!("re-sealing an email: {e}"));
    for r in &rows {
        let recipient = keys
            .reseal(&r.recipient, &recipient_aad(r.id))
            .map_err(unseal)?
            .unwrap_or_else(|| r.recipient.clone());
        let message = match &r.message {
            Some(m) => Some(
                keys.reseal(m, &message_aad(r.id))
                    .map_err(unseal)?
                    .unwrap_or_else(|| m.clone()),
            ),
            None => None,
        };
        sqlx::query!(
            "UPDATE emails SET recipient = $2, message = $3 WHERE id = $1",
            r.id,
            recipient,
            message
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(rows.len() as u64)
}
