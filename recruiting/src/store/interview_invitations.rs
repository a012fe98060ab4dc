//! Interview invitations: the emailed link that lets a candidate into their
//! AI interview. The link's token is the interview's access token (its
//! digest finds both); the token itself is kept sealed so a reminder can
//! carry the same link. Statuses follow the email (`pending` → `sent`), the
//! candidate (`opened`) and the interview (`started`, `completed`); an
//! invitation ends `expired`, `revoked` or `completed`.

use chrono::{DateTime, Utc};
use seal::Keyring;
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{interviews, StoreError, StoreResult};
use crate::domain::interview::InterviewStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type, utoipa::ToSchema)]
#[sqlx(type_name = "interview_invitation_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[schema(as = InterviewInvitationStatus)]
pub enum InvitationStatus {
    /// Its email is on its way.
    Pending,
    /// Its email was delivered.
    Sent,
    /// The candidate opened the link.
    Opened,
    /// The interview started.
    Started,
    Completed,
    Expired,
    Revoked,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Opened => "opened",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    /// Its link still lets the candidate in (until it expires).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Sent | Self::Opened | Self::Started
        )
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = InterviewInvitation)]
pub struct Invitation {
    pub id: Uuid,
    pub interview_id: Uuid,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    /// How many links this invitation has had (each resend makes a new one).
    pub token_version: i32,
    /// The email of the current link.
    pub email_id: Option<Uuid>,
    pub sent_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn token_aad(id: Uuid) -> Vec<u8> {
    format!("interview_invitations.token:{id}").into_bytes()
}

/// The invitation's link token, unsealed.
fn open_token(keys: &Keyring, id: Uuid, sealed: &[u8]) -> StoreResult<String> {
    keys.open_str(sealed, &token_aad(id))
        .map_err(|e| StoreError::Sealed(format!("invitation {id}: the link cannot be opened: {e}")))
}

/// Who and what an invitation's email is about.
#[derive(Debug, Clone)]
pub struct Addressee {
    pub organisation_id: Uuid,
    pub interview_id: Uuid,
    pub interview_status: InterviewStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub candidate_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role_title: String,
    pub organisation: String,
}

impl Addressee {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }
}

/// The interview's candidate and role, with the interview locked.
pub async fn addressee(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    interview: Uuid,
) -> StoreResult<Addressee> {
    let r = sqlx::query!(
        r#"SELECT i.status AS "status: InterviewStatus", i.scheduled_at, c.id AS candidate_id,
                  c.first_name, c.last_name, c.email_sealed, c.legacy_email,
                  c.erased_at IS NOT NULL AS "erased!", j.title, o.name
           FROM interviews i
           JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
           JOIN candidates c ON c.id = a.candidate_id AND c.organisation_id = a.organisation_id
           JOIN job_roles j ON j.id = a.job_role_id AND j.organisation_id = a.organisation_id
           JOIN organisations o ON o.id = i.organisation_id
           WHERE i.id = $1 AND i.organisation_id = $2
           FOR UPDATE OF i"#,
        interview,
        org,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("interview"))?;
    if r.erased {
        return Err(StoreError::Conflict(
            "the candidate's personal data was erased".into(),
        ));
    }
    let (email, _) = super::candidates::open_contact(
        keys,
        r.candidate_id,
        super::candidates::Contact {
            email_sealed: r.email_sealed.as_deref(),
            legacy_email: r.legacy_email,
            phone_sealed: None,
            legacy_phone: None,
        },
    )?;
    let email = email.ok_or_else(|| {
        StoreError::Conflict(
            "the candidate has no email address yet: add one to the candidate first".into(),
        )
    })?;
    Ok(Addressee {
        organisation_id: org,
        interview_id: interview,
        interview_status: r.status,
        scheduled_at: r.scheduled_at,
        candidate_id: r.candidate_id,
        first_name: r.first_name,
        last_name: r.last_name,
        email,
        role_title: r.title,
        organisation: r.name,
    })
}

/// A new invitation's link: its token and the token's digest.
pub struct Link<'a> {
    pub token: &'a str,
    pub token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
}

