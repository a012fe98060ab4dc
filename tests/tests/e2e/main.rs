//! End-to-end tests against real Postgres and Redis, each with its own
//! database and Redis key prefix: the real binaries as processes, and
//! (`app::`) the API and job runner in this process (`tests::TestApp`).
//! One test binary, so that short in-process tests fill the threads the
//! long process tests leave idle.

mod ai_limits;
mod api;
mod app;
mod calls;
mod dashboard;
mod delivery;
mod finish;
mod handoff;
mod hardening;
mod identity;
mod lifecycle;
mod mailbox;
mod metrics;
mod openapi;
mod queues;
mod recovery;
mod resumes;
mod scheduler;
mod spine;
mod tenancy;
mod webhooks;
