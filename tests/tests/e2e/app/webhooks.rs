//! Outbound webhooks (issue 12): an organisation's endpoints receive job
//! events (succeeded, dead) and domain events (resume parsed, interview
//! scored) as signed HTTP requests, delivered by jobs; a failing endpoint
//! is retried honouring `Retry-After`, then the delivery fails and can be
//! replayed; secrets rotate with an overlap; internal addresses are refused.
//!
//! The receiver ([`tests::webhook_receiver`]) is a real HTTP server on
//! loopback that checks every signature two ways.

use axum::http::Method;
use job_engine::{db::JobStatus, Job as _};
use serde_json::{json, Value};
use tests::{
    webhook_receiver::{verified, Receiver},
    OrgFixture, TestApp,
};
use uuid::Uuid;

/// Registers an endpoint for `events` as the org's admin; (id, secret).
async fn endpoint(api: &TestApp, org: &OrgFixture, url: &str, events: &[&str]) -> (String, String) {
    let (st, v) = api
        .call(
            &org.admin,
            Method::POST,
            "/api/v1/webhook-endpoints",
            Some(json!({ "url": url, "events": events, "description": "tests" })),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (v["endpoint"]["id"].as_str().unwrap().to_owned(), secret)
}

/// An open role of `org`; its id.
async fn role(api: &TestApp, org: &OrgFixture) -> String {
    let path = api
        .job_role(&org.recruiter, "jd_01", "Backend Engineer")
        .await;
    path.rsplit('/').next().unwrap().to_owned()
}

async fn deliveries(api: &TestApp, org: &OrgFixture, endpoint: &str, query: &str) -> Vec<Value> {
    let (st, v) = api
        .call(
            &org.admin,
            Method::GET,
            &format!("/api/v1/webhook-endpoints/{endpoint}/deliveries{query}"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_and_domain_events_reach_the_organisations_endpoints_signed_and_only_theirs() {
    let api = TestApp::new("webhooks").await;
    let org = api.organisation("wh").await;
    let other = api.organisation("wh2").await;
    let (receiver, url) = Receiver::start().await;
    let (theirs, their_url) = Receiver::start().await;
    let (ep, secret) = endpoint(
        &api,
        &org,
        &url,
        &[
            "job.succeeded",
            "job.dead",
            "resume.parsed",
            "interview.scored",
        ],
    )
    .await;
    endpoint(
        &api,
        &other,
        &their_url,
        &["job.succeeded", "resume.parsed"],
    )
    .await;

    // Only admins manage endpoints.
    let (st, _) = api
        .call(
            &org.recruiter,
            Method::GET,
            "/api/v1/webhook-endpoints",
            None,
        )
        .await;
    assert_eq!(st, 403);

    // A resume parsed, and one that cannot be read.
    let role = role(&api, &org).await;
    let path = format!("/api/v1/job-roles/{role}/resumes");
    let (st, parsed) = api.upload(&org.recruiter, &path, "resume_01.pdf").await;
    assert_eq!(st, 202, "{parsed}");
    let (st, broken) = api.upload(&org.recruiter, &path, "bad/truncated.pdf").await;
    assert_eq!(st, 202, "{broken}");
    let parse_job: Uuid = parsed["job_id"].as_str().unwrap().parse().unwrap();
    let broken_job: Uuid = broken["job_id"].as_str().unwrap().parse().unwrap();
    api.run_pending_jobs().await;
    assert_eq!(api.env.job(parse_job).await.status, JobStatus::Succeeded);
    assert_eq!(api.env.job(broken_job).await.status, JobStatus::Dead);

    let got = receiver.received();
    let bodies: Vec<Value> = got.iter().map(|r| verified(&secret, r)).collect();
    let of = |kind: &str| -> Vec<&Value> { bodies.iter().filter(|b| b["type"] == kind).collect() };
    let resume_id = parsed["resume_id"].as_str().unwrap();
    let resume_events = of("resume.parsed");
    assert_eq!(resume_events.len(), 1, "{bodies:?}");
    let data = &resume_events[0]["data"];
    assert_eq!(data["resume_id"], resume_id);
    assert_eq!(data["job_role_id"], role.as_str());
    assert!(
        data["candidate_id"].is_string() && data["application_id"].is_string(),
        "{data}"
    );
    assert_eq!(data["job_id"], parse_job.to_string());
    // No personal data in the body: the receiver reads it through the API.
    let text = String::from_utf8(got.iter().flat_map(|r| r.body.to_vec()).collect()).unwrap();
    let truth: Value =
        serde_json::from_slice(&tests::fixture("resume_01.json")).expect("ground truth");
    for field in ["email", "phone", "first_name", "last_name"] {
        if let Some(v) = truth[field].as_str().filter(|v| !v.is_empty()) {
            assert!(!text.contains(v), "{field} sent in a webhook");
        }
    }
    let succeeded: Vec<&Value> = of("job.succeeded")
        .into_iter()
        .filter(|b| b["data"]["job"]["id"] == parse_job.to_string())
        .collect();
    assert_eq!(succeeded.len(), 1, "{bodies:?}");
    assert_eq!(succeeded[0]["data"]["job"]["kind"], "parse_resume");
    let dead = of("job.dead");
    assert_eq!(dead.len(), 1, "{bodies:?}");
    assert_eq!(dead[0]["data"]["job"]["id"], broken_job.to_string());
    assert!(
        dead[0]["data"]["job"]["error"]
            .as_str()
            .unwrap()
            .contains("damaged"),
        "{}",
        dead[0]
    );
    // Deliveries announce nothing about themselves.
    assert!(
        bodies
            .iter()
            .all(|b| b["data"]["job"]["kind"] != "deliver_webhook"),
        "{bodies:?}"
    );
    // Every request's webhook-id is its delivery, shown by the API as
    // delivered on the first attempt with the endpoint's answer.
    let listed = deliveries(&api, &org, &ep, "").await;
    assert_eq!(listed.len(), got.len());
    for r in &got {
        let id = r.headers["webhook-id"].to_str().unwrap();
        let d = listed
            .iter()
            .find(|d| d["id"] == id)
            .expect("delivery listed");
        assert_eq!(
            (
                d["status"].as_str(),
                d["attempts"].as_i64(),
                d["last_status_code"].as_i64()
            ),
            (Some("delivered"), Some(1), Some(200)),
            "{d}"
        );
        assert_eq!(
            d["payload"],
            serde_json::from_slice::<Value>(&r.body).unwrap()
        );
        // Deliveries are jobs, with the kind's attempts (the SQL that
        // enqueues them holds the same number).
        let job = api
            .env
            .job(d["job_id"].as_str().unwrap().parse().unwrap())
            .await;
        assert_eq!(job.kind, "deliver_webhook");
        assert_eq!(job.status, JobStatus::Succeeded);
        assert_eq!(
            job.max_attempts,
            job_kinds::DeliverWebhook::policy().max_attempts
        );
        assert_eq!(job.organisation_id, Some(org.id));
    }
    // The other organisation heard only of its own work (its members'
    // emails, say), nothing of this one's.
    for r in theirs.received() {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let job: Uuid = body["data"]["job"]["id"]
            .as_str()
            .expect("a job event")
            .parse()
            .unwrap();
        assert_eq!(
            api.env.job(job).await.organisation_id,
            Some(other.id),
            "{body}"
        );
    }

    // Re-running the parse (its job delivered again) announces nothing twice.
    let before = receiver.received().len();
    sqlx::query(
        "UPDATE jobs SET status = 'queued', run_at = now(), dispatched_at = NULL WHERE id = $1",
    )
    .bind(parse_job)
    .execute(&api.env.pool)
    .await
    .unwrap();
    api.run_pending_jobs().await;
    let again: Vec<Value> = receiver.received()[before..]
        .iter()
        .map(|r| verified(&secret, r))
        .collect();
    assert!(
        again.iter().all(|b| b["type"] != "resume.parsed"),
        "{again:?}"
    );

    // An interview scored.
    let iv = api
        .scheduled_interview(&org.recruiter, "wh-scored@example.com")
        .await;
    let iv_id = iv["id"].as_str().unwrap();
    let iv_path = format!("/api/v1/interviews/{iv_id}");
    for (method, path, body) in [
        (
            Method::PATCH,
            iv_path.clone(),
            json!({ "status": "in_progress" }),
        ),
        (
            Method::POST,
            format!("{iv_path}/transcript"),
            json!({ "segments": [
                { "speaker": "interviewer", "content": "Tell me about a system you scaled.", "start_ms": 0, "end_ms": 4000 },
                { "speaker": "candidate", "content": "I moved our job queue from polling to LISTEN/NOTIFY in Postgres, measured the lag before and after, and cut p99 dispatch from 900 ms to 40 ms while keeping every job durable.", "start_ms": 4000, "end_ms": 30000 }
            ]}),
        ),
        (
            Method::PATCH,
            iv_path.clone(),
            json!({ "status": "completed" }),
        ),
    ] {
        let (st, v) = api.call(&org.recruiter, method, &path, Some(body)).await;
        assert_eq!(st, 200, "{v}");
    }
    api.run_pending_jobs().await;
    let scored: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| verified(&secret, r))
        .filter(|b| b["type"] == "interview.scored")
        .collect();
    assert_eq!(scored.len(), 1, "{scored:?}");
    assert_eq!(scored[0]["data"]["interview_id"], iv_id);
    assert!(
        scored[0]["data"]["overall"].as_f64().is_some(),
        "{}",
        scored[0]
    );

    // A disabled endpoint gets nothing new.
    let (st, v) = api
        .call(
            &org.admin,
            Method::PATCH,
            &format!("/api/v1/webhook-endpoints/{ep}"),
            Some(json!({ "enabled": false })),
        )
        .await;
    assert_eq!((st, v["enabled"].as_bool()), (200, Some(false)), "{v}");
    let n = receiver.received().len();
    let (st, _) = api.upload(&org.recruiter, &path, "resume_02.pdf").await;
    assert_eq!(st, 202);
    api.run_pending_jobs().await;
    assert_eq!(receiver.received().len(), n);

    // Another organisation cannot see or touch this one's endpoint.
    let (st, _) = api
        .call(
            &other.admin,
            Method::GET,
            &format!("/api/v1/webhook-endpoints/{ep}"),
            None,
        )
        .await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_endpoint_is_retried_then_fails_and_a_replay_delivers_the_same_message() {
    let api = TestApp::new("webhooks-retry").await;
    let org = api.organisation("wr").await;
    let (receiver, url) = Receiver::start().await;
    let (ep, secret) = endpoint(&api, &org, &url, &["resume.parsed"]).await;
    let role = role(&api, &org).await;
    let path = format!("/api/v1/job-roles/{role}/resumes");

    // 503 with Retry-After: the next attempt waits what the endpoint asked.
    receiver.answer(503, Some("120"));
    let (st, _) = api.upload(&org.recruiter, &path, "resume_01.pdf").await;
    assert_eq!(st, 202);
    api.run_pending_jobs().await;
    let listed = deliveries(&api, &org, &ep, "").await;
    assert_eq!(listed.len(), 1);
    let d = &listed[0];
    assert_eq!(
        (
            d["status"].as_str(),
            d["attempts"].as_i64(),
            d["last_status_code"].as_i64()
        ),
        (Some("pending"), Some(1), Some(503)),
        "{d}"
    );
    assert!(d["last_error"].as_str().unwrap().contains("503"), "{d}");
    let job_id: Uuid = d["job_id"].as_str().unwrap().parse().unwrap();
    let job = api.env.job(job_id).await;
    assert_eq!(job.status, JobStatus::Failed);
    let wait = (job.run_at - chrono::Utc::now()).num_seconds();
    assert!(
        (100..=121).contains(&wait),
        "retry in {wait}s, not the 120 s asked"
    );
    api.make_retries_due().await;
    api.run_pending_jobs().await;
    let d = &deliveries(&api, &org, &ep, "?status=delivered").await[0];
    assert_eq!(
        (d["attempts"].as_i64(), d["last_status_code"].as_i64()),
        (Some(2), Some(200)),
        "{d}"
    );
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    // Both attempts carry the same message id and body.
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    assert_eq!(got[0].body, got[1].body);
    verified(&secret, &got[1]);

    // An endpoint that keeps failing: the job runs out of attempts, the
    // delivery fails with the last answer.
    for _ in 0..job_kinds::DeliverWebhook::policy().max_attempts {
        receiver.answer(500, None);
    }
    let (st, _) = api.upload(&org.recruiter, &path, "resume_02.pdf").await;
    assert_eq!(st, 202);
    for _ in 0..job_kinds::DeliverWebhook::policy().max_attempts + 1 {
        api.run_pending_jobs().await;
        api.make_retries_due().await;
    }
    let failed = deliveries(&api, &org, &ep, "?status=failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let f = &failed[0];
    assert_eq!(f["attempts"].as_i64(), Some(10), "{f}");
    assert!(f["last_error"].as_str().unwrap().contains("500"), "{f}");
    let dead_job: Uuid = f["job_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(api.env.job(dead_job).await.status, JobStatus::Dead);
    let failed_id = f["id"].as_str().unwrap().to_owned();

    // Rotating the secret: both secrets sign for a while.
    let (st, rotated) = api
        .call(
            &org.admin,
            Method::POST,
            &format!("/api/v1/webhook-endpoints/{ep}/rotate-secret"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated["endpoint"]["previous_secret_expires_at"].is_string());

    // A replay sends the same message again, by a new job.
    let replay = format!("/api/v1/webhook-endpoints/{ep}/deliveries/{failed_id}/replay");
    let (st, v) = api.call(&org.admin, Method::POST, &replay, None).await;
    assert_eq!((st, v["status"].as_str()), (202, Some("pending")), "{v}");
    assert_ne!(v["job_id"].as_str().unwrap(), dead_job.to_string());
    // Pending: a second replay waits for the first.
    let (st, _) = api.call(&org.admin, Method::POST, &replay, None).await;
    assert_eq!(st, 409);
    let n = receiver.received().len();
    api.run_pending_jobs().await;
    let got = receiver.received();
    assert_eq!(got.len(), n + 1);
    let last = got.last().unwrap();
    assert_eq!(last.headers["webhook-id"].to_str().unwrap(), failed_id);
    verified(&new_secret, last);
    verified(&secret, last);
    let (st, d) = api
        .call(
            &org.admin,
            Method::GET,
            &format!("/api/v1/webhook-endpoints/{ep}/deliveries/{failed_id}"),
            None,
        )
        .await;
    assert_eq!(
        (st, d["status"].as_str(), d["attempts"].as_i64()),
        (200, Some("delivered"), Some(11)),
        "{d}"
    );

    // Removing the endpoint removes its deliveries.
    let (st, _) = api
        .call(
            &org.admin,
            Method::DELETE,
            &format!("/api/v1/webhook-endpoints/{ep}"),
            None,
        )
        .await;
    assert_eq!(st, 204);
    let (st, _) = api
        .call(
            &org.admin,
            Method::GET,
            &format!("/api/v1/webhook-endpoints/{ep}/deliveries"),
            None,
        )
        .await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_on_internal_addresses_are_refused_at_registration_and_at_delivery() {
    let api = TestApp::with_args("webhooks-ssrf", &[("--webhooks-allow-private", "0")]).await;
    let org = api.organisation("ws").await;
    for url in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://user:pass@example.com/hook",
        "ftp://example.com/hook",
        "not a url",
    ] {
        let (st, v) = api
            .call(
                &org.admin,
                Method::POST,
                "/api/v1/webhook-endpoints",
                Some(json!({ "url": url, "events": ["resume.parsed"] })),
            )
            .await;
        assert_eq!(
            (st, v["error"]["fields"][0]["field"].as_str()),
            (422, Some("url")),
            "{url}: {v}"
        );
    }
    let (st, v) = api
        .call(
            &org.admin,
            Method::POST,
            "/api/v1/webhook-endpoints",
            Some(json!({ "url": "https://example.com/hook", "events": [] })),
        )
        .await;
    assert_eq!(
        (st, v["error"]["fields"][0]["field"].as_str()),
        (422, Some("events")),
        "{v}"
    );
    let (st, v) = api
        .call(
            &org.admin,
            Method::POST,
            "/api/v1/webhook-endpoints",
            Some(json!({ "url": "https://example.com/hook", "events": ["job.exploded"] })),
        )
        .await;
    assert_eq!(st, 422, "{v}");

    // A name that resolves to an internal address passes registration (it
    // is not resolved then) and is refused when the delivery resolves it.
    let host = internal_name().await;
    let (ep, _) = endpoint(
        &api,
        &org,
        &format!("https://{host}:9/hook"),
        &["resume.parsed"],
    )
    .await;
    let role = role(&api, &org).await;
    let (st, _) = api
        .upload(
            &org.recruiter,
            &format!("/api/v1/job-roles/{role}/resumes"),
            "resume_01.pdf",
        )
        .await;
    assert_eq!(st, 202);
    api.run_pending_jobs().await;
    let failed = deliveries(&api, &org, &ep, "?status=failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let reason = failed[0]["last_error"].as_str().unwrap();
    assert!(reason.contains("not a public address"), "{reason}");
    let job: Uuid = failed[0]["job_id"].as_str().unwrap().parse().unwrap();
    let job = api.env.job(job).await;
    assert_eq!(
        (job.status, job.attempt),
        (JobStatus::Dead, 1),
        "refused at once"
    );
}

/// A host name this machine resolves (from /etc/hosts) to an internal
/// address only.
async fn internal_name() -> String {
    let mut names = vec!["ip6-localhost".to_owned(), "ip6-loopback".to_owned()];
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        names.push(h.trim().to_owned());
    }
    for name in names.into_iter().filter(|n| !n.is_empty()) {
        let found: Option<Vec<std::net::SocketAddr>> = tokio::net::lookup_host((name.clone(), 0))
            .await
            .ok()
            .map(|a| a.collect());
        if let Some(addrs) = found {
            if !addrs.is_empty()
                && addrs
                    .iter()
                    .all(|a| !job_kinds::deliver_webhook::is_public(a.ip()))
            {
                return name;
            }
        }
    }
    panic!("no host name on this machine resolves to an internal address only");
}
