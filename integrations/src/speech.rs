//! Azure Speech: short-lived tokens for the browser's Speech SDK, so the
//! subscription key never leaves the server. A token comes from the
//! resource region's `issueToken` endpoint (`POST
//! https://{region}.api.cognitive.microsoft.com/sts/v1.0/issueToken`,
//! header `Ocp-Apim-Subscription-Key`, empty body; the answer is the token,
//! a JWT valid for 10 minutes). One token serves every caller until shortly
//! before it expires; callers that arrive while it is being renewed wait
//! for that one request.

use std::{fmt, time::Duration};

use base64::Engine;
use chrono::{DateTime, Utc};
use tokio::sync::Mutex;
use url::Url;

use crate::{ProviderError, REQUEST_TIMEOUT};

const PROVIDER: &str = "Azure Speech";
/// How long a token is valid when it does not say (Azure's documented 10 minutes).
const TOKEN_LIFETIME: Duration = Duration::from_secs(600);
/// A cached token is renewed this long before it expires, so a browser
/// always gets one it can use for a while.
const RENEW_BEFORE: Duration = Duration::from_secs(120);
/// The longest token accepted (Azure's are about 1 KB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Azure Speech, for `POST /interviews/{id}/speech-token`. Off unless both
/// the region and the key are set.
#[derive(Clone, Default, clap::Args)]
pub struct SpeechConfig {
    /// The Speech resource's region (`westeurope`, `eastus`…).
    #[arg(long = "azure-speech-region", env = "TALENTI_AZURE_SPEECH_REGION")]
    pub region: Option<String>,
    /// The Speech resource's subscription key. Never sent to a client.
    #[arg(
        long = "azure-speech-key",
        env = "TALENTI_AZURE_SPEECH_KEY",
        hide_env_values = true
    )]
    pub key: Option<String>,
    /// The token endpoint, when it is not the region's public one (a
    /// sovereign cloud, a custom domain).
    #[arg(
        long = "azure-speech-token-url",
        env = "TALENTI_AZURE_SPEECH_TOKEN_URL"
    )]
    pub token_url: Option<String>,
}

impl fmt::Debug for SpeechConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpeechConfig")
            .field("region", &self.region)
            .field("key", &self.key.as_ref().map(|_| "<set>"))
            .field("token_url", &self.token_url)
            .finish()
    }
}

impl SpeechConfig {
    /// The token source, `None` when Speech is not configured; an error
    /// for a configuration that cannot work (half of it, a bad region or
    /// URL).
    pub fn build(&self) -> Result<Option<SpeechTokens>, String> {
        let (region, key) = match (&self.region, &self.key) {
            (None, None) => return Ok(None),
            (Some(r), Some(k)) if !r.trim().is_empty() && !k.trim().is_empty() => {
                (r.trim().to_ascii_lowercase(), k.trim().to_owned())
            }
            _ => return Err(
                "Azure Speech needs both TALENTI_AZURE_SPEECH_REGION and TALENTI_AZURE_SPEECH_KEY"
                    .into(),
            ),
        };
        if !region.chars().all(|c| c.is_ascii_alphanumeric()) || region.len() > 40 {
            return Err(format!(
                "TALENTI_AZURE_SPEECH_REGION `{region}` is not a region name"
            ));
        }
        let url = match &self.token_url {
            Some(u) => u.clone(),
            None => format!("https://{region}.api.cognitive.microsoft.com/sts/v1.0/issueToken"),
        };
        let url = Url::parse(&url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| {
                format!("TALENTI_AZURE_SPEECH_TOKEN_URL `{url}` is not an http(s) URL")
            })?;
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Some(SpeechTokens {
            http,
            url,
            key,
            region,
            cached: Mutex::new(None),
        }))
    }
}

