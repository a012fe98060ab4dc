//! Authentication limits: rate limits per IP on the auth endpoints (the
//! in-process tests are in `app::identity`).

use reqwest::Method;
use serde_json::{json, Value};
use tests::{TestEnv, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after() {
    let env = TestEnv::new("rate-limit").await;
    let api = env
        .api(&[
            ("TALENTI_AUTH_RATE_LIMIT_PER_MINUTE", "5"),
            ("TALENTI_RATE_LIMIT_PER_SECOND", "2"),
            ("TALENTI_RATE_LIMIT_BURST", "40"),
        ])
        .await;
    // The harness signed the operator up: one auth request used. Logins
    // burn the rest of the allowance (a slow machine may see one more
    // refilled after 12 s, so look for the first 429 rather than count).
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let res = api
            .http
            .post(api.url("/api/v1/auth/login"))
            .json(&json!({ "email": "ops@talenti.test", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let retry_after = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let status = res.status().as_u16();
        statuses.push((status, retry_after));
        if status == 429 {
            break;
        }
    }
    assert!(statuses[..4].iter().all(|(s, _)| *s == 200), "{statuses:?}");
    let (status, retry) = statuses.last().unwrap();
    assert_eq!(*status, 429, "{statuses:?}");
    assert!(statuses.len() <= 7, "{statuses:?}");
    assert!(retry.as_deref().unwrap().parse::<u64>().unwrap() >= 1);

    // The general limit: a burst of 40, then the refill rate (2/s). On a
    // busy machine the loop is slow, so the allowance is worked out from
    // the time it took rather than assumed.
    let started = std::time::Instant::now();
    let mut limited = None;
    for i in 0..500 {
        let res = api.req(Method::GET, "/api/v1/jobs").send().await.unwrap();
        if res.status() == 429 {
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
            limited = Some(i);
            break;
        }
    }
    let at = limited.expect("the general limit never applied");
    let refilled = (started.elapsed().as_secs_f64() * 2.0).ceil() as usize;
    // The client address already spent some of its 40 on the harness's
    // health checks and the logins above.
    assert!(
        (30..=40 + refilled + 1).contains(&at),
        "limited after {at} requests ({refilled} refilled)"
    );
}

/// The sum of `talenti_auth_cache_lookups_total` samples on `api` that carry
/// every label given.
async fn cache_lookups(api: &tests::Api, labels: &[&str]) -> f64 {
    let text = api
        .http
        .get(api.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("talenti_auth_cache_lookups_total{"))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

const METRICS_TOKEN: &str = "replica-metrics-token";

/// Waits (briefly: a notification takes milliseconds) until `path` on
/// `api` answers `status` to `credential`.
async fn answers(api: &tests::Api, credential: &str, path: &str, status: u16) {
    tests::wait_for(
        &format!("{path} to answer {status}"),
        std::time::Duration::from_secs(3),
        || async {
            (api.call_with(credential, Method::GET, path, None).await.0 == status).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_authentication_caches_is_dropped_on_every_replica_when_it_is_revoked() {
    let env = TestEnv::new("replicas").await;
    let metrics = [("TALENTI_METRICS_TOKEN", METRICS_TOKEN)];
    let a = env.api(&metrics).await;
    let b = env.api(&metrics).await;
    let org = a.organisation("replica").await;
    let (status, key) = a
        .call(
            &org.owner,
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({ "name": "ci", "scopes": ["read"] })),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let secret = key["key"].as_str().unwrap().to_owned();

    // Replica B serves these callers from its cache after their first
    // request.
    let hits = cache_lookups(&b, &["result=\"hit\""]).await;
    for _ in 0..3 {
        for who in [&org.admin, &org.reviewer] {
            assert_eq!(
                b.call(who, Method::GET, "/api/v1/members", None).await.0,
                200
            );
        }
        assert_eq!(
            b.call_with(&secret, Method::GET, "/api/v1/jobs", None)
                .await
                .0,
            200
        );
        assert_eq!(
            b.req(Method::GET, "/api/v1/queues")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    assert!(
        cache_lookups(&b, &["result=\"hit\"", "what=\"session\""]).await - hits >= 6.0,
        "replica B did not serve sessions from its cache"
    );
    assert!(cache_lookups(&b, &["result=\"hit\"", "what=\"memberships\""]).await >= 4.0);
    assert!(cache_lookups(&b, &["result=\"hit\"", "what=\"api_key\""]).await >= 2.0);

    // Each revocation, made through replica A or by an operator, applies
    // on B at once.
    let (status, _) = a
        .call(
            &org.admin,
            Method::POST,
            "/api/v1/auth/logout",
            Some(json!({ "refresh_token": org.admin.refresh_token })),
        )
        .await;
    assert_eq!(status, 204);
    answers(&b, &org.admin.access_token, "/api/v1/members", 401).await;

    let (status, _) = a
        .call(
            &org.owner,
            Method::DELETE,
            &format!("/api/v1/members/{}", org.reviewer.user_id),
            None,
        )
        .await;
    assert_eq!(status, 204);
    answers(&b, &org.reviewer.access_token, "/api/v1/members", 400).await;

    let (status, _) = a
        .call(
            &org.owner,
            Method::DELETE,
            &format!(
                "/api/v1/api-keys/{}",
                key["api_key"]["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 204);
    answers(&b, &secret, "/api/v1/jobs", 401).await;

    env.operator(&["platform-admin", "revoke", "ops@talenti.test"]);
    tests::wait_for(
        "the operator's revoked grant to apply on B",
        std::time::Duration::from_secs(3),
        || async {
            let status = b
                .req(Method::POST, "/api/v1/admin/jobs")
                .json(&json!({ "kind": "noop" }))
                .send()
                .await
                .unwrap()
                .status();
            (status == 403).then_some(())
        },
    )
    .await;
    // The others still work, from the cache or not.
    assert_eq!(
        b.call(&org.owner, Method::GET, "/api/v1/members", None)
            .await
            .0,
        200
    );
}
