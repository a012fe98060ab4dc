//! `deliver_webhook`: sends one webhook delivery to its endpoint, signed
//! the Standard Webhooks way (the scheme Svix and Stripe-style receivers
//! verify): headers `webhook-id` (the delivery's id, the same on every
//! attempt and replay, for receivers to de-duplicate), `webhook-timestamp`
//! (Unix seconds of this attempt) and `webhook-signature`
//! (`v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, one more
//! `v1,` signature under the previous secret for a day after a rotation).
//!
//! A 2xx answer delivers it; anything else (another status, a timeout, no
//! connection) is retried with backoff, honouring `Retry-After`, over about
//! a day; when the job dies the delivery is `failed`, and a replay through
//! the API sends it again. Redirects are not followed.
//!
//! Endpoints are reached only on public addresses: a name that resolves to
//! a loopback, private, link-local (cloud metadata) or otherwise internal
//! address is refused when it is resolved for the connection (so a DNS
//! answer cannot change between check and use), unless
//! `TALENTI_WEBHOOKS_ALLOW_PRIVATE` is set (development, tests).

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, Instant},
};

use recruiting::store::webhooks::{self, AttemptRecord, DeliveryStatus};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{store, DeadJob, Enqueue, Job, JobContext, JobError, KindPolicy};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverWebhook {
    pub delivery_id: Uuid,
}

/// The settings of processes that register (API) or send (worker) webhooks.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookConfig {
    /// Allow webhook endpoints on loopback, private and link-local
    /// addresses, and plain `http://` URLs. For development and tests only:
    /// otherwise any organisation admin could make the workers call into
    /// the platform's own network.
    #[arg(long, env = "TALENTI_WEBHOOKS_ALLOW_PRIVATE", default_value = "0",
          action = clap::ArgAction::Set, value_parser = job_engine::config::parse_flag)]
    pub webhooks_allow_private: bool,

    /// Seconds an endpoint has to answer a delivery.
    #[arg(long, env = "TALENTI_WEBHOOK_TIMEOUT_SECS", default_value_t = 15)]
    pub webhook_timeout_secs: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            webhooks_allow_private: false,
            webhook_timeout_secs: 15,
        }
    }
}

/// The longest URL an endpoint may have.
pub const MAX_URL_LEN: usize = 2000;

/// What is wrong with `url` as an endpoint's address, if anything: it must
/// be `https://` (or `http://` where private networks are allowed), carry
/// no credentials, and not name an internal address literally. Names are
/// checked when a delivery resolves them.
pub fn url_problem(url: &str, allow_private: bool) -> Option<String> {
    if url.len() > MAX_URL_LEN {
        return Some(format!("at most {MAX_URL_LEN} characters"));
    }
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("not a URL: {e}")),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Some("must be https://".into()),
        other => return Some(format!("must be https:// (not {other}://)")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("must not carry credentials; verify the signature instead".into());
    }
    match parsed.host() {
        None => Some("has no host".into()),
        Some(url::Host::Ipv4(ip)) if !allow_private && !is_public(IpAddr::V4(ip)) => {
            Some(format!("{ip} is not a public address"))
        }
        Some(url::Host::Ipv6(ip)) if !allow_private && !is_public(IpAddr::V6(ip)) => {
            Some(format!("{ip} is not a public address"))
        }
        Some(url::Host::Domain(d)) if !allow_private && is_local_name(d) => {
            Some(format!("{d} is not a public host"))
        }
        _ => None,
    }
}

fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local")
}

/// Whether `ip` is an address on the public internet: not loopback,
/// private, link-local, shared (CGNAT), unspecified, broadcast,
/// multicast, documentation or reserved — and IPv6 forms of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space
                || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || a >= 240) // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64 (embeds IPv4)
        }
    }
}

/// Resolves names for the webhook client, refusing internal addresses.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(Box::new(Refused(format!(
                    "{host} resolves to {}, which is not a public address",
                    bad.ip()
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// The HTTP client deliveries go out on.
#[derive(Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    allow_private: bool,
}

impl WebhookSender {
    pub fn new(config: &WebhookConfig) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.webhook_timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names where this process cannot check them.
            .no_proxy()
            .user_agent(concat!("Talenti-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !config.webhooks_allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Self {
            client: builder.build()?,
            allow_private: config.webhooks_allow_private,
        })
    }

    pub fn allow_private(&self) -> bool {
        self.allow_private
    }
}

/// The `webhook-signature` header: one `v1,<signature>` per secret.
pub fn signature(
    secrets: &[String],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, String> {
    let mut out = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let hook = standardwebhooks::Webhook::new(secret)
            .map_err(|e| format!("the endpoint's secret is unusable: {e}"))?;
        out.push(
            hook.sign(id, timestamp, body)
                .map_err(|e| format!("signing: {e}"))?,
        );
    }
    Ok(out.join(" "))
}

/// An error and its causes on one line, without the endpoint's URL (it may
/// carry a token in its query).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

fn refused(e: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.downcast_ref::<Refused>().is_some() {
            return true;
        }
        source = s.source();
    }
    false
}

/// A `Retry-After` header's wait (seconds or a date), up to the kind's
/// longest backoff.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    integrations::retry_after_within(
        headers,
        chrono::Utc::now(),
        DeliverWebhook::policy().max_backoff,
    )
}

impl Job for DeliverWebhook {
    const KIND: &'static str = "deliver_webhook";
    type Services = crate::Services;

