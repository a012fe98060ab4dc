//! Talenti's background job kinds: each file declares one kind whole (its
//! payload, policy, handler and dead-letter hook), and [`registry`] is the
//! one list of kinds and of the periodic jobs that trigger them. The worker,
//! the API and the scheduler all read it; a kind not listed here does not
//! exist. The job engine (`job-engine`) runs them; what they reach outside
//! the database is in [`Services`].

pub mod ai;

mod candidate_report;
pub mod deliver_webhook;
mod erase_candidate;
mod expire_invitations;
mod export_candidate_data;
mod extract_requirements;
mod fetch_call_transcript;
mod generate_questions;
pub mod letters;
mod noop;
mod parse_resume;
mod purge_finished_jobs;
mod reseal_personal_data;
mod retention_cleanup;
mod score_interview;
pub mod send_email;
mod send_reminders;
mod shortlist;
mod store_call_recording;

pub use candidate_report::CandidateReport;
pub use deliver_webhook::{DeliverWebhook, WebhookConfig, WebhookSender};
pub use erase_candidate::EraseCandidate;
pub use expire_invitations::ExpireInvitations;
pub use export_candidate_data::{ExportCandidateData, EXPORT_LINK_DAYS};
pub use extract_requirements::ExtractRequirements;
pub use fetch_call_transcript::FetchCallTranscript;
pub use generate_questions::GenerateQuestions;
pub use noop::{Noop, NOOP_TIMEOUT};
pub use parse_resume::ParseResume;
pub use purge_finished_jobs::PurgeFinishedJobs;
pub use reseal_personal_data::ResealPersonalData;
pub use retention_cleanup::RetentionCleanup;
pub use score_interview::ScoreInterview;
pub use send_email::{Postbox, SendEmail};
pub use send_reminders::SendReminders;
pub use shortlist::{Shortlist, MAX_SHORTLIST};
pub use store_call_recording::StoreCallRecording;

use std::sync::Arc;

/// The engine's types for this application's kinds.
pub type Registry = job_engine::Registry<Services>;
pub type JobContext = job_engine::JobContext<Services>;
pub type DeadJob = job_engine::DeadJob<Services>;
pub use job_engine::{Enqueue, Job, JobError, KindPolicy};

/// What job handlers reach outside the database through. The document
/// reader is given by the worker (`pdf-text`), so the crates that only
/// enqueue kinds do not link pdfium.
pub struct Services {
    pub storage: Arc<dyn object_store::ObjectStore>,
    pub ai: Arc<dyn ai::AiProvider>,
    pub documents: Arc<dyn documents::Reader>,
    pub limits: documents::Limits,
    /// Delivers email (SMTP or the outbox directory).
    pub mailer: mail::Mailer,
    /// Composes email, and holds the keyring of personal data at rest.
    pub postbox: Postbox,
    /// Sends webhook deliveries.
    pub webhooks: WebhookSender,
    /// The voice and video providers configured (maybe none).
    pub calls: integrations::CallProviders,
}

/// The policy of a kind that works on recruiting data (and maybe an AI
/// provider): `concurrency` at once per worker, four attempts, backoff
/// from 5 s up to 10 minutes (a provider's outage or rate limit outlasts a
/// few seconds), attempts cut after `timeout_secs`.
fn recruiting_policy(concurrency: usize, timeout_secs: u64) -> KindPolicy {
    KindPolicy {
        concurrency,
        max_attempts: 4,
        base_backoff: std::time::Duration::from_secs(5),
        max_backoff: std::time::Duration::from_secs(600),
        timeout: std::time::Duration::from_secs(timeout_secs),
    }
}

/// The policy of a periodic housekeeping kind: one at a time per worker,
/// three attempts a minute or more apart, an hour to finish.
fn housekeeping_policy() -> KindPolicy {
    KindPolicy {
        concurrency: 1,
        max_attempts: 3,
        base_backoff: std::time::Duration::from_secs(60),
        max_backoff: std::time::Duration::from_secs(600),
        timeout: std::time::Duration::from_secs(3600),
    }
}

