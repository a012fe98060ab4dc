//! `send_email`: delivers one email of the outbox (`emails`), exactly once
//! in normal operation.
//!
//! The email's row says how far earlier attempts got, and every step is
//! recorded before it is taken:
//!
//! - `queued`/`sending`: nothing reached the server, or a server that had
//!   not been given the message's body. (Re)send.
//! - `transmitting` (recorded, committed, just before the body goes): an
//!   attempt may have handed the message over and died before recording
//!   it. The outbox can tell (its file exists or not); an SMTP server
//!   cannot, so the email becomes `unconfirmed` and is not sent again:
//!   a possible miss over a possible duplicate. The window is the body's
//!   transfer plus the server's answer plus one `UPDATE`.
//! - `sent`, `failed`, `unconfirmed`: settled; a re-run does nothing.
//!
//! A server's 4xx answer is retried with backoff (greylisting, a full
//! mailbox); a 5xx answer (no such address, policy) ends the job `dead`
//! with the server's reason, as does running out of attempts.

use std::{sync::Arc, time::Duration};

use mail::{Mail, MailConfig};
use recruiting::store::{
    emails::{self, EmailStatus, NewEmail},
    StoreError,
};
use seal::Keyring;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{db, store, DeadJob, Enqueue, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendEmail {
    pub email_id: Uuid,
}

/// What composing an email needs: the sender, the keyring that seals the
/// recipient and message at rest, and the web app's address for links.
pub struct Postbox {
    pub sender: lettre::message::Mailbox,
    pub keys: Arc<Keyring>,
    public_url: String,
}

impl Postbox {
    pub fn new(config: &MailConfig, keys: Arc<Keyring>) -> anyhow::Result<Self> {
        Ok(Self {
            sender: config.sender()?,
            keys,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// A link into the web app: `path` (from `/`) on the public URL.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

/// One email to post.
pub struct Letter<'a> {
    pub organisation_id: Uuid,
    /// Whose personal data the email is (export, erasure).
    pub candidate_id: Option<Uuid>,
    /// The same key posts the email once, however often it is asked for.
    pub dedupe_key: String,
    pub to: &'a str,
    pub to_name: Option<&'a str>,
    pub mail: Mail,
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The letter cannot be made (the address is not one we can send to).
    #[error(transparent)]
    Compose(#[from] mail::ComposeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PostError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}

/// A posted email: its id and the job that sends it.
#[derive(Debug, Clone, Copy)]
pub struct Posted {
    pub email_id: Uuid,
    pub job_id: Uuid,
}

/// Composes `letter`, records it in the outbox and enqueues its
/// `send_email` job, on the caller's connection (inside the transaction
/// of whatever caused the email). Posting the same dedupe key again finds
/// the first email and its job.
pub async fn post(
    conn: &mut PgConnection,
    postbox: &Postbox,
    letter: Letter<'_>,
) -> Result<Posted, PostError> {
    let id = Uuid::now_v7();
    let composed = mail::compose(id, &postbox.sender, letter.to, letter.to_name, &letter.mail)?;
    let (email_id, _) = emails::insert(
        conn,
        &postbox.keys,
        id,
        NewEmail {
            organisation_id: Some(letter.organisation_id),
            candidate_id: letter.candidate_id,
            dedupe_key: &letter.dedupe_key,
            template: letter.mail.template(),
            sender: composed.from.as_ref(),
            recipient: composed.to.as_ref(),
            message: &composed.raw,
        },
    )
    .await?;
    let job = SendEmail { email_id }
        .enqueue(&mut *conn, Enqueue::for_org(letter.organisation_id))
        .await?;
    emails::set_job(&mut *conn, email_id, job.job.id).await?;
    Ok(Posted {
        email_id,
        job_id: job.job.id,
    })
}

/// Error text without the recipient's address (servers often quote it).
fn redact(message: &str, recipient: &str) -> String {
    message.replace(recipient, "<recipient>")
}

impl Job for SendEmail {
    const KIND: &'static str = "send_email";
    type Services = crate::Services;

    /// Eight attempts from 30 s to an hour apart: greylisting and full
    /// mailboxes clear in minutes to hours.
    fn policy() -> KindPolicy {
        KindPolicy {
            concurrency: 8,
            max_attempts: 8,
            base_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            timeout: Duration::from_secs(180),
        }
    }

    fn idempotency_key(&self) -> Option<String> {
        Some(format!("email:{}", self.email_id))
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        use EmailStatus::*;
        let id = self.email_id;
        let keys = &ctx.services.postbox.keys;
        let mailer = &ctx.services.mailer;
        let mut tx = ctx.pool.begin().await.map_err(db)?;
        let email = match emails::lock(&mut tx, keys, id).await {
            Ok(email) => email,
            Err(StoreError::NotFound(_)) => {
                return Err(JobError::permanent("the email no longer exists"))
            }
            Err(e) => return Err(store(e)),
        };
        match email.status {
            Sent | Failed | Unconfirmed => {
                return Ok(json!({ "status": email.status, "sent_now": false }))
            }
            Transmitting => match mailer.delivered(id).await {
                Some(true) => {
                    emails::mark_sent(&mut tx, id, "found delivered")
                        .await
                        .map_err(store)?;
                    tx.commit().await.map_err(db)?;
                    return Ok(json!({ "status": Sent, "sent_now": false }));
                }
                Some(false) => {}
                None => {
                    let reason = "delivery unconfirmed: an earlier attempt stopped while the \
                                  mail server was receiving the message, so it may have been \
                                  delivered; not sent again to avoid a second copy";
                    emails::advance(&mut *tx, id, &[Transmitting], Unconfirmed, Some(reason))
                        .await
                        .map_err(store)?;
                    tx.commit().await.map_err(db)?;
                    return Err(JobError::permanent(reason));
                }
            },
            Queued | Sending => {}
        }
        let message = email
            .message
            .ok_or_else(|| JobError::permanent("the email has no message to send"))?;
        let from = email
            .sender
            .parse()
            .map_err(|_| JobError::permanent("the sender's address is not valid"))?;
        let to = email
            .recipient
            .parse()
            .map_err(|_| JobError::permanent("the recipient's address is not valid"))?;
        emails::start_attempt(&mut *tx, id).await.map_err(store)?;
        tx.commit().await.map_err(db)?;

        let pool = ctx.pool.clone();
        let delivery = mailer
            .deliver(id, &from, &to, &message, || async move {
                match emails::advance(&pool, id, &[Sending], Transmitting, None).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err("the email changed state meanwhile".to_owned()),
                    Err(e) => Err(format!("recording the send: {e}")),
                }
            })
            .await;
        let recipient = email.recipient;
        match delivery {
            Ok(delivered) => {
                record_sent(&ctx.pool, id, &delivered.receipt).await?;
                Ok(json!({ "status": Sent, "sent_now": true, "receipt": delivered.receipt }))
            }
            Err(mail::DeliveryError::Transient(m)) => {
                let m = redact(&m, &recipient);
                emails::advance(&ctx.pool, id, &[Sending, Transmitting], Sending, Some(&m))
                    .await
                    .map_err(store)?;
                Err(JobError::retryable(m))
            }
            Err(mail::DeliveryError::Permanent(m)) => {
                let m = redact(&m, &recipient);
                emails::advance(&ctx.pool, id, &[Sending, Transmitting], Failed, Some(&m))
                    .await
                    .map_err(store)?;
                Err(JobError::permanent(m))
            }
            Err(mail::DeliveryError::Unconfirmed(m)) => {
                let m = format!(
                    "delivery unconfirmed, not sent again to avoid a second copy: {}",
                    redact(&m, &recipient)
                );
                emails::advance(&ctx.pool, id, &[Transmitting], Unconfirmed, Some(&m))
                    .await
                    .map_err(store)?;
                Err(JobError::permanent(m))
            }
        }
    }

    /// Out of attempts (or refused): the email is `failed` with the reason,
    /// unless it got further (sent, unconfirmed).
    async fn on_dead(self, dead: DeadJob) -> Result<(), JobError> {
        emails::advance(
            &dead.pool,
            self.email_id,
            &[EmailStatus::Queued, EmailStatus::Sending],
            EmailStatus::Failed,
            Some(&dead.reason),
        )
        .await
        .map_err(store)?;
        Ok(())
    }
}

/// Records a delivery the server confirmed. The process knows the message
/// went, so a database that is briefly away is waited for (within the
/// attempt); if it stays away the re-run finds `transmitting` and does not
/// send again.
async fn record_sent(pool: &sqlx::PgPool, id: Uuid, receipt: &str) -> Result<(), JobError> {
    let mut wait = Duration::from_millis(200);
    for _ in 0..6 {
        let result = async {
            let mut conn = pool.acquire().await?;
            emails::mark_sent(&mut conn, id, receipt).await
        }
        .await;
        match result {
            Ok(()) => return Ok(()),
            Err(e) => {
                tracing::warn!(email.id = %id, error = %e, "recording a delivered email failed; trying again");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
    Err(JobError::retryable(
        "the message was delivered but recording it failed",
    ))
}
