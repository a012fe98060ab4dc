//! Azure Communication Services (ACS): the candidate's browser joins a call
//! with the ACS Calling SDK, as an ACS identity we create per interview.
//!
//! - The resource is configured by its connection string,
//!   `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>`.
//! - Every request is signed with the access key ("HMAC-SHA256" access-key
//!   authentication, [`sign_request`]): headers `x-ms-date` (RFC 1123),
//!   `x-ms-content-sha256` (base64 SHA-256 of the body, also of an empty
//!   one) and `Authorization: HMAC-SHA256
//!   SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<sig>`, the
//!   signature being base64 HMAC-SHA256, under the base64-decoded key, of
//!   `VERB\n<path and query>\n<x-ms-date>;<host>;<content hash>` (host with
//!   its port when it is not the scheme's default).
//! - A session is an identity with a VoIP token (`POST
//!   /identities?api-version=2023-10-01`, body `{"createTokenWithScopes":
//!   ["voip"], "expiresInMinutes": n}`; 201 with `identity.id` and
//!   `accessToken.{token, expiresOn}`); ending it deletes the identity
//!   (`DELETE /identities/{id}`, 204), which revokes its tokens.
//! - ACS makes no transcript; recordings are announced by Event Grid and
//!   downloaded from their `contentLocation` with the same signing, the
//!   signed host being the resource's (also sent as `x-ms-host`), as the
//!   Azure SDKs do. Only URLs on the configured recording hosts are
//!   fetched, and redirects are followed only to them.
//!
//! Events come from an Event Grid subscription to a webhook
//! (`Microsoft.Communication.CallStarted`, `CallEnded`,
//! `RecordingFileStatusUpdated`), in the Event Grid schema (a JSON array of
//! events with `id`, `eventType`, `subject`, `data`…) or the CloudEvents
//! 1.0 schema (one event, or an array, with `id`, `type`, `source`,
//! `subject`, `data`). Event Grid does not sign what it delivers: its
//! documented protection is a secret in the webhook URL, which it sends
//! back on every delivery. The secret is taken from the query parameter
//! [`SECRET_QUERY_PARAMETER`] (`…/webhooks/acs?key=<secret>`) or from the
//! header [`SECRET_HEADER`] (an Event Grid "delivery property" marked
//! secret), compared in constant time. There is no replay window: Event
//! Grid retries a delivery for up to 24 hours, and a re-delivered event
//! keeps its id, hence its [`ProviderEvent::key`].
//!
//! Events name the call by its `serverCallId` (`data.serverCallId` and the
//! subject `call/{serverCallId}` of call events; the subject
//! `/recording/call/{callId}/serverCallId/{serverCallId}` of recording
//! events, whose data has no call id). It is the one id every call and
//! recording event carries, the one the Call Automation and recording APIs
//! take, and the browser's Calling SDK reads it
//! (`call.info.getServerCallId()`); events' `external_id` is it.
//! [`Session::external_id`], made before any call exists, is the identity
//! id: the caller links a session to its call's `serverCallId` when the
//! browser reports it.

use std::{fmt, net::IpAddr};

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Utc};
use reqwest::{
    header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE},
    Method,
};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::{Host, Url};

use crate::{
    calls::{
        CallProvider, ParticipantAccess, ProviderEvent, Session, SessionEvent, SessionRequest,
        TranscriptSegment, Webhook, WebhookError, WebhookRequest,
    },
    webhook, ProviderError, REQUEST_TIMEOUT,
};

const PROVIDER: &str = "Azure Communication Services";
/// The Identity API version used.
pub const API_VERSION: &str = "2023-10-01";
/// The shortest and longest token lifetimes ACS issues, in minutes.
pub const TOKEN_MINUTES: std::ops::RangeInclusive<u32> = 60..=1440;
/// The header a webhook's shared secret may come in.
pub const SECRET_HEADER: &str = "x-talenti-event-grid-secret";
/// The query parameter of the webhook URL a shared secret may come in.
pub const SECRET_QUERY_PARAMETER: &str = "key";
/// The shortest Event Grid secret accepted.
const MIN_SECRET_LEN: usize = 16;
/// Events accepted in one delivery (Event Grid's batches are configurable;
/// more than this is refused, not read).
pub const MAX_EVENTS: usize = 100;
/// Recording chunks accepted in one event.
const MAX_CHUNKS: usize = 100;
/// The longest JSON answer read from the Identity API.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The longest token accepted (ACS tokens are about 1 KB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// The longest id (event, identity, call) accepted.
const MAX_ID_LEN: usize = 1024;
/// Redirects a recording download may follow (to allowed hosts only).
const MAX_REDIRECTS: usize = 5;
/// The default recording hosts: ACS's recording storage.
const DEFAULT_RECORDING_HOSTS: &str = "asm.skype.com";

