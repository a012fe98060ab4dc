//! Rules with no I/O: pipeline and interview transitions, rubric
//! validation, the email check.

pub mod email;
pub mod interview;
pub mod pipeline;
pub mod rubric;
