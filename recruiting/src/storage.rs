//! Object storage for uploads (resumes, recordings): a local directory by
//! default, S3 / Azure Blob / GCS by URL, all through the `object_store`
//! crate.

use std::sync::Arc;

use object_store::{local::LocalFileSystem, path::Path, prefix::PrefixStore, ObjectStore};

/// Opens the store named by `url`:
/// - `file:///abs/dir`, `file://relative/dir` or a plain path: a local directory (created);
/// - `s3://bucket/prefix`, `az://container/prefix`, `gs://bucket/prefix`:
///   credentials and region from the usual environment variables
///   (`AWS_*`, `AZURE_*`, `GOOGLE_*`).
pub fn open(url: &str) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let local = url
        .strip_prefix("file://")
        .or_else(|| (!url.contains("://")).then_some(url));
    if let Some(dir) = local {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating storage directory {dir}: {e}"))?;
        return Ok(Arc::new(LocalFileSystem::new_with_prefix(dir)?));
    }
    let parsed =
        url::Url::parse(url).map_err(|e| anyhow::anyhow!("TALENTI_STORAGE_URL `{url}`: {e}"))?;
    let options = std::env::vars().filter_map(|(k, v)| {
        let lower = k.to_ascii_lowercase();
        (lower.starts_with("aws_") || lower.starts_with("azure_") || lower.starts_with("google_"))
            .then_some((lower, v))
    });
    let (store, prefix) = object_store::parse_url_opts(&parsed, options)?;
    let store: Arc<dyn ObjectStore> = Arc::from(store);
    if prefix.as_ref().is_empty() {
        Ok(store)
    } else {
        Ok(Arc::new(PrefixStore::new(store, prefix)))
    }
}

/// The key of an organisation's uploaded resume.
pub fn resume_key(organisation_id: uuid::Uuid, resume_id: uuid::Uuid, extension: &str) -> Path {
    Path::from(format!("resumes/{organisation_id}/{resume_id}.{extension}"))
}

/// Where a rendered candidate report is stored (one file per rendering job).
pub fn report_key(
    organisation_id: uuid::Uuid,
    application_id: uuid::Uuid,
    job_id: uuid::Uuid,
) -> Path {
    Path::from(format!(
        "reports/{organisation_id}/{application_id}/{job_id}.pdf"
    ))
}

/// A stored file's bytes in plain: opened with `aad` when sealed, or as
/// stored when written before sealing. Told apart by the sealed header,
/// which none of the platform's plain files (PDF, DOCX, ZIP) starts with.
pub fn open_stored(
    keys: &seal::Keyring,
    aad: &[u8],
    stored: &[u8],
) -> Result<Vec<u8>, seal::OpenError> {
    if seal::key_id(stored).is_none() {
        return Ok(stored.to_vec());
    }
    keys.open(stored, aad)
}