const VALIDATION_EVENT: &str = "Microsoft.EventGrid.SubscriptionValidationEvent";
const CALL_STARTED: &str = "Microsoft.Communication.CallStarted";
const CALL_ENDED: &str = "Microsoft.Communication.CallEnded";
const RECORDING_READY: &str = "Microsoft.Communication.RecordingFileStatusUpdated";

/// Azure Communication Services, for browser calls. Off unless the
/// connection string is set.
#[derive(Clone, clap::Args)]
pub struct AcsConfig {
    /// The resource's connection string,
    /// `endpoint=https://<resource>.communication.azure.com/;accesskey=<key>`.
    /// Never sent to a client.
    #[arg(
        long = "acs-connection-string",
        env = "TALENTI_ACS_CONNECTION_STRING",
        hide_env_values = true
    )]
    pub connection_string: Option<String>,
    /// The secret the Event Grid subscription's webhook URL carries, as its
    /// query parameter `key` (or in the header
    /// `x-talenti-event-grid-secret`); at least 16 characters. Without it
    /// every ACS webhook is refused.
    #[arg(
        long = "event-grid-secret",
        env = "TALENTI_EVENT_GRID_SECRET",
        hide_env_values = true
    )]
    pub event_grid_secret: Option<String>,
    /// How long a participant's token is valid, in minutes (60 to 1440).
    #[arg(
        long = "acs-token-minutes",
        env = "TALENTI_ACS_TOKEN_MINUTES",
        default_value_t = 60
    )]
    pub token_minutes: u32,
    /// The hosts recordings are downloaded from, comma-separated: a name
    /// allows itself and its subdomains, over HTTPS. An IP address or
    /// `localhost` allows only itself, and an entry written `http://host`
    /// also allows plain HTTP (for local test servers).
    #[arg(
        long = "acs-recording-hosts",
        env = "TALENTI_ACS_RECORDING_HOSTS",
        value_delimiter = ',',
        default_value = DEFAULT_RECORDING_HOSTS
    )]
    pub recording_hosts: Vec<String>,
}

impl Default for AcsConfig {
    fn default() -> Self {
        AcsConfig {
            connection_string: None,
            event_grid_secret: None,
            token_minutes: 60,
            recording_hosts: vec![DEFAULT_RECORDING_HOSTS.to_owned()],
        }
    }
}

impl fmt::Debug for AcsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcsConfig")
            .field(
                "connection_string",
                &self.connection_string.as_ref().map(|_| "<set>"),
            )
            .field(
                "event_grid_secret",
                &self.event_grid_secret.as_ref().map(|_| "<set>"),
            )
            .field("token_minutes", &self.token_minutes)
            .field("recording_hosts", &self.recording_hosts)
            .finish()
    }
}

impl AcsConfig {
    /// The provider, `None` when no connection string is set; an error for
    /// a configuration that cannot work (a malformed connection string, a
    /// secret without one, a token lifetime ACS refuses). Errors never
    /// repeat the access key or the secret.
    pub fn build(&self) -> Result<Option<Acs>, String> {
        let secret = self
            .event_grid_secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let connection = match self.connection_string.as_deref().map(str::trim) {
            None | Some("") => {
                if secret.is_some() {
                    return Err(
                        "TALENTI_EVENT_GRID_SECRET is set without TALENTI_ACS_CONNECTION_STRING"
                            .into(),
                    );
                }
                return Ok(None);
            }
            Some(c) => ConnectionString::parse(c)
                .map_err(|e| format!("TALENTI_ACS_CONNECTION_STRING: {e}"))?,
        };
        if let Some(s) = secret {
            if s.chars().count() < MIN_SECRET_LEN {
                return Err(format!(
                    "TALENTI_EVENT_GRID_SECRET must be at least {MIN_SECRET_LEN} characters"
                ));
            }
        }
        if !TOKEN_MINUTES.contains(&self.token_minutes) {
            return Err(format!(
                "TALENTI_ACS_TOKEN_MINUTES must be from {} to {} (it is {})",
                TOKEN_MINUTES.start(),
                TOKEN_MINUTES.end(),
                self.token_minutes
            ));
        }
        let recording_hosts = RecordingHosts::parse(&self.recording_hosts)
            .map_err(|e| format!("TALENTI_ACS_RECORDING_HOSTS: {e}"))?;
        let api = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let allowed = recording_hosts.clone();
        let downloads = reqwest::Client::builder()
            // No overall timeout: a recording may take minutes to stream;
            // a stalled connection or read still fails.
            .connect_timeout(REQUEST_TIMEOUT)
            .read_timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if allowed.check(attempt.url().as_str()).is_ok() {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let host = authority(&connection.endpoint);
        Ok(Some(Acs {
            api,
            downloads,
            endpoint: connection.endpoint,
            host,
            key: connection.key,
            token_minutes: self.token_minutes,
            event_grid_secret: secret.map(str::to_owned),
            recording_hosts,
        }))
    }
}

/// An access key, base64-decoded. Its `Debug` never shows it.
#[derive(Clone)]
pub struct AccessKey(Vec<u8>);

impl AccessKey {
    /// The key as the portal shows it (base64).
    pub fn from_base64(key: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| "the access key is not base64".to_owned())?;
        if bytes.is_empty() {
            return Err("the access key is empty".into());
        }
        Ok(AccessKey(bytes))
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(<redacted>)")
    }
}

