//! `store_call_recording`: a recording a provider announced for a session
//! (ACS's `RecordingFileStatusUpdated`, one job per chunk) downloaded from
//! the provider, streamed into object storage under the interview's
//! recordings prefix (never whole in memory; refused past the configured
//! size, with nothing left behind), and recorded on the interview so
//! retention cleanup deletes it with the interview's other recordings.
//!
//! Idempotent: a chunk's object key is derived from its URL, so a re-run
//! writes the same object again; the interview keeps its first recording
//! as `recording_ref`.

use object_store::{buffered::BufWriter, path::Path};
use recruiting::store::recordings;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::{
    fetch_call_transcript::{call_and_provider, provider_error},
    store, Job, JobContext, JobError, KindPolicy,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreCallRecording {
    /// The session (`interview_calls.id`).
    pub call_id: Uuid,
    /// Where the provider serves the recording (checked by its adapter:
    /// only the provider's own hosts).
    pub url: String,
}

impl StoreCallRecording {
    /// The object key of this recording: under the interview's prefix,
    /// named by the call and a digest of the URL.
    fn key(&self, org: Uuid, interview: Uuid) -> String {
        let digest = hex::encode(&Sha256::digest(self.url.as_bytes())[..12]);
        format!(
            "{}{}/{digest}",
            recordings::prefix(org, interview),
            self.call_id
        )
    }
}

impl Job for StoreCallRecording {
    const KIND: &'static str = "store_call_recording";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        // Large downloads: two at a time per worker, an hour each.
        KindPolicy {
            concurrency: 2,
            max_attempts: 6,
            base_backoff: std::time::Duration::from_secs(30),
            max_backoff: std::time::Duration::from_secs(1800),
            timeout: std::time::Duration::from_secs(3600),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let (call, provider) = call_and_provider(&ctx, org, self.call_id).await?;
        let max = ctx.services.calls.recording_max_bytes;
        let mut resp = provider
            .fetch_recording(&self.url)
            .await
            .map_err(provider_error)?;
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(JobError::permanent(format!(
                "the recording is larger than the {max} bytes allowed (TALENTI_RECORDING_MAX_BYTES)"
            )));
        }
        let key = self.key(org, call.interview_id);
        let path = Path::parse(&key).map_err(|e| JobError::permanent(e.to_string()))?;
        let mut out = BufWriter::new(ctx.services.storage.clone(), path);
        let mut written = 0u64;
        let streamed: Result<(), JobError> = async {
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| JobError::retryable(format!("the download broke off: {e}")))?
            {
                written += chunk.len() as u64;
                if written > max {
                    return Err(JobError::permanent(format!(
                        "the recording is larger than the {max} bytes allowed (TALENTI_RECORDING_MAX_BYTES)"
                    )));
                }
                out.put(chunk)
                    .await
                    .map_err(|e| JobError::retryable(format!("storage: {e}")))?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = streamed {
            // Nothing half-written stays behind.
            let _ = out.abort().await;
            return Err(e);
        }
        out.shutdown()
            .await
            .map_err(|e| JobError::retryable(format!("storage: {e}")))?;
        if !recordings::attach(&ctx.pool, org, call.interview_id, &key)
            .await
            .map_err(store)?
        {
            let _ = ctx
                .services
                .storage
                .delete(&Path::parse(&key).map_err(|e| JobError::permanent(e.to_string()))?)
                .await;
            return Err(JobError::permanent("the interview no longer exists"));
        }
        Ok(json!({
            "call_id": call.id,
            "interview_id": call.interview_id,
            "bytes": written,
            "key": key,
        }))
    }
}