/// Invites the interview's candidate (an interview has one live invitation
/// at a time) and makes the link the interview's access token.
pub async fn create(
    conn: &mut PgConnection,
    keys: &Keyring,
    to: &Addressee,
    id: Uuid,
    link: Link<'_>,
    created_by: Option<Uuid>,
) -> StoreResult<Invitation> {
    if to.interview_status.is_final() {
        return Err(StoreError::Conflict(format!(
            "the interview is {}",
            to.interview_status.as_str()
        )));
    }
    let live = sqlx::query_scalar!(
        r#"SELECT id FROM interview_invitations
           WHERE interview_id = $1 AND status IN ('pending', 'sent', 'opened', 'started')"#,
        to.interview_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(live) = live {
        return Err(StoreError::Conflict(format!(
            "the interview already has a live invitation ({live}); resend or revoke it"
        )));
    }
    sqlx::query!(
        "INSERT INTO interview_invitations
             (id, organisation_id, interview_id, token_hash, token_sealed, expires_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        to.organisation_id,
        to.interview_id,
        link.token_hash,
        keys.seal_str(link.token, &token_aad(id)),
        link.expires_at,
        created_by,
    )
    .execute(&mut *conn)
    .await?;
    interviews::issue_access(
        conn,
        to.organisation_id,
        to.interview_id,
        link.token_hash,
        link.expires_at,
    )
    .await?;
    get(&mut *conn, to.organisation_id, id).await
}

/// A new link for an invitation not yet used (or expired unused): the old
/// link stops working, the status goes back to `pending`, and a reminder
/// may be sent again.
pub async fn rotate(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    id: Uuid,
    link: Link<'_>,
) -> StoreResult<Invitation> {
    let current = lock(&mut *conn, org, id).await?;
    match current.status {
        InvitationStatus::Pending | InvitationStatus::Sent | InvitationStatus::Opened => {}
        InvitationStatus::Expired => {
            let live = sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM interview_invitations
                   WHERE interview_id = $1 AND status IN ('pending', 'sent', 'opened', 'started'))"#,
                current.interview_id
            )
            .fetch_one(&mut *conn)
            .await?;
            if live == Some(true) {
                return Err(StoreError::Conflict(
                    "the interview has a newer live invitation".into(),
                ));
            }
        }
        other => {
            return Err(StoreError::Conflict(format!(
                "the invitation is {}",
                other.as_str()
            )))
        }
    }
    sqlx::query!(
        "UPDATE interview_invitations SET status = 'pending', token_hash = $3, token_sealed = $4,
                token_version = token_version + 1, expires_at = $5, email_id = NULL,
                sent_at = NULL, opened_at = NULL, reminded_at = NULL
         WHERE id = $1 AND organisation_id = $2",
        id,
        org,
        link.token_hash,
        keys.seal_str(link.token, &token_aad(id)),
        link.expires_at,
    )
    .execute(&mut *conn)
    .await?;
    interviews::issue_access(
        conn,
        org,
        current.interview_id,
        link.token_hash,
        link.expires_at,
    )
    .await?;
    get(&mut *conn, org, id).await
}

/// Notes the email of the invitation's current link.
pub async fn set_email<'e>(db: impl PgExecutor<'e>, id: Uuid, email_id: Uuid) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE interview_invitations SET email_id = $2 WHERE id = $1",
        id,
        email_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes a live invitation: its link stops working at once.
