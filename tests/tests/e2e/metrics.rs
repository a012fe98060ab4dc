//! Prometheus metrics scraped from the real processes and checked against
//! known job counts: the worker's counters and histograms, the job-state
//! gauges (paused kinds, the noisiest tenant), the API's enqueue counter
//! behind its token.

use std::collections::BTreeMap;
use std::time::Duration;

use job_engine::db::JobStatus;
use serde_json::json;
use tests::{free_port, wait_for, TestEnv};

const T: Duration = Duration::from_secs(60);
const TOKEN: &str = "metrics-token-for-tests";

/// One sample: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let value: f64 = value.parse().ok()?;
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|p| !p.is_empty())
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    Some((k.to_owned(), v.trim_matches('"').to_owned()))
                })
                .collect();
            Some((name.to_owned(), labels, value))
        })
        .collect()
}

/// The value of `name` with (at least) `labels`, if exposed.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| *v)
}

async fn scrape(url: &str, token: Option<&str>) -> (u16, Vec<Sample>) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, parse(&res.text().await.unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_the_processes_did_and_the_state_of_the_queues() {
    let env = TestEnv::new("metrics").await;
    let api = env
        .api(&[
            ("TALENTI_METRICS_TOKEN", TOKEN),
            ("TALENTI_METRICS_STATE_SECS", "1"),
        ])
        .await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _worker = env.worker(
        "worker",
        &[
            ("TALENTI_METRICS_ADDR", addr.as_str()),
            ("TALENTI_METRICS_STATE_SECS", "1"),
        ],
    );
    let worker_url = format!("http://{addr}/metrics");

    // 6 succeed, 2 die at once, 1 fails once and then succeeds: 10 attempts.
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push((api.enqueue("noop", json!({})).await, JobStatus::Succeeded));
    }
    for _ in 0..2 {
        ids.push((
            api.enqueue("noop", json!({ "abort": true })).await,
            JobStatus::Dead,
        ));
    }
    ids.push((
        api.enqueue("noop", json!({ "fail_times": 1 })).await,
        JobStatus::Succeeded,
    ));
    for (id, status) in &ids {
        env.wait_status(*id, *status, T).await;
    }

    let noop = [("kind", "noop")];
    let worker = wait_for("the worker's counters and state gauges", T, || async {
        let (status, s) = scrape(&worker_url, None).await;
        let settled = status == 200
            && value(&s, "talenti_jobs_dead_total", &noop) == Some(2.0)
            && value(&s, "talenti_jobs", &[("kind", "noop"), ("state", "dead")]) == Some(2.0)
            && value(&s, "talenti_jobs", &[("kind", "noop"), ("state", "due")]) == Some(0.0);
        settled.then_some(s)
    })
    .await;
    assert_eq!(
        value(&worker, "talenti_jobs_started_total", &noop),
        Some(10.0)
    );
    assert_eq!(
        value(&worker, "talenti_jobs_succeeded_total", &noop),
        Some(7.0)
    );
    assert_eq!(
        value(&worker, "talenti_jobs_failed_total", &noop),
        Some(1.0)
    );
    assert_eq!(
        value(&worker, "talenti_job_run_seconds_count", &noop),
        Some(10.0)
    );
    assert_eq!(
        value(&worker, "talenti_job_wait_seconds_count", &noop),
        Some(10.0)
    );
    assert!(
        value(
            &worker,
            "talenti_job_wait_seconds_bucket",
            &[("kind", "noop"), ("le", "+Inf")]
        ) == Some(10.0)
    );
    assert_eq!(value(&worker, "talenti_job_kind_paused", &noop), Some(0.0));
    // Attempts reach Redis by the API's hand-off as they are enqueued, or
    // by a dispatcher (a retry, due later, always): counted below with the
    // API's hand-offs.
    let dispatched = value(&worker, "talenti_dispatch_lag_seconds_count", &noop).unwrap_or(0.0);
    assert!(dispatched >= 1.0, "the retry was dispatched");
    assert!(value(&worker, "talenti_db_pool_connections", &[("state", "idle")]).is_some());
    assert!(value(&worker, "talenti_redis_window", &noop).is_some());
    // Every series names its process; kinds with nothing to show read 0.
    assert!(worker
        .iter()
        .filter(|(n, _, _)| n.starts_with("talenti_"))
        .all(|(_, l, _)| l.get("process").map(String::as_str) == Some("worker")));
    assert_eq!(
        value(
            &worker,
            "talenti_jobs",
            &[("kind", "parse_resume"), ("state", "due")]
        ),
        Some(0.0)
    );

    // The API counted what it enqueued; its metrics need the token.
    let api_url = api.url("/metrics");
    let (status, _) = scrape(&api_url, None).await;
    assert_eq!(status, 401);
    let (status, _) = scrape(&api_url, Some("wrong-token-wrong-token")).await;
    assert_eq!(status, 401);
    let (status, s) = scrape(&api_url, Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(value(&s, "talenti_jobs_enqueued_total", &noop), Some(9.0));
    let handed_off = value(&s, "talenti_handoffs_total", &noop).unwrap_or(0.0);
    assert!(
        dispatched + handed_off >= 10.0,
        "each attempt went to Redis: {dispatched} dispatched, {handed_off} handed off"
    );

    // A paused kind and a tenant's backlog show up in the gauges.
    let (st, _) = api
        .post_json(
            "/api/v1/queues/pause",
            Some(json!({ "kind": "send_email", "reason": "SMTP down" })),
        )
        .await;
    assert_eq!(st, 200);
    let org = api.organisation("noisyco").await;
    let org_id = org.id.to_string();
    wait_for("the paused kind and the tenant's backlog", T, || async {
        let (_, s) = scrape(&worker_url, None).await;
        let seen = value(&s, "talenti_job_kind_paused", &[("kind", "send_email")]) == Some(1.0)
            && value(
                &s,
                "talenti_tenant_due_jobs",
                &[("organisation", org_id.as_str())],
            )
            .is_some_and(|v| v >= 3.0)
            && value(
                &s,
                "talenti_job_oldest_due_seconds",
                &[("kind", "send_email")],
            )
            .is_some_and(|v| v > 0.0);
        seen.then_some(())
    })
    .await;
}
