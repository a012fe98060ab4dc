//! Settings every process of the job platform shares (database, Redis,
//! logging). Each binary flattens [`CommonConfig`] into
//! its own `clap` parser, so `--help` lists every environment variable.

use std::time::Duration;

use sqlx::{postgres::PgPoolOptions, PgPool};

#[derive(Debug, Clone, clap::Args)]
pub struct CommonConfig {
    /// Postgres connection URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@localhost:5432/talenti"
    )]
    pub database_url: String,

    /// Redis connection URL.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,

    /// Prefix of every Redis key (queues are `{prefix}:{kind}`). Lets several
    /// deployments or test runs share one Redis.
    #[arg(long, env = "TALENTI_QUEUE_PREFIX", default_value = "talenti")]
    pub queue_prefix: String,

    /// Enable diagnostic job kinds (`noop`). Off in production.
    #[arg(long, env = "TALENTI_DIAGNOSTICS", default_value = "0", value_parser = parse_flag)]
    pub diagnostics: bool,

    /// Postgres connections this process may open.
    #[arg(long, env = "TALENTI_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// Log format: `json` (production) or `pretty`.
    #[arg(long, env = "TALENTI_LOG_FORMAT", default_value = "json")]
    pub log_format: String,
}

/// Accepts 1/0, true/false, yes/no, on/off.
pub fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(format!("expected 1/0 or true/false, got `{other}`")),
    }
}

impl CommonConfig {
    /// A pool that connects lazily, so a process starts (and recovers) while
    /// Postgres is briefly away.
    pub fn pool(&self) -> Result<PgPool, sqlx::Error> {
        self.pool_with_acquire_timeout(Duration::from_secs(5))
    }

    /// [`Self::pool`] with its own wait for a connection: how long a caller
    /// waits before learning that Postgres is away.
    pub fn pool_with_acquire_timeout(&self, acquire: Duration) -> Result<PgPool, sqlx::Error> {
        PgPoolOptions::new()
            .max_connections(self.db_pool_size)
            .acquire_timeout(acquire)
            .connect_lazy(&self.database_url)
    }

    /// Installs the tracing subscriber (`RUST_LOG` filters; default `info`).
    pub fn init_tracing(&self) {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        if self.log_format == "json" {
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .init();
        } else {
            builder.init();
        }
    }
}
