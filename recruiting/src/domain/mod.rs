//! Rules with no I/O: pipeline and interview transitions, rubric
//! validation, the email check.

pub mod email;
pub mod interview;
pub mod pipeline;
/// The rubric is an assessment concept; the domain re-exports it.
pub use assessment::rubric;
