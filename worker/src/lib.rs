//! Worker process wiring: one queue consumer per job kind (each on its own
//! queue with its own concurrency), a dispatcher, the runner, and graceful
//! shutdown. No domain logic here: kinds come from `job-kinds`, the
//! machinery from `job-engine`; this is the process that reads documents,
//! so it links `pdf-text` (pdfium).

use std::time::Duration;

use anyhow::Context as _;
use job_engine::{
    config::CommonConfig,
    dispatcher::{Dispatcher, DispatcherConfig},
    queue::{self, Queues, Wakes},
    runner::{RetryDelay, Runner, RunnerConfig},
    shutdown::Shutdown,
};
use job_kinds::FilesConfig;
use tokio_util::task::TaskTracker;

#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "worker",
    about = "Talenti worker: runs jobs from Redis, records them in Postgres"
)]
pub struct Config {
    #[command(flatten)]
    pub common: CommonConfig,

    #[command(flatten)]
    pub files: FilesConfig,

    #[command(flatten)]
    pub ai: job_kinds::ai::AiConfig,

    #[command(flatten)]
    pub mail: mail::MailConfig,

    #[command(flatten)]
    pub keys: seal::KeysConfig,

    #[command(flatten)]
    pub webhooks: job_kinds::WebhookConfig,

    #[command(flatten)]
    pub calls: integrations::CallsConfig,

    #[command(flatten)]
    pub metrics: job_engine::telemetry::MetricsConfig,

    /// Comma-separated job kinds this process runs (default: every kind).
    #[arg(long, env = "TALENTI_WORKER_KINDS", value_delimiter = ',')]
    pub kinds: Vec<String>,

    /// Per-kind concurrency overrides, e.g. `noop=128,parse_resume=2`.
    #[arg(long, env = "TALENTI_WORKER_CONCURRENCY", value_delimiter = ',')]
    pub concurrency: Vec<String>,

    /// Seconds to let running jobs finish after SIGTERM before they are
    /// handed back to the queue.
    #[arg(long, env = "TALENTI_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,

    /// Lease on a running job, in seconds; renewed while it runs. A killed
    /// worker's jobs run again elsewhere shortly after it expires.
    #[arg(long, env = "TALENTI_LEASE_SECS", default_value_t = 10)]
    pub lease_secs: u64,

    /// Most tasks per kind held in Redis at once (the rest wait in Postgres).
    #[arg(long, env = "TALENTI_REDIS_WINDOW", default_value_t = 2000)]
    pub redis_window: usize,

    /// Per-organisation caps on jobs in flight (waiting in Redis or running)
    /// for kinds dispatched fairly, e.g. `parse_resume=8,noop=4`, or `*=8`
    /// for every kind; a kind not named (and no `*`) is first come, first
    /// served.
    #[arg(long, env = "TALENTI_ORG_CAP", value_delimiter = ',')]
    pub org_cap: Vec<String>,

    /// Fallback poll of an idle queue, in ms (wake-ups normally come at once).
    #[arg(long, env = "TALENTI_POLL_FALLBACK_MS", default_value_t = 500)]
    pub poll_fallback_ms: u64,
}

/// `TALENTI_ORG_CAP` entries (`kind=n` or `*=n`) as a cap per kind run here.
fn org_caps(
    entries: &[String],
    kinds: &[String],
) -> anyhow::Result<std::collections::HashMap<String, i64>> {
    let mut caps = std::collections::HashMap::new();
    let mut every = None;
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let (kind, n) = entry
            .split_once('=')
            .with_context(|| format!("org cap `{entry}`: expected kind=number"))?;
        let n: i64 = n
            .trim()
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .with_context(|| format!("org cap `{entry}`: not a number of at least 1"))?;
        match kind.trim() {
            "*" => every = Some(n),
            k if kinds.iter().any(|x| x == k) => {
                caps.insert(k.to_owned(), n);
            }
            k => anyhow::bail!("org cap `{entry}`: `{k}` is not a kind this worker runs"),
        }
    }
    if let Some(n) = every {
        for k in kinds {
            caps.entry(k.clone()).or_insert(n);
        }
    }
    Ok(caps)
}

/// A unique name per process start: apalis refuses a worker name that was
/// active within its heartbeat threshold.
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned());
    format!(
        "{host}-{}-{:06x}",
        std::process::id(),
        rand::random::<u32>() & 0xff_ffff
    )
}