/// A database error in a handler: transient, so the attempt is retried.
fn db(e: sqlx::Error) -> JobError {
    JobError::retryable(format!("database: {e}"))
}

/// A store's refusal ends the job (the row is gone or in the wrong state,
/// and retrying cannot change that); its database errors and sealed values
/// that did not open are retried.
fn store(e: recruiting::store::StoreError) -> JobError {
    match e {
        recruiting::store::StoreError::Db(e) => db(e),
        // A key this worker lacks may be in the next one's keyring (a
        // rotation being deployed): retried.
        e @ recruiting::store::StoreError::Sealed(_) => JobError::retryable(e.to_string()),
        other => JobError::permanent(other.to_string()),
    }
}

/// Where uploads live and what they may cost to read: the settings of the
/// processes that store (API) or read (worker) resumes.
#[derive(Debug, Clone, clap::Args)]
pub struct FilesConfig {
    /// Where uploads are stored: a directory (`file://…` or a path), or
    /// `s3://bucket/prefix`, `az://container/prefix`, `gs://bucket/prefix`.
    #[arg(long, env = "TALENTI_STORAGE_URL", default_value = "var/uploads")]
    pub storage_url: String,

    /// Largest resume upload, in bytes.
    #[arg(long, env = "TALENTI_UPLOAD_MAX_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub upload_max_bytes: usize,

    /// Most pages a resume may have.
    #[arg(long, env = "TALENTI_RESUME_MAX_PAGES", default_value_t = 50)]
    pub resume_max_pages: usize,

    /// Most pages of a scanned (image-only) resume read by OCR; 0 turns
    /// OCR off (scans are then refused).
    #[arg(long, env = "TALENTI_OCR_MAX_PAGES", default_value_t = 5)]
    pub ocr_max_pages: usize,

    /// Longest OCR of one scanned resume, in seconds.
    #[arg(long, env = "TALENTI_OCR_TIMEOUT_SECS", default_value_t = 90)]
    pub ocr_timeout_secs: u64,
}

impl FilesConfig {
    /// The uploads store.
    pub fn storage(&self) -> anyhow::Result<Arc<dyn object_store::ObjectStore>> {
        recruiting::storage::open(&self.storage_url)
    }

    /// Document limits from these settings.
    pub fn doc_limits(&self) -> documents::Limits {
        documents::Limits {
            max_pages: self.resume_max_pages.max(1),
            ocr_max_pages: self.ocr_max_pages,
            ocr_timeout: std::time::Duration::from_secs(self.ocr_timeout_secs.max(1)),
            ..documents::Limits::default()
        }
    }
}

/// The database's migrations: every table (the job engine's and the
/// recruiting domain's), one history, embedded in the binaries.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Builds the registry of every kind and its default schedule, if it has
/// one (crontab syntax, UTC; `TALENTI_SCHEDULE` overrides). `diagnostics`
/// adds the `noop` kind used by tests, benchmarks and operators' smoke
/// checks.
pub fn registry(diagnostics: bool) -> Registry {
    let mut registry = Registry::default();
    registry
        .register::<ParseResume>()
        .register::<ExtractRequirements>()
        .register::<PurgeFinishedJobs>()
        .register::<ScoreInterview>()
        .register::<Shortlist>()
        .register::<GenerateQuestions>()
        .register::<CandidateReport>()
        .register::<SendEmail>()
        .register::<SendReminders>()
        .register::<ExpireInvitations>()
        .register::<RetentionCleanup>()
        .register::<ExportCandidateData>()
        .register::<EraseCandidate>()
        .register::<ResealPersonalData>()
        .register::<DeliverWebhook>()
        .register::<FetchCallTranscript>()
        .register::<StoreCallRecording>()
        .every(
            "purge_finished_jobs",
            "17 3 * * *",
            PurgeFinishedJobs::default(),
        )
        .every("send_reminders", "*/5 * * * *", SendReminders::default())
        .every(
            "expire_invitations",
            "*/10 * * * *",
            ExpireInvitations::default(),
        );
    if diagnostics {
        registry.register::<Noop>();
    }
    registry
}