    /// Ten attempts from a minute to four hours apart (about a day in
    /// all): a receiver's deploy or outage outlasts a few seconds. The
    /// attempts are also in `webhook_emit` (SQL), which enqueues these
    /// jobs; a test holds the two together.
    fn policy() -> KindPolicy {
        KindPolicy {
            concurrency: 16,
            max_attempts: 10,
            base_backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(4 * 3600),
            timeout: Duration::from_secs(60),
        }
    }

    async fn run(self, ctx: JobContext) -> Result<Value, JobError> {
        let org = ctx.organisation()?;
        let services = &ctx.services;
        let Some(out) =
            webhooks::outgoing(&ctx.pool, &services.postbox.keys, org, self.delivery_id)
                .await
                .map_err(store)?
        else {
            return Err(JobError::permanent(
                "the delivery is gone (its endpoint was removed)",
            ));
        };
        if out.job_id != ctx.job_id || out.status != DeliveryStatus::Pending {
            // Delivered already, or replayed since under another job.
            return Ok(json!({ "delivery_id": out.id, "skipped": out.status.as_str() }));
        }
        if !out.enabled {
            return Err(JobError::permanent("the endpoint is disabled"));
        }
        let sender = &services.webhooks;
        if let Some(problem) = url_problem(&out.url, sender.allow_private) {
            return Err(JobError::permanent(format!(
                "the endpoint's URL is refused: {problem}"
            )));
        }
        let body = serde_json::to_vec(&out.payload).expect("JSON values serialise");
        let id = out.id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let signed = signature(&out.secrets, &id, timestamp, &body).map_err(JobError::permanent)?;
        let started = Instant::now();
        let sent = sender
            .client
            .post(&out.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(body)
            .send()
            .await;
        let ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (code, error, wait) = match sent {
            Ok(resp) => {
                let status = resp.status();
                let wait = retry_after(resp.headers());
                // The answer's body is neither read nor kept.
                drop(resp);
                if status.is_success() {
                    (Some(status.as_u16()), None, None)
                } else {
                    let error = format!("the endpoint answered {status}");
                    (Some(status.as_u16()), Some(error), wait)
                }
            }
            Err(e) if refused(&e) => {
                let error = format!("refused: {}", describe(e));
                let record = AttemptRecord {
                    status_code: None,
                    error: Some(&error),
                    duration_ms: Some(ms),
                    delivered: false,
                };
                webhooks::record_attempt(&ctx.pool, out.id, ctx.job_id, record)
                    .await
                    .map_err(store)?;
                return Err(JobError::permanent(error));
            }
            Err(e) => (None, Some(describe(e)), None),
        };
        let record = AttemptRecord {
            status_code: code.map(i32::from),
            error: error.as_deref(),
            duration_ms: Some(ms),
            delivered: error.is_none(),
        };
        webhooks::record_attempt(&ctx.pool, out.id, ctx.job_id, record)
            .await
            .map_err(store)?;
        match error {
            None => Ok(json!({
                "delivery_id": out.id,
                "status_code": code,
                "duration_ms": ms,
            })),
            Some(error) => {
                let cap = Self::policy().max_backoff;
                Err(match wait {
                    Some(wait) => JobError::retry_after(error, wait.min(cap)),
                    None => JobError::retryable(error),
                })
            }
        }
    }

    /// However the job died, its delivery is `failed`, with why.
    async fn on_dead(self, dead: DeadJob) -> Result<(), JobError> {
        webhooks::give_up(&dead.pool, self.delivery_id, dead.job_id, &dead.reason)
            .await
            .map_err(store)
    }
}

/// Sends a settled delivery again, under a new job: the same body and
/// `webhook-id`, a new timestamp and signature.
pub async fn replay(
    conn: &mut PgConnection,
    org: Uuid,
    endpoint: Uuid,
    delivery: Uuid,
) -> Result<webhooks::Delivery, recruiting::store::StoreError> {
    let job = DeliverWebhook {
        delivery_id: delivery,
    }
    .enqueue(
        &mut *conn,
        Enqueue::for_org(org).key(format!("replay:{delivery}:{}", Uuid::now_v7())),
    )
    .await?;
    webhooks::replay(conn, org, endpoint, delivery, job.job.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        // From the Standard Webhooks specification's examples.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
        let sig = signature(
            &[secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let (a, b) = (
            recruiting::store::webhooks::new_secret(),
            recruiting::store::webhooks::new_secret(),
        );
        let both = signature(&[a.clone(), b.clone()], "id", 1, b"{}").unwrap();
        let one = |s: &str| signature(&[s.to_owned()], "id", 1, b"{}").unwrap();
        assert_eq!(both, format!("{} {}", one(&a), one(&b)));
    }

    #[test]
    fn only_public_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert_eq!(url_problem("https://hooks.example.com/in?x=1", false), None);
        assert_eq!(url_problem("http://127.0.0.1:8080/in", true), None);
        for bad in [
            "http://hooks.example.com/in",
            "https://127.0.0.1/in",
            "https://[fe80::1]/in",
            "https://LOCALHOST./in",
            "https://printer.local/in",
            "https://a:b@hooks.example.com/in",
            "gopher://hooks.example.com",
            "/relative",
        ] {
            assert!(url_problem(bad, false).is_some(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(url_problem(&long, true).is_some());
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "120".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        h.insert("retry-after", later.parse().unwrap());
        let wait = retry_after(&h).unwrap().as_secs();
        assert!((85..=90).contains(&wait), "{wait}");
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
