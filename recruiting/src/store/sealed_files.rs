//! The stored files sealed at rest whose rows record the data key they are
//! under (`file_key`, NULL: stored plain, from before sealing): resumes
//! and rendered reports. `reseal_personal_data` finds here the files to
//! (re-)seal without reading every one.

use seal::Keyring;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::{reports, resumes};

/// A table of sealed files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    Resumes,
    Reports,
}

impl Files {
    pub const ALL: [Files; 2] = [Files::Resumes, Files::Reports];

    pub fn name(self) -> &'static str {
        match self {
            Files::Resumes => "resume_files",
            Files::Reports => "report_files",
        }
    }
}

/// A stored file to (re-)seal: its row and the key it is under.
#[derive(Debug, Clone)]
pub struct FileToSeal {
    pub id: Uuid,
    pub storage_key: String,
    /// None: stored plain.
    pub file_key: Option<String>,
}

impl FileToSeal {
    /// The associated data the file is sealed with.
    pub fn aad(&self, files: Files) -> Vec<u8> {
        match files {
            Files::Resumes => resumes::file_aad(self.id),
            Files::Reports => reports::file_aad(&self.storage_key),
        }
    }
}

/// Up to `limit` files not under the current data key (or not sealed at
/// all), ids above `after`, in id order.
pub async fn to_seal<'e>(
    db: impl PgExecutor<'e>,
    files: Files,
    keys: &Keyring,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<FileToSeal>> {
    let current = keys.current_id();
    match files {
        Files::Resumes => {
            sqlx::query_as!(
                FileToSeal,
                "SELECT id, storage_key, file_key FROM resumes
                 WHERE file_key IS DISTINCT FROM $1 AND ($2::uuid IS NULL OR id > $2)
                 ORDER BY id LIMIT $3",
                current,
                after,
                limit
            )
            .fetch_all(db)
            .await
        }
        Files::Reports => {
            sqlx::query_as!(
                FileToSeal,
                "SELECT id, storage_key, file_key FROM candidate_reports
                 WHERE file_key IS DISTINCT FROM $1 AND ($2::uuid IS NULL OR id > $2)
                 ORDER BY id LIMIT $3",
                current,
                after,
                limit
            )
            .fetch_all(db)
            .await
        }
    }
}

/// Notes that the file is now sealed under `key`, if it still was under
/// `was` (a concurrent run that got there first wins).
pub async fn sealed<'e>(
    db: impl PgExecutor<'e>,
    files: Files,
    f: &FileToSeal,
    key: &str,
) -> sqlx::Result<bool> {
    let done = match files {
        Files::Resumes => {
            sqlx::query!(
                "UPDATE resumes SET file_key = $3 WHERE id = $1 AND file_key IS NOT DISTINCT FROM $2",
                f.id,
                f.file_key,
                key
            )
            .execute(db)
            .await?
        }
        Files::Reports => {
            sqlx::query!(
                "UPDATE candidate_reports SET file_key = $3 WHERE id = $1 AND file_key IS NOT DISTINCT FROM $2",
                f.id,
                f.file_key,
                key
            )
            .execute(db)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}
