//! Scheduler process wiring: reads the schedules and runs them. The logic
//! (exactly-once ticks, catch-up) lives in `job_engine::schedule`.

use job_engine::{config::CommonConfig, shutdown::Shutdown};

#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "scheduler",
    about = "Talenti scheduler: enqueues periodic jobs on cron ticks"
)]
pub struct Config {
    #[command(flatten)]
    pub common: CommonConfig,

    /// Changes to the schedules declared in code (`job_kinds::registry`),
    /// as `;`-separated entries: `name=cron expression` changes a
    /// schedule's expression (5 fields, or 6 with leading seconds; UTC),
    /// `name=off` turns it off, and `kind=cron expression` schedules a kind
    /// that takes an empty payload, e.g. `noop=*/10 * * * * *`.
    #[arg(long, env = "TALENTI_SCHEDULE", default_value = "")]
    pub schedule: String,

    #[command(flatten)]
    pub metrics: job_engine::telemetry::MetricsConfig,
}

pub async fn run(config: Config, shutdown: Shutdown) -> anyhow::Result<()> {
    let registry = job_kinds::registry(config.common.diagnostics);
    let schedules =
        job_engine::schedule::resolve(&registry, &config.schedule).map_err(anyhow::Error::msg)?;
    for s in &schedules {
        tracing::info!(schedule = %s.name, cron = %s.expression, "schedule loaded");
    }
    let pool = config.common.pool()?;
    job_engine::telemetry::start(
        &config.metrics,
        "scheduler",
        config.metrics.metrics_addr.is_some(),
        &pool,
        registry.names().collect(),
        &shutdown,
    )?;
    job_engine::schedule::run(pool.clone(), schedules, shutdown).await;
    pool.close().await;
    Ok(())
}