/// A connection string's parts.
#[derive(Clone, Debug)]
pub struct ConnectionString {
    /// The resource's endpoint (its origin, path `/`).
    pub endpoint: Url,
    pub key: AccessKey,
}

impl ConnectionString {
    /// Reads `endpoint=…;accesskey=…` (names in any case, in any order).
    /// The endpoint must be HTTPS (plain HTTP only for a loopback host, a
    /// local test server). Errors never repeat the key.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (mut endpoint, mut key) = (None, None);
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or("it is not `endpoint=…;accesskey=…`")?;
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => &mut endpoint,
                "accesskey" => &mut key,
                _ => continue,
            };
            if slot.replace(value.trim()).is_some() {
                return Err(format!("it names `{}` twice", name.trim()));
            }
        }
        let (Some(endpoint), Some(key)) = (endpoint, key) else {
            return Err("it needs both `endpoint=` and `accesskey=`".into());
        };
        let mut url =
            Url::parse(endpoint).map_err(|_| format!("the endpoint `{endpoint}` is not a URL"))?;
        let loopback = is_loopback(&url);
        let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
        if !scheme_ok
            || url.host().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
            || !matches!(url.path(), "" | "/")
        {
            return Err(format!(
                "the endpoint `{endpoint}` is not an https://<resource>.communication.azure.com/ URL"
            ));
        }
        url.set_path("/");
        Ok(ConnectionString {
            endpoint: url,
            key: AccessKey::from_base64(key)?,
        })
    }
}

/// The three headers of a signed request.
#[derive(Clone)]
pub struct SignedHeaders {
    /// `x-ms-date`.
    pub date: String,
    /// `x-ms-content-sha256`.
    pub content_sha256: String,
    /// `Authorization`.
    pub authorization: String,
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHeaders")
            .field("date", &self.date)
            .field("content_sha256", &self.content_sha256)
            .finish_non_exhaustive()
    }
}

/// A time as `x-ms-date` wants it (RFC 1123, `Wed, 13 Apr 2022 18:09:12 GMT`).
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `x-ms-content-sha256`: base64 of the body's SHA-256.
pub fn content_sha256(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))
}

/// What is signed: `VERB\n<path and query>\n<date>;<host>;<content hash>`.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    content_hash: &str,
) -> String {
    format!(
        "{}\n{path_and_query}\n{date};{host};{content_hash}",
        method.to_ascii_uppercase()
    )
}

/// Signs a request: `host` is the host the signature is for, with its port
/// when it is not the scheme's default ([`authority`]); `date` is the
/// `x-ms-date` sent ([`http_date`]).
pub fn sign_request(
    key: &AccessKey,
    method: &str,
    path_and_query: &str,
    host: &str,
    date: &str,
    body: &[u8],
) -> SignedHeaders {
    let content_sha256 = content_sha256(body);
    let to_sign = string_to_sign(method, path_and_query, date, host, &content_sha256);
    let signature = base64::engine::general_purpose::STANDARD
        .encode(webhook::hmac_sha256(&key.0, &[to_sign.as_bytes()]));
    SignedHeaders {
        date: date.to_owned(),
        content_sha256,
        authorization: format!(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        ),
    }
}

/// A URL's host, with its port when it is not the scheme's default (what
/// the `Host` header carries).
pub fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// A URL's path and query, as sent.
fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    }
}

/// The hosts recordings may be downloaded from (an SSRF guard: the request
/// carries our signature, and the answer is stored).
#[derive(Clone, Debug)]
pub struct RecordingHosts(Vec<HostRule>);

#[derive(Clone, Debug)]
enum HostPattern {
    /// The name and its subdomains (on a label boundary).
    Suffix(String),
    /// Only this name (`localhost`).
    Name(String),
    /// Only this address.
    Ip(IpAddr),
}

#[derive(Clone, Debug)]
struct HostRule {
    pattern: HostPattern,
    /// Plain HTTP allowed too.
    http: bool,
}

