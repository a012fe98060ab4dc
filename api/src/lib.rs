//! The HTTP API. Handlers are thin: validate, write, enqueue, answer.

pub mod audit;
pub mod auth;
pub mod error;
pub mod events;
pub mod extract;
pub mod openapi;
pub mod operator;
pub mod ratelimit;
pub mod routes;
pub mod validate;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    http::{header, HeaderName, HeaderValue, Method},
    middleware,
    routing::get,
    Router,
};
use job_engine::{config::CommonConfig, shutdown::Shutdown};
use job_kinds::{FilesConfig, Registry};
use sqlx::PgPool;
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_axum::router::OpenApiRouter;

#[derive(Debug, Clone, clap::Parser)]
#[command(name = "api", about = "Talenti HTTP API")]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub common: CommonConfig,

    #[command(flatten)]
    pub files: FilesConfig,

    #[command(flatten)]
    pub metrics: job_engine::telemetry::MetricsConfig,

    /// A secret that lets a scraper read `GET /metrics` on the API's own
    /// port (`Authorization: Bearer …`). Unset: that route answers 404; use
    /// TALENTI_METRICS_ADDR.
    #[arg(long, env = "TALENTI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// The AI provider of the interviewer (the worker has its own, for jobs).
    #[command(flatten)]
    pub ai: job_kinds::ai::AiConfig,

    /// How emails are composed (sender, links); the worker delivers them.
    #[command(flatten)]
    pub mail: mail::MailConfig,

    #[command(flatten)]
    pub keys: seal::KeysConfig,

    /// Which webhook endpoint URLs may be registered (the worker sends).
    #[command(flatten)]
    pub webhooks: job_kinds::WebhookConfig,

    /// Azure Speech, for the browser's speech SDK (off unless set).
    #[command(flatten)]
    pub speech: integrations::speech::SpeechConfig,

    /// Voice and video providers (Ultravox, Zoom, Azure Communication
    /// Services; each off unless set).
    #[command(flatten)]
    pub calls: integrations::CallsConfig,

    /// Port to listen on (all interfaces).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "TALENTI_BODY_LIMIT_BYTES", default_value_t = 1_048_576)]
    pub body_limit_bytes: usize,

    /// Requests taking longer than this many seconds are answered 408.
    #[arg(long, env = "TALENTI_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Longest wait for a database connection before answering 503
    /// `database_unavailable` (milliseconds).
    #[arg(long, env = "TALENTI_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 1000)]
    pub db_acquire_timeout_ms: u64,

    /// Secret signing our access tokens (HS256). Every API replica needs the
    /// same one. Unset: a random one per process (tokens die with it).
    #[arg(long, env = "TALENTI_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Access token lifetime, seconds.
    #[arg(long, env = "TALENTI_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: i64,

    /// Refresh token lifetime, seconds.
    #[arg(long, env = "TALENTI_REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,

    /// Secret of externally issued HS256 tokens (e.g. Supabase's JWT secret);
    /// unset disables them.
    #[arg(long, env = "TALENTI_EXTERNAL_JWT_SECRET", hide_env_values = true)]
    pub external_jwt_secret: Option<String>,

    /// Required `aud` of external tokens.
    #[arg(
        long,
        env = "TALENTI_EXTERNAL_JWT_AUDIENCE",
        default_value = "authenticated"
    )]
    pub external_jwt_audience: String,

    /// Comma-separated emails that are platform admins (see system jobs,
    /// enqueue any job) once the account's email ownership is verified.
    /// Checked on every request: removing an email revokes at once.
    #[arg(long, env = "TALENTI_PLATFORM_ADMIN_EMAILS", value_delimiter = ',')]
    pub platform_admin_emails: Vec<String>,

    /// Requests per second per client IP and per user or API key.
    #[arg(long, env = "TALENTI_RATE_LIMIT_PER_SECOND", default_value_t = 20)]
    pub rate_limit_per_second: u32,

    /// Burst allowance of the per-second limit.
    #[arg(long, env = "TALENTI_RATE_LIMIT_BURST", default_value_t = 60)]
    pub rate_limit_burst: u32,

    /// Requests per minute per IP to the auth endpoints (signup, login,
    /// refresh, logout).
    #[arg(long, env = "TALENTI_AUTH_RATE_LIMIT_PER_MINUTE", default_value_t = 20)]
    pub auth_rate_limit_per_minute: u32,

    /// Comma-separated origins allowed by CORS (`*` for any); empty: none.
    #[arg(long, env = "TALENTI_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Hand jobs to Redis as soon as their transaction commits (1), or
    /// leave every job to the workers' dispatchers (0).
    #[arg(long, env = "TALENTI_HANDOFF", default_value = "1", value_parser = job_engine::config::parse_flag)]
    pub handoff: bool,

    /// Most tasks per kind held in Redis: above it the API leaves jobs to
    /// the dispatchers (as the workers' own setting of the same name).
    #[arg(long, env = "TALENTI_REDIS_WINDOW", default_value_t = 2000)]
    pub redis_window: usize,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Apply database migrations and exit (the Procfile's `release`).
    Migrate,
    /// Grant, revoke or list platform admins (audited); run by an operator
    /// against the database.
    PlatformAdmin {
        #[command(subcommand)]
        action: operator::PlatformAdmin,
    },
}

