//! Retention: recordings past their organisation's retention are deleted
//! from storage and marked on the interview; one that cannot be deleted is
//! reported and does not stop the rest.

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::json;
use tests::TestApp;

/// Gives the interview a stored recording, ended `days_ago`; returns the
/// file (None for a key that is not a stored object's).
async fn recording(app: &TestApp, interview: &str, key: &str, days_ago: i32) -> std::path::PathBuf {
    let file = app.env.log_dir.join("storage").join(key);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    if !key.contains("..") {
        std::fs::write(&file, b"webm bytes").unwrap();
    }
    sqlx::query(
        "UPDATE interviews SET status = 'completed', recording_ref = $2,
                completed_at = now() - make_interval(days => $3) WHERE id = $1::uuid",
    )
    .bind(interview)
    .bind(key)
    .bind(days_ago)
    .execute(&app.env.pool)
    .await
    .unwrap();
    file
}

async fn interview_row(app: &TestApp, id: &str) -> (Option<String>, bool, Option<String>) {
    sqlx::query_as(
        "SELECT recording_ref, recording_deleted_at IS NOT NULL, recording_delete_error
         FROM interviews WHERE id = $1::uuid",
    )
    .bind(id)
    .fetch_one(&app.env.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_recordings_are_deleted_and_a_failure_does_not_stop_the_batch() {
    let app = TestApp::new("retention").await;
    let a = app.organisation("keepco").await;
    let b = app.organisation("shortco").await;
    let (s, org) = app
        .call(
            &b.owner,
            Method::PATCH,
            "/api/v1/organisation",
            Some(json!({ "recording_retention_days": 10 })),
        )
        .await;
    assert_eq!(
        (s, org["recording_retention_days"].as_i64()),
        (200, Some(10)),
        "{org}"
    );
    assert_eq!(org["name"], "shortco");
    let (s, _) = app
        .call(
            &b.owner,
            Method::PATCH,
            "/api/v1/organisation",
            Some(json!({ "recording_retention_days": 0 })),
        )
        .await;
    assert_eq!(s, 422);

    let mut ids = Vec::new();
    for (org, email) in [
        (&a, "old@example.com"),
        (&a, "recent@example.com"),
        (&a, "broken@example.com"),
        (&b, "short@example.com"),
    ] {
        let iv = app.scheduled_interview(&org.recruiter, email).await;
        ids.push(iv["id"].as_str().unwrap().to_owned());
    }
    let old = recording(&app, &ids[0], &format!("recordings/{}/old.webm", a.id), 100).await;
    let recent = recording(
        &app,
        &ids[1],
        &format!("recordings/{}/recent.webm", a.id),
        30,
    )
    .await;
    recording(&app, &ids[2], "../outside.webm", 100).await;
    let short = recording(
        &app,
        &ids[3],
        &format!("recordings/{}/short.webm", b.id),
        20,
    )
    .await;

    let job = app.enqueue("retention_cleanup", json!({})).await;
    let result = app.settled(job, JobStatus::Succeeded).await.result.unwrap();
    assert_eq!(
        (result["deleted"].as_i64(), result["failed"].as_i64()),
        (Some(2), Some(1)),
        "{result}"
    );
    assert_eq!(result["failures"][0]["interview_id"], ids[2]);

    assert!(!old.exists() && !short.exists());
    assert!(recent.exists(), "within retention");
    for id in [&ids[0], &ids[3]] {
        assert_eq!(interview_row(&app, id).await, (None, true, None));
    }
    let (kept, deleted, _) = interview_row(&app, &ids[1]).await;
    assert!(kept.is_some() && !deleted);
    let (kept, deleted, error) = interview_row(&app, &ids[2]).await;
    assert!(kept.is_some() && !deleted && error.unwrap().contains("not a stored object"));

    // The next run resumes with what is still due: only the failure.
    let again = app.enqueue("retention_cleanup", json!({})).await;
    let result = app
        .settled(again, JobStatus::Succeeded)
        .await
        .result
        .unwrap();
    assert_eq!(
        (result["deleted"].as_i64(), result["failed"].as_i64()),
        (Some(0), Some(1))
    );
}