impl RecordingHosts {
    /// Reads the entries (see [`AcsConfig::recording_hosts`]).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut rules = Vec::new();
        for entry in entries {
            let raw = entry.as_ref().trim().to_ascii_lowercase();
            if raw.is_empty() {
                continue;
            }
            let (http, rest) = if let Some(r) = raw.strip_prefix("http://") {
                (true, r)
            } else {
                (false, raw.strip_prefix("https://").unwrap_or(&raw))
            };
            let rest = rest.trim_end_matches('/');
            let rest = rest
                .strip_prefix("*.")
                .or_else(|| rest.strip_prefix('.'))
                .unwrap_or(rest);
            let unbracketed = rest.trim_start_matches('[').trim_end_matches(']');
            let pattern = if let Ok(ip) = unbracketed.parse::<IpAddr>() {
                HostPattern::Ip(ip)
            } else if rest == "localhost" {
                HostPattern::Name(rest.to_owned())
            } else if !rest.is_empty()
                && rest.contains('.')
                && rest.split('.').all(|l| {
                    !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
            {
                HostPattern::Suffix(rest.to_owned())
            } else {
                return Err(format!(
                    "`{}` is not a host name with a dot, an IP address or localhost",
                    entry.as_ref().trim()
                ));
            };
            rules.push(HostRule { pattern, http });
        }
        if rules.is_empty() {
            return Err("no host is listed".into());
        }
        Ok(RecordingHosts(rules))
    }

    /// The URL, if it may be fetched: HTTPS (or HTTP where its entry says
    /// so), no user info, a host an entry allows.
    pub fn check(&self, url: &str) -> Result<Url, &'static str> {
        let url = Url::parse(url).map_err(|_| "the recording URL is not a URL")?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the recording URL carries credentials");
        }
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err("the recording URL is not HTTPS"),
        };
        let rule = self.0.iter().find(|r| match (&r.pattern, url.host()) {
            (HostPattern::Ip(ip), Some(Host::Ipv4(h))) => *ip == IpAddr::V4(h),
            (HostPattern::Ip(ip), Some(Host::Ipv6(h))) => *ip == IpAddr::V6(h),
            (HostPattern::Name(n), Some(Host::Domain(d))) => n == d,
            (HostPattern::Suffix(s), Some(Host::Domain(d))) => {
                let d = d.to_ascii_lowercase();
                !(d == "localhost" || d.ends_with(".localhost"))
                    && (d == *s
                        || d.strip_suffix(s.as_str())
                            .is_some_and(|head| head.ends_with('.')))
            }
            _ => false,
        });
        match rule {
            None => Err("the recording URL is not on an allowed recording host"),
            Some(r) if !https && !r.http => Err("the recording URL is not HTTPS"),
            Some(_) => Ok(url),
        }
    }
}

/// Azure Communication Services.
pub struct Acs {
    api: reqwest::Client,
    downloads: reqwest::Client,
    endpoint: Url,
    /// The endpoint's host (and port), as signed.
    host: String,
    key: AccessKey,
    token_minutes: u32,
    event_grid_secret: Option<String>,
    recording_hosts: RecordingHosts,
}

impl fmt::Debug for Acs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acs")
            .field("endpoint", &self.endpoint.as_str())
            .field("token_minutes", &self.token_minutes)
            .field("recording_hosts", &self.recording_hosts)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedIdentity {
    identity: IdentityBody,
    access_token: Option<TokenBody>,
}

#[derive(Deserialize)]
struct IdentityBody {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    token: String,
    expires_on: String,
}

impl Acs {
    /// The resource's endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The recording hosts allowed.
    pub fn recording_hosts(&self) -> &RecordingHosts {
        &self.recording_hosts
    }

    fn identities_url(&self, id: Option<&str>) -> Url {
        let mut url = self.endpoint.clone();
        match id {
            Some(id) => url.set_path(&format!("/identities/{}", encode_component(id))),
            None => url.set_path("/identities"),
        }
        url.set_query(Some(&format!("api-version={API_VERSION}")));
        url
    }

