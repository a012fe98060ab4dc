use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = api::Config::parse();
    config.common.init_tracing();
    match config.command {
        Some(api::Command::Migrate) => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .connect(&config.common.database_url)
                .await?;
            api::migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Some(api::Command::PlatformAdmin { action }) => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&config.common.database_url)
                .await?;
            println!("{}", api::operator::run(&pool, &action).await?);
            Ok(())
        }
        None => {
            let shutdown = job_engine::shutdown::Shutdown::new();
            shutdown.on_signals();
            api::serve(config, shutdown).await
        }
    }
}
