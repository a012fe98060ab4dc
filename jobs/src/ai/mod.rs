//! The AI layer: what every AI job produces (resume profiles, job
//! requirements), and the providers that produce it — the built-in
//! deterministic engine and, by configuration, an OpenAI-compatible model.

pub mod engine;
pub mod openai;
pub mod provider;
pub mod types;

pub use provider::{AiConfig, AiError, AiProvider};
pub use types::*;
