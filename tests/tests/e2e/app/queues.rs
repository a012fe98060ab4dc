//! Queue control through the API: per-kind stats, pausing a kind, and bulk
//! operations over a filter (dry run first, a reason required, one audit
//! entry each, an organisation's admins confined to its jobs).

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::{json, Value};
use tests::TestApp;
use uuid::Uuid;

/// The `noop` line of `GET /queues` as the platform admin sees it.
async fn noop_stats(app: &TestApp) -> Value {
    let (s, q) = app.get_json("/api/v1/queues").await;
    assert_eq!(s, 200, "{q}");
    q["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "noop")
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_kind_waits_in_postgres_and_runs_when_resumed() {
    let app = TestApp::new("queue-pause").await;
    let org = app.organisation("pauseco").await;
    app.run_pending_jobs().await; // the members' invitation emails
    let jobs: Vec<Uuid> =
        futures::future::join_all((0..3).map(|_| app.enqueue("noop", json!({})))).await;

    // Only platform admins pause; the reason is required and the kind known.
    let (s, v) = app
        .call(
            &org.owner,
            Method::POST,
            "/api/v1/queues/pause",
            Some(json!({ "kind": "noop", "reason": "x" })),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post_json(
            "/api/v1/queues/pause",
            Some(json!({ "kind": "noop", "reason": " " })),
        )
        .await;
    assert_eq!(
        (s, tests::error_fields(&v)),
        (422, vec!["reason".to_owned()]),
        "{v}"
    );
    let (s, v) = app
        .post_json(
            "/api/v1/queues/pause",
            Some(json!({ "kind": "nope", "reason": "x" })),
        )
        .await;
    assert_eq!(
        (s, tests::error_fields(&v)),
        (422, vec!["kind".to_owned()]),
        "{v}"
    );

    let (s, p) = app
        .post_json(
            "/api/v1/queues/pause",
            Some(json!({ "kind": "noop", "reason": "provider outage" })),
        )
        .await;
    assert_eq!((s, &p["reason"]), (200, &json!("provider outage")), "{p}");
    assert_eq!(
        app.run_pending_jobs().await,
        0,
        "nothing of a paused kind runs"
    );
    let stats = noop_stats(&app).await;
    assert_eq!(
        (&stats["due"], &stats["paused"]),
        (&json!(3), &json!(true)),
        "{stats}"
    );
    assert!(stats["oldest_due_secs"].as_f64().unwrap() >= 0.0);
    let (_, q) = app.get_json("/api/v1/queues").await;
    assert_eq!(q["pauses"][0]["kind"], "noop", "{q}");

    let (s, r) = app
        .post_json("/api/v1/queues/resume", Some(json!({ "kind": "noop" })))
        .await;
    assert_eq!((s, &r["resumed"]), (200, &json!(true)), "{r}");
    for id in jobs {
        app.settled(id, JobStatus::Succeeded).await;
    }
    // What finished shows as throughput (to platform admins).
    let (_, q) = app.get_json("/api/v1/queues").await;
    let done = q["throughput"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "noop")
        .cloned()
        .unwrap();
    assert_eq!(
        (&done["succeeded"], &done["minutes"]),
        (&json!(3), &json!(5)),
        "{q}"
    );
    let (_, q) = app
        .call(&org.owner, Method::GET, "/api/v1/queues", None)
        .await;
    assert_eq!(q["throughput"], Value::Null);
    let stats = noop_stats(&app).await;
    assert!(stats.is_null(), "nothing waiting, nothing paused: {stats}");
    let (_, r) = app
        .post_json("/api/v1/queues/resume", Some(json!({ "kind": "noop" })))
        .await;
    assert_eq!(r["resumed"], false);
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'jobs.%' ORDER BY created_at",
    )
    .fetch_all(&app.env.pool)
    .await
    .unwrap();
    assert_eq!(audited, ["jobs.pause", "jobs.resume"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_operations_count_first_need_a_reason_and_stay_in_their_organisation() {
    let app = TestApp::new("queue-bulk").await;
    let org = app.organisation("bulkco").await;
    let other = app.organisation("otherco").await;
    // Dead jobs: three system jobs that fail for good, one with another error.
    for _ in 0..3 {
        app.enqueue("noop", json!({ "abort": true })).await;
    }
    app.enqueue("noop", json!({ "panic": true })).await;
    app.run_pending_jobs().await;
    let dead = app
        .env
        .count("SELECT count(*) FROM jobs WHERE kind = 'noop' AND status = 'dead'")
        .await;
    assert_eq!(dead, 4);
    let stats = noop_stats(&app).await;
    assert_eq!(stats["dead"], 4, "{stats}");

    let bulk = |who: Option<&tests::Session>, body: Value| {
        let app = &app;
        let who = who.cloned();
        async move {
            match who {
                Some(s) => {
                    app.call(&s, Method::POST, "/api/v1/jobs/bulk", Some(body))
                        .await
                }
                None => app.post_json("/api/v1/jobs/bulk", Some(body)).await,
            }
        }
    };
    let (s, v) = bulk(
        None,
        json!({ "action": "retry", "filter": { "kind": "noop" } }),
    )
    .await;
    assert_eq!(s, 422, "a reason is required: {v}");
    let (s, v) = bulk(
        None,
        json!({ "action": "retry", "filter": { "status": "queued" }, "reason": "x" }),
    )
    .await;
    assert_eq!(
        (s, tests::error_fields(&v)),
        (422, vec!["filter.status".to_owned()]),
        "{v}"
    );
    // The organisation's admins act on its jobs only (these are system jobs);
    // its recruiters not at all.
    let (s, v) = bulk(
        Some(&org.admin),
        json!({ "action": "retry", "dry_run": true, "reason": "x" }),
    )
    .await;
    assert_eq!((s, &v["jobs"]), (200, &json!(0)), "{v}");
    let (s, _) = bulk(
        Some(&org.recruiter),
        json!({ "action": "retry", "reason": "x" }),
    )
    .await;
    assert_eq!(s, 403);

    // A dry run counts; the error filter narrows (case-insensitive).
    let abort = json!({ "kind": "noop", "error_contains": "ABORT" });
    let (s, v) = bulk(
        None,
        json!({ "action": "retry", "filter": abort, "dry_run": true, "reason": "count" }),
    )
    .await;
    assert_eq!(
        (s, &v["jobs"], &v["dry_run"]),
        (200, &json!(3), &json!(true)),
        "{v}"
    );
    assert_eq!(
        app.env
            .count("SELECT count(*) FROM jobs WHERE status = 'dead'")
            .await,
        4
    );
    let (s, v) = bulk(
        None,
        json!({ "action": "retry", "filter": abort, "reason": "the provider is back" }),
    )
    .await;
    assert_eq!((s, &v["jobs"]), (200, &json!(3)), "{v}");
    assert_eq!(
        app.env
            .count(
                "SELECT count(*) FROM jobs WHERE status = 'queued' AND max_attempts = attempt + 5"
            )
            .await,
        3,
        "a retried job gets its kind's attempt budget again"
    );
    // Cancel what waits; purge what finished.
    let (_, v) = bulk(
        None,
        json!({ "action": "cancel", "filter": { "kind": "noop" }, "reason": "not needed" }),
    )
    .await;
    assert_eq!(v["jobs"], 3, "{v}");
    let (_, v) = bulk(
        None,
        json!({ "action": "purge", "filter": { "older_than_days": 1 }, "reason": "tidy" }),
    )
    .await;
    assert_eq!(v["jobs"], 0, "nothing finished a day ago: {v}");
    let (_, v) = bulk(None, json!({ "action": "purge", "filter": { "kind": "noop", "status": "cancelled" }, "reason": "tidy" })).await;
    assert_eq!(v["jobs"], 3, "{v}");
    assert_eq!(
        app.env
            .count("SELECT count(*) FROM jobs WHERE kind = 'noop'")
            .await,
        1
    );

    // An organisation admin's purge stays in the organisation even when it
    // names another.
    let (_, v) = bulk(
        Some(&other.admin),
        json!({ "action": "purge", "filter": { "organisation_id": org.id }, "reason": "not mine" }),
    )
    .await;
    assert_eq!(v["jobs"], 0, "{v}");
    let org_jobs = app
        .env
        .count(&format!(
            "SELECT count(*) FROM jobs WHERE organisation_id = '{}'",
            org.id
        ))
        .await;
    assert!(
        org_jobs > 0,
        "the organisation's own jobs (its emails) are there"
    );

    // Every real operation is one audit entry with its count and reason;
    // dry runs are not.
    let audited: Vec<(String, Value)> = sqlx::query_as(
        "SELECT action, details FROM audit_log WHERE action LIKE 'jobs.bulk_%' ORDER BY created_at",
    )
    .fetch_all(&app.env.pool)
    .await
    .unwrap();
    let summary: Vec<(&str, i64)> = audited
        .iter()
        .map(|(a, d)| (a.as_str(), d["jobs"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("jobs.bulk_retry", 3),
            ("jobs.bulk_cancel", 3),
            ("jobs.bulk_purge", 0),
            ("jobs.bulk_purge", 3),
            ("jobs.bulk_purge", 0),
        ]
    );
    assert_eq!(audited[0].1["reason"], "the provider is back");
    assert_eq!(audited[0].1["filter"]["error_contains"], "ABORT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frontend_follows_a_batch_in_one_request_and_polls_with_etags() {
    let app = TestApp::new("job-batch").await;
    let org = app.organisation("batchco").await;
    app.run_pending_jobs().await;
    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(app.enqueue("noop", json!({})).await);
    }
    let path = format!(
        "/api/v1/jobs?ids={}",
        ids.iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let res = app.req(Method::GET, &path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let page: Value = serde_json::from_slice(res.bytes()).unwrap();
    let listed: Vec<Uuid> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(listed, ids, "every job, in the order asked");
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|j| j["status"] == "queued"));

    // Unchanged: 304, no body.
    let res = app
        .req(Method::GET, &path)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert!(res.bytes().is_empty());
    assert_eq!(res.headers()["etag"], tag.as_str());
    // One job moves: the batch's tag moves.
    app.run_pending_jobs().await;
    let res = app
        .req(Method::GET, &path)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page: Value = serde_json::from_slice(res.bytes()).unwrap();
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|j| j["status"] == "succeeded"));

    // One job the same way.
    let one = format!("/api/v1/jobs/{}", ids[0]);
    let res = app.req(Method::GET, &one).send().await.unwrap();
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .req(Method::GET, &one)
        .header("if-none-match", format!("\"other\", {tag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    // Only what the caller may see: these are system jobs.
    let (s, page) = app.call(&org.recruiter, Method::GET, &path, None).await;
    assert_eq!(
        (s, page["items"].as_array().unwrap().len()),
        (200, 0),
        "{page}"
    );
    // Search by payload fields (platform admins see payloads).
    let marked = app.enqueue("noop", json!({ "sleep_ms": 7 })).await;
    let (s, found) = app
        .get_json("/api/v1/jobs?kind=noop&payload=%7B%22sleep_ms%22%3A7%7D")
        .await;
    assert_eq!(s, 200, "{found}");
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(
        (&items[0]["id"], &items[0]["payload"]["sleep_ms"]),
        (&json!(marked), &json!(7))
    );
    let (s, v) = app.get_json("/api/v1/jobs?payload=%5B1%5D").await;
    assert_eq!(
        (s, tests::error_fields(&v)),
        (422, vec!["payload".to_owned()]),
        "{v}"
    );
    let (_, mine) = app
        .call(&org.recruiter, Method::GET, "/api/v1/jobs", None)
        .await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j.get("payload").is_none()),
        "payloads are for platform admins: {mine}"
    );
    // Bad lists are the caller's mistake.
    for bad in ["nope", "", &vec![ids[0].to_string(); 201].join(",")] {
        let (s, v) = app.get_json(&format!("/api/v1/jobs?ids={bad}")).await;
        assert_eq!(
            (s, tests::error_fields(&v)),
            (422, vec!["ids".to_owned()]),
            "{bad}: {v}"
        );
    }
}
