//! The provider interface every AI job uses, chosen by configuration.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;

use crate::JobError;
use assessment::{
    interviewer::Next, questions::Question, rubric::RubricDimension, InterviewScore, Turn,
};
use extraction::{self as engine, JobRequirements, ResumeProfile};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AiError {
    /// The provider asked us to slow down; try again after this long.
    #[error("AI provider rate limit; retry after {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// Our own shared rate limit (`TALENTI_AI_REQUESTS_PER_MINUTE`, `…_TOKENS_…`)
    /// is spent for now; it refills after this long. Not the job's fault:
    /// the job is snoozed, its attempt given back.
    #[error("waiting for the AI rate limit ({}ms)", retry_after.as_millis())]
    Throttled { retry_after: Duration },
    /// Timeouts, connection failures, 5xx: transient.
    #[error("AI provider unavailable: {message}")]
    Unavailable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The provider refused the request (bad key, unknown model, input too
    /// long): retrying the same request cannot help.
    #[error("AI provider refused the request: {0}")]
    Rejected(String),
    /// The model's answer did not match the schema, even after re-asking.
    #[error("AI model returned invalid output: {0}")]
    InvalidOutput(String),
}

impl From<AiError> for JobError {
    fn from(e: AiError) -> Self {
        match &e {
            AiError::RateLimited { retry_after } => {
                JobError::retry_after(e.to_string(), *retry_after)
            }
            AiError::Throttled { retry_after } => JobError::snooze(e.to_string(), *retry_after),
            AiError::Unavailable {
                retry_after: Some(after),
                ..
            } => JobError::retry_after(e.to_string(), *after),
            AiError::Unavailable { .. } => JobError::retryable(e.to_string()),
            AiError::Rejected(_) | AiError::InvalidOutput(_) => JobError::permanent(e.to_string()),
        }
    }
}

#[async_trait]
pub trait AiProvider: Send + Sync {
    /// Recorded with every result (e.g. `builtin-3`, `openai:gpt-4o-mini`).
    fn version(&self) -> String;

    /// Loads what the first parse would otherwise wait for (the built-in
    /// engine's taxonomy and phone metadata). Workers call it at start; the
    /// API, which parses nothing, does not.
    fn warm(&self) {}

    /// `as_of` (YYYY-MM) closes current positions for total experience.
    async fn parse_resume(&self, text: &str, as_of: &str) -> Result<ResumeProfile, AiError>;

    async fn extract_requirements(&self, text: &str) -> Result<JobRequirements, AiError>;

    /// Recorded with every interview score (`builtin-1`,
    /// `openai:gpt-4o-mini`).
    fn scorer(&self) -> String;

    /// The interviewer's next turn over an approved question set (checked
    /// against the script: the next question word for word, one follow-up
    /// at most, closing only after the last).
    async fn interviewer_turn(
        &self,
        role_title: &str,
        questions: &[Question],
        transcript: &[Turn],
        first_name: Option<&str>,
    ) -> Result<Next, AiError>;

    /// Drafts interview questions for a role (checked against the rubric:
    /// every question probes one of its dimensions).
    async fn draft_questions(
        &self,
        requirements: &JobRequirements,
        rubric: &[RubricDimension],
    ) -> Result<Vec<Question>, AiError>;

    /// Scores a transcript against a rubric (never empty here): every
    /// dimension, quotes verbatim from the candidate's turns, the overall
    /// score the weighted mean.
    async fn score_interview(
        &self,
        turns: &[Turn],
        rubric: &[RubricDimension],
        role_skills: &[String],
    ) -> Result<InterviewScore, AiError>;
}

/// The built-in deterministic engine as a provider.
pub struct Builtin;

#[async_trait]
impl AiProvider for Builtin {
    fn version(&self) -> String {
        engine::ENGINE_VERSION.to_owned()
    }

    fn warm(&self) {
        engine::warm();
    }

    async fn parse_resume(&self, text: &str, as_of: &str) -> Result<ResumeProfile, AiError> {
        let (text, as_of) = (text.to_owned(), as_of.to_owned());
        tokio::task::spawn_blocking(move || engine::parse_resume(&text, &as_of))
            .await
            .map_err(|e| AiError::Unavailable {
                message: format!("engine task failed: {e}"),
                retry_after: None,
            })
    }

    async fn extract_requirements(&self, text: &str) -> Result<JobRequirements, AiError> {
        let text = text.to_owned();
        tokio::task::spawn_blocking(move || engine::extract_requirements(&text))
            .await
            .map_err(|e| AiError::Unavailable {
                message: format!("engine task failed: {e}"),
                retry_after: None,
            })
    }

    fn scorer(&self) -> String {
        assessment::SCORER_VERSION.to_owned()
    }

    async fn draft_questions(
        &self,
        requirements: &JobRequirements,
        rubric: &[RubricDimension],
    ) -> Result<Vec<Question>, AiError> {
        Ok(assessment::questions::generate(requirements, rubric))
    }

    async fn interviewer_turn(
        &self,
        _role_title: &str,
        questions: &[Question],
        transcript: &[Turn],
        first_name: Option<&str>,
    ) -> Result<Next, AiError> {
        Ok(assessment::interviewer::next_turn(
            questions, transcript, first_name,
        ))
    }

    async fn score_interview(
        &self,
        turns: &[Turn],
        rubric: &[RubricDimension],
        role_skills: &[String],
    ) -> Result<InterviewScore, AiError> {
        let (turns, rubric, skills) = (turns.to_vec(), rubric.to_vec(), role_skills.to_vec());
        tokio::task::spawn_blocking(move || assessment::score_interview(&turns, &rubric, &skills))
            .await
            .map_err(|e| AiError::Unavailable {
                message: format!("scorer task failed: {e}"),
                retry_after: None,
            })
    }
}

/// Provider settings (the worker's `TALENTI_AI_*`).
#[derive(Debug, Clone, clap::Args)]
pub struct AiConfig {
    /// `builtin` (offline, deterministic) or `openai` (any OpenAI-compatible
    /// chat-completions endpoint with tool calling).
    #[arg(long, env = "TALENTI_AI_PROVIDER", default_value = "builtin")]
    pub ai_provider: String,

    /// Base URL; `/chat/completions` is appended (e.g.
    /// `https://api.openai.com/v1`, `http://localhost:11434/v1`, or an Azure
    /// deployment URL `https://…/openai/deployments/<name>`).
    #[arg(
        long,
        env = "TALENTI_AI_BASE_URL",
        default_value = "https://api.openai.com/v1"
    )]
    pub ai_base_url: String,

    #[arg(long, env = "TALENTI_AI_MODEL", default_value = "gpt-4o-mini")]
    pub ai_model: String,

    #[arg(long, env = "TALENTI_AI_API_KEY", hide_env_values = true)]
    pub ai_api_key: Option<String>,

    /// Azure OpenAI: the `api-version` query parameter (also switches the key
    /// header to `api-key`).
    #[arg(long, env = "TALENTI_AI_API_VERSION")]
    pub ai_api_version: Option<String>,

    /// Seconds before a model call is abandoned (retried later).
    #[arg(long, env = "TALENTI_AI_TIMEOUT_SECS", default_value_t = 60)]
    pub ai_timeout_secs: u64,

    /// Ask for a streamed answer (server-sent events).
    #[arg(long, env = "TALENTI_AI_STREAM", default_value = "0", value_parser = job_engine::config::parse_flag)]
    pub ai_stream: bool,

    /// Document text beyond this many characters is cut before it is sent.
    #[arg(long, env = "TALENTI_AI_MAX_INPUT_CHARS", default_value_t = 60_000)]
    pub ai_max_input_chars: usize,

    /// How often an invalid model answer is re-asked before the job is dead.
    #[arg(long, env = "TALENTI_AI_INVALID_OUTPUT_RETRIES", default_value_t = 2)]
    pub ai_invalid_output_retries: u32,

    /// Model calls per minute, across every process (a token bucket in
    /// Redis). Unset: no limit of ours.
    #[arg(long, env = "TALENTI_AI_REQUESTS_PER_MINUTE")]
    pub ai_requests_per_minute: Option<u32>,

    /// Model tokens (prompt and answer) per minute, across every process.
    #[arg(long, env = "TALENTI_AI_TOKENS_PER_MINUTE")]
    pub ai_tokens_per_minute: Option<u32>,

    /// How many seconds of those rates may go at once (the buckets' size).
    #[arg(long, env = "TALENTI_AI_BURST_SECS", default_value_t = 6)]
    pub ai_burst_secs: u32,
}

