use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = worker::Config::parse();
    config.common.init_tracing();
    let shutdown = job_engine::shutdown::Shutdown::new();
    shutdown.on_signals();
    worker::run(config, shutdown).await
}
