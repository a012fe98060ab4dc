use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = scheduler::Config::parse();
    config.common.init_tracing();
    let shutdown = job_engine::shutdown::Shutdown::new();
    shutdown.on_signals();
    scheduler::run(config, shutdown).await
}