/// What every handler shares: one `Arc`, so the middleware and extractors
/// that take the state per request clone one pointer, not twenty (perf
/// showed those clones and drops; the CPU per request did not move
/// measurably, BENCHMARKS.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state's fields ([`AppState`] derefs to them).
pub struct Shared {
    pub pool: PgPool,
    pub registry: Arc<Registry>,
    pub redis: Arc<routes::health::RedisProbe>,
    pub auth: Arc<auth::AuthSettings>,
    pub limits: Arc<ratelimit::Limits>,
    pub storage: Arc<dyn object_store::ObjectStore>,
    pub upload_max_bytes: usize,
    /// The interviewer's provider.
    pub ai: Arc<dyn job_kinds::ai::AiProvider>,
    /// Composes the emails handlers post (and seals personal data).
    pub postbox: Arc<job_kinds::Postbox>,
    /// Live job events for `GET /jobs/{id}/events`.
    pub job_events: Arc<events::Hub>,
    /// Webhook endpoints may be on private networks and plain http.
    pub webhooks_allow_private: bool,
    /// Where the job queues live in Redis (URL, key prefix), for the
    /// consistency view.
    pub queue_target: Arc<(String, String)>,
    /// The process's metrics, and the secret that reads them on the API
    /// port (None: `GET /metrics` is not served there).
    pub metrics: Option<(metrics_exporter_prometheus::PrometheusHandle, Arc<str>)>,
    /// Azure Speech tokens (None: not configured).
    pub speech: Option<Arc<integrations::speech::SpeechTokens>>,
    /// Voice and video providers (maybe none).
    pub calls: integrations::CallProviders,
    /// Hands jobs to Redis as their transaction commits
    /// ([`job_engine::handoff`]): begin transactions that enqueue with
    /// `state.jobs.begin()`.
    pub jobs: job_engine::Handoff,
}

impl AppState {
    pub fn new(config: &Config, pool: PgPool) -> anyhow::Result<Self> {
        Shared::new(config, pool).map(|shared| Self(Arc::new(shared)))
    }

    /// Serves `GET /metrics` on the API's port with this handle, to callers
    /// presenting `token`. Before the state is shared.
    pub fn set_metrics(
        &mut self,
        handle: metrics_exporter_prometheus::PrometheusHandle,
        token: &str,
    ) {
        Arc::get_mut(&mut self.0)
            .expect("metrics are set before the state is shared")
            .metrics = Some((handle, Arc::from(token)));
    }
}

