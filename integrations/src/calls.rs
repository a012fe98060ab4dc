//! The one interface every voice or video provider is used through: create
//! an interview's session, end it, fetch its transcript once it is over,
//! and check and read its webhooks. The API and the jobs hold providers as
//! `Arc<dyn CallProvider>` and never name one outside configuration.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

use crate::ProviderError;

/// What a provider is asked to set up for one interview.
#[derive(Clone)]
pub struct SessionRequest {
    /// Our interview's id, given to the provider as metadata so its
    /// webhooks can be matched even before the session is saved.
    pub interview_id: String,
    /// A title a person may see (a meeting's topic).
    pub title: String,
    /// What a voice agent is told to do (role, rubric, approved questions).
    /// Holds no personal data beyond the candidate's first name.
    pub instructions: String,
    /// When the session starts, if it is scheduled (a meeting).
    pub starts_at: Option<DateTime<Utc>>,
    /// How long it may last.
    pub duration: Duration,
}

impl fmt::Debug for SessionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRequest")
            .field("interview_id", &self.interview_id)
            .field("starts_at", &self.starts_at)
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

/// A session the provider created.
#[derive(Clone)]
pub struct Session {
    /// The provider's id for it (a call id, a meeting id).
    pub external_id: String,
    /// Where the participant joins, when the provider gives a URL.
    pub join_url: Option<String>,
    /// A credential for the participant's client (shown once, never
    /// stored), when the provider works that way.
    pub access: Option<ParticipantAccess>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("external_id", &self.external_id)
            .finish_non_exhaustive()
    }
}

/// A participant's identity and token for a provider's client SDK.
#[derive(Clone)]
pub struct ParticipantAccess {
    pub identity: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Who said a transcript segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    Candidate,
    Interviewer,
    /// A person the provider names (a meeting's participant); the caller,
    /// who knows the candidate's name, decides which side it is.
    Named(String),
}

/// One utterance of a finished session, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptSegment {
    pub speaker: Speaker,
    pub content: String,
    /// From the session's start.
    pub start_ms: i64,
    pub end_ms: i64,
}

/// A webhook request as it arrived: checked before anything is parsed.
#[derive(Clone, Copy)]
pub struct WebhookRequest<'a> {
    pub headers: &'a HeaderMap,
    /// The raw query string, if any (some providers put a secret there).
    pub query: Option<&'a str>,
    pub body: &'a [u8],
    /// When it arrived.
    pub now: DateTime<Utc>,
}

/// Why a webhook was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Not from the provider (missing or wrong signature or secret, or
    /// outside the replay window): answered 401, nothing stored.
    #[error("webhook not authenticated: {0}")]
    Unauthenticated(&'static str),
    /// Authenticated but not readable: answered 400, nothing stored.
    #[error("webhook not understood: {0}")]
    Malformed(String),
}

/// What happened to a session, as a provider's webhook says.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// The session started (a call joined, a meeting began).
    Started,
    /// The session is over (its transcript can be fetched now if the
    /// provider says [`CallProvider::transcript_ready_on_end`]).
    Ended,
    /// The session's transcript is ready (a meeting's, some time after it
    /// ended).
    TranscriptReady,
    /// A recording of the session is ready at `url` (fetched with the
    /// provider's credentials).
    RecordingReady { url: String },
    /// Anything else the provider sends: acknowledged and ignored.
    Other(String),
}

/// One event of a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderEvent {
    /// Unique per event (the provider's event id, or what identifies it):
    /// the same event delivered twice has the same key.
    pub key: String,
    /// The session it is about.
    pub external_id: String,
    pub event: SessionEvent,
}

/// A verified webhook, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Webhook {
    /// A subscription handshake: answer with this JSON, store nothing.
    Challenge(serde_json::Value),
    /// Events to act on (possibly none).
    Events(Vec<ProviderEvent>),
}