    /// Sends a signed request to the resource.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, ProviderError> {
        let signed = sign_request(
            &self.key,
            method.as_str(),
            &path_and_query(&url),
            &self.host,
            &http_date(Utc::now()),
            &body,
        );
        let mut req = self
            .api
            .request(method, url)
            .header("x-ms-date", signed.date)
            .header("x-ms-content-sha256", signed.content_sha256)
            .header(AUTHORIZATION, signed.authorization)
            .header(ACCEPT, "application/json");
        if !body.is_empty() {
            req = req.header(CONTENT_TYPE, "application/json").body(body);
        }
        req.send()
            .await
            .map_err(|e| ProviderError::from_transport(PROVIDER, &e))
    }

    async fn create_identity(&self) -> Result<Session, ProviderError> {
        let body = serde_json::to_vec(&json!({
            "createTokenWithScopes": ["voip"],
            "expiresInMinutes": self.token_minutes,
        }))
        .expect("a JSON value serialises");
        let resp = self
            .send(Method::POST, self.identities_url(None), body)
            .await?;
        let status = resp.status();
        if !status.is_success() {
            let err = ProviderError::from_status(PROVIDER, status.as_u16(), resp.headers());
            tracing::warn!(
                status = status.as_u16(),
                "ACS refused to create an identity: {err}"
            );
            return Err(err);
        }
        let answer = read_capped(resp, MAX_ANSWER_BYTES).await?;
        let created: CreatedIdentity =
            serde_json::from_slice(&answer).map_err(|_| ProviderError::Protocol {
                provider: PROVIDER,
                detail: "the created identity is not the documented JSON".into(),
            })?;
        let id = created.identity.id;
        if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
            return Err(ProviderError::Protocol {
                provider: PROVIDER,
                detail: "the created identity has no usable id".into(),
            });
        }
        let access = created.access_token.and_then(|t| {
            let token_ok = !t.token.is_empty()
                && t.token.len() <= MAX_TOKEN_BYTES
                && t.token.chars().all(|c| c.is_ascii_graphic());
            let expires_at = DateTime::parse_from_rfc3339(&t.expires_on)
                .ok()?
                .with_timezone(&Utc);
            token_ok.then(|| ParticipantAccess {
                identity: id.clone(),
                token: t.token,
                expires_at,
            })
        });
        let Some(access) = access else {
            // An identity nobody can use: remove it rather than leave it.
            if let Err(e) = self.delete_identity(&id).await {
                tracing::warn!("ACS: could not delete an identity left without a token: {e}");
            }
            return Err(ProviderError::Protocol {
                provider: PROVIDER,
                detail: "the identity came without a usable token".into(),
            });
        };
        Ok(Session {
            external_id: id,
            join_url: None,
            access: Some(access),
        })
    }

    async fn delete_identity(&self, id: &str) -> Result<(), ProviderError> {
        let resp = self
            .send(Method::DELETE, self.identities_url(Some(id)), Vec::new())
            .await?;
        let status = resp.status();
        // Already deleted is what was asked for.
        if status.is_success() || status.as_u16() == 404 {
            return Ok(());
        }
        let err = ProviderError::from_status(PROVIDER, status.as_u16(), resp.headers());
        tracing::warn!(
            status = status.as_u16(),
            "ACS refused to delete an identity: {err}"
        );
        Err(err)
    }
}

#[async_trait]
impl CallProvider for Acs {
    fn name(&self) -> &'static str {
        "acs"
    }

    /// ACS keeps no transcripts: a call's end completes its interview,
    /// and its recording is what remains.
    fn transcript_ready_on_end(&self) -> bool {
        false
    }

    /// An ACS identity with a VoIP token for the candidate's browser.
    async fn create_session(&self, _req: &SessionRequest) -> Result<Session, ProviderError> {
        self.create_identity().await
    }

    /// Deletes the identity, which revokes its tokens (and so drops it
    /// from any call it is in).
    async fn end_session(&self, external_id: &str) -> Result<(), ProviderError> {
        self.delete_identity(external_id).await
    }

    async fn fetch_transcript(
        &self,
        _external_id: &str,
    ) -> Result<Vec<TranscriptSegment>, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: PROVIDER,
            what: "transcripts",
        })
    }

    async fn fetch_recording(&self, url: &str) -> Result<reqwest::Response, ProviderError> {
        let url = self
            .recording_hosts
            .check(url)
            .map_err(|why| ProviderError::Protocol {
                provider: PROVIDER,
                detail: why.into(),
            })?;
        // Signed for the resource's host, which is also sent as
        // `x-ms-host`: the storage checks the signature against it.
        let signed = sign_request(
            &self.key,
            "GET",
            &path_and_query(&url),
            &self.host,
            &http_date(Utc::now()),
            b"",
        );
        let resp = self
            .downloads
            .get(url)
            .header("x-ms-date", signed.date)
            .header("x-ms-content-sha256", signed.content_sha256)
            .header("x-ms-host", &self.host)
            .header(AUTHORIZATION, signed.authorization)
            .send()
            .await
            .map_err(|e| ProviderError::from_transport(PROVIDER, &e))?;
        let status = resp.status();
        if !status.is_success() {
            let err = ProviderError::from_status(PROVIDER, status.as_u16(), resp.headers());
            tracing::warn!(
                status = status.as_u16(),
                "ACS refused a recording download: {err}"
            );
            return Err(err);
        }
        Ok(resp)
    }

    fn verify_webhook(&self, req: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        let Some(secret) = self.event_grid_secret.as_deref() else {
            return Err(WebhookError::Unauthenticated(
                "no Event Grid secret is configured",
            ));
        };
        let mut offered = 0usize;
        let mut matched = false;
        for v in req.headers.get_all(SECRET_HEADER).iter().take(4) {
            offered += 1;
            matched |= webhook::secrets_equal(v.as_bytes(), secret.as_bytes());
        }
        if let Some(query) = req.query {
            for (_, v) in url::form_urlencoded::parse(query.as_bytes())
                .filter(|(k, _)| k == SECRET_QUERY_PARAMETER)
                .take(4)
            {
                offered += 1;
                matched |= webhook::secrets_equal(v.as_bytes(), secret.as_bytes());
            }
        }
        match (offered, matched) {
            (0, _) => Err(WebhookError::Unauthenticated(
                "the Event Grid secret is missing",
            )),
            (_, false) => Err(WebhookError::Unauthenticated(
                "the Event Grid secret is wrong",
            )),
            _ => Ok(()),
        }
    }

    fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<Webhook, WebhookError> {
        parse_events(req.body)
    }
}

