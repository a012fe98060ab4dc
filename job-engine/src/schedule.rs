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

/// A periodic job as declared in code ([`crate::Registry::every`]): the
/// schedule's name, the kind it enqueues, its default cron expression and
/// the payload of every tick's job.
#[derive(Debug, Clone)]
pub struct Periodic {
    pub name: &'static str,
    pub kind: &'static str,
    pub cron: &'static str,
    pub payload: Value,
}

/// A schedule the scheduler runs: a declared one, with the configuration
/// applied.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub name: String,
    pub kind: String,
    pub expression: String,
    cron: Cron,
    pub payload: Value,
    pub max_attempts: i32,
}

/// What `TALENTI_SCHEDULE` may say about a schedule: `off` turns it off.
const OFF: &str = "off";

/// The schedules to run: every periodic job declared in the registry, with
/// `overrides` applied — `;`-separated `name=cron expression` entries that
/// change a declared schedule's expression, `name=off` to turn it off, or,
/// for a kind with no declared schedule, add one for it with an empty
/// payload (the kind must accept one). Cron expressions have 5 fields, or
/// 6 with leading seconds, in crontab's meaning (day of week 0–6 from
/// Sunday), evaluated in UTC. Every error names its entry.
pub fn resolve<S: Send + Sync + 'static>(
    registry: &Registry<S>,
    overrides: &str,
) -> Result<Vec<Schedule>, String> {
    let mut chosen: Vec<(String, &str, String, Value)> = registry
        .periodic()
        .iter()
        .map(|p| {
            (
                p.name.to_owned(),
                p.kind,
                p.cron.to_owned(),
                p.payload.clone(),
            )
        })
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for entry in overrides
        .split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let (name, expression) = entry.split_once('=').ok_or_else(|| {
            format!("schedule `{entry}`: expected `name=cron expression` or `name=off`")
        })?;
        let (name, expression) = (name.trim(), expression.trim());
        if seen.contains(&name) {
            return Err(format!("schedule `{name}` given twice"));
        }
        seen.push(name);
        match chosen.iter().position(|(n, ..)| n == name) {
            Some(i) if expression.eq_ignore_ascii_case(OFF) => {
                chosen.remove(i);
            }
            Some(i) => chosen[i].2 = expression.to_owned(),
            None => {
                let spec = registry.get(name).ok_or_else(|| {
                    format!("schedule `{entry}`: no schedule or job kind is called `{name}`")
                })?;
                if expression.eq_ignore_ascii_case(OFF) {
                    return Err(format!(
                        "schedule `{entry}`: `{name}` has no schedule to turn off"
                    ));
                }
                let payload = Value::Object(Default::default());
                spec.validate(&payload).map_err(|e| {
                    format!("schedule `{entry}`: kind `{name}` needs a payload, so it needs a schedule declared in code: {e}")
                })?;
                chosen.push((name.to_owned(), spec.name, expression.to_owned(), payload));
            }
        }
    }
    let parser = CronParser::builder().seconds(Seconds::Optional).build();
    chosen
        .into_iter()
        .map(|(name, kind, expression, payload)| {
            let spec = registry
                .get(kind)
                .ok_or_else(|| format!("schedule `{name}`: job kind `{kind}` is not registered"))?;
            let cron = parser.parse(&expression).map_err(|e| {
                format!("schedule `{name}={expression}`: invalid cron expression: {e}")
            })?;
            Ok(Schedule {
                name,
                kind: kind.to_owned(),
                expression,
                cron,
                payload,
                max_attempts: spec.policy.max_attempts,
            })
        })
        .collect()
}

impl Schedule {
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&t, false).ok()
    }

    pub fn latest_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_previous_occurrence(&t, true).ok()
    }
}

