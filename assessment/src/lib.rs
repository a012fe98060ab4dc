//! Judging candidates: an interview transcript scored against a job role's
//! rubric ([`score_interview`]), with the evidence for each score (quotes
//! that are verbatim parts of the candidate's answers) and the integrity
//! signals a reviewer should see; and a role's applicants ranked for a
//! shortlist ([`shortlist::rank`]) with reasons and concerns. Pure: no I/O,
//! no clock, deterministic, so every result can be explained and
//! re-computed.
//!
//! This is the built-in, offline scorer. The rules are generic (answer
//! depth, specificity, reasoning, ownership, hedging, recited text, answer
//! latency); the fixtures' labelled transcripts are its quality test
//! (`tests/transcripts.rs`).

pub mod interview;
pub mod interviewer;
pub mod questions;
pub mod rubric;
pub mod shortlist;

pub use interview::{
    from_model, score_interview, DimensionScore, Integrity, InterviewScore, ModelDimension,
    ModelScore, Risk, Turn,
};

/// The built-in scorer's version, recorded with every score it makes.
pub const SCORER_VERSION: &str = "builtin-1";