/// The common fields of an event in either schema.
struct Envelope<'a> {
    id: &'a str,
    kind: &'a str,
    subject: &'a str,
    data: &'a Value,
}

fn malformed(why: impl Into<String>) -> WebhookError {
    WebhookError::Malformed(why.into())
}

fn envelope(event: &Value) -> Result<Envelope<'_>, WebhookError> {
    let obj = event
        .as_object()
        .ok_or_else(|| malformed("an event is not an object"))?;
    let text = |name: &str| obj.get(name).and_then(Value::as_str);
    // The Event Grid schema names the type `eventType`; CloudEvents 1.0
    // names it `type` and carries `specversion`.
    let kind = text("eventType")
        .or_else(|| text("specversion").and(text("type")))
        .filter(|k| !k.is_empty() && k.len() <= 256)
        .ok_or_else(|| malformed("an event has no eventType (or CloudEvents type)"))?;
    let id = text("id")
        .filter(|id| valid_id(id))
        .ok_or_else(|| malformed("an event has no usable id"))?;
    Ok(Envelope {
        id,
        kind,
        subject: text("subject").unwrap_or_default(),
        data: obj.get("data").unwrap_or(&Value::Null),
    })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && !id.chars().any(char::is_control)
}

/// The call's `serverCallId`: `data.serverCallId`, else from the subject
/// (`…/serverCallId/{id}` of recording events, `call/{id}…` of call events).
fn server_call_id(e: &Envelope<'_>) -> Option<String> {
    if let Some(id) = e.data.get("serverCallId").and_then(Value::as_str) {
        return valid_id(id).then(|| id.to_owned());
    }
    let id = if let Some((_, rest)) = e.subject.split_once("/serverCallId/") {
        rest
    } else {
        let rest = e.subject.trim_start_matches('/').strip_prefix("call/")?;
        rest.split('/').next().unwrap_or_default()
    };
    valid_id(id).then(|| id.to_owned())
}

/// Reads an Event Grid delivery, in either schema.
pub fn parse_events(body: &[u8]) -> Result<Webhook, WebhookError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        malformed(format!(
            "the body is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let events = match value {
        Value::Array(events) => events,
        v @ Value::Object(_) => vec![v],
        _ => return Err(malformed("the body is not an event or an array of events")),
    };
    if events.len() > MAX_EVENTS {
        return Err(malformed(format!(
            "{} events in one delivery; at most {MAX_EVENTS} are read",
            events.len()
        )));
    }
    let envelopes = events.iter().map(envelope).collect::<Result<Vec<_>, _>>()?;
    // A subscription's handshake comes alone; it is answered, nothing else.
    if let Some(v) = envelopes.iter().find(|e| e.kind == VALIDATION_EVENT) {
        let code = v
            .data
            .get("validationCode")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty() && c.len() <= 256)
            .ok_or_else(|| malformed("the validation event has no validationCode"))?;
        return Ok(Webhook::Challenge(json!({ "validationResponse": code })));
    }
    let mut out = Vec::new();
    for e in &envelopes {
        let key = format!("acs:{}", e.id);
        match e.kind {
            CALL_STARTED | CALL_ENDED => {
                let external_id = server_call_id(e)
                    .ok_or_else(|| malformed(format!("a {} event has no serverCallId", e.kind)))?;
                let event = if e.kind == CALL_ENDED {
                    SessionEvent::Ended
                } else {
                    SessionEvent::Started
                };
                out.push(ProviderEvent {
                    key,
                    external_id,
                    event,
                });
            }
            RECORDING_READY => {
                let external_id = server_call_id(e).ok_or_else(|| {
                    malformed("a RecordingFileStatusUpdated event has no serverCallId")
                })?;
                let chunks = e
                    .data
                    .pointer("/recordingStorageInfo/recordingChunks")
                    .and_then(Value::as_array)
                    .ok_or_else(|| malformed("a recording event has no recordingChunks"))?;
                if chunks.len() > MAX_CHUNKS {
                    return Err(malformed("a recording event has too many chunks"));
                }
                for (position, chunk) in chunks.iter().enumerate() {
                    let url = chunk
                        .get("contentLocation")
                        .and_then(Value::as_str)
                        .filter(|u| !u.is_empty() && u.len() <= 4096)
                        .ok_or_else(|| malformed("a recording chunk has no contentLocation"))?;
                    let index = chunk
                        .get("index")
                        .and_then(Value::as_u64)
                        .unwrap_or(position as u64);
                    out.push(ProviderEvent {
                        key: format!("{key}:{index}"),
                        external_id: external_id.clone(),
                        event: SessionEvent::RecordingReady {
                            url: url.to_owned(),
                        },
                    });
                }
            }
            other => out.push(ProviderEvent {
                key,
                external_id: server_call_id(e).unwrap_or_default(),
                event: SessionEvent::Other(other.to_owned()),
            }),
        }
    }
    Ok(Webhook::Events(out))
}

