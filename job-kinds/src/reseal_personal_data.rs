//! `reseal_personal_data` (periodic, and run by operators after a key
//! change or an upgrade): re-seals every sealed value that is not under the
//! keyring's current key (`TALENTI_DATA_KEYS`' first), so that an old key
//! can be removed once a run reports nothing left, and seals what was
//! stored before sealing (candidates' email and phone, resume parses,
//! resume files and rendered reports), and webhook endpoints' secrets. Rows in batches, each its own
//! transaction; files one by one.
//!
//! Not covered: export archives (sealed, but kept only until their link
//! expires — keep a retired key that long).

use recruiting::store::{
    candidates, emails, interview_invitations, resumes, sealed_files, webhooks,
};
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
        // A table's re-seal batches, each in its own transaction, until
        // one comes back short: the rows done.
        macro_rules! rows {
            ($store:ident) => {{
                let mut done = 0u64;
                loop {
                    let mut tx = ctx.pool.begin().await.map_err(db)?;
                    let n = $store::reseal_batch(&mut tx, keys, BATCH)
                        .await
                        .map_err(store)?;
                    tx.commit().await.map_err(db)?;
                    done += n;
                    if n < BATCH as u64 {
                        break done;
                    }
                }
            }};
        }
        let emails = rows!(emails);
        let invitations = rows!(interview_invitations);
        let candidates = rows!(candidates);
        let parses = rows!(resumes);
        let webhook_secrets = rows!(webhooks);
        let mut out = json!({
            "key": keys.current_id(),
            "emails": emails,
            "interview_invitations": invitations,
            "candidates": candidates,
            "resume_parses": parses,
            "webhook_secrets": webhook_secrets,
        });
        for files in sealed_files::Files::ALL {
            let done = reseal_files(&ctx, files).await?;
            let name = files.name();
            out[name] = done.sealed.into();
            out[format!("{name}_missing")] = done.missing.into();
            out[format!("{name}_failed")] = done.failed.into();
        }
        Ok(out)
    }
}

#[derive(Default)]
struct Files {
    sealed: u64,
    missing: u64,
    failed: u64,
}

/// Stored files not under the current key (or stored plain, from before
/// sealing): each read, opened, sealed under the current key, written
/// back, and then its row noted. A file that fails is counted and left for
/// the next run; the others go on.
async fn reseal_files(ctx: &JobContext, files: sealed_files::Files) -> Result<Files, JobError> {
    let keys = &ctx.services.postbox.keys;
    let storage = &ctx.services.storage;
    let current = keys.current_id();
    let mut out = Files::default();
    let mut after = None;
    loop {
        let batch = sealed_files::to_seal(&ctx.pool, files, keys, after, BATCH)
            .await
            .map_err(db)?;
        for f in &batch {
            let path = object_store::path::Path::from(f.storage_key.as_str());
            let stored = match storage.get(&path).await {
                Ok(got) => got.bytes().await,
                Err(e) => Err(e),
            };
            let stored = match stored {
                Ok(b) => b,
                Err(object_store::Error::NotFound { .. }) => {
                    out.missing += 1;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(id = %f.id, error = %e, "reading a file to re-seal");
                    out.failed += 1;
                    continue;
                }
            };
            let aad = f.aad(files);
            let sealed = match recruiting::storage::open_stored(keys, &aad, &stored) {
                Ok(plain) => keys.seal(&plain, &aad),
                Err(e) => {
                    tracing::warn!(id = %f.id, error = %e, "opening a file to re-seal");
                    out.failed += 1;
                    continue;
                }
            };
            if let Err(e) = storage.put(&path, sealed.into()).await {
                tracing::warn!(id = %f.id, error = %e, "writing a re-sealed file");
                out.failed += 1;
                continue;
            }
            sealed_files::sealed(&ctx.pool, files, f, current)
                .await
                .map_err(db)?;
            out.sealed += 1;
        }
        if batch.len() < BATCH as usize {
            return Ok(out);
        }
        after = batch.last().map(|f| f.id);
    }
}