/// Records the schedules this scheduler runs, for operators to list, pause
/// and trigger ([`crate::control`]): every one upserted (a pause stays),
/// any other removed (turned off in configuration).
pub async fn publish(pool: &PgPool, schedules: &[Schedule]) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let names: Vec<String> = schedules.iter().map(|s| s.name.clone()).collect();
    sqlx::query!("DELETE FROM schedules WHERE NOT (name = ANY($1))", &names)
        .execute(&mut *tx)
        .await?;
    for s in schedules {
        sqlx::query!(
            "INSERT INTO schedules (name, kind, expression, payload, max_attempts) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, expression = EXCLUDED.expression,
                 payload = EXCLUDED.payload, max_attempts = EXCLUDED.max_attempts, published_at = now()",
            s.name,
            s.kind,
            s.expression,
            s.payload,
            s.max_attempts,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// What became of a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ticked {
    /// This call enqueued its job.
    Enqueued,
    /// Another replica had.
    AlreadyEnqueued,
    /// An operator paused the schedule: skipped (not made up later).
    Paused,
}

/// Enqueues the job of one tick unless another replica already did or the
/// schedule is paused.
pub async fn enqueue_tick(
    pool: &PgPool,
    schedule: &Schedule,
    tick: DateTime<Utc>,
) -> sqlx::Result<Ticked> {
    let mut tx = pool.begin().await?;
    let paused = sqlx::query_scalar!(
        "SELECT paused_at IS NOT NULL AS \"paused!\" FROM schedules WHERE name = $1",
        schedule.name
    )
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(false);
    if paused {
        return Ok(Ticked::Paused);
    }
    let (enqueued, _) = db::enqueue(
        &mut tx,
        Enqueue::system()
            .key(format!("schedule:{}:{}", schedule.name, tick.to_rfc3339()))
            .new_job(
                &schedule.kind,
                schedule.max_attempts,
                schedule.payload.clone(),
            ),
        false,
    )
    .await?;
    sqlx::query!(
        "INSERT INTO schedule_ticks (schedule_name, tick_at, job_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
        schedule.name,
        tick,
        enqueued.job.id,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(if enqueued.created {
        Ticked::Enqueued
    } else {
        Ticked::AlreadyEnqueued
    })
}

/// The latest tick recorded for a schedule.
pub async fn last_tick(pool: &PgPool, name: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(
        "SELECT max(tick_at) FROM schedule_ticks WHERE schedule_name = $1",
        name
    )
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
        tracing::info!("no schedules (all turned off); idle");
        shutdown.stopped().await;
        return;
    }
    while let Err(e) = publish(&pool, &schedules).await {
        tracing::warn!(error = %e, "publishing the schedules failed; retrying");
        if shutdown
            .sleep_or_stop(std::time::Duration::from_secs(1))
            .await
        {
            return;
        }
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
                Ok(ticked) => {
                    if ticked == Ticked::Enqueued {
                        tracing::info!(schedule = %s.name, kind = %s.kind, %tick, "tick enqueued");
                    } else if ticked == Ticked::Paused {
                        tracing::info!(schedule = %s.name, kind = %s.kind, %tick, "tick skipped: schedule paused");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Job, JobContext, JobError};
    use chrono::{Datelike, TimeZone, Weekday};
    use serde::{Deserialize, Serialize};

    /// A kind declared with a schedule and a payload.
    #[derive(Serialize, Deserialize)]
    struct Tidy {
        keep_days: u32,
    }

    /// A kind that takes an empty payload.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ping {}

    /// A kind whose payload has a required field, with no schedule.
    #[derive(Serialize, Deserialize)]
    struct Fetch {
        url: String,
    }

    macro_rules! test_kind {
        ($t:ty, $name:literal) => {
            impl Job for $t {
                const KIND: &'static str = $name;
                type Services = ();
                async fn run(self, _: JobContext<()>) -> Result<Value, JobError> {
                    Ok(Value::Null)
                }
            }
        };
    }
    test_kind!(Tidy, "tidy");
    test_kind!(Ping, "ping");
    test_kind!(Fetch, "fetch");

    fn registry() -> Registry<()> {
        let mut registry = Registry::default();
        registry
            .register::<Tidy>()
            .register::<Ping>()
            .register::<Fetch>()
            .every("tidy", "17 3 * * *", Tidy { keep_days: 14 });
        registry
    }

    fn names(s: &[Schedule]) -> Vec<(&str, &str)> {
        s.iter()
            .map(|s| (s.name.as_str(), s.expression.as_str()))
            .collect()
    }

    #[test]
    fn declared_schedules_run_by_default_and_configuration_changes_or_turns_them_off() {
        let registry = registry();
        let declared = resolve(&registry, "").unwrap();
        assert_eq!(names(&declared), [("tidy", "17 3 * * *")]);
        assert_eq!(declared[0].payload["keep_days"], 14);

        let changed = resolve(&registry, " tidy = 0 * * * * ; ping=*/10 * * * * *").unwrap();
        assert_eq!(
            names(&changed),
            [("tidy", "0 * * * *"), ("ping", "*/10 * * * * *")]
        );
        // The declared payload stays with a changed expression.
        assert_eq!(changed[0].payload, declared[0].payload);
        assert!(resolve(&registry, "tidy=OFF").unwrap().is_empty());
    }

    #[test]
    fn bad_schedule_configuration_is_refused_with_the_entry_named() {
        let registry = registry();
        for (spec, says) in [
            ("tidy", "expected `name=cron expression`"),
            ("nope=* * * * *", "no schedule or job kind is called `nope`"),
            ("ping=off", "has no schedule to turn off"),
            ("fetch=* * * * *", "needs a payload"),
            ("tidy=61 * * * *", "invalid cron expression"),
            ("ping=* * * * *;ping=0 * * * *", "given twice"),
        ] {
            let err = resolve(&registry, spec).unwrap_err();
            assert!(err.contains(says), "{spec}: {err}");
        }
    }

    #[test]
    fn cron_expressions_mean_what_they_mean_in_a_crontab() {
        // `1-6` is Monday to Saturday, as in crontab(5); the `cron` crate
        // reads Quartz syntax, where it is Sunday to Friday.
        let registry = registry();
        let all = resolve(&registry, "ping=0 17 * * 1-6").unwrap();
        let s = all.iter().find(|s| s.name == "ping").unwrap();
        let sunday = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        assert_eq!(sunday.weekday(), Weekday::Sun);
        let next = s.next_after(sunday).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 30, 17, 0, 0).unwrap());
        let saturday = Utc.with_ymd_and_hms(2026, 12, 5, 17, 0, 0).unwrap();
        assert_eq!(s.latest_at_or_before(saturday).unwrap(), saturday);
    }
}