pub async fn run(config: Config, shutdown: Shutdown) -> anyhow::Result<()> {
    let mut registry = job_kinds::registry(config.common.diagnostics);
    if !config.kinds.is_empty() {
        for k in &config.kinds {
            anyhow::ensure!(
                registry.get(k).is_some(),
                "unknown job kind `{k}` in TALENTI_WORKER_KINDS"
            );
        }
        registry.retain(&config.kinds);
    }
    for entry in &config.concurrency {
        let (kind, n) = entry
            .split_once('=')
            .with_context(|| format!("concurrency `{entry}`: expected kind=number"))?;
        let n: usize = n
            .parse()
            .with_context(|| format!("concurrency `{entry}`: not a number"))?;
        anyhow::ensure!(
            registry.set_concurrency(kind, n),
            "concurrency `{entry}`: unknown kind"
        );
    }
    let kinds: Vec<String> = registry.names().map(str::to_owned).collect();
    anyhow::ensure!(
        !kinds.is_empty(),
        "no job kinds to run (is TALENTI_DIAGNOSTICS needed?)"
    );

    let pool = config.common.pool()?;
    job_engine::telemetry::start(
        &config.metrics,
        "worker",
        config.metrics.metrics_addr.is_some(),
        &pool,
        registry.names().collect(),
        &shutdown,
    )?;
    let worker_id = worker_id();
    tracing::info!(worker.id = %worker_id, kinds = ?kinds, "worker starting");

    let Some(queues) = Queues::connect_with_retry(
        &config.common.redis_url,
        &config.common.queue_prefix,
        &shutdown,
    )
    .await
    else {
        return Ok(());
    };
    let wakes = Wakes::new(kinds.iter().map(String::as_str));
    queues.spawn_wake_listener(wakes.clone(), shutdown.clone());

    // Workers and the dispatcher stop at `shutdown` (a job queued during the
    // drain stays queued for the next worker); the runner's loops (lease
    // renewal, dead-letter hooks) keep going on `background` until every
    // in-flight job is settled.
    let background = Shutdown::new();
    let services = std::sync::Arc::new(job_kinds::Services {
        storage: config.files.storage()?,
        ai: config
            .ai
            .build_shared(&config.common.redis_url, &config.common.queue_prefix)?,
        documents: std::sync::Arc::new(pdf_text::PdfiumReader),
        limits: config.files.doc_limits(),
        mailer: mail::Mailer::from_config(&config.mail)?,
        postbox: job_kinds::Postbox::new(&config.mail, config.keys.keyring()?)?,
        webhooks: job_kinds::WebhookSender::new(&config.webhooks)?,
        calls: config.calls.build().map_err(anyhow::Error::msg)?,
    });
    services.ai.warm();
    tracing::info!(
        ai.provider = %services.ai.version(),
        mail = %services.mailer.describe(),
        "services ready"
    );
    let lease = Duration::from_secs(config.lease_secs.max(3));
    let runner = Runner::start(
        pool.clone(),
        services,
        registry.clone(),
        RunnerConfig {
            worker_id: worker_id.clone(),
            lease,
            retry_delay: RetryDelay::Policy,
        },
        background.clone(),
    );
    let dispatcher = Dispatcher::new(
        pool.clone(),
        queues.clone(),
        kinds.clone(),
        wakes.clone(),
        DispatcherConfig {
            window: config.redis_window,
            reap_grace: lease,
            org_caps: org_caps(&config.org_cap, &kinds)?,
            ..DispatcherConfig::default()
        },
    )
    .spawn(shutdown.clone());

    let supervisors = TaskTracker::new();
    for spec in registry.specs() {
        supervisors.spawn(queue::consume(
            spec.clone(),
            worker_id.clone(),
            queues.clone(),
            wakes.clone(),
            runner.clone(),
            Duration::from_millis(config.poll_fallback_ms.max(10)),
            shutdown.clone(),
        ));
    }
    supervisors.close();

    shutdown.stopped().await;
    tracing::info!(running = runner.running(), "draining in-flight jobs");
    let deadline = Duration::from_secs(config.shutdown_timeout_secs);
    // The apalis workers end once their deliveries are answered; an attempt
    // whose delivery apalis dropped still runs on its own task.
    let drained = tokio::time::timeout(deadline, async {
        supervisors.wait().await;
        runner.settled().await;
    })
    .await;
    if drained.is_err() {
        match runner.hand_back_all().await {
            Ok(n) => tracing::warn!(
                count = n,
                "shutdown deadline passed; handed running jobs back to the queue"
            ),
            Err(e) => {
                tracing::error!(error = %e, "handing jobs back failed; their leases will expire")
            }
        }
    }
    background.trigger();
    let _ = dispatcher.await;
    pool.close().await;
    tracing::info!("worker stopped");
    Ok(())
}
