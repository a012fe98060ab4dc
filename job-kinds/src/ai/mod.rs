//! The AI providers the AI job kinds call, chosen by configuration: the
//! built-in deterministic engine (`extraction`) or an OpenAI-compatible
//! model, both returning `extraction`'s types.

pub mod limit;
pub mod openai;
pub mod provider;

pub use provider::{AiConfig, AiError, AiProvider};
