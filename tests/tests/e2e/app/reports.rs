//! Candidate reports (issue 10): rendered by a job from the application's
//! profile, requirement match and scored interview, stored, downloaded as a
//! PDF, and read back as text.

use axum::http::Method;
use serde_json::{json, Value};
use tests::{fixture, TestApp};

#[tokio::test]
async fn a_report_is_rendered_stored_and_reads_back_with_the_interview_evidence() {
    let api = TestApp::new("reports").await;
    let org = api.organisation("rp").await;
    let r = &org.recruiter;
    let role_path = api
        .job_role(r, "jd_01", "Senior Backend Engineer (Go)")
        .await;
    api.call(
        r,
        Method::POST,
        &format!("{role_path}/extract-requirements"),
        None,
    )
    .await;
    let resume = api.parsed_resume(r, &role_path, "resume_01.pdf").await;
    let app = resume["application_id"].as_str().unwrap().to_owned();
    let report_path = format!("/api/v1/applications/{app}/report");

    let (st, v) = api.call(r, Method::GET, &report_path, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("no_report")),
        "{v}"
    );
    let (st, _) = api
        .call(&org.reviewer, Method::POST, &report_path, None)
        .await;
    assert_eq!(st, 403);

    // A scored interview.
    let (_, iv) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/applications/{app}/interviews"),
            Some(json!({})),
        )
        .await;
    let iv_path = format!("/api/v1/interviews/{}", iv["id"].as_str().unwrap());
    api.call(
        r,
        Method::PATCH,
        &iv_path,
        Some(json!({ "status": "in_progress" })),
    )
    .await;
    let turns: Vec<Value> = serde_json::from_slice(&fixture("transcripts/tr_01.json")).unwrap();
    let segments: Vec<Value> = turns
        .iter()
        .map(|t| json!({ "speaker": t["speaker"], "content": t["content"], "start_ms": t["start_ms"], "end_ms": t["start_ms"] }))
        .collect();
    api.call(
        r,
        Method::POST,
        &format!("{iv_path}/transcript"),
        Some(json!({ "segments": segments })),
    )
    .await;
    api.call(
        r,
        Method::PATCH,
        &iv_path,
        Some(json!({ "status": "completed" })),
    )
    .await;
    api.run_pending_jobs().await;
    let (_, score) = api
        .call(r, Method::GET, &format!("{iv_path}/score"), None)
        .await;
    let quote = score["score"]["dimensions"][0]["quotes"][0]
        .as_str()
        .unwrap()
        .to_owned();

    let (st, job) = api.call(r, Method::POST, &report_path, None).await;
    assert_eq!(st, 202, "{job}");
    api.run_pending_jobs().await;
    let res = api
        .as_(&org.reviewer.access_token, Method::GET, &report_path)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let read = pdf_text::extract(res.bytes(), &documents::Limits::default())
        .expect("the report is a readable PDF");
    let text = read.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let quote = quote.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Amara Okonkwo",
        "Senior Backend Engineer (Go)",
        "Required skills matched: Go, PostgreSQL, Kubernetes, Docker, AWS",
        "Technical Skills",
        "Integrity risk: low",
        "scored by builtin-1",
    ] {
        assert!(text.contains(needle), "missing `{needle}`: {text}");
    }
    assert!(
        text.contains(&quote[..quote.len().min(60)]),
        "the interview quote is in the report: {quote}"
    );
}