/// A voice or video provider.
#[async_trait]
pub trait CallProvider: Send + Sync + 'static {
    /// The provider's name as stored on sessions (`ultravox`, `zoom`, `acs`).
    fn name(&self) -> &'static str;

    /// Whether a session's transcript can be fetched as soon as it ends (a
    /// voice agent's) rather than when a later event says so (a meeting's
    /// recording transcript), or never (no transcripts).
    fn transcript_ready_on_end(&self) -> bool {
        true
    }

    /// Creates the session for an interview.
    async fn create_session(&self, req: &SessionRequest) -> Result<Session, ProviderError>;

    /// Moves a scheduled session (a meeting) to the request's time and length.
    async fn update_session(
        &self,
        external_id: &str,
        req: &SessionRequest,
    ) -> Result<(), ProviderError> {
        let _ = (external_id, req);
        Err(ProviderError::Unsupported {
            provider: self.name(),
            what: "rescheduling a session",
        })
    }

    /// Ends (or cancels) a session; one already over is not an error.
    async fn end_session(&self, external_id: &str) -> Result<(), ProviderError>;

    /// The finished session's transcript, in order.
    async fn fetch_transcript(
        &self,
        external_id: &str,
    ) -> Result<Vec<TranscriptSegment>, ProviderError>;

    /// Opens a recording the provider announced (`SessionEvent::RecordingReady`)
    /// for streaming; the caller caps its size. Refuses a URL that is not
    /// the provider's.
    async fn fetch_recording(&self, url: &str) -> Result<reqwest::Response, ProviderError> {
        let _ = url;
        Err(ProviderError::Unsupported {
            provider: self.name(),
            what: "recordings",
        })
    }

    /// Checks that a webhook comes from the provider, before its body is
    /// read: signature or shared secret, and its timestamp within the
    /// replay window.
    fn verify_webhook(&self, req: &WebhookRequest<'_>) -> Result<(), WebhookError>;

    /// Reads a verified webhook.
    fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<Webhook, WebhookError>;
}

/// The voice and video providers' settings, for every process that
/// creates sessions, takes webhooks or fetches transcripts (API, worker).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CallsConfig {
    #[command(flatten)]
    pub ultravox: crate::ultravox::UltravoxConfig,
    #[command(flatten)]
    pub zoom: crate::zoom::ZoomConfig,
    #[command(flatten)]
    pub acs: crate::acs::AcsConfig,
    /// Largest call recording downloaded into storage, in bytes.
    #[arg(
        long = "recording-max-bytes",
        env = "TALENTI_RECORDING_MAX_BYTES",
        default_value_t = 2 * 1024 * 1024 * 1024
    )]
    pub recording_max_bytes: u64,
}

impl CallsConfig {
    /// The configured providers (none is fine: the text interviewer works
    /// without any).
    pub fn build(&self) -> Result<CallProviders, String> {
        let mut providers: Vec<std::sync::Arc<dyn CallProvider>> = Vec::new();
        if let Some(p) = self.ultravox.build()? {
            providers.push(std::sync::Arc::new(p));
        }
        if let Some(p) = self.zoom.build()? {
            providers.push(std::sync::Arc::new(p));
        }
        if let Some(p) = self.acs.build()? {
            providers.push(std::sync::Arc::new(p));
        }
        Ok(CallProviders {
            providers,
            recording_max_bytes: self.recording_max_bytes.max(1),
        })
    }
}

/// The configured providers, by name.
#[derive(Clone, Default)]
pub struct CallProviders {
    providers: Vec<std::sync::Arc<dyn CallProvider>>,
    /// Largest recording stored, in bytes.
    pub recording_max_bytes: u64,
}

impl CallProviders {
    /// The provider called `name`, if it is configured.
    pub fn get(&self, name: &str) -> Option<std::sync::Arc<dyn CallProvider>> {
        self.providers.iter().find(|p| p.name() == name).cloned()
    }

    /// The configured providers' names.
    pub fn names(&self) -> Vec<&'static str> {
        self.providers.iter().map(|p| p.name()).collect()
    }
}

impl fmt::Debug for CallProviders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CallProviders").field(&self.names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use clap::Args;

    #[test]
    fn every_providers_flags_are_distinct() {
        // clap's debug assertions: unique ids, longs and env vars.
        super::CallsConfig::augment_args(clap::Command::new("talenti")).debug_assert();
    }
}
