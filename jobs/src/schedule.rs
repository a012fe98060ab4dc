//! Cron schedules that enqueue job kinds, exactly once per tick across any
//! number of scheduler replicas: the tick's job carries the idempotency key
//! `schedule:{name}:{tick}`, unique in Postgres, so a second replica's insert
//! finds the first one's job. A tick missed while no scheduler ran is
//! enqueued once at start-up.

use chrono::{DateTime, Utc};
use croner::{
    parser::{CronParser, Seconds},
    Cron,
};
use serde_json::Value;
use sqlx::PgPool;

use crate::{db, shutdown::Shutdown, Enqueue, Registry};

#[derive(Debug, Clone)]
pub struct Schedule {
    /// Schedule name (the kind it triggers).
    pub name: String,
    pub kind: String,
    pub expression: String,
    cron: Cron,
    pub payload: Value,
    pub max_attempts: i32,
}

/// Parses `kind=cron expression` entries separated by `;`, e.g.
/// `retention_cleanup=0 3 * * *;noop=*/10 * * * * *` (an optional leading
/// seconds field is allowed). Every kind must exist and accept an empty
/// payload.
pub fn parse_schedules(spec: &str, registry: &Registry) -> Result<Vec<Schedule>, String> {
    let parser = CronParser::builder().seconds(Seconds::Optional).build();
    let mut out: Vec<Schedule> = Vec::new();
    for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (kind, expression) = entry
            .split_once('=')
            .ok_or_else(|| format!("schedule `{entry}`: expected `kind=cron expression`"))?;
        let (kind, expression) = (kind.trim(), expression.trim());
        let spec = registry
            .get(kind)
            .ok_or_else(|| format!("schedule `{entry}`: unknown job kind `{kind}`"))?;
        let cron = parser
            .parse(expression)
            .map_err(|e| format!("schedule `{entry}`: invalid cron expression: {e}"))?;
        let payload = Value::Object(Default::default());
        spec.validate(&payload)
            .map_err(|e| format!("schedule `{entry}`: kind `{kind}` needs a payload: {e}"))?;
        if out.iter().any(|s| s.name == kind) {
            return Err(format!("schedule for `{kind}` given twice"));
        }
        out.push(Schedule {
            name: kind.to_owned(),
            kind: kind.to_owned(),
            expression: expression.to_owned(),
            cron,
            payload,
            max_attempts: spec.policy.max_attempts,
        });
    }
    Ok(out)
}

impl Schedule {
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&t, false).ok()
    }

    pub fn latest_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_previous_occurrence(&t, true).ok()
    }
}

/// Enqueues the job of one tick unless another replica already did.
/// Returns true if this call created it.
pub async fn enqueue_tick(
    pool: &PgPool,
    schedule: &Schedule,
    tick: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let enqueued = db::enqueue(
        &mut tx,
        Enqueue::system()
            .key(format!("schedule:{}:{}", schedule.name, tick.to_rfc3339()))
            .new_job(
                &schedule.kind,
                schedule.max_attempts,
                schedule.payload.clone(),
            ),
    )
    .await?;
    sqlx::query(
        "INSERT INTO schedule_ticks (schedule_name, tick_at, job_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(&schedule.name)
    .bind(tick)
    .bind(enqueued.job.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(enqueued.created)
}

/// The latest tick recorded for a schedule.
pub async fn last_tick(pool: &PgPool, name: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT max(tick_at) FROM schedule_ticks WHERE schedule_name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
}

/// At start-up: if the schedule has fired before and its latest due tick is
/// not recorded, the ticks missed while no scheduler ran are made up by
/// enqueuing that latest one, once.
pub async fn catch_up(
    pool: &PgPool,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let Some(last) = last_tick(pool, &schedule.name).await? else {
        return Ok(None);
    };
    match schedule.latest_at_or_before(now) {
        Some(due) if due > last => {
            enqueue_tick(pool, schedule, due).await?;
            Ok(Some(due))
        }
        _ => Ok(None),
    }
}

/// Runs the schedules until shutdown.
pub async fn run(pool: PgPool, schedules: Vec<Schedule>, shutdown: Shutdown) {
    if schedules.is_empty() {
        tracing::info!("no schedules configured; idle");
        shutdown.stopped().await;
        return;
    }
    let start = Utc::now();
    for s in &schedules {
        loop {
            match catch_up(&pool, s, start).await {
                Ok(Some(tick)) => tracing::info!(schedule = %s.name, %tick, "enqueued missed tick"),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(schedule = %s.name, error = %e, "catch-up failed; retrying");
                    if shutdown
                        .sleep_or_stop(std::time::Duration::from_secs(1))
                        .await
                    {
                        return;
                    }
                    continue;
                }
            }
            break;
        }
    }
    tracing::info!(count = schedules.len(), "schedules running");
    let mut next: Vec<Option<DateTime<Utc>>> =
        schedules.iter().map(|s| s.next_after(start)).collect();
    loop {
        let Some(earliest) = next.iter().flatten().min().copied() else {
            shutdown.stopped().await;
            return;
        };
        let wait = (earliest - Utc::now()).to_std().unwrap_or_default();
        if shutdown.sleep_or_stop(wait).await {
            return;
        }
        let now = Utc::now();
        for (s, due) in schedules.iter().zip(next.iter_mut()) {
            let Some(tick) = *due else { continue };
            if tick > now {
                continue;
            }
            match enqueue_tick(&pool, s, tick).await {
                Ok(created) => {
                    if created {
                        tracing::info!(schedule = %s.name, kind = %s.kind, %tick, "tick enqueued");
                    } else {
                        // Another replica's insert holds the tick's unique key.
                        tracing::info!(
                            schedule = %s.name,
                            kind = %s.kind,
                            %tick,
                            "tick already enqueued by another replica"
                        );
                    }
                    *due = s.next_after(tick.max(now - chrono::Duration::seconds(1)));
                }
                Err(e) => {
                    // Try the same tick again shortly; the key keeps it once.
                    tracing::warn!(schedule = %s.name, %tick, error = %e, "tick enqueue failed; retrying");
                    shutdown
                        .sleep_or_stop(std::time::Duration::from_millis(500))
                        .await;
                }
            }
        }
    }
}
