//! Platform-wide rate limits (governor): per client IP and per caller (user
//! or API key) on every route, and a stricter per-IP limit on the auth
//! endpoints. Over the limit: `429` with `Retry-After`.
//!
//! A request is charged to a caller only once its credential is verified:
//! the caller's bucket is keyed on the authenticated user or key id, never
//! on anything the request merely claims (an API key's prefix is public).
//! A credential that fails to authenticate is charged to the client
//! address instead; an address that exhausts that allowance is refused
//! before its next credential is even checked, which slows brute force.

use std::{
    collections::HashMap,
    net::SocketAddr,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{clock::Clock, clock::DefaultClock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::{auth, error::ApiError, AppState};

pub struct Limits {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_caller: DefaultKeyedRateLimiter<String>,
    auth_per_ip: DefaultKeyedRateLimiter<String>,
    /// Failed authentications per client address.
    failed_auth_per_ip: DefaultKeyedRateLimiter<String>,
    /// Addresses that exhausted `failed_auth_per_ip`, until when.
    blocked: Mutex<HashMap<String, Instant>>,
}

impl Limits {
    /// `per_second` with bursts of `burst` for IPs and callers;
    /// `auth_per_minute` for the auth endpoints per IP.
    pub fn new(per_second: u32, burst: u32, auth_per_minute: u32) -> Arc<Self> {
        let nz = |n: u32| NonZeroU32::new(n.max(1)).expect("non-zero");
        let general = Quota::per_second(nz(per_second)).allow_burst(nz(burst));
        let auth = Quota::per_minute(nz(auth_per_minute)).allow_burst(nz(auth_per_minute));
        let limits = Arc::new(Self {
            per_ip: RateLimiter::keyed(general),
            per_caller: RateLimiter::keyed(general),
            auth_per_ip: RateLimiter::keyed(auth),
            failed_auth_per_ip: RateLimiter::keyed(auth),
            blocked: Mutex::new(HashMap::new()),
        });
        // Forget idle keys so the tables stay small.
        let weak = Arc::downgrade(&limits);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(l) = weak.upgrade() else { return };
                l.per_ip.retain_recent();
                l.per_caller.retain_recent();
                l.auth_per_ip.retain_recent();
                l.failed_auth_per_ip.retain_recent();
                let now = Instant::now();
                l.blocked
                    .lock()
                    .expect("blocked map")
                    .retain(|_, until| *until > now);
            }
        });
        limits
    }

    /// How long `ip` must still wait after too many failed authentications.
    fn blocked_for(&self, ip: &str) -> Option<Duration> {
        let blocked = self.blocked.lock().expect("blocked map");
        let until = blocked.get(ip)?;
        until.checked_duration_since(Instant::now())
    }

    /// Charges a failed authentication to `ip`; past the allowance the
    /// address is blocked until a cell frees up.
    fn failed_auth(&self, ip: &str) -> Result<(), Duration> {
        let verdict = check(&self.failed_auth_per_ip, ip.to_owned());
        if let Err(wait) = verdict {
            self.blocked
                .lock()
                .expect("blocked map")
                .insert(ip.to_owned(), Instant::now() + wait);
        }
        verdict
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: String) -> Result<(), Duration> {
    limiter
        .check_key(&key)
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

/// A presented credential that did not authenticate, kept for the
/// extractors of the routes that need a caller (they answer with it).
#[derive(Debug, Clone)]
pub struct AuthRejected {
    pub code: &'static str,
    pub message: String,
}

pub async fn limit(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let limits = &state.limits;
    let mut verdict = check(&limits.per_ip, ip.clone());
    if verdict.is_ok() && req.uri().path().starts_with("/api/v1/auth/") {
        verdict = check(&limits.auth_per_ip, ip.clone());
    }
    if let Err(wait) = verdict {
        return too_many(wait);
    }
    if let Some(credential) = auth::presented_credential(req.headers()).map(str::to_owned) {
        if let Some(wait) = limits.blocked_for(&ip) {
            return too_many(wait);
        }
        match auth::authenticate(&state, &credential).await {
            Ok(principal) => {
                let key = match &principal {
                    auth::Principal::User(u) => format!("user:{}", u.id),
                    auth::Principal::ApiKey(k) => format!("key:{}", k.id),
                };
                if let Err(wait) = check(&limits.per_caller, key) {
                    return too_many(wait);
                }
                req.extensions_mut().insert(principal);
            }
            Err(ApiError::Status {
                status: StatusCode::UNAUTHORIZED,
                code,
                message,
            }) => {
                // An expired token was ours and valid: no guess to slow down.
                if code != "token_expired" {
                    if let Err(wait) = limits.failed_auth(&ip) {
                        return too_many(wait);
                    }
                }
                req.extensions_mut().insert(AuthRejected { code, message });
            }
            // The database is away: say so now rather than per extractor.
            Err(e) => return e.into_response(),
        }
    }
    next.run(req).await
}

fn too_many(wait: Duration) -> Response {
    let mut res = ApiError::Status {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "rate_limited",
        message: "too many requests; retry later".into(),
    }
    .into_response();
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    res.headers_mut().insert(
        "retry-after",
        HeaderValue::from_str(&secs.to_string()).expect("digits"),
    );
    res
}