/// Percent-encodes a path segment (everything but RFC 3986's unreserved
/// characters, as `encodeURIComponent` does for the Azure SDKs' ids).
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reads an answer of at most `cap` bytes.
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, ProviderError> {
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| ProviderError::from_transport(PROVIDER, &e))?
    {
        if out.len() + chunk.len() > cap {
            return Err(ProviderError::Protocol {
                provider: PROVIDER,
                detail: "the answer is too long".into(),
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "Wed, 13 Apr 2022 18:09:12 GMT";
    const HOST: &str = "contoso.communicationservices.azure.com";

    fn signature(h: &SignedHeaders) -> &str {
        h.authorization
            .strip_prefix("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=")
            .unwrap()
    }

    /// The vectors of the Python SDK's `test_hmac.py` (key `pw==`, that
    /// date, GET without a body).
    #[test]
    fn signatures_match_the_azure_sdk_vectors() {
        let key = AccessKey::from_base64("pw==").unwrap();
        let tag = webhook::hmac_sha256(&key.0, &[b"banana"]);
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(tag),
            "88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8="
        );
        for (path, expected) in [
            ("/", "88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4="),
            ("/testPath", "RoCrHjw7fb9fpHSbqvRUY2xa8RBS0YvI1cxI1x8AS38="),
            (
                "/testPath?testQuery=yes",
                "il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I=",
            ),
        ] {
            let h = sign_request(&key, "get", path, HOST, DATE, b"");
            assert_eq!(signature(&h), expected, "{path}");
            assert_eq!(
                h.content_sha256,
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
            );
            assert_eq!(h.date, DATE);
        }
    }

    #[test]
    fn a_body_and_a_port_are_signed_as_documented() {
        let key = AccessKey::from_base64("c2VjcmV0LWtleS1ieXRlcw==").unwrap();
        let body = br#"{"createTokenWithScopes":["voip"],"expiresInMinutes":60}"#;
        let h = sign_request(
            &key,
            "POST",
            "/identities?api-version=2023-10-01",
            "127.0.0.1:8443",
            DATE,
            body,
        );
        // Independently: the documented string, HMAC'd under the decoded key.
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
        let to_sign =
            format!("POST\n/identities?api-version=2023-10-01\n{DATE};127.0.0.1:8443;{hash}");
        use hmac::Mac;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(b"secret-key-bytes").unwrap();
        mac.update(to_sign.as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(signature(&h), expected);
        assert_eq!(h.content_sha256, hash);
        assert!(!format!("{h:?}{key:?}").contains(&expected));
    }

    #[test]
    fn dates_are_rfc_1123_and_hosts_carry_non_default_ports() {
        let t = DateTime::parse_from_rfc3339("2022-04-03T08:09:12Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(http_date(t), "Sun, 03 Apr 2022 08:09:12 GMT");
        let u = Url::parse("https://x.communication.azure.com:443/a?b=c").unwrap();
        assert_eq!(authority(&u), "x.communication.azure.com");
        assert_eq!(path_and_query(&u), "/a?b=c");
        let u = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(authority(&u), "127.0.0.1:8080");
        assert_eq!(encode_component("8:acs:a_b-c"), "8%3Aacs%3Aa_b-c");
    }

    const KEY: &str = "S2V5LWJ5dGVzLXRoYXQtYXJlLXNlY3JldA==";

    #[test]
    fn connection_strings_are_read_and_bad_ones_explained_without_the_key() {
        let c = ConnectionString::parse(&format!(
            "endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"
        ))
        .unwrap();
        assert_eq!(
            c.endpoint.as_str(),
            "https://contoso.communication.azure.com/"
        );
        let c = ConnectionString::parse(&format!(
            " AccessKey={KEY} ; Endpoint=https://contoso.communication.azure.com ;"
        ))
        .unwrap();
        assert_eq!(
            c.endpoint.as_str(),
            "https://contoso.communication.azure.com/"
        );
        assert!(!format!("{c:?}").contains(KEY));
        let local =
            ConnectionString::parse(&format!("endpoint=http://127.0.0.1:9/;accesskey={KEY}"));
        assert!(local.is_ok());
        for bad in [
            format!("accesskey={KEY}"),
            "endpoint=https://contoso.communication.azure.com/".to_owned(),
            format!("endpoint=http://contoso.communication.azure.com/;accesskey={KEY}"),
            format!("endpoint=https://contoso.communication.azure.com/x;accesskey={KEY}"),
            format!("endpoint=not a url;accesskey={KEY}"),
            format!(
                "endpoint=https://contoso.communication.azure.com/;accesskey={KEY};accesskey={KEY}"
            ),
            "endpoint=https://contoso.communication.azure.com/;accesskey=not*base64!".to_owned(),
            KEY.to_owned(),
        ] {
            let err = ConnectionString::parse(&bad).unwrap_err();
            assert!(!err.contains(KEY) && !err.contains("not*base64"), "{err}");
        }
    }

    #[test]
    fn configuration_is_off_whole_or_refused() {
        assert!(AcsConfig::default().build().unwrap().is_none());
        let conn = format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}");
        let ok = AcsConfig {
            connection_string: Some(conn.clone()),
            event_grid_secret: Some("a-long-enough-shared-secret".into()),
            ..Default::default()
        };
        let acs = ok.build().unwrap().unwrap();
        assert_eq!(acs.host, "contoso.communication.azure.com");
        let shown = format!("{ok:?}{acs:?}");
        assert!(
            !shown.contains(KEY) && !shown.contains("a-long-enough"),
            "{shown}"
        );
        let half = AcsConfig {
            event_grid_secret: Some("a-long-enough-shared-secret".into()),
            ..Default::default()
        };
        assert!(half.build().is_err());
        let short = AcsConfig {
            event_grid_secret: Some("short".into()),
            ..ok.clone()
        };
        assert!(short.build().is_err());
        for minutes in [59, 1441] {
            let bad = AcsConfig {
                token_minutes: minutes,
                ..ok.clone()
            };
            assert!(bad
                .build()
                .unwrap_err()
                .contains("TALENTI_ACS_TOKEN_MINUTES"));
        }
        let no_hosts = AcsConfig {
            recording_hosts: vec![" ".into()],
            ..ok.clone()
        };
        assert!(no_hosts.build().is_err());
        let bad = AcsConfig {
            connection_string: Some(format!("endpoint=ftp://x/;accesskey={KEY}")),
            ..Default::default()
        };
        let err = bad.build().unwrap_err();
        assert!(err.starts_with("TALENTI_ACS_CONNECTION_STRING") && !err.contains(KEY));
    }

    #[test]
    fn flags_have_the_documented_defaults() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            acs: AcsConfig,
        }
        let cli = Cli::try_parse_from(["t"]).unwrap();
        assert_eq!(cli.acs.token_minutes, AcsConfig::default().token_minutes);
        assert_eq!(
            cli.acs.recording_hosts,
            AcsConfig::default().recording_hosts
        );
        let cli = Cli::try_parse_from([
            "t",
            "--acs-token-minutes",
            "120",
            "--acs-recording-hosts",
            "asm.skype.com,http://127.0.0.1",
        ])
        .unwrap();
        assert_eq!(cli.acs.token_minutes, 120);
        assert_eq!(
            cli.acs.recording_hosts,
            ["asm.skype.com", "http://127.0.0.1"]
        );
    }

    #[test]
    fn recordings_come_only_from_allowed_hosts() {
        let hosts = RecordingHosts::parse(&[DEFAULT_RECORDING_HOSTS]).unwrap();
        assert!(hosts
            .check("https://storage.asm.skype.com/v1/objects/0-eus-d12/content/video")
            .is_ok());
        assert!(hosts.check("https://asm.skype.com/x").is_ok());
        assert!(hosts.check("https://us-storage.ASM.skype.com/x").is_ok());
        for bad in [
            "http://storage.asm.skype.com/v1/objects/x/content/video",
            "https://evilasm.skype.com/x",
            "https://storage.asm.skype.com.evil.example/x",
            "https://user:pw@storage.asm.skype.com/x",
            "https://127.0.0.1/x",
            "https://localhost/x",
            "ftp://storage.asm.skype.com/x",
            "not a url",
        ] {
            assert!(hosts.check(bad).is_err(), "{bad}");
        }
        let local = RecordingHosts::parse(&[
            "asm.skype.com",
            "http://127.0.0.1",
            "*.blob.core.windows.net",
        ])
        .unwrap();
        assert!(local.check("http://127.0.0.1:8080/recordings/1").is_ok());
        assert!(local
            .check("https://acct.blob.core.windows.net/c/b")
            .is_ok());
        assert!(local.check("http://127.0.0.2/x").is_err());
        assert!(local
            .check("http://acct.blob.core.windows.net/c/b")
            .is_err());
        assert!(local.check("http://[::1]/x").is_err());
        for bad in ["com", "asm skype.com", "a/b.com", "x..com"] {
            assert!(RecordingHosts::parse(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn subjects_name_the_server_call() {
        let data = json!({});
        let e = |subject| Envelope {
            id: "1",
            kind: CALL_ENDED,
            subject,
            data: &data,
        };
        assert_eq!(server_call_id(&e("call/abc")).as_deref(), Some("abc"));
        assert_eq!(
            server_call_id(&e("call/abc/participant/8:acs:x")).as_deref(),
            Some("abc")
        );
        assert_eq!(
            server_call_id(&e("/recording/call/c1/serverCallId/aHR0c/x")).as_deref(),
            Some("aHR0c/x")
        );
        assert_eq!(server_call_id(&e("/recording/call/c1/recordingId/r")), None);
        assert_eq!(server_call_id(&e("")), None);
    }
}
