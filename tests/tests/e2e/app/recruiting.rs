//! The recruiting domain: job roles, candidates, applications through the
//! pipeline, interviews and transcripts.

use reqwest::Method;
use serde_json::{json, Value};
use tests::{error_fields as fields, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_roles_crud_with_validated_rubric_search_and_pagination() {
    let api = TestApp::new("job-roles").await;
    let env = &api.env;
    let org = api.organisation("jr").await;
    let r = &org.recruiter;

    let (st, body) = api
        .call(
            r,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({
                "title": "",
                "rubric": [
                    { "name": "Rust", "weight": 2 },
                    { "name": "rust", "weight": 1 },
                    { "name": "Communication", "weight": -1 }
                ]
            })),
        )
        .await;
    assert_eq!(st, 422);
    assert_eq!(
        fields(&body),
        ["title", "rubric[1].name", "rubric[2].weight"]
    );
    assert_eq!(env.count("SELECT count(*) FROM job_roles").await, 0);

    let (st, role) = api
        .call(
            r,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({
                "title": "Senior Backend Engineer",
                "description": "Build the payments platform in Rust and Postgres.",
                "location": "Lagos",
                "requirements": "5+ years backend; Rust or Go",
                "rubric": [
                    { "name": "System design", "weight": 3, "description": "Trade-offs, scale" },
                    { "name": "Communication", "weight": 1 }
                ]
            })),
        )
        .await;
    assert_eq!(st, 201, "{role}");
    assert_eq!(role["status"], "draft");
    assert_eq!(role["rubric"][0]["weight"], 3.0);
    let id = role["id"].as_str().unwrap();

    let (st, patched) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/job-roles/{id}"),
            Some(json!({ "status": "open", "location": null })),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(patched["status"], "open");
    assert!(patched["location"].is_null());
    assert_eq!(
        patched["title"], "Senior Backend Engineer",
        "absent fields stay"
    );

    for t in [
        "Data Analyst",
        "Frontend Engineer",
        "Site Reliability Engineer",
    ] {
        let (st, _) = api
            .call(
                r,
                Method::POST,
                "/api/v1/job-roles",
                Some(json!({ "title": t })),
            )
            .await;
        assert_eq!(st, 201);
    }
    let (_, found) = api
        .call(r, Method::GET, "/api/v1/job-roles?q=payments", None)
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, engineers) = api
        .call(r, Method::GET, "/api/v1/job-roles?q=engineer", None)
        .await;
    assert_eq!(engineers["items"].as_array().unwrap().len(), 3);
    let (_, open) = api
        .call(r, Method::GET, "/api/v1/job-roles?status=open", None)
        .await;
    assert_eq!(open["items"][0]["id"], role["id"]);
    let (_, p1) = api
        .call(r, Method::GET, "/api/v1/job-roles?limit=3", None)
        .await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 3);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/job-roles?limit=3&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert!(p2["next_cursor"].is_null());
    let (st, _) = api
        .call(r, Method::GET, "/api/v1/job-roles?status=archived", None)
        .await;
    assert_eq!(st, 400);

    let (st, _) = api
        .call(r, Method::DELETE, &format!("/api/v1/job-roles/{id}"), None)
        .await;
    assert_eq!(st, 204);
    let (st, _) = api
        .call(r, Method::GET, &format!("/api/v1/job-roles/{id}"), None)
        .await;
    assert_eq!(st, 404);
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'job_role.deleted'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_applications_and_the_pipeline() {
    let api = TestApp::new("pipeline").await;
    let env = &api.env;
    let org = api.organisation("pl").await;
    let r = &org.recruiter;

    let amara = json!({
        "first_name": "Amara", "last_name": "Okonkwo", "email": "amara.okonkwo@example.com",
        "phone": "+234 803 555 0142", "linkedin_url": "https://www.linkedin.com/in/amara-okonkwo",
        "skills": ["Rust", "PostgreSQL"],
        "experience": [{ "job_title": "Senior Backend Engineer", "company_name": "Paystride",
                         "start_date": "2021-02", "end_date": null, "is_current": true }],
        "education": [{ "institution": "University of Lagos", "degree": "B.Sc.", "end_year": 2016 }],
        "certifications": ["AWS Certified Solutions Architect – Associate"]
    });
    let (st, cand) = api
        .call(r, Method::POST, "/api/v1/candidates", Some(amara.clone()))
        .await;
    assert_eq!(st, 201, "{cand}");
    assert_eq!(cand["experience"][0]["is_current"], true);
    let (st, dup) = api
        .call(r, Method::POST, "/api/v1/candidates", Some(json!({ "first_name": "A", "last_name": "O", "email": "AMARA.OKONKWO@example.com" })))
        .await;
    assert_eq!((st, fields(&dup)), (409, vec!["email".to_owned()]));
    let (st, bad) = api
        .call(r, Method::POST, "/api/v1/candidates", Some(json!({
            "first_name": "X", "last_name": "Y", "email": "x@example.com", "linkedin_url": "javascript:alert(1)",
            "experience": [{ "job_title": "Dev", "company_name": "Co", "start_date": "2021-13" }]
        })))
        .await;
    assert_eq!(
        (st, fields(&bad)),
        (
            422,
            vec![
                "linkedin_url".to_owned(),
                "experience[0].start_date".to_owned()
            ]
        )
    );
    let (_, by_skill) = api
        .call(r, Method::GET, "/api/v1/candidates?skill=rust", None)
        .await;
    assert_eq!(by_skill["items"].as_array().unwrap().len(), 1);

    let (_, role) = api
        .call(
            r,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": "Backend", "status": "open" })),
        )
        .await;
    let app_body = json!({ "candidate_id": cand["id"], "job_role_id": role["id"] });
    let (st, app) = api
        .call(
            r,
            Method::POST,
            "/api/v1/applications",
            Some(app_body.clone()),
        )
        .await;
    assert_eq!((st, app["stage"].as_str()), (201, Some("applied")));
    let (st, dup) = api
        .call(r, Method::POST, "/api/v1/applications", Some(app_body))
        .await;
    assert_eq!((st, fields(&dup)), (409, vec!["candidate_id".to_owned()]));
    let (st, missing) = api
        .call(
            r,
            Method::POST,
            "/api/v1/applications",
            Some(json!({ "candidate_id": uuid::Uuid::now_v7(), "job_role_id": role["id"] })),
        )
        .await;
    assert_eq!(
        (st, fields(&missing)),
        (422, vec!["candidate_id".to_owned()])
    );

    let app_id = app["id"].as_str().unwrap();
    let stage = |to: &str| {
        let api = &api;
        let path = format!("/api/v1/applications/{app_id}/stage");
        let body = json!({ "stage": to, "reason": format!("to {to}") });
        async move { api.call(r, Method::POST, &path, Some(body)).await }
    };
    assert_eq!(stage("hired").await.0, 409, "cannot skip to hired");
    assert_eq!(stage("screening").await.0, 200);
    assert_eq!(stage("interview").await.0, 200);
    let (st, back) = stage("screening").await;
    assert_eq!(st, 409);
    assert!(back["error"]["message"]
        .as_str()
        .unwrap()
        .contains("allowed: offer, rejected, withdrawn"));
    assert_eq!(stage("offer").await.0, 200);
    assert_eq!(stage("hired").await.0, 200);
    assert_eq!(stage("rejected").await.0, 409, "hired is final");
    let (st, reviewer_try) = api
        .call(
            &org.reviewer,
            Method::POST,
            &format!("/api/v1/applications/{app_id}/stage"),
            Some(json!({ "stage": "rejected" })),
        )
        .await;
    assert_eq!(st, 403, "{reviewer_try}");

    let (_, history) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/applications/{app_id}/history"),
            None,
        )
        .await;
    let moves: Vec<(Value, Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["from_stage"].clone(), m["to_stage"].clone()))
        .collect();
    assert_eq!(
        moves,
        vec![
            (Value::Null, json!("applied")),
            (json!("applied"), json!("screening")),
            (json!("screening"), json!("interview")),
            (json!("interview"), json!("offer")),
            (json!("offer"), json!("hired")),
        ]
    );
    let (_, hired) = api
        .call(r, Method::GET, "/api/v1/applications?stage=hired", None)
        .await;
    assert_eq!(hired["items"].as_array().unwrap().len(), 1);

    // Closed roles take no new applications.
    let (_, other) = api
        .call(
            r,
            Method::POST,
            "/api/v1/candidates",
            Some(json!({ "first_name": "B", "last_name": "C", "email": "b@example.com" })),
        )
        .await;
    let (_, closed) = api
        .call(
            r,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": "Old", "status": "closed" })),
        )
        .await;
    let (st, _) = api
        .call(
            r,
            Method::POST,
            "/api/v1/applications",
            Some(json!({ "candidate_id": other["id"], "job_role_id": closed["id"] })),
        )
        .await;
    assert_eq!(st, 409);

    // Deleting a candidate removes their applications (audited).
    let cid = cand["id"].as_str().unwrap();
    assert_eq!(
        api.call(
            r,
            Method::DELETE,
            &format!("/api/v1/candidates/{cid}"),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        api.call(
            r,
            Method::GET,
            &format!("/api/v1/applications/{app_id}"),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'candidate.deleted'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interviews_and_transcripts_append_in_order() {
    let api = TestApp::new("interviews").await;
    let org = api.organisation("iv").await;
    let r = &org.recruiter;
    let (_, cand) = api
        .call(
            r,
            Method::POST,
            "/api/v1/candidates",
            Some(json!({ "first_name": "C", "last_name": "D", "email": "c@example.com" })),
        )
        .await;
    let (_, role) = api
        .call(
            r,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": "QA", "status": "open" })),
        )
        .await;
    let (_, app) = api
        .call(
            r,
            Method::POST,
            "/api/v1/applications",
            Some(json!({ "candidate_id": cand["id"], "job_role_id": role["id"] })),
        )
        .await;
    let app_id = app["id"].as_str().unwrap();
    let (st, iv) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/applications/{app_id}/interviews"),
            Some(json!({
                "scheduled_at": "2026-12-01T10:00:00Z", "expires_at": "2026-12-08T10:00:00Z"
            })),
        )
        .await;
    assert_eq!(
        (st, iv["status"].as_str()),
        (201, Some("scheduled")),
        "{iv}"
    );
    let id = iv["id"].as_str().unwrap();
    let path = |p: &str| format!("/api/v1/interviews/{id}{p}");

    let (st, _) = api
        .call(
            r,
            Method::PATCH,
            &path(""),
            Some(json!({ "status": "completed" })),
        )
        .await;
    assert_eq!(st, 409, "scheduled → completed skips in_progress");
    let (st, started) = api
        .call(
            r,
            Method::PATCH,
            &path(""),
            Some(json!({ "status": "in_progress" })),
        )
        .await;
    assert_eq!(st, 200);
    assert!(started["started_at"].is_string());

    let seg = |start: i32, text: &str| json!({ "speaker": "candidate", "content": text, "start_ms": start, "end_ms": start + 900, "confidence": 0.93 });
    let (st, a) = api
        .call(
            r,
            Method::POST,
            &path("/transcript"),
            Some(json!({ "segments": [seg(0, "Hello"), seg(1000, "I build APIs")] })),
        )
        .await;
    assert_eq!((st, a["total"].as_i64()), (200, Some(2)), "{a}");
    let (st, bad) = api
        .call(
            r,
            Method::POST,
            &path("/transcript"),
            Some(json!({ "segments": [seg(5000, "later"), seg(4000, "earlier")] })),
        )
        .await;
    assert_eq!(
        (st, fields(&bad)),
        (422, vec!["segments[1].start_ms".to_owned()])
    );
    let (st, _) = api
        .call(
            r,
            Method::POST,
            &path("/transcript"),
            Some(json!({ "segments": [seg(500, "before last")] })),
        )
        .await;
    assert_eq!(st, 422);
    let (st, _) = api
        .call(r, Method::POST, &path("/transcript"), Some(json!({ "segments": [{ "speaker": "x", "content": "y", "start_ms": 3000, "end_ms": 2000 }] })))
        .await;
    assert_eq!(st, 422);
    let (st, a) = api
        .call(
            r,
            Method::POST,
            &path("/transcript"),
            Some(json!({ "segments": [seg(2000, "Thanks")] })),
        )
        .await;
    assert_eq!((st, a["total"].as_i64()), (200, Some(3)));

    let (_, t) = api
        .call(&org.reviewer, Method::GET, &path("/transcript"), None)
        .await;
    let seqs: Vec<i64> = t
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["seq"].as_i64().unwrap())
        .collect();
    let texts: Vec<&str> = t
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(seqs, [0, 1, 2]);
    assert_eq!(texts, ["Hello", "I build APIs", "Thanks"]);

    let (st, done) = api
        .call(
            r,
            Method::PATCH,
            &path(""),
            Some(json!({ "status": "completed", "recording_ref": "recordings/iv-1.webm" })),
        )
        .await;
    assert_eq!((st, done["status"].as_str()), (200, Some("completed")));
    assert!(done["completed_at"].is_string());
    let (st, _) = api
        .call(
            r,
            Method::POST,
            &path("/transcript"),
            Some(json!({ "segments": [seg(9000, "late")] })),
        )
        .await;
    assert_eq!(st, 409, "completed interviews take no more transcript");
    let (_, listed) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews?application_id={app_id}&status=completed"),
            None,
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}