impl Shared {
    fn new(config: &Config, pool: PgPool) -> anyhow::Result<Self> {
        let job_events = events::Hub::new(pool.clone());
        let secret = match &config.jwt_secret {
            Some(s) if s.len() >= 32 => s.as_bytes().to_vec(),
            Some(_) => anyhow::bail!("TALENTI_JWT_SECRET must be at least 32 characters"),
            None => {
                tracing::warn!("TALENTI_JWT_SECRET is not set: using a random secret; access tokens will not survive a restart or work across replicas");
                auth::tokens::random_secret().into_bytes()
            }
        };
        let keys = auth::tokens::TokenKeys::new(
            &secret,
            config
                .external_jwt_secret
                .as_deref()
                .map(|s| (s.as_bytes(), config.external_jwt_audience.as_str())),
            chrono::Duration::seconds(config.access_token_ttl_secs.max(30)),
            chrono::Duration::seconds(config.refresh_token_ttl_secs.max(60)),
        );
        let registry = Arc::new(job_kinds::registry(config.common.diagnostics));
        let auth_cache = auth::cache::AuthCache::new();
        auth_cache.listen(pool.clone());
        let handoff_kinds: Vec<String> = if config.handoff {
            registry.names().map(str::to_owned).collect()
        } else {
            Vec::new()
        };
        Ok(Self {
            jobs: job_engine::Handoff::start(
                pool.clone(),
                &config.common.redis_url,
                &config.common.queue_prefix,
                handoff_kinds,
                config.redis_window,
            ),
            pool,
            registry,
            redis: Arc::new(routes::health::RedisProbe::new(&config.common.redis_url)?),
            auth: Arc::new(auth::AuthSettings {
                keys,
                platform_admin_emails: config
                    .platform_admin_emails
                    .iter()
                    .map(|e| e.trim().to_owned())
                    .filter(|e| !e.is_empty())
                    .collect(),
                cache: auth_cache,
            }),
            limits: ratelimit::Limits::new(
                config.rate_limit_per_second,
                config.rate_limit_burst,
                config.auth_rate_limit_per_minute,
            ),
            storage: config.files.storage()?,
            upload_max_bytes: config.files.upload_max_bytes,
            ai: config
                .ai
                .build_shared(&config.common.redis_url, &config.common.queue_prefix)?,
            postbox: Arc::new(job_kinds::Postbox::new(
                &config.mail,
                config.keys.keyring()?,
            )?),
            job_events,
            webhooks_allow_private: config.webhooks.webhooks_allow_private,
            queue_target: Arc::new((
                config.common.redis_url.clone(),
                config.common.queue_prefix.clone(),
            )),
            metrics: None,
            speech: config
                .speech
                .build()
                .map_err(anyhow::Error::msg)?
                .map(Arc::new),
            calls: config.calls.build().map_err(anyhow::Error::msg)?,
        })
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Talenti API", description = "Recruiting, AI interviews and the jobs behind them."),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "organisations"), (name = "members"), (name = "api-keys"), (name = "audit"),
        (name = "job-roles"), (name = "candidates"), (name = "applications"), (name = "interviews"),
        (name = "resumes"),
        (name = "jobs", description = "Background job status"), (name = "admin"), (name = "health")
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token, or an organisation API key (`tal_…`)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
        components.add_security_scheme(
            "interview_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Interview-Token",
                "The candidate's access token to one interview",
            ))),
        );
    }
}

/// Every documented route, and the OpenAPI document describing them.
pub fn api_routes(max_upload: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(routes::auth::router())
        .merge(routes::organisations::router())
        .merge(routes::members::router())
        .merge(routes::api_keys::router())
        .merge(routes::webhooks::router())
        .merge(routes::audit_log::router())
        .merge(routes::job_roles::router())
        .merge(routes::shortlists::router())
        .merge(routes::questions::router())
        .merge(routes::interviewer::router())
        .merge(routes::media::router())
        .merge(routes::calls::router())
        .merge(routes::meetings::router())
        .merge(routes::provider_webhooks::router())
        .merge(routes::interview_invitations::router())
        .merge(routes::data_subjects::router())
        .merge(routes::reports::router())
        .merge(routes::candidates::router())
        .merge(routes::applications::router())
        .merge(routes::interviews::router())
        .merge(routes::resumes::router(max_upload))
        .merge(routes::jobs::router())
        .merge(routes::queues::router())
        .merge(routes::schedules::router())
        .merge(routes::admin::router());
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::metrics::router())
        .nest("/api/v1", v1)
        .split_for_parts();
    openapi::complete(&mut doc);
    (router, doc)
}

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The docs page is Swagger UI served from the binary: nothing from a CDN.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/// The operators' dashboard at `/admin`: a page and its script and styles,
/// compiled into the binary (nothing from a CDN; no build step). What it
/// shows and may do is the API's to decide, per caller.
fn dashboard() -> Router<AppState> {
    fn asset(content_type: &'static str, body: &'static str) -> axum::response::Response {
        use axum::response::IntoResponse;
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response()
    }
    Router::new()
        .route(
            "/admin",
            get(|| async {
                asset(
                    "text/html; charset=utf-8",
                    include_str!("../assets/admin/index.html"),
                )
            }),
        )
        .route(
            "/admin/admin.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../assets/admin/admin.js"),
                )
            }),
        )
        .route(
            "/admin/admin.css",
            get(|| async {
                asset(
                    "text/css; charset=utf-8",
                    include_str!("../assets/admin/admin.css"),
                )
            }),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(ADMIN_CSP),
        ))
}