pub async fn revoke(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<Invitation> {
    let current = lock(&mut *conn, org, id).await?;
    if !current.status.is_live() || current.status == InvitationStatus::Started {
        return Err(StoreError::Conflict(format!(
            "the invitation is {}",
            current.status.as_str()
        )));
    }
    sqlx::query!(
        "UPDATE interview_invitations SET status = 'revoked', revoked_at = now() WHERE id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE interviews SET access_token_hash = NULL, access_expires_at = NULL
         WHERE id = $1 AND access_token_hash = (SELECT token_hash FROM interview_invitations WHERE id = $2)",
        current.interview_id,
        id,
    )
    .execute(&mut *conn)
    .await?;
    get(&mut *conn, org, id).await
}

struct Locked {
    status: InvitationStatus,
    interview_id: Uuid,
}

async fn lock(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<Locked> {
    sqlx::query_as!(
        Locked,
        r#"SELECT status AS "status: InvitationStatus", interview_id FROM interview_invitations
           WHERE id = $1 AND organisation_id = $2 FOR UPDATE"#,
        id,
        org
    )
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("invitation"))
}

pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Invitation> {
    sqlx::query_as!(
        Invitation,
        r#"SELECT id, interview_id, status AS "status: InvitationStatus", expires_at, token_version,
                  email_id, sent_at, opened_at, started_at, completed_at, revoked_at, reminded_at, created_at
           FROM interview_invitations WHERE id = $1 AND organisation_id = $2"#,
        id,
        org
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("invitation"))
}

/// What a link opens: the invitation (whatever its state, so the caller can
/// say why a link no longer works) and what the candidate sees.
#[derive(Debug, Clone)]
pub struct Opened {
    pub organisation_id: Uuid,
    pub invitation_id: Uuid,
    pub interview_id: Uuid,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
    pub organisation: String,
    pub role_title: String,
    pub first_name: String,
}

/// The invitation whose current link has the digest `token_hash`; a live,
/// unexpired one becomes `opened` (the first time).
pub async fn open(conn: &mut PgConnection, token_hash: &[u8]) -> StoreResult<Option<Opened>> {
    let Some(r) = sqlx::query!(
        r#"SELECT v.id, v.organisation_id, v.interview_id, v.status AS "status: InvitationStatus",
                  v.expires_at, v.expires_at <= now() AS "expired!", o.name, j.title, c.first_name
           FROM interview_invitations v
           JOIN interviews i ON i.id = v.interview_id AND i.organisation_id = v.organisation_id
           JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
           JOIN candidates c ON c.id = a.candidate_id AND c.organisation_id = a.organisation_id
           JOIN job_roles j ON j.id = a.job_role_id AND j.organisation_id = a.organisation_id
           JOIN organisations o ON o.id = v.organisation_id
           WHERE v.token_hash = $1
           FOR UPDATE OF v"#,
        token_hash
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut status = r.status;
    if !r.expired && matches!(status, InvitationStatus::Pending | InvitationStatus::Sent) {
        sqlx::query!(
            "UPDATE interview_invitations SET status = 'opened', opened_at = COALESCE(opened_at, now())
             WHERE id = $1",
            r.id
        )
        .execute(&mut *conn)
        .await?;
        status = InvitationStatus::Opened;
    }
    Ok(Some(Opened {
        organisation_id: r.organisation_id,
        invitation_id: r.id,
        interview_id: r.interview_id,
        status,
        expires_at: r.expires_at,
        expired: r.expired,
        organisation: r.name,
        role_title: r.title,
        first_name: r.first_name,
    }))
}

/// The interview's live invitation follows the interview: started,
/// completed, or ended with it (cancelled → revoked, expired → expired).
pub async fn follow_interview(
    conn: &mut PgConnection,
    interview: Uuid,
    status: InterviewStatus,
) -> StoreResult<()> {
    let to = match status {
        InterviewStatus::InProgress => InvitationStatus::Started,
        InterviewStatus::Completed => InvitationStatus::Completed,
        InterviewStatus::Cancelled => InvitationStatus::Revoked,
        InterviewStatus::Expired => InvitationStatus::Expired,
        InterviewStatus::Scheduled => return Ok(()),
    };
    sqlx::query!(
        r#"UPDATE interview_invitations SET status = $2::interview_invitation_status,
               started_at = CASE WHEN $2::interview_invitation_status = 'started'
                            THEN COALESCE(started_at, now()) ELSE started_at END,
               completed_at = CASE WHEN $2::interview_invitation_status = 'completed'
                              THEN now() ELSE completed_at END,
               revoked_at = CASE WHEN $2::interview_invitation_status = 'revoked'
                            THEN now() ELSE revoked_at END
           WHERE interview_id = $1 AND status IN ('pending', 'sent', 'opened', 'started')"#,
        interview,
        to as InvitationStatus,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Up to `limit` live invitations past their expiry become `expired`, with
/// their interviews if those had not started. Returns how many.
pub async fn expire_due(conn: &mut PgConnection, limit: i64) -> StoreResult<u64> {
    let expired = sqlx::query_scalar!(
        r#"WITH due AS (
               SELECT id FROM interview_invitations
               WHERE status IN ('pending', 'sent', 'opened') AND expires_at <= now()
               ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
           ), expired AS (
               UPDATE interview_invitations v SET status = 'expired'
               FROM due WHERE v.id = due.id
               RETURNING v.interview_id, v.organisation_id
           ), unstarted AS (
               UPDATE interviews i SET status = 'expired', access_token_hash = NULL, access_expires_at = NULL
               FROM expired e
               WHERE i.id = e.interview_id AND i.organisation_id = e.organisation_id AND i.status = 'scheduled'
           )
           SELECT count(*) AS "expired!" FROM expired"#,
        limit
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(expired as u64)
}

/// A reminder to send: the invitation, its link and its addressee.
pub struct Reminder {
    pub invitation_id: Uuid,
    pub token_version: i32,
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub to: Addressee,
}

/// Up to `limit` delivered, unstarted invitations expiring before `before`
/// and not reminded yet, marked reminded (in the caller's transaction:
/// whoever commits first reminds). Rows another transaction holds are
/// skipped, not waited for.
pub async fn take_reminders(
    conn: &mut PgConnection,
    keys: &Keyring,
    before: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Reminder>> {
    let rows = sqlx::query!(
        r#"WITH due AS (
               SELECT id FROM interview_invitations
               WHERE status IN ('sent', 'opened') AND reminded_at IS NULL
                 AND expires_at > now() AND expires_at <= $1
               ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
           )
           UPDATE interview_invitations v SET reminded_at = now()
           FROM due WHERE v.id = due.id
           RETURNING v.id, v.organisation_id, v.interview_id, v.token_version, v.token_sealed, v.expires_at"#,
        before,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let token = open_token(keys, r.id, &r.token_sealed)?;
        let to = addressee(&mut *conn, keys, r.organisation_id, r.interview_id).await?;
        out.push(Reminder {
            invitation_id: r.id,
            token_version: r.token_version,
            token,
            expires_at: r.expires_at,
            to,
        });
    }
    Ok(out)
}

/// An interview about to start: its time, link and addressee.
pub struct Starting {
    pub starts_at: DateTime<Utc>,
    pub token: String,
    pub to: Addressee,
}

/// Up to `limit` scheduled interviews starting before `before` (and not
/// yet past) whose candidate has a live invitation and no reminder for
/// this time yet, marked reminded for it.
pub async fn take_starting(
    conn: &mut PgConnection,
    keys: &Keyring,
    before: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Starting>> {
    let rows = sqlx::query!(
        r#"WITH due AS (
               SELECT i.id, v.id AS invitation_id, v.token_sealed FROM interviews i
               JOIN interview_invitations v ON v.interview_id = i.id
                    AND v.status IN ('sent', 'opened') AND v.expires_at > now()
               WHERE i.status = 'scheduled' AND i.scheduled_at > now() AND i.scheduled_at <= $1
                 AND i.starting_reminder_for IS DISTINCT FROM i.scheduled_at
               ORDER BY i.scheduled_at LIMIT $2 FOR UPDATE OF i SKIP LOCKED
           )
           UPDATE interviews i SET starting_reminder_for = i.scheduled_at
           FROM due WHERE i.id = due.id
           RETURNING i.id, i.organisation_id, i.scheduled_at AS "scheduled_at!", due.invitation_id, due.token_sealed"#,
        before,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let token = open_token(keys, r.invitation_id, &r.token_sealed)?;
        let to = addressee(&mut *conn, keys, r.organisation_id, r.id).await?;
        out.push(Starting {
            starts_at: r.scheduled_at,
            token,
            to,
        });
    }
    Ok(out)
}

/// Re-seals up to `limit` invitations' tokens that are under another key
/// than the keyring's current one; returns how many.
pub async fn reseal_batch(conn: &mut PgConnection, keys: &Keyring, limit: i64) -> StoreResult<u64> {
    let rows = sqlx::query!(
        r#"SELECT id, token_sealed FROM interview_invitations
           WHERE convert_from(substring(token_sealed from 3 for get_byte(token_sealed, 1)), 'UTF8') <> $1
           ORDER BY id LIMIT $2 FOR UPDATE"#,
        keys.current_id(),
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        if let Some(token) = keys
            .reseal(&r.token_sealed, &token_aad(r.id))
            .map_err(|e| StoreError::Sealed(format!("re-sealing invitation {}: {e}", r.id)))?
        {
            sqlx::query!(
                "UPDATE interview_invitations SET token_sealed = $2 WHERE id = $1",
                r.id,
                token
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(rows.len() as u64)
}
