//! Talenti's job spine and domain.
//!
//! Postgres holds every job and its state machine ([`db`]); Redis, through
//! apalis, is the fast lane that carries job ids to workers ([`queue`]). The
//! [`dispatcher`] moves due jobs from Postgres into a bounded window of each
//! kind's Redis queue; the [`runner`] claims, runs and records them. Every job
//! kind is declared once ([`kind::Job`]) and listed once ([`kinds::registry`]).

pub mod ai;
pub mod backoff;
pub mod config;
pub mod db;
pub mod dispatcher;
pub mod docs;
pub mod domain;
pub mod kind;
pub mod kinds;
pub mod queue;
pub mod runner;
pub mod schedule;
pub mod shutdown;
pub mod storage;
pub mod store;

pub use kind::{
    DeadJob, Enqueue, EnqueueError, Job, JobContext, JobError, KindPolicy, KindSpec, Registry,
};

/// What job handlers reach outside the database through.
pub struct Services {
    pub storage: std::sync::Arc<dyn object_store::ObjectStore>,
    pub ai: std::sync::Arc<dyn ai::AiProvider>,
    pub limits: docs::Limits,
}

/// Embedded sqlx migrations (the repo's `migrations/` folder).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The Postgres channel the enqueue path notifies after a commit so that
/// dispatchers wake at once instead of waiting for their poll.
pub const JOBS_CHANNEL: &str = "talenti_jobs";
