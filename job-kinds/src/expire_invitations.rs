//! `expire_invitations` (periodic): live interview invitations past their
//! expiry become `expired`, and their interviews too if they never
//! started; their links stop working (they already answer 410 once past
//! the time). In batches, skipping rows another run holds.

use recruiting::store::interview_invitations as invitations;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{db, store, Job, JobContext, JobError, KindPolicy};

const BATCH: i64 = 1_000;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpireInvitations {}

impl Job for ExpireInvitations {
    const KIND: &'static str = "expire_invitations";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::housekeeping_policy()
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let mut expired = 0;
        loop {
            let mut tx = ctx.pool.begin().await.map_err(db)?;
            let n = invitations::expire_due(&mut tx, BATCH)
                .await
                .map_err(store)?;
            tx.commit().await.map_err(db)?;
            expired += n;
            if n < BATCH as u64 {
                break;
            }
        }
        Ok(json!({ "expired": expired }))
    }
}
