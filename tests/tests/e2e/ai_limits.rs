//! The AI provider's rate limit, shared by two worker processes through
//! Redis: the local OpenAI-compatible server never sees more than the
//! configured rate (plus the burst), and jobs that find the bucket empty are
//! snoozed — back in the queue without using an attempt — not left
//! sleeping in a slot.

use std::time::{Duration, Instant};

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::json;
use tests::fake_openai::{Answer, Fake};
use tests::TestEnv;
use uuid::Uuid;

const T: Duration = Duration::from_secs(120);
/// 5 a second, at most one second of it at once.
const PER_MINUTE: f64 = 300.0;
const BURST: f64 = 5.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_one_rate_limit_and_wait_without_holding_slots() {
    let env = TestEnv::new("ai-limits").await;
    let requirements = json!({
        "required_skills": ["Go"], "preferred_skills": [], "min_years_experience": 3,
        "education": null, "certifications": [], "responsibilities": [], "competencies": [],
        "seniority": "mid"
    });
    let (fake, url) = Fake::start(vec![Answer::Tool(requirements)]).await;
    let api = env.api(&[]).await;
    let ai = [
        ("TALENTI_AI_PROVIDER", "openai"),
        ("TALENTI_AI_BASE_URL", url.as_str()),
        ("TALENTI_AI_MODEL", "test-model"),
        ("TALENTI_AI_API_KEY", "sk-test"),
        ("TALENTI_AI_REQUESTS_PER_MINUTE", "300"),
        ("TALENTI_AI_BURST_SECS", "1"),
    ];
    let _w1 = env.worker("worker-1", &ai);
    let _w2 = env.worker("worker-2", &ai);
    let org = api.organisation("limitco").await;
    let r = &org.recruiter;
    let mut paths = Vec::new();
    for n in 0..30 {
        let role = api.job_role(r, "jd_01", &format!("Role {n}")).await;
        paths.push(format!("{role}/extract-requirements"));
    }
    // All 30 asked for at once, so that most find the bucket empty however
    // busy the machine is.
    let start = Instant::now();
    let asked = futures::future::join_all(
        paths
            .iter()
            .map(|path| api.call(r, Method::POST, path, None)),
    )
    .await;
    let mut jobs = Vec::new();
    for (s, job) in asked {
        assert_eq!(s, 202, "{job}");
        jobs.push(job["job_id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    for id in &jobs {
        env.wait_status(*id, JobStatus::Succeeded, T).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let times = fake.times.lock().unwrap().clone();
    assert_eq!(times.len(), 30, "one call per job");
    // Over any window of W seconds: at most the burst plus the rate's worth
    // (and one for the clocks of Redis and of this test).
    for (i, t) in times.iter().enumerate() {
        for w in [0.5, 1.0, 2.0, 4.0] {
            let seen = times[i..]
                .iter()
                .take_while(|u| u.duration_since(*t).as_secs_f64() <= w)
                .count() as f64;
            let allowed = BURST + PER_MINUTE / 60.0 * w + 1.0;
            assert!(
                seen <= allowed,
                "{seen} calls within {w}s (allowed {allowed})"
            );
        }
    }
    assert!(
        elapsed >= (30.0 - BURST) / 5.0 - 1.0,
        "took only {elapsed:.1}s"
    );
    // Jobs that waited were snoozed: no attempt used, the reason shown.
    let most_attempts = env
        .count("SELECT max(attempt)::int8 FROM jobs WHERE kind = 'extract_requirements'")
        .await;
    assert_eq!(most_attempts, 1, "waiting for the limit used no attempt");
    let waited = env
        .count("SELECT count(*) FROM jobs WHERE kind = 'extract_requirements' AND last_error LIKE 'waiting for the AI rate limit%'")
        .await;
    assert!(waited >= 10, "only {waited} jobs waited");
}
