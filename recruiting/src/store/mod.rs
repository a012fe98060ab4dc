//! One owner per table: every statement on the recruiting tables (job
//! roles, candidates, applications and their stage history, resumes,
//! interviews and transcripts) lives in the store of its aggregate. The
//! API's handlers and the job kinds call these; neither holds SQL for them.
//! Fixed statements are sqlx macros, checked at compile time against the
//! query data in `.sqlx/` (`scripts/sqlx-prepare`).
//!
//! Every function is scoped to an organisation: another organisation's ids
//! look exactly like unknown ones.

pub mod applications;
pub mod calls;
pub mod candidates;
pub mod emails;
pub mod interview_invitations;
pub mod interviews;
pub mod job_roles;
pub mod questions;
pub mod recordings;
pub mod reports;
pub mod resumes;
pub mod sealed_files;
pub mod shortlists;
pub mod subjects;
pub mod webhooks;

/// Why a store refused: what the caller did wrong, or the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row in the organisation (names the kind of thing).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request's fields at fault: (field, problem).
    #[error("invalid: {0:?}")]
    Invalid(Vec<(String, String)>),
    /// The row's state does not allow it.
    #[error("{0}")]
    Conflict(String),
    /// A value sealed at rest did not open: a data key missing from this
    /// process's keyring (a rotation half deployed), or a damaged value.
    /// The operator's problem, not the caller's.
    #[error("sealed data: {0}")]
    Sealed(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;
