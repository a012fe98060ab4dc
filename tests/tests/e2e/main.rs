//! End-to-end tests: the real binaries against real Postgres and Redis.
//! Each test has its own database and Redis key prefix.

mod api;
mod hardening;
mod identity;
mod lifecycle;
mod openapi;
mod recovery;
mod resumes;
mod scheduler;
mod spine;
mod tenancy;
