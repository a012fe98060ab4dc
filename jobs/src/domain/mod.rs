//! Recruiting rules with no I/O: pipeline and interview transitions, rubric
//! validation.

pub mod interview;
pub mod pipeline;
pub mod rubric;
