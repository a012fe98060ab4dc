//! `export_candidate_data`: builds a ZIP archive of everything the
//! organisation holds about a candidate — `candidate.json` (every section
//! whole), one CSV per section, and their resume files — stores it, makes
//! a download link that expires, and emails the candidate that it is ready.
//!
//! Idempotent: the archive is named by the export, so a re-run overwrites
//! the same object; a ready export is left as it is (its link was
//! emailed), and the email's dedupe key is the export's.

use std::io::Write as _;

use chrono::Utc;
use object_store::path::Path;
use recruiting::store::{resumes, subjects, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::{db, send_email, store, DeadJob, Job, JobContext, JobError, KindPolicy};

/// How long the download link works.
pub const EXPORT_LINK_DAYS: i64 = 7;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportCandidateData {
    pub export_id: Uuid,
    pub candidate_id: Uuid,
}

/// The rows of a section as CSV: one column per key any row has (nested
/// values as JSON), in key order.
fn csv_of(rows: &[Value]) -> Result<Vec<u8>, csv::Error> {
    let mut columns: Vec<&str> = rows
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().map(String::as_str))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&columns)?;
    for row in rows {
        let empty = Map::new();
        let row = row.as_object().unwrap_or(&empty);
        out.write_record(columns.iter().map(|c| match row.get(*c) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The archive: `candidate.json`, `<section>.csv` and `files/…`.
fn archive(
    sections: &[(&str, Vec<Value>)],
    files: Vec<(String, bytes::Bytes)>,
) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let whole: Map<String, Value> = sections
        .iter()
        .map(|(name, rows)| ((*name).to_owned(), Value::Array(rows.clone())))
        .collect();
    let doc = json!({ "exported_at": Utc::now(), "data": whole });
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), String> {
        zip.start_file(name, options).map_err(|e| e.to_string())?;
        zip.write_all(bytes).map_err(|e| e.to_string())
    };
    put(
        "candidate.json",
        &serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?,
    )?;
    for (name, rows) in sections {
        put(
            &format!("{name}.csv"),
            &csv_of(rows).map_err(|e| e.to_string())?,
        )?;
    }
    for (name, bytes) in files {
        put(&format!("files/{name}"), &bytes)?;
    }
    zip.finish()
        .map(|c| c.into_inner())
        .map_err(|e| e.to_string())
}

impl Job for ExportCandidateData {
    const KIND: &'static str = "export_candidate_data";
    type Services = crate::Services;

    fn policy() -> KindPolicy {
        crate::recruiting_policy(2, 300)
    }

    fn idempotency_key(&self) -> Option<String> {
        Some(format!("export:{}", self.export_id))
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let mut conn = ctx.pool.acquire().await.map_err(db)?;
        // Ready already (a re-run after its outcome was lost): its link was
        // emailed; a new one would not be.
        match subjects::export(&mut *conn, org, self.export_id).await {
            Ok(e) if e.status == subjects::ExportStatus::Ready => {
                return Ok(json!({ "export_id": self.export_id, "size_bytes": e.size_bytes }))
            }
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => {
                return Err(JobError::permanent("the export no longer exists"))
            }
            Err(e) => return Err(store(e)),
        }
        let keys = &ctx.services.postbox.keys;
        let sections =
            match subjects::export_sections(&mut conn, keys, org, self.candidate_id).await {
                Ok(s) => s,
                Err(StoreError::NotFound(_)) => {
                    return Err(JobError::permanent("the candidate no longer exists"))
                }
                Err(e) => return Err(store(e)),
            };
        let mut files = Vec::new();
        for (id, key, name) in subjects::resume_files(&mut conn, org, self.candidate_id)
            .await
            .map_err(store)?
        {
            let path = Path::parse(&key).map_err(|e| JobError::permanent(e.to_string()))?;
            match ctx.services.storage.get(&path).await {
                Ok(got) => {
                    let stored = got
                        .bytes()
                        .await
                        .map_err(|e| JobError::retryable(format!("reading {key}: {e}")))?;
                    let plain = resumes::open_file(keys, id, &stored)
                        .map_err(|e| JobError::retryable(format!("opening {key}: {e}")))?;
                    files.push((name, bytes::Bytes::from(plain)));
                }
                // A resume whose file is gone is in the JSON, not the files.
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(JobError::retryable(format!("reading a resume: {e}"))),
            }
        }
        let rows: usize = sections.iter().map(|(_, r)| r.len()).sum();
        let zip = tokio::task::spawn_blocking(move || archive(&sections, files))
            .await
            .map_err(|e| JobError::retryable(format!("archiving task failed: {e}")))?
            .map_err(|e| JobError::permanent(format!("building the archive: {e}")))?;
        let key = format!("exports/{org}/{}.zip", self.export_id);
        let size = zip.len() as i64;
        let sealed = keys.seal(&zip, &subjects::archive_aad(&key));
        ctx.services
            .storage
            .put(&Path::from(key.as_str()), sealed.into())
            .await
            .map_err(|e| JobError::retryable(format!("storing the archive: {e}")))?;

        let token = seal::random_token();
        let expires_at = Utc::now() + chrono::Duration::days(EXPORT_LINK_DAYS);
        let postbox = &ctx.services.postbox;
        let mut tx = ctx.pool.begin().await.map_err(db)?;
        let (first_name, email, organisation) =
            subjects::addressee(&mut tx, keys, org, self.candidate_id)
                .await
                .map_err(store)?;
        subjects::export_ready(
            &mut *tx,
            self.export_id,
            &key,
            size,
            &seal::token_digest(&token),
            expires_at,
        )
        .await
        .map_err(store)?;
        // No address to send the link to: the archive stays downloadable
        // by the organisation.
        let emailed = email.is_some();
        if let Some(email) = email {
            let letter = send_email::Letter {
                organisation_id: org,
                candidate_id: Some(self.candidate_id),
                dedupe_key: format!("export_ready:{}", self.export_id),
                to: &email,
                to_name: Some(&first_name),
                mail: mail::Mail::ExportReady {
                    name: first_name.clone(),
                    organisation,
                    link: postbox.link(&format!("/api/v1/data-exports/download?token={token}")),
                    expires_at,
                },
            };
            match send_email::post(&mut tx, postbox, letter).await {
                Ok(_) => {}
                // The archive stays downloadable by the organisation.
                Err(send_email::PostError::Compose(e)) => {
                    tracing::warn!(export.id = %self.export_id, error = %e, "the export's email cannot be sent")
                }
                Err(send_email::PostError::Store(e)) => return Err(store(e)),
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(
            json!({ "export_id": self.export_id, "size_bytes": size, "rows": rows, "emailed": emailed }),
        )
    }

    async fn on_dead(self, dead: DeadJob) -> Result<(), JobError> {
        subjects::export_failed(&dead.pool, self.export_id, &dead.reason)
            .await
            .map_err(store)
    }
}
