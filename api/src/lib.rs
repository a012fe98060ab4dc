//! The HTTP API. Handlers are thin: validate, write, enqueue, answer.

pub mod error;
pub mod extract;
pub mod routes;

use std::{sync::Arc, time::Duration};

use axum::{extract::DefaultBodyLimit, http::HeaderName, middleware, Router};
use jobs::{config::CommonConfig, shutdown::Shutdown, Registry};
use sqlx::PgPool;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

#[derive(Debug, Clone, clap::Parser)]
#[command(name = "api", about = "Talenti HTTP API")]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub common: CommonConfig,

    /// Port to listen on (all interfaces).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "TALENTI_BODY_LIMIT_BYTES", default_value_t = 1_048_576)]
    pub body_limit_bytes: usize,

    /// Requests taking longer than this many seconds are answered 408.
    #[arg(long, env = "TALENTI_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Apply database migrations and exit (the Procfile's `release`).
    Migrate,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub registry: Arc<Registry>,
    pub redis: Arc<routes::health::RedisProbe>,
}

pub fn router(state: AppState, config: &Config) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(routes::health::router())
        .nest(
            "/api/v1",
            Router::new()
                .merge(routes::jobs::router())
                .merge(routes::admin::router()),
        )
        .fallback(|| async { error::ApiError::NotFound("route") })
        .with_state(state)
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(middleware::from_fn(error::render_errors))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    jobs::MIGRATOR.run(pool).await?;
    Ok(())
}

pub async fn serve(config: Config, shutdown: Shutdown) -> anyhow::Result<()> {
    let pool = config.common.pool()?;
    let state = AppState {
        pool: pool.clone(),
        registry: Arc::new(jobs::kinds::registry(config.common.diagnostics)),
        redis: Arc::new(routes::health::RedisProbe::new(&config.common.redis_url)?),
    };
    let app = router(state, &config);
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", config.port)).await?;
    tracing::info!(addr = %listener.local_addr()?, "api listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.stopped().await })
        .await?;
    pool.close().await;
    Ok(())
}