impl AiConfig {
    /// The provider, without a shared rate limit (tests, tools).
    pub fn build(&self) -> anyhow::Result<Arc<dyn AiProvider>> {
        self.build_with(None)
    }

    /// The provider, with the rate limits (if set) shared through Redis by
    /// every process on the same Redis and queue prefix.
    pub fn build_shared(
        &self,
        redis_url: &str,
        prefix: &str,
    ) -> anyhow::Result<Arc<dyn AiProvider>> {
        let limits = super::limit::Limits {
            requests_per_minute: self.ai_requests_per_minute.filter(|n| *n > 0),
            tokens_per_minute: self.ai_tokens_per_minute.filter(|n| *n > 0),
            burst_secs: self.ai_burst_secs.max(1),
        };
        let limiter = if limits.any() {
            Some(Arc::new(super::limit::Limiter::new(
                redis_url, prefix, limits,
            )?))
        } else {
            None
        };
        self.build_with(limiter)
    }

    fn build_with(
        &self,
        limiter: Option<Arc<super::limit::Limiter>>,
    ) -> anyhow::Result<Arc<dyn AiProvider>> {
        match self.ai_provider.as_str() {
            "builtin" => Ok(Arc::new(Builtin)),
            "openai" => Ok(Arc::new(super::openai::OpenAi::new(self, limiter)?)),
            other => anyhow::bail!("TALENTI_AI_PROVIDER `{other}`: expected builtin or openai"),
        }
    }
}
