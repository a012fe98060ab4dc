//! `/health/live` (the process answers) and `/health/ready` (Postgres and
//! Redis answer).

use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;
use tokio::sync::Mutex;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A lazily (re)connected Redis connection used only to check readiness; the
/// API does not need Redis to accept jobs.
pub struct RedisProbe {
    client: redis::Client,
    conn: Mutex<Option<redis::aio::MultiplexedConnection>>,
}

impl RedisProbe {
    pub fn new(url: &str) -> redis::RedisResult<Self> {
        Ok(Self {
            client: redis::Client::open(url)?,
            conn: Mutex::new(None),
        })
    }

    pub async fn ping(&self) -> Result<(), String> {
        let mut guard = self.conn.lock().await;
        if guard.is_none() {
            let conn = tokio::time::timeout(
                PROBE_TIMEOUT,
                self.client.get_multiplexed_async_connection(),
            )
            .await
            .map_err(|_| "connect timed out".to_owned())?
            .map_err(|e| e.to_string())?;
            *guard = Some(conn);
        }
        let conn = guard.as_mut().expect("connected above");
        let res = tokio::time::timeout(
            PROBE_TIMEOUT,
            redis::cmd("PING").query_async::<String>(conn),
        )
        .await;
        match res {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                *guard = None;
                Err(e.to_string())
            }
            Err(_) => {
                *guard = None;
                Err("ping timed out".to_owned())
            }
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

/// The process answers.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, description = "alive")))]
async fn live() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Postgres and Redis answer (503 with the failing check otherwise).
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, description = "ready"), (status = 503, description = "a dependency is down")))]
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let pg =
        tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(&state.pool)).await;
    let postgres = match pg {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".to_owned()),
    };
    let redis = state.redis.ping().await;
    let ok = postgres.is_ok() && redis.is_ok();
    let check = |r: &Result<(), String>| match r {
        Ok(()) => json!({ "status": "ok" }),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            json!({ "status": "unavailable" })
        }
    };
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "checks": { "postgres": check(&postgres), "redis": check(&redis) },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
