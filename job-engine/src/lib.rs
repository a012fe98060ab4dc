//! The background-job engine: jobs, not job roles. It knows nothing of
//! recruiting; the kinds it runs are declared elsewhere (`job-kinds`) and
//! handed to it in a [`Registry`].
//!
//! Postgres holds every job and its state machine ([`db`]); Redis, through
//! apalis, is the fast lane that carries job ids to workers ([`queue`], the
//! only module that touches apalis). The [`dispatcher`] moves due jobs from
//! Postgres into a bounded window of each kind's Redis queue; the
//! [`runner`] claims, runs and records them; [`schedule`] enqueues periodic
//! jobs once per tick across replicas. A kind is declared with [`Job`].
//! What operators see and do to the queues is [`control`].

pub mod backoff;
mod batch;
pub mod config;
pub mod control;
pub mod db;
pub mod dispatcher;
pub mod finish;
pub mod handoff;
pub mod kind;
pub mod queue;
pub mod runner;
pub mod schedule;
pub mod shutdown;
pub mod telemetry;

pub use handoff::{EnqueueTarget, Handoff, JobTx};
pub use kind::{
    DeadJob, Enqueue, EnqueueError, Job, JobContext, JobError, KindPolicy, KindSpec, Registry,
};

/// The Postgres channel the enqueue path notifies after a commit so that
/// dispatchers wake at once instead of waiting for their poll.
pub const JOBS_CHANNEL: &str = "talenti_jobs";