/// The dashboard: its own script and styles only, and calls to this API.
const ADMIN_CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn router(state: AppState, config: &Config) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let handshake_state = state.clone();
    let (routes, openapi) = api_routes(config.files.upload_max_bytes);
    let openapi = Arc::new(openapi);
    let doc = openapi.clone();
    let docs: Router<AppState> = Router::from(
        utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs")
            .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
    )
    .layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    ));
    let app = routes
        .route("/api/v1/openapi.json", get(move || async move { axum::Json(doc.as_ref().clone()) }))
        .merge(docs)
        .merge(dashboard())
        .fallback(|| async { error::ApiError::NotFound("route") })
        .layer(middleware::from_fn_with_state(state.clone(), ratelimit::limit))
        .with_state(state)
        // CORS answers every OPTIONS as a preflight; Event Grid's
        // CloudEvents handshake (an OPTIONS too) is taken out before it.
        .layer(cors(&config.cors_origins))
        .layer(middleware::from_fn_with_state(
            handshake_state,
            routes::provider_webhooks::cloudevents_handshake,
        ))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(middleware::from_fn(error::render_errors))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
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
        .layer(middleware::map_request(drop_unsafe_request_id));
    app
}

/// A client's `X-Request-Id` is kept only if it is a short safe token
/// (1–64 of `A–Z a–z 0–9 . _ -`); anything else is replaced by a generated
/// one, so what we echo, log and store is never the client's arbitrary text.
async fn drop_unsafe_request_id(mut req: axum::extract::Request) -> axum::extract::Request {
    let safe = |v: &HeaderValue| {
        let b = v.as_bytes();
        (1..=64).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
    };
    let headers = req.headers_mut();
    let all_safe = headers.get_all("x-request-id").iter().count() <= 1
        && headers.get_all("x-request-id").iter().all(safe);
    if !all_safe {
        headers.remove("x-request-id");
    }
    req
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<&str> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    let allow = if origins.contains(&"*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-organisation-id"),
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    job_kinds::MIGRATOR.run(pool).await?;
    Ok(())
}

pub async fn serve(config: Config, shutdown: Shutdown) -> anyhow::Result<()> {
    let pool = config
        .common
        .pool_with_acquire_timeout(Duration::from_millis(config.db_acquire_timeout_ms.max(100)))?;
    let mut state = AppState::new(&config, pool.clone())?;
    let handle = job_engine::telemetry::start(
        &config.metrics,
        "api",
        config.metrics.metrics_addr.is_some() || config.metrics_token.is_some(),
        &pool,
        state.registry.names().collect(),
        &shutdown,
    )?;
    if let Some(token) = config.metrics_token.as_deref() {
        anyhow::ensure!(
            token.len() >= 16,
            "TALENTI_METRICS_TOKEN must be at least 16 characters"
        );
        state.set_metrics(handle, token);
    }
    let job_events = state.job_events.clone();
    let app = router(state, &config);
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", config.port)).await?;
    tracing::info!(addr = %listener.local_addr()?, "api listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.stopped().await;
        // Event streams never end by themselves.
        job_events.close();
    })
    .await?;
    pool.close().await;
    Ok(())
}
