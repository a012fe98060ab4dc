//! Prometheus metrics of every process (API, worker, scheduler), through the
//! `metrics` facade and `metrics-exporter-prometheus`.
//!
//! Series (all prefixed `talenti_`; every one carries `process`):
//!
//! - From the jobs table, read every `TALENTI_METRICS_STATE_SECS` by one
//!   statement ([`crate::control::stats`]), the same on every process (take
//!   `max by (kind, state)`): `jobs{kind,state}` (state: due, scheduled,
//!   running, retrying, dead), `job_oldest_due_seconds{kind}` — the scaling
//!   signal —, `job_kind_paused{kind}`, and the noisiest tenants,
//!   `tenant_due_jobs{organisation}` (top N by due jobs only: bounded).
//! - Counters, where the event happens (sum over processes):
//!   `jobs_enqueued_total{kind}`, `jobs_started_total{kind}`,
//!   `jobs_succeeded_total{kind}`, `jobs_failed_total{kind}` (an attempt
//!   failed, a retry is due), `jobs_dead_total{kind}`,
//!   `lease_expiries_total` (reaped), `redispatches_total` (lost from
//!   Redis, sent again).
//! - Histograms: `job_run_seconds{kind}` (an attempt, start to outcome),
//!   `job_wait_seconds{kind}` (due to started: the queue's latency).
//! - Per process: `jobs_in_flight`, `redis_window{kind}` (tasks waiting in
//!   the kind's Redis queue, as the dispatcher last saw it),
//!   `db_pool_connections{state="idle"|"busy"}`.

use std::net::SocketAddr;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;
use sqlx::PgPool;

use crate::{control, db::Scope, shutdown::Shutdown};

/// Where and how often.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsConfig {
    /// Serve Prometheus metrics on this address (any path answers, e.g.
    /// `/metrics`). Unset: no listener (the API still answers `GET
    /// /metrics` to platform admins).
    #[arg(long, env = "TALENTI_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// How often the job-state gauges are read from Postgres, in seconds.
    #[arg(long, env = "TALENTI_METRICS_STATE_SECS", default_value_t = 10)]
    pub metrics_state_secs: u64,
    /// How many organisations the noisiest-tenants series shows.
    #[arg(long, env = "TALENTI_METRICS_TOP_TENANTS", default_value_t = 5)]
    pub metrics_top_tenants: i64,
}

/// Seconds: 1 ms to 10 minutes.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0, 600.0,
];

/// Installs the process's recorder (once; later calls get the first
/// handle) and, if configured, its listener. Gauges nobody updates for
/// three state periods are dropped (a tenant that left the top N).
pub fn install(config: &MetricsConfig, process: &'static str) -> anyhow::Result<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    if let Some(h) = HANDLE.get() {
        return Ok(h.clone());
    }
    let period = Duration::from_secs(config.metrics_state_secs.max(1));
    let mut builder = PrometheusBuilder::new()
        .add_global_label("process", process)
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)?
        .idle_timeout(MetricKindMask::GAUGE, Some(period * 3));
    let handle = match config.metrics_addr {
        Some(addr) => {
            builder = builder.with_http_listener(addr);
            let (recorder, exporter) = builder.build()?;
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder)?;
            tokio::spawn(async move {
                if let Err(e) = exporter.await {
                    tracing::error!(error = ?e, "metrics listener stopped");
                }
            });
            tracing::info!(%addr, "metrics listening");
            handle
        }
        None => {
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder)?;
            handle
        }
    };
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// A process's metrics: the recorder installed ([`install`]) and, when
/// they are served (`serve`), the state gauges kept ([`spawn_state_gauges`]).
pub fn start(
    config: &MetricsConfig,
    process: &'static str,
    serve: bool,
    pool: &PgPool,
    kinds: Vec<&'static str>,
    shutdown: &Shutdown,
) -> anyhow::Result<PrometheusHandle> {
    let handle = install(config, process)?;
    if serve {
        spawn_state_gauges(pool.clone(), kinds, config, shutdown.clone());
    }
    Ok(handle)
}

/// Keeps the job-state, tenant and pool gauges current: every period, one
/// statement for the states and one for the top tenants. `kinds`: every
/// kind the platform declares (a kind with nothing waiting reads 0).
pub fn spawn_state_gauges(
    pool: PgPool,
    kinds: Vec<&'static str>,
    config: &MetricsConfig,
    shutdown: Shutdown,
) {
    let period = Duration::from_secs(config.metrics_state_secs.max(1));
    let top = config.metrics_top_tenants.max(0);
    tokio::spawn(async move {
        while !shutdown.is_stopping() {
            if let Err(e) = read_states(&pool, &kinds, top).await {
                tracing::warn!(error = %e, "metrics: reading job states failed");
            }
            pool_gauges(&pool);
            shutdown.sleep_or_stop(period).await;
        }
    });
}

async fn read_states(pool: &PgPool, kinds: &[&'static str], top: i64) -> sqlx::Result<()> {
    let stats = control::stats(pool, Scope::Platform).await?;
    let mut names: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    names.extend(stats.iter().map(|s| s.kind.clone()));
    names.sort();
    names.dedup();
    for kind in names {
        let s = stats.iter().find(|s| s.kind == kind);
        let get = |f: fn(&control::KindStats) -> i64| s.map(f).unwrap_or(0) as f64;
        for (state, value) in [
            ("due", get(|s| s.due)),
            ("scheduled", get(|s| s.scheduled)),
            ("running", get(|s| s.running)),
            ("retrying", get(|s| s.retrying)),
            ("dead", get(|s| s.dead)),
        ] {
            metrics::gauge!("talenti_jobs", "kind" => kind.clone(), "state" => state).set(value);
        }
        metrics::gauge!("talenti_job_oldest_due_seconds", "kind" => kind.clone())
            .set(s.map(|s| s.oldest_due_secs).unwrap_or(0.0));
        metrics::gauge!("talenti_job_kind_paused", "kind" => kind.clone()).set(
            if s.is_some_and(|s| s.paused) {
                1.0
            } else {
                0.0
            },
        );
    }
    if top > 0 {
        for (org, due) in control::noisiest_tenants(pool, top).await? {
            metrics::gauge!("talenti_tenant_due_jobs", "organisation" => org.to_string())
                .set(due as f64);
        }
    }
    Ok(())
}

/// The process's Postgres pool: connections idle and busy.
pub fn pool_gauges(pool: &PgPool) {
    let (size, idle) = (pool.size() as f64, pool.num_idle() as f64);
    metrics::gauge!("talenti_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("talenti_db_pool_connections", "state" => "busy").set((size - idle).max(0.0));
}
