//! Resume uploads through the whole job path, run in process: storage,
//! parse job (pdfium, DOCX), the built-in AI engine, candidate profile.

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::{json, Value};
use tests::{OrgFixture, TestApp, TestEnv};
use uuid::Uuid;

async fn role(api: &TestApp, org: &OrgFixture) -> String {
    role_named(api, org, "Backend Engineer").await
}

fn storage_dir(env: &TestEnv) -> std::path::PathBuf {
    env.log_dir.join("storage")
}

fn stored_files(env: &TestEnv) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&storage_dir(env))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_typed_by_content_and_bad_ones_store_nothing() {
    let api = TestApp::with_args("upload-limits", &[("--upload-max-bytes", "1000000")]).await;
    let env = &api.env;
    let org = api.organisation("up").await;
    let role = role(&api, &org).await;
    let path = format!("/api/v1/job-roles/{role}/resumes");

    let (st, body) = api.upload(&org.recruiter, &path, "bad/empty.pdf").await;
    assert_eq!(
        (st, body["error"]["fields"][0]["field"].as_str()),
        (422, Some("file")),
        "{body}"
    );
    let (st, body) = api
        .upload(&org.recruiter, &path, "bad/resume_screenshot.pdf")
        .await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "{body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("PNG image"));
    let (st, body) = api
        .upload(&org.recruiter, &path, "bad/huge_text_5mb.pdf")
        .await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    // A JSON body instead of a form.
    let (st, _) = api
        .call(
            &org.recruiter,
            Method::POST,
            &path,
            Some(json!({ "file": "x" })),
        )
        .await;
    assert!((400..500).contains(&st), "{st}");
    // Reviewers may not upload; unknown roles are 404.
    let (st, _) = api.upload(&org.reviewer, &path, "resume_01.pdf").await;
    assert_eq!(st, 403);
    let (st, _) = api
        .upload(
            &org.recruiter,
            &format!("/api/v1/job-roles/{}/resumes", Uuid::now_v7()),
            "resume_01.pdf",
        )
        .await;
    assert_eq!(st, 404);

    assert_eq!(env.count("SELECT count(*) FROM resumes").await, 0);
    // (The organisation's invitation emails are its only jobs.)
    assert_eq!(
        env.count("SELECT count(*) FROM jobs WHERE kind <> 'send_email'")
            .await,
        0
    );
    assert_eq!(stored_files(env), 0);

    // A good one is stored once, with a job, in one go.
    let (st, ok) = api.upload(&org.recruiter, &path, "resume_01.pdf").await;
    assert_eq!(st, 202, "{ok}");
    assert_eq!(stored_files(env), 1);
    let (st, resume) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/resumes/{}", ok["resume_id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        (st, resume["kind"].as_str(), resume["status"].as_str()),
        (200, Some("pdf"), Some("uploaded"))
    );
    let (st, docx) = api.upload(&org.recruiter, &path, "bad/resume.docx").await;
    assert_eq!(st, 202, "{docx}");
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builtin_engine_turns_pdf_and_docx_resumes_into_candidates() {
    let api = TestApp::new("builtin-parse").await;
    let org = api.organisation("bi").await;
    let role = role(&api, &org).await;
    for (file, truth) in [
        ("resume_01.pdf", "resume_01.json"),
        ("bad/resume.docx", "bad/resume.docx.json"),
    ] {
        let truth: Value = serde_json::from_slice(&tests::fixture(truth)).unwrap();
        let (st, up) = api
            .upload(
                &org.recruiter,
                &format!("/api/v1/job-roles/{role}/resumes"),
                file,
            )
            .await;
        assert_eq!(st, 202, "{up}");
        let job: Uuid = up["job_id"].as_str().unwrap().parse().unwrap();
        let done = api.settled(job, JobStatus::Succeeded).await;
        let result = done.result.unwrap();
        assert_eq!(result["parser_version"], extraction::ENGINE_VERSION);
        let (_, cand) = api
            .call(
                &org.reviewer,
                Method::GET,
                &format!(
                    "/api/v1/candidates/{}",
                    result["candidate_id"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(cand["email"], truth["email"], "{file}");
        assert_eq!(cand["last_name"], truth["last_name"], "{file}");
        let skills: Vec<&str> = cand["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let expected: Vec<&str> = truth["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let found = expected.iter().filter(|s| skills.contains(s)).count();
        assert!(
            found * 10 >= expected.len() * 8,
            "{file}: {skills:?} vs {expected:?}"
        );
        assert_eq!(
            cand["experience"].as_array().unwrap().len(),
            truth["experience"].as_array().unwrap().len(),
            "{file}"
        );
        let (_, resume) = api
            .call(
                &org.reviewer,
                Method::GET,
                &format!("/api/v1/resumes/{}", up["resume_id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(resume["status"], "parsed");
        assert_eq!(resume["candidate_id"], cand["id"]);
    }
    // Both became applicants of the role.
    let (_, apps) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/applications?job_role_id={role}"),
            None,
        )
        .await;
    assert_eq!(apps["items"].as_array().unwrap().len(), 2);

    // The role's requirements, by the built-in engine.
    let path = api
        .job_role(&org.recruiter, "jd_01", "Senior Backend Engineer (Go)")
        .await;
    let id = path.rsplit('/').next().unwrap();
    let (_, job) = api
        .call(
            &org.recruiter,
            Method::POST,
            &format!("/api/v1/job-roles/{id}/extract-requirements"),
            None,
        )
        .await;
    api.settled(
        job["job_id"].as_str().unwrap().parse().unwrap(),
        JobStatus::Succeeded,
    )
    .await;
    let (_, jr) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/job-roles/{id}"),
            None,
        )
        .await;
    let truth: Value = serde_json::from_slice(&tests::fixture("jobs/jd_01.json")).unwrap();
    let mut got: Vec<String> =
        serde_json::from_value(jr["extracted_requirements"]["required_skills"].clone()).unwrap();
    let mut want: Vec<String> = serde_json::from_value(truth["required_skills"].clone()).unwrap();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

/// A candidate's phone is sealed for their own row whichever way a parse
/// finds them: a role upload of an email already known (the upsert lands
/// on the existing candidate), an upload to their application, and a
/// recruiter's own edit that a parse leaves alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parse_seals_the_phone_for_whichever_candidate_it_lands_on() {
    let api = TestApp::new("phone-seal").await;
    let org = api.organisation("ph").await;
    let r = &org.recruiter;
    let (role_a, role_b) = (role(&api, &org).await, role(&api, &org).await);
    let (st, cand) = api
        .call(
            r,
            Method::POST,
            "/api/v1/candidates",
            Some(json!({ "first_name": "A", "last_name": "O", "email": "Amara.Okonkwo@example.com" })),
        )
        .await;
    assert_eq!(st, 201, "{cand}");
    let id = cand["id"].as_str().unwrap().to_owned();
    assert_eq!(cand["phone"], Value::Null);
    let phone = || async {
        let (st, c) = api
            .call(r, Method::GET, &format!("/api/v1/candidates/{id}"), None)
            .await;
        assert_eq!(st, 200, "{c}");
        (c["phone"].clone(), c["phone_e164"].clone())
    };
    let printed = (json!("+234 803 555 0142"), json!("+2348035550142"));

    // A role upload of the same email: the same candidate, now with the phone.
    let parsed = api
        .parsed_resume(r, &format!("/api/v1/job-roles/{role_b}"), "resume_01.pdf")
        .await;
    assert_eq!(
        parsed["candidate_id"].as_str(),
        Some(id.as_str()),
        "{parsed}"
    );
    assert_eq!(phone().await, printed);

    // An upload to their application, after the recruiter cleared the phone.
    let (st, _) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/candidates/{id}"),
            Some(json!({ "phone": null })),
        )
        .await;
    assert_eq!(st, 200);
    sqlx::query("UPDATE candidates SET edited_fields = '{}'")
        .execute(&api.env.pool)
        .await
        .unwrap();
    let (st, app) = api
        .call(
            r,
            Method::POST,
            "/api/v1/applications",
            Some(json!({ "candidate_id": id, "job_role_id": role_a })),
        )
        .await;
    assert_eq!(st, 201, "{app}");
    let (st, up) = api
        .upload(
            r,
            &format!(
                "/api/v1/applications/{}/resume",
                app["id"].as_str().unwrap()
            ),
            "resume_01.pdf",
        )
        .await;
    assert_eq!(st, 202, "{up}");
    api.run_pending_jobs().await;
    assert_eq!(phone().await, printed);

    // The recruiter's number stays through another parse.
    let (st, _) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/candidates/{id}"),
            Some(json!({ "phone": "+44 20 7946 0958" })),
        )
        .await;
    assert_eq!(st, 200);
    api.parsed_resume(r, &format!("/api/v1/job-roles/{role_b}"), "resume_01.pdf")
        .await;
    assert_eq!(
        phone().await,
        (json!("+44 20 7946 0958"), json!("+442079460958"))
    );
    let (_, found) = api
        .call(r, Method::GET, "/api/v1/candidates?q=%2B442079460958", None)
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    let (_, found) = api
        .call(
            r,
            Method::GET,
            "/api/v1/candidates?q=%2B2348035550142",
            None,
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 0, "{found}");
}

/// A resume without an email address is kept: its parse lands on a new
/// candidate marked as needing one, with the phone as printed and in
/// E.164; another upload of it (no email, the same phone) lands on the
/// same candidate; they cannot be invited until a recruiter adds the
/// address, and then can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_without_an_email_is_kept_on_a_candidate_needing_one() {
    let api = TestApp::new("no-email").await;
    let org = api.organisation("ne").await;
    let r = &org.recruiter;
    let (role_a, role_b) = (role(&api, &org).await, role(&api, &org).await);

    let first = api
        .parsed_resume(
            r,
            &format!("/api/v1/job-roles/{role_a}"),
            "api/no_email.pdf",
        )
        .await;
    assert_eq!(first["status"], "parsed", "{first}");
    assert_eq!(first["parsed"]["email"], Value::Null, "{first}");
    let id = first["candidate_id"]
        .as_str()
        .expect("a candidate")
        .to_owned();
    let (st, cand) = api
        .call(r, Method::GET, &format!("/api/v1/candidates/{id}"), None)
        .await;
    assert_eq!(st, 200, "{cand}");
    assert_eq!(
        (
            &cand["first_name"],
            &cand["last_name"],
            &cand["email"],
            &cand["needs_email"]
        ),
        (
            &json!("Tomasz"),
            &json!("Wiśniewski"),
            &Value::Null,
            &json!(true)
        ),
        "{cand}"
    );
    assert_eq!(cand["phone"], "+48 512 345 678", "{cand}");
    assert_eq!(cand["phone_e164"], "+48512345678", "{cand}");
    assert!(cand["skills"].as_array().unwrap().len() >= 5, "{cand}");
    let listed = |q: &'static str| {
        let api = &api;
        async move {
            let (st, page) = api
                .call(r, Method::GET, &format!("/api/v1/candidates?{q}"), None)
                .await;
            assert_eq!(st, 200, "{page}");
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("needs_email=true").await, std::slice::from_ref(&id));
    assert!(listed("needs_email=false").await.is_empty());
    // Found by the number however it is typed.
    assert_eq!(listed("q=%2B48512345678").await, std::slice::from_ref(&id));

    // The same resume for another role: the same person, by phone.
    let second = api
        .parsed_resume(
            r,
            &format!("/api/v1/job-roles/{role_b}"),
            "api/no_email.pdf",
        )
        .await;
    assert_eq!(
        second["candidate_id"].as_str(),
        Some(id.as_str()),
        "{second}"
    );
    let (_, apps) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/applications?candidate_id={id}"),
            None,
        )
        .await;
    assert_eq!(apps["items"].as_array().unwrap().len(), 2, "{apps}");

    // No address, no invitation; with one added, the invitation goes.
    let app = apps["items"][0]["id"].as_str().unwrap().to_owned();
    let (st, iv) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/applications/{app}/interviews"),
            Some(json!({
                "scheduled_at": chrono::Utc::now() + chrono::Duration::days(1),
                "expires_at": chrono::Utc::now() + chrono::Duration::days(8),
            })),
        )
        .await;
    assert_eq!(st, 201, "{iv}");
    let invite = format!(
        "/api/v1/interviews/{}/invitations",
        iv["id"].as_str().unwrap()
    );
    let (st, body) = api.call(r, Method::POST, &invite, Some(json!({}))).await;
    assert_eq!(st, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no email address"),
        "{body}"
    );
    let (st, cand) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/candidates/{id}"),
            Some(json!({ "email": "tomasz.w@example.pl" })),
        )
        .await;
    assert_eq!(st, 200, "{cand}");
    assert_eq!(cand["needs_email"], false, "{cand}");
    let (st, body) = api.call(r, Method::POST, &invite, Some(json!({}))).await;
    assert_eq!(st, 201, "{body}");
    assert!(listed("needs_email=true").await.is_empty());
}

