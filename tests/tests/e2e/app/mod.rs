//! In-process tests: the API router called in process and jobs run by the
//! test (`tests::TestApp`), against real Postgres. No processes, no ports,
//! no Redis; each test has its own database. Tests that need processes
//! (signals, kills, Redis or Postgres going away, replicas) are beside
//! this module.

mod api;
mod calls;
mod data_subjects;
mod email;
mod identity;
mod interviewer;
mod invitations;
mod keys;
mod lifecycle;
mod media;
mod questions;
mod queues;
mod recruiting;
mod reports;
mod resumes;
mod retention;
mod roles;
mod scoring;
mod shortlists;
mod webhooks;
