//! One file per resource, each with its own `router()`.

pub mod admin;
pub mod health;
pub mod jobs;