/// A token for the browser's Speech SDK, with the region it is for.
#[derive(Clone)]
pub struct SpeechToken {
    pub token: String,
    pub region: String,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for SpeechToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpeechToken")
            .field("region", &self.region)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Issues and caches Speech tokens (one per process).
pub struct SpeechTokens {
    http: reqwest::Client,
    url: Url,
    key: String,
    region: String,
    cached: Mutex<Option<SpeechToken>>,
}

impl fmt::Debug for SpeechTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpeechTokens")
            .field("url", &self.url.as_str())
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl SpeechTokens {
    /// A token valid for at least [`RENEW_BEFORE`]: the cached one, or a
    /// new one from Azure.
    pub async fn token(&self) -> Result<SpeechToken, ProviderError> {
        let mut cached = self.cached.lock().await;
        let renew_at = |t: &SpeechToken| {
            t.expires_at - chrono::Duration::from_std(RENEW_BEFORE).unwrap_or_default()
        };
        if let Some(t) = cached.as_ref().filter(|t| renew_at(t) > Utc::now()) {
            return Ok(t.clone());
        }
        let fresh = self.issue().await?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    async fn issue(&self) -> Result<SpeechToken, ProviderError> {
        let asked = Utc::now();
        let resp = self
            .http
            .post(self.url.clone())
            .header("Ocp-Apim-Subscription-Key", &self.key)
            .header(reqwest::header::CONTENT_LENGTH, 0)
            .send()
            .await
            .map_err(|e| ProviderError::from_transport(PROVIDER, &e))?;
        let status = resp.status();
        if !status.is_success() {
            let err = ProviderError::from_status(PROVIDER, status.as_u16(), resp.headers());
            tracing::warn!(
                status = status.as_u16(),
                "Azure Speech refused a token: {err}"
            );
            return Err(err);
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| ProviderError::from_transport(PROVIDER, &e))?;
        let token = std::str::from_utf8(&body)
            .ok()
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_BYTES && t.is_ascii())
            .filter(|t| {
                !t.chars()
                    .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
            })
            .ok_or_else(|| ProviderError::Protocol {
                provider: PROVIDER,
                detail: "the token is empty or not a token".into(),
            })?
            .to_owned();
        let lifetime = chrono::Duration::from_std(TOKEN_LIFETIME).unwrap_or_default();
        // The token's own expiry, if it is a JWT that says, and never later
        // than the documented lifetime from when it was asked for.
        let expires_at =
            jwt_expiry(&token).map_or(asked + lifetime, |exp| exp.min(asked + lifetime));
        Ok(SpeechToken {
            token,
            region: self.region.clone(),
            expires_at,
        })
    }
}

/// The `exp` claim of a JWT (read, not verified: the token is Azure's to
/// check; this only says when to renew it).
fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims.get("exp")?.as_i64()?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_says_when_it_expires() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"region":"westeurope","exp":1796637600}"#);
        let token = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln");
        assert_eq!(
            jwt_expiry(&token).map(|t| t.timestamp()),
            Some(1_796_637_600)
        );
        assert_eq!(jwt_expiry("opaque"), None);
        assert_eq!(jwt_expiry("a.!!!.c"), None);
    }

    #[test]
    fn half_a_configuration_is_refused_and_none_is_off() {
        assert!(SpeechConfig::default().build().unwrap().is_none());
        let half = SpeechConfig {
            region: Some("westeurope".into()),
            ..Default::default()
        };
        assert!(half.build().is_err());
        let bad = SpeechConfig {
            region: Some("west europe/../x".into()),
            key: Some("k".into()),
            ..Default::default()
        };
        assert!(bad.build().is_err());
        let ok = SpeechConfig {
            region: Some("WestEurope".into()),
            key: Some("secret-key".into()),
            ..Default::default()
        };
        let tokens = ok.build().unwrap().unwrap();
        assert_eq!(
            tokens.url.as_str(),
            "https://westeurope.api.cognitive.microsoft.com/sts/v1.0/issueToken"
        );
        assert!(!format!("{tokens:?}{ok:?}").contains("secret-key"));
    }
}
