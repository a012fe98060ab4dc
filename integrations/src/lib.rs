//! The voice and video providers an interview can run on. Each is optional
//! configuration; with none set, the built-in text interviewer keeps
//! working. Every call is made with `reqwest`, with a timeout, and its
//! failures are sorted into what a caller can act on ([`ProviderError`]):
//! a refused credential is the operator's to fix, a throttled or briefly
//! unavailable provider is retried after the time it asks for.

pub mod acs;
pub mod calls;
#[cfg(feature = "fakes")]
pub mod fake;
pub mod speech;
pub mod ultravox;
pub mod webhook;
pub mod zoom;

pub use calls::{
    CallProvider, CallProviders, CallsConfig, ParticipantAccess, ProviderEvent, Session,
    SessionEvent, SessionRequest, Speaker, TranscriptSegment, Webhook, WebhookError,
    WebhookRequest,
};

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How long any one provider request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong with a provider, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused our credentials (401, 403): the operator's
    /// configuration is wrong, retrying will not help.
    #[error("{provider} refused the configured credentials (HTTP {status})")]
    Refused { provider: &'static str, status: u16 },
    /// Throttled (429), or unavailable for a time it named (503 with
    /// `Retry-After`): try again after `retry_after` (or a little while).
    #[error("{provider} is throttling requests")]
    Throttled {
        provider: &'static str,
        retry_after: Option<Duration>,
    },
    /// Unreachable, timed out, or a server error.
    #[error("{provider} is unavailable: {detail}")]
    Unavailable {
        provider: &'static str,
        detail: String,
    },
    /// Something this provider does not do.
    #[error("{provider} does not support {what}")]
    Unsupported {
        provider: &'static str,
        what: &'static str,
    },
    /// An answer that does not follow the provider's protocol.
    #[error("{provider} answered something unexpected: {detail}")]
    Protocol {
        provider: &'static str,
        detail: String,
    },
}

impl ProviderError {
    /// The error for a non-success `status` (with its headers).
    pub fn from_status(provider: &'static str, status: u16, headers: &HeaderMap) -> Self {
        Self::from_status_at(provider, status, headers, Utc::now())
    }

    /// [`ProviderError::from_status`] at `now` (a `Retry-After` date is
    /// read against it).
    pub fn from_status_at(
        provider: &'static str,
        status: u16,
        headers: &HeaderMap,
        now: DateTime<Utc>,
    ) -> Self {
        let retry_after = retry_after(headers, now);
        match status {
            401 | 403 => ProviderError::Refused { provider, status },
            429 => ProviderError::Throttled {
                provider,
                retry_after,
            },
            503 if retry_after.is_some() => ProviderError::Throttled {
                provider,
                retry_after,
            },
            500..=599 => ProviderError::Unavailable {
                provider,
                detail: format!("HTTP {status}"),
            },
            _ => ProviderError::Protocol {
                provider,
                detail: format!("HTTP {status}"),
            },
        }
    }

    /// The error for a request that got no answer.
    pub fn from_transport(provider: &'static str, e: &reqwest::Error) -> Self {
        let detail = if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            "cannot connect".to_owned()
        } else {
            "the request failed".to_owned()
        };
        ProviderError::Unavailable { provider, detail }
    }
}

/// Longest wait a provider's `Retry-After` is honoured for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` as seconds or an HTTP date (RFC 9110), capped at an hour.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    retry_after_within(headers, now, MAX_RETRY_AFTER)
}

/// `Retry-After` as seconds, an HTTP date (RFC 9110), or the RFC 3339 date
/// some APIs send instead (Zoom's daily limits), capped at `max`.
pub fn retry_after_within(
    headers: &HeaderMap,
    now: DateTime<Utc>,
    max: Duration,
) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(v)
                .or_else(|_| DateTime::parse_from_rfc3339(v))
                .ok()?
                .with_timezone(&Utc);
            (at - now).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Mon, 07 Dec 2026 10:00:30 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("2026-12-07T10:01:00Z"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(60)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("999999"));
        assert_eq!(retry_after(&h, now), Some(MAX_RETRY_AFTER));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn statuses_sort_into_what_a_caller_can_do() {
        let none = HeaderMap::new();
        assert!(matches!(
            ProviderError::from_status("x", 401, &none),
            ProviderError::Refused { status: 401, .. }
        ));
        assert!(matches!(
            ProviderError::from_status("x", 429, &none),
            ProviderError::Throttled {
                retry_after: None,
                ..
            }
        ));
        assert!(matches!(
            ProviderError::from_status("x", 503, &none),
            ProviderError::Unavailable { .. }
        ));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert!(matches!(
            ProviderError::from_status("x", 503, &h),
            ProviderError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(3)
        ));
        assert!(matches!(
            ProviderError::from_status("x", 400, &none),
            ProviderError::Protocol { .. }
        ));
    }
}
