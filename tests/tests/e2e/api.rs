//! The API against its dependencies: readiness with Redis away.
use tests::TestEnv;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_each_dependency() {
    let env = TestEnv::new("health").await;
    let api = env.api(&[]).await;
    let (s, body) = api.get_json("/health/ready").await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["checks"]["postgres"]["status"], "ok");
    assert_eq!(body["checks"]["redis"]["status"], "ok");

    let broken = env.api(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let (s, body) = broken.get_json("/health/ready").await;
    assert_eq!(s, 503);
    assert_eq!(body["checks"]["redis"]["status"], "unavailable");
    assert_eq!(body["checks"]["postgres"]["status"], "ok");
    let (s, _) = broken.get_json("/health/live").await;
    assert_eq!(s, 200);
}
