//! `send_reminders` (periodic): emails candidates whose invitation expires
//! within 24 hours and who have not started (once per link), and those
//! whose scheduled interview starts within the hour (once per interview
//! and time). Each reminder is marked in the transaction that posts its
//! email, and rows another run holds are skipped, so overlapping runs (two
//! schedulers, a repeated tick) remind once; the email's dedupe key makes
//! sure of it.

use chrono::Utc;
use recruiting::store::interview_invitations as invitations;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{
    db, letters,
    send_email::{post, PostError},
    store, Job, JobContext, JobError, KindPolicy,
};

/// Reminders posted per transaction.
const BATCH: i64 = 200;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendReminders {}

/// Counts of one run.
#[derive(Default)]
struct Sent {
    posted: u64,
    /// Reminders whose address cannot be mailed (reported, not retried).
    unsendable: u64,
}

impl Sent {
    fn add(&mut self, result: Result<(), PostError>) -> Result<(), JobError> {
        match result {
            Ok(()) => self.posted += 1,
            Err(PostError::Compose(mail::ComposeError::Recipient(_))) => self.unsendable += 1,
            Err(PostError::Compose(e)) => return Err(JobError::permanent(e.to_string())),
            Err(PostError::Store(e)) => return Err(store(e)),
        }
        Ok(())
    }
}

impl Job for SendReminders {
    const KIND: &'static str = "send_reminders";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::housekeeping_policy()
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let postbox = &ctx.services.postbox;
        let mut expiring = Sent::default();
        loop {
            let mut tx = ctx.pool.begin().await.map_err(db)?;
            let due = invitations::take_reminders(
                &mut tx,
                &postbox.keys,
                Utc::now() + chrono::Duration::hours(24),
                BATCH,
            )
            .await
            .map_err(store)?;
            for r in &due {
                let letter = letters::reminder(
                    postbox,
                    &r.to,
                    r.invitation_id,
                    r.token_version,
                    &r.token,
                    r.expires_at,
                );
                expiring.add(post(&mut tx, postbox, letter).await.map(|_| ()))?;
            }
            tx.commit().await.map_err(db)?;
            if (due.len() as i64) < BATCH {
                break;
            }
        }
        let mut starting = Sent::default();
        loop {
            let mut tx = ctx.pool.begin().await.map_err(db)?;
            let due = invitations::take_starting(
                &mut tx,
                &postbox.keys,
                Utc::now() + chrono::Duration::hours(1),
                BATCH,
            )
            .await
            .map_err(store)?;
            for s in &due {
                let letter = letters::starting(postbox, &s.to, &s.token, s.starts_at);
                starting.add(post(&mut tx, postbox, letter).await.map(|_| ()))?;
            }
            tx.commit().await.map_err(db)?;
            if (due.len() as i64) < BATCH {
                break;
            }
        }
        Ok(json!({
            "expiry_reminders": expiring.posted,
            "starting_reminders": starting.posted,
            "unsendable": expiring.unsendable + starting.unsendable,
        }))
    }
}
