//! Platform-wide rate limits (governor): per client IP and per caller (user
//! or API key) on every route, and a stricter per-IP limit on the auth
//! endpoints. Over the limit: `429` with `Retry-After`.

use std::{net::SocketAddr, num::NonZeroU32, sync::Arc, time::Duration};

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
            }
        });
        limits
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: String) -> Result<(), Duration> {
    limiter
        .check_key(&key)
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

/// The caller's rate-limit key without touching the database: an API key's
/// prefix, or the subject of a valid access token.
fn caller_key(state: &AppState, req: &Request) -> Option<String> {
    let credential = auth::presented_credential(req.headers())?;
    if let Some(prefix) = auth::tokens::api_key_prefix(credential) {
        return Some(format!("key:{prefix}"));
    }
    state
        .auth
        .keys
        .verify_access(credential)
        .ok()
        .map(|c| format!("user:{}", c.sub))
}

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let limits = &state.limits;
    let mut verdict = check(&limits.per_ip, ip.clone());
    if verdict.is_ok() && req.uri().path().starts_with("/api/v1/auth/") {
        verdict = check(&limits.auth_per_ip, ip);
    }
    if verdict.is_ok() {
        if let Some(key) = caller_key(&state, &req) {
            verdict = check(&limits.per_caller, key);
        }
    }
    match verdict {
        Ok(()) => next.run(req).await,
        Err(wait) => {
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
    }
}
