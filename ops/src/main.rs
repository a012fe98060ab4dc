//! `talenti-ops`: what an operator does to the job queues, from a shell,
//! straight to Postgres (`DATABASE_URL`): the same operations as the API's
//! `/admin/queues` and the dashboard ([`job_engine::control`]). Human
//! tables by default, `--json` for scripts. Changes are written to the
//! audit log as `cli:<user>`.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};
use comfy_table::{presets::UTF8_BORDERS_ONLY, Table};
use job_engine::control::{self, Actor, BulkAction, BulkFilter};
use job_engine::db::{self, JobStatus, ListFilter, Scope};
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "talenti-ops", version, about = "Operate Talenti's job queues")]
struct Cli {
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Redis, for `consistency` (whether dispatched jobs are still there).
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    #[arg(long, env = "TALENTI_QUEUE_PREFIX", default_value = "talenti")]
    queue_prefix: String,
    /// JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Per kind: due, scheduled, running, retrying, dead, oldest due age,
    /// paused, and what finished in the last 5 minutes.
    Stats,
    /// Running attempts with their worker and lease, longest running first.
    Running {
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Postgres and Redis agreeing: undispatched, dispatched and waiting,
    /// missing from Redis, expired leases.
    Consistency {
        /// Seconds before a wait counts.
        #[arg(long, default_value_t = 10.0)]
        lag_secs: f64,
    },
    /// List or show jobs.
    #[command(subcommand)]
    Jobs(Jobs),
    /// Retry dead (or failed) jobs the filter selects.
    Retry(Bulk),
    /// Cancel waiting jobs the filter selects.
    Cancel(Bulk),
    /// Delete finished jobs the filter selects (with --older-than-days).
    Purge(Bulk),
    /// Stop dispatching a kind (running jobs finish).
    Pause {
        kind: String,
        #[arg(long)]
        reason: String,
    },
    /// Dispatch a paused kind again.
    Resume { kind: String },
    /// The schedules: cron, last tick and its job, next tick, pauses.
    Schedules,
    /// Pause, resume or run now one schedule.
    #[command(subcommand)]
    Schedule(ScheduleOp),
}

#[derive(Subcommand)]
enum ScheduleOp {
    /// Skip its ticks until resumed.
    Pause {
        name: String,
        #[arg(long)]
        reason: String,
    },
    Resume {
        name: String,
    },
    /// Run its job now, once per key.
    Trigger {
        name: String,
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum Jobs {
    /// Newest first.
    List {
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_parser = parse_status)]
        status: Option<JobStatus>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One job: payload, attempts, error, progress, timings.
    Show { id: Uuid },
}

#[derive(Args)]
struct Bulk {
    #[arg(long)]
    kind: Option<String>,
    #[arg(long, value_parser = parse_status)]
    status: Option<JobStatus>,
    #[arg(long)]
    organisation: Option<Uuid>,
    /// Part of the last error, any case.
    #[arg(long)]
    error: Option<String>,
    /// Created at or after (RFC 3339).
    #[arg(long)]
    created_after: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    #[arg(long)]
    created_before: Option<DateTime<Utc>>,
    /// Finished more than this many days ago.
    #[arg(long)]
    older_than_days: Option<u32>,
    /// Why (required; goes to the audit log).
    #[arg(long)]
    reason: String,
    /// Only count what would be touched.
    #[arg(long)]
    dry_run: bool,
}

fn parse_status(s: &str) -> Result<JobStatus, String> {
    JobStatus::parse(s)
        .ok_or_else(|| "one of queued, running, succeeded, failed, dead, cancelled".to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&cli.database_url)
        .await
        .context("connecting to Postgres")?;
    let actor = Actor {
        user_id: None,
        via: format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        ),
    };
    let out = match cli.command {
        Command::Stats => {
            let rows = control::stats(&pool, Scope::Platform).await?;
            let recent = control::throughput(&pool, 5).await?;
            let per_min = |kind: &str| {
                recent
                    .iter()
                    .find(|t| t.kind == kind)
                    .map(|t| format!("{:.1}", t.succeeded_per_minute))
                    .unwrap_or_default()
            };
            Output::rows(
                &[
                    "kind",
                    "due",
                    "scheduled",
                    "running",
                    "retrying",
                    "dead",
                    "oldest due",
                    "paused",
                    "done/min (5m)",
                ],
                rows.iter()
                    .map(|k| {
                        vec![
                            k.kind.clone(),
                            k.due.to_string(),
                            k.scheduled.to_string(),
                            k.running.to_string(),
                            k.retrying.to_string(),
                            k.dead.to_string(),
                            format!("{:.1}s", k.oldest_due_secs),
                            if k.paused {
                                "paused".into()
                            } else {
                                String::new()
                            },
                            per_min(&k.kind),
                        ]
                    })
                    .collect(),
                json!({ "kinds": rows, "throughput": recent }),
            )
        }
        Command::Running { kind, limit } => {
            let rows = control::running(
                &pool,
                Scope::Platform,
                kind.as_deref(),
                limit.clamp(1, 1000),
            )
            .await?;
            Output::rows(
                &[
                    "id",
                    "kind",
                    "attempt",
                    "worker",
                    "started",
                    "lease until",
                    "progress",
                ],
                rows.iter()
                    .map(|r| {
                        vec![
                            r.id.to_string(),
                            r.kind.clone(),
                            r.attempt.to_string(),
                            r.worker_id.clone().unwrap_or_default(),
                            r.started_at
                                .map(|t| t.format("%H:%M:%S").to_string())
                                .unwrap_or_default(),
                            match (r.lease_expires_at, r.lease_expired) {
                                (Some(t), true) => format!("{} EXPIRED", t.format("%H:%M:%S")),
                                (Some(t), false) => t.format("%H:%M:%S").to_string(),
                                (None, _) => String::new(),
                            },
                            r.progress_percent
                                .map(|p| format!("{p}%"))
                                .unwrap_or_default(),
                        ]
                    })
                    .collect(),
                serde_json::to_value(&rows)?,
            )
        }
        Command::Consistency { lag_secs } => {
            let mut rows = control::consistency(&pool, lag_secs).await?;
            let redis = async {
                let queues =
                    job_engine::queue::Queues::connect(&cli.redis_url, &cli.queue_prefix).await?;
                control::check_redis(&pool, &queues, lag_secs, &mut rows).await
            };
            let redis_error = redis.await.err().map(|e| format!("{e:#}"));
            if let Some(e) = &redis_error {
                eprintln!("Redis not asked: {e}");
            }
            Output::rows(
                &[
                    "kind",
                    "undispatched",
                    "oldest",
                    "dispatched, waiting",
                    "missing from Redis",
                    "expired leases",
                ],
                rows.iter()
                    .map(|c| {
                        vec![
                            c.kind.clone(),
                            c.undispatched.to_string(),
                            format!("{:.1}s", c.oldest_undispatched_secs),
                            c.dispatched_waiting.to_string(),
                            c.missing_from_redis
                                .map(|n| n.to_string())
                                .unwrap_or("?".into()),
                            c.expired_leases.to_string(),
                        ]
                    })
                    .collect(),
                json!({ "kinds": rows, "redis_error": redis_error }),
            )
        }
        Command::Jobs(Jobs::List {
            kind,
            status,
            limit,
        }) => {
            let rows = db::list(
                &pool,
                Scope::Platform,
                &ListFilter {
                    kind,
                    status,
                    payload: None,
                    before: None,
                    limit: limit.clamp(1, 1000),
                },
            )
            .await?;
            Output::rows(
                &[
                    "id",
                    "kind",
                    "status",
                    "attempt",
                    "organisation",
                    "created",
                    "last error",
                ],
                rows.iter()
                    .map(|j| {
                        vec![
                            j.id.to_string(),
                            j.kind.clone(),
                            j.status.as_str().into(),
                            format!("{}/{}", j.attempt, j.max_attempts),
                            j.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
                            j.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                            j.last_error.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
                Value::Array(rows.iter().map(job_json).collect()),
            )
        }
        Command::Jobs(Jobs::Show { id }) => {
            let job = db::get(&pool, Scope::Platform, id)
                .await?
                .with_context(|| format!("no job {id}"))?;
            Output::Record(job_json(&job))
        }
        Command::Retry(b) => bulk(&pool, BulkAction::Retry, b, &actor).await?,
        Command::Cancel(b) => bulk(&pool, BulkAction::Cancel, b, &actor).await?,
        Command::Purge(b) => bulk(&pool, BulkAction::Purge, b, &actor).await?,
        Command::Pause { kind, reason } => {
            let p = control::pause(&pool, &kind, &reason, &actor).await?;
            Output::Record(serde_json::to_value(p)?)
        }
        Command::Schedules => {
            let rows = control::schedules(&pool).await?;
            let when = |t: Option<DateTime<Utc>>| {
                t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default()
            };
            Output::rows(
                &[
                    "name",
                    "kind",
                    "cron (UTC)",
                    "last tick",
                    "last job",
                    "next tick",
                    "paused",
                ],
                rows.iter()
                    .map(|s| {
                        vec![
                            s.name.clone(),
                            s.kind.clone(),
                            s.expression.clone(),
                            when(s.last_tick),
                            s.last_job_status
                                .map(|j| j.as_str().to_owned())
                                .unwrap_or_default(),
                            when(s.next_tick),
                            s.pause_reason.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
                serde_json::to_value(&rows)?,
            )
        }
        Command::Schedule(ScheduleOp::Pause { name, reason }) => {
            control::set_schedule_paused(&pool, &name, Some(&reason), &actor).await?;
            Output::Record(json!({ "schedule": name, "paused": true }))
        }
        Command::Schedule(ScheduleOp::Resume { name }) => {
            control::set_schedule_paused(&pool, &name, None, &actor).await?;
            Output::Record(json!({ "schedule": name, "paused": false }))
        }
        Command::Schedule(ScheduleOp::Trigger { name, key }) => {
            let e = control::trigger_schedule(&pool, &name, key.as_deref(), &actor).await?;
            Output::Record(json!({ "schedule": name, "job_id": e.job.id, "created": e.created }))
        }
        Command::Resume { kind } => {
            let resumed = control::resume(&pool, &kind, &actor).await?;
            Output::Record(json!({ "kind": kind, "resumed": resumed }))
        }
    };
    out.print(cli.json)
}

async fn bulk(
    pool: &sqlx::PgPool,
    action: BulkAction,
    b: Bulk,
    actor: &Actor,
) -> anyhow::Result<Output> {
    let filter = BulkFilter {
        kind: b.kind,
        status: b.status,
        organisation_id: b.organisation,
        error_contains: b.error,
        created_after: b.created_after,
        created_before: b.created_before,
        older_than_days: b.older_than_days,
    };
    // Each kind's attempt budget, as declared (a retried job gets it again).
    let budgets: Vec<(String, i32)> = job_kinds::registry(true)
        .specs()
        .map(|s| (s.name.to_owned(), s.policy.max_attempts))
        .collect();
    let done = control::bulk(
        pool,
        Scope::Platform,
        control::BulkRequest {
            action,
            filter: &filter,
            dry_run: b.dry_run,
            reason: &b.reason,
            actor,
            budgets: &budgets,
        },
    )
    .await?;
    Ok(Output::Record(serde_json::to_value(done)?))
}

fn job_json(j: &db::JobRow) -> Value {
    json!({
        "id": j.id, "kind": j.kind, "organisation_id": j.organisation_id, "status": j.status,
        "attempt": j.attempt, "max_attempts": j.max_attempts, "run_at": j.run_at,
        "progress_percent": j.progress_percent, "progress_message": j.progress_message,
        "payload": j.payload, "result": j.result, "last_error": j.last_error,
        "worker_id": j.worker_id, "created_at": j.created_at, "started_at": j.started_at,
        "finished_at": j.finished_at,
    })
}

enum Output {
    /// A table for people, its JSON for scripts.
    Rows(&'static [&'static str], Vec<Vec<String>>, Value),
    Record(Value),
}

impl Output {
    fn rows(header: &'static [&'static str], rows: Vec<Vec<String>>, json: Value) -> Self {
        Output::Rows(header, rows, json)
    }

    fn print(self, json: bool) -> anyhow::Result<()> {
        match (self, json) {
            (Output::Rows(_, _, v) | Output::Record(v), true) => {
                println!("{}", serde_json::to_string_pretty(&v)?)
            }
            (Output::Rows(header, rows, _), false) => {
                let mut t = Table::new();
                t.load_preset(UTF8_BORDERS_ONLY).set_header(header.to_vec());
                for r in rows {
                    t.add_row(r);
                }
                println!("{t}");
            }
            (Output::Record(v), false) => {
                let mut t = Table::new();
                t.load_preset(UTF8_BORDERS_ONLY);
                if let Value::Object(m) = v {
                    for (k, v) in m {
                        let shown = match v {
                            Value::String(s) => s,
                            Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        t.add_row(vec![k, shown]);
                    }
                }
                println!("{t}");
            }
        }
        Ok(())
    }
}
