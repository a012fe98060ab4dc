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