/// A scanned resume (no text layer) is read by OCR on the worker: its
/// candidate gets the name, email, phone and most skills the scan shows,
/// and the parse says it was OCR and how confident.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanned_resume_is_parsed_through_ocr() {
    let api = TestApp::new("ocr-parse").await;
    let org = api.organisation("oc").await;
    let role = role(&api, &org).await;
    let truth: Value =
        serde_json::from_slice(&tests::fixture("bad/scanned_resume.ocr_ground_truth.json"))
            .unwrap();
    let (st, up) = api
        .upload(
            &org.recruiter,
            &format!("/api/v1/job-roles/{role}/resumes"),
            "bad/scanned_resume.pdf",
        )
        .await;
    assert_eq!(st, 202, "{up}");
    let job: Uuid = up["job_id"].as_str().unwrap().parse().unwrap();
    let done = api.settled(job, JobStatus::Succeeded).await;
    let cand_id = done.result.unwrap()["candidate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, cand) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/candidates/{cand_id}"),
            None,
        )
        .await;
    for field in ["first_name", "last_name", "email"] {
        assert_eq!(cand[field], truth[field], "{field}: {cand}");
    }
    let digits = |v: &Value| -> String {
        v.as_str()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect()
    };
    assert_eq!(
        digits(&cand["phone"]),
        digits(&truth["phone_e164"]),
        "{cand}"
    );
    let skills: Vec<&str> = cand["skills"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let expected: Vec<&str> = truth["skills"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let found = expected.iter().filter(|s| skills.contains(s)).count();
    assert!(
        found * 10 >= expected.len() * 8,
        "{skills:?} vs {expected:?}"
    );
    let (_, resume) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/resumes/{}", up["resume_id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(resume["status"], "parsed", "{resume}");
    let ocr = &resume["parsed"]["ocr"];
    assert_eq!(ocr["pages"], 1, "{resume}");
    assert!(ocr["mean_confidence"].as_f64().unwrap() > 80.0, "{ocr}");
}

/// A client that lost an upload's 202 finds the resume, and why it failed,
/// by listing: all of them, a role's, a candidate's, by status, page by
/// page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_are_listed_newest_first_with_filters() {
    let api = TestApp::new("resume-lists").await;
    let org = api.organisation("rl").await;
    let role = role(&api, &org).await;
    let other_role = role_named(&api, &org, "Other role").await;
    let upload = |role: String, file: &'static str| {
        let api = &api;
        let who = &org.recruiter;
        async move {
            let (st, up) = api
                .upload(who, &format!("/api/v1/job-roles/{role}/resumes"), file)
                .await;
            assert_eq!(st, 202, "{up}");
            up["resume_id"].as_str().unwrap().to_owned()
        }
    };
    let good = upload(role.clone(), "resume_01.pdf").await;
    let broken = upload(role.clone(), "bad/truncated.pdf").await;
    let elsewhere = upload(other_role.clone(), "resume_02.pdf").await;
    api.run_pending_jobs().await;
    let get = |path: String| {
        let api = &api;
        let who = &org.reviewer;
        async move {
            let (st, v) = api.call(who, Method::GET, &path, None).await;
            (st, v)
        }
    };
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (st, all) = get("/api/v1/resumes".into()).await;
    assert_eq!(st, 200, "{all}");
    assert_eq!(ids(&all), [elsewhere.as_str(), &broken, &good]);
    assert!(
        all["items"][0].get("parsed").is_none(),
        "lists carry no parse"
    );
    let (_, failed) = get("/api/v1/resumes?status=failed".into()).await;
    assert_eq!(ids(&failed), [broken.as_str()]);
    assert!(
        failed["items"][0]["error"]
            .as_str()
            .unwrap()
            .contains("damaged"),
        "{failed}"
    );
    let (_, of_role) = get(format!("/api/v1/job-roles/{role}/resumes")).await;
    assert_eq!(ids(&of_role), [broken.as_str(), &good]);
    let (_, same) = get(format!("/api/v1/resumes?job_role_id={role}")).await;
    assert_eq!(ids(&same), ids(&of_role));
    let candidate = all["items"][2]["candidate_id"].as_str().unwrap().to_owned();
    let (_, theirs) = get(format!("/api/v1/resumes?candidate_id={candidate}")).await;
    assert_eq!(ids(&theirs), [good.as_str()]);
    // Page by page.
    let (_, first) = get(format!("/api/v1/job-roles/{role}/resumes?limit=1")).await;
    assert_eq!(ids(&first), [broken.as_str()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = get(format!(
        "/api/v1/job-roles/{role}/resumes?limit=1&cursor={cursor}"
    ))
    .await;
    assert_eq!(ids(&second), [good.as_str()]);
    assert!(second["next_cursor"].is_null());
    // Unknown roles and bad filters are the caller's mistake.
    let (st, _) = get(format!("/api/v1/job-roles/{}/resumes", Uuid::now_v7())).await;
    assert_eq!(st, 404);
    let (st, _) = get("/api/v1/resumes?status=lost".into()).await;
    assert!(st == 400 || st == 422, "{st}");
    let (st, _) = get("/api/v1/resumes?limit=0".into()).await;
    assert_eq!(st, 422);
}

async fn role_named(api: &TestApp, org: &OrgFixture, title: &str) -> String {
    let (st, role) = api
        .call(
            &org.recruiter,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": title, "status": "open" })),
        )
        .await;
    assert_eq!(st, 201, "{role}");
    role["id"].as_str().unwrap().to_owned()
}
