//! `reseal_personal_data` (periodic, and run by operators after a key
//! change): re-seals every sealed value that is not under the keyring's
//! current key (`TALENTI_DATA_KEYS`' first), so that an old key can be
//! removed once a run reports nothing left. In batches, each its own
//! transaction.

use recruiting::store::{emails, interview_invitations};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{db, store, Job, JobContext, JobError, KindPolicy};

const BATCH: i64 = 500;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResealPersonalData {}

impl Job for ResealPersonalData {
    const KIND: &'static str = "reseal_personal_data";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::housekeeping_policy()
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let keys = &ctx.services.postbox.keys;
        let (mut emails_done, mut invitations_done) = (0u64, 0u64);
        loop {
            let mut tx = ctx.pool.begin().await.map_err(db)?;
            let n = emails::reseal_batch(&mut tx, keys, BATCH)
                .await
                .map_err(store)?;
            tx.commit().await.map_err(db)?;
            emails_done += n;
            if n < BATCH as u64 {
                break;
            }
        }
        loop {
            let mut tx = ctx.pool.begin().await.map_err(db)?;
            let n = interview_invitations::reseal_batch(&mut tx, keys, BATCH)
                .await
                .map_err(store)?;
            tx.commit().await.map_err(db)?;
            invitations_done += n;
            if n < BATCH as u64 {
                break;
            }
        }
        Ok(json!({
            "key": keys.current_id(),
            "emails": emails_done,
            "interview_invitations": invitations_done,
        }))
    }
}
