//! Resume uploads through the whole job path: storage, parse job (pdfium,
//! DOCX), AI provider, candidate profile.

use std::time::Duration;

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::{json, Value};
use tests::{OrgFixture, TestEnv};
use uuid::Uuid;

const T: Duration = Duration::from_secs(60);

async fn role(api: &tests::Api, org: &OrgFixture) -> String {
    let (st, role) = api
        .call(
            &org.recruiter,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": "Backend Engineer", "status": "open" })),
        )
        .await;
    assert_eq!(st, 201);
    role["id"].as_str().unwrap().to_owned()
}

async fn application(
    api: &tests::Api,
    org: &OrgFixture,
    role: &str,
    email: &str,
) -> (String, String) {
    let (_, cand) = api
        .call(
            &org.recruiter,
            Method::POST,
            "/api/v1/candidates",
            Some(json!({
                "first_name": "Placeholder", "last_name": "Name", "email": email
            })),
        )
        .await;
    let (st, app) = api
        .call(
            &org.recruiter,
            Method::POST,
            "/api/v1/applications",
            Some(json!({ "candidate_id": cand["id"], "job_role_id": role })),
        )
        .await;
    assert_eq!(st, 201);
    (
        cand["id"].as_str().unwrap().to_owned(),
        app["id"].as_str().unwrap().to_owned(),
    )
}

fn storage_dir(env: &TestEnv) -> std::path::PathBuf {
    env.log_dir.join("storage")
}

fn storage_env(env: &TestEnv) -> String {
    storage_dir(env).to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_documents_end_dead_at_the_first_attempt_with_a_reason() {
    let env = TestEnv::new("hostile-docs").await;
    let storage = storage_env(&env);
    let api = env.api(&[("TALENTI_STORAGE_URL", storage.as_str())]).await;
    let mut worker = env.worker("worker", &[("TALENTI_STORAGE_URL", storage.as_str())]);
    let org = api.organisation("hd").await;
    let role = role(&api, &org).await;
    let cases = [
        ("bad/noise_scan.pdf", "OCR found no readable text"),
        ("bad/password_protected.pdf", "password-protected"),
        ("bad/truncated.pdf", "damaged or incomplete"),
        ("bad/header_then_garbage.pdf", "damaged or incomplete"),
        ("bad/300_pages.pdf", "300 pages"),
        ("bad/huge_text_5mb.pdf", "more than"),
    ];
    let mut uploaded = Vec::new();
    for (i, (file, _)) in cases.iter().enumerate() {
        let (_, app) = application(&api, &org, &role, &format!("hostile{i}@example.com")).await;
        let (st, body) = api
            .upload(
                &org.recruiter,
                &format!("/api/v1/applications/{app}/resume"),
                file,
            )
            .await;
        assert_eq!(st, 202, "{file}: {body}");
        uploaded.push(body);
    }
    for ((file, reason), body) in cases.iter().zip(&uploaded) {
        let job: Uuid = body["job_id"].as_str().unwrap().parse().unwrap();
        let dead = env.wait_status(job, JobStatus::Dead, T).await;
        assert_eq!(dead.attempt, 1, "{file}: retried");
        assert!(
            dead.last_error.as_deref().unwrap().contains(reason),
            "{file}: {:?}",
            dead.last_error
        );
        let (_, resume) = api
            .call(
                &org.reviewer,
                Method::GET,
                &format!("/api/v1/resumes/{}", body["resume_id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(resume["status"], "failed", "{file}");
        assert!(
            resume["error"].as_str().unwrap().contains(reason),
            "{file}: {resume}"
        );
    }
    assert!(
        worker.is_running(),
        "a hostile file must never take the worker down"
    );
}

use tests::fake_openai::{Answer, Fake};

fn profile(email: &str) -> Value {
    json!({
        "first_name": "Amara", "last_name": "Okonkwo", "email": email, "phone": "+234 803 555 0142",
        "phone_e164": "+2348035550142", "linkedin_url": "https://www.linkedin.com/in/amara-okonkwo",
        "github_url": null, "portfolio_url": null, "location": "Lagos, Nigeria", "headline": "Senior Backend Engineer",
        "summary": "Builds payment systems.", "skills": ["Go", "PostgreSQL"],
        "experience": [{ "job_title": "Senior Backend Engineer", "company_name": "Paystride",
                         "start_date": "2021-02", "end_date": null, "is_current": true }],
        "education": [{ "institution": "University of Lagos", "degree": "B.Sc.", "degree_level": "bachelor",
                        "field_of_study": "Computer Science", "end_year": 2016 }],
        "certifications": [], "total_years_experience": 10.2
    })
}

fn openai_env<'a>(url: &'a str, storage: &'a str, stream: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("TALENTI_STORAGE_URL", storage),
        ("TALENTI_AI_PROVIDER", "openai"),
        ("TALENTI_AI_BASE_URL", url),
        ("TALENTI_AI_MODEL", "test-model"),
        ("TALENTI_AI_API_KEY", "sk-test-key"),
        ("TALENTI_AI_STREAM", stream),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_provider_parses_via_tool_calls_and_manual_edits_survive_a_reparse() {
    let env = TestEnv::new("openai-parse").await;
    let storage = storage_env(&env);
    let (fake, url) = Fake::start(vec![Answer::Tool(profile("amara.okonkwo@example.com"))]).await;
    let api = env.api(&[("TALENTI_STORAGE_URL", storage.as_str())]).await;
    let _worker = env.worker("worker", &openai_env(&url, &storage, "0"));
    let org = api.organisation("oa").await;
    let role = role(&api, &org).await;

    // A new candidate's resume for a job role: candidate and application made.
    let (st, up) = api
        .upload(
            &org.recruiter,
            &format!("/api/v1/job-roles/{role}/resumes"),
            "resume_01.pdf",
        )
        .await;
    assert_eq!(st, 202);
    let job: Uuid = up["job_id"].as_str().unwrap().parse().unwrap();
    let done = env.wait_status(job, JobStatus::Succeeded, T).await;
    let result = done.result.unwrap();
    assert_eq!(result["parser_version"], "openai:test-model");
    assert_eq!(
        fake.last_auth.lock().unwrap().as_deref(),
        Some("Bearer sk-test-key")
    );
    let sent = fake.last_body.lock().unwrap().clone();
    assert_eq!(sent["tool_choice"]["function"]["name"], "record_resume");
    assert!(
        sent["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("Okonkwo"),
        "the PDF's text is sent"
    );
    let cid = result["candidate_id"].as_str().unwrap().to_owned();
    let (_, cand) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/candidates/{cid}"),
            None,
        )
        .await;
    assert_eq!(cand["email"], "amara.okonkwo@example.com");
    assert_eq!(cand["headline"], "Senior Backend Engineer");
    assert_eq!(cand["experience"][0]["company_name"], "Paystride");
    assert_eq!(cand["parser_version"], "openai:test-model");
    let (_, apps) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/applications?candidate_id={cid}"),
            None,
        )
        .await;
    assert_eq!(
        apps["items"][0]["job_role_id"].as_str(),
        Some(role.as_str())
    );

    // A recruiter corrects the headline; a re-parse updates the rest only.
    let (st, _) = api
        .call(
            &org.recruiter,
            Method::PATCH,
            &format!("/api/v1/candidates/{cid}"),
            Some(json!({ "headline": "Staff Engineer" })),
        )
        .await;
    assert_eq!(st, 200);
    let mut changed = profile("amara.okonkwo@example.com");
    changed["headline"] = json!("Parsed Headline");
    changed["location"] = json!("Abuja, Nigeria");
    fake.set(vec![Answer::Tool(changed)]);
    let app_id = apps["items"][0]["id"].as_str().unwrap();
    let (st, up2) = api
        .upload(
            &org.recruiter,
            &format!("/api/v1/applications/{app_id}/resume"),
            "resume_01.pdf",
        )
        .await;
    assert_eq!(st, 202);
    env.wait_status(
        up2["job_id"].as_str().unwrap().parse().unwrap(),
        JobStatus::Succeeded,
        T,
    )
    .await;
    let (_, cand) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/candidates/{cid}"),
            None,
        )
        .await;
    assert_eq!(
        cand["headline"], "Staff Engineer",
        "the recruiter's edit stands"
    );
    assert_eq!(
        cand["location"], "Abuja, Nigeria",
        "unedited fields follow the new parse"
    );
    assert_eq!(cand["edited_fields"], json!(["headline"]));
    assert_eq!(
        env.count("SELECT count(*) FROM candidates").await,
        1,
        "same email, same candidate"
    );
    assert_eq!(env.count("SELECT count(*) FROM applications").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_rate_limits_reschedule_honouring_retry_after_and_errors_are_bounded() {
    let env = TestEnv::new("openai-errors").await;
    let storage = storage_env(&env);
    let (fake, url) = Fake::start(vec![
        // Long enough for polling to see the job waiting on it.
        Answer::Status(429, Some("10")),
        Answer::Status(503, None),
        Answer::Streamed(profile("ada@example.com")),
    ])
    .await;
    let api = env.api(&[("TALENTI_STORAGE_URL", storage.as_str())]).await;
    let _worker = env.worker("worker", &openai_env(&url, &storage, "1"));
    let org = api.organisation("oe").await;
    let role = role(&api, &org).await;
    let path = format!("/api/v1/job-roles/{role}/resumes");

    let (_, up) = api.upload(&org.recruiter, &path, "resume_02.pdf").await;
    let job: Uuid = up["job_id"].as_str().unwrap().parse().unwrap();
    let failed = env
        .wait_job(job, "failed at attempt 1", T, |j| {
            j.status == JobStatus::Failed && j.attempt == 1
        })
        .await;
    assert!(
        failed.last_error.as_deref().unwrap().contains("rate limit"),
        "{:?}",
        failed.last_error
    );
    let wait = failed.run_at - failed.started_at.unwrap();
    assert!(
        wait >= chrono::Duration::milliseconds(9_900),
        "Retry-After honoured, not slept on: {wait}"
    );
    // Then a 5xx (retried with backoff), then a streamed tool call.
    let done = env.wait_status(job, JobStatus::Succeeded, T).await;
    assert_eq!(done.attempt, 3);
    assert_eq!(fake.calls(), 3);

    // Invalid output: re-asked a bounded number of times, then dead.
    fake.set(vec![
        Answer::NotJson,
        Answer::NoToolCall,
        Answer::Tool(json!({ "first_name": 5 })),
    ]);
    let before = fake.calls();
    let (_, up) = api.upload(&org.recruiter, &path, "resume_03.pdf").await;
    let job: Uuid = up["job_id"].as_str().unwrap().parse().unwrap();
    let dead = env.wait_status(job, JobStatus::Dead, T).await;
    assert_eq!(dead.attempt, 1);
    assert!(
        dead.last_error
            .as_deref()
            .unwrap()
            .contains("invalid output"),
        "{:?}",
        dead.last_error
    );
    assert_eq!(fake.calls() - before, 3, "asked once and re-asked twice");

    // A refused request (bad key) is dead at once with the reason.
    fake.set(vec![Answer::Status(401, None)]);
    let (_, up) = api.upload(&org.recruiter, &path, "resume_04.pdf").await;
    let dead = env
        .wait_status(
            up["job_id"].as_str().unwrap().parse().unwrap(),
            JobStatus::Dead,
            T,
        )
        .await;
    assert!(
        dead.last_error.as_deref().unwrap().contains("refused"),
        "{:?}",
        dead.last_error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_requirements_saves_structured_requirements_on_the_role() {
    let env = TestEnv::new("extract-req").await;
    let storage = storage_env(&env);
    let requirements = json!({
        "required_skills": ["Go", "PostgreSQL"], "preferred_skills": ["Redis"], "min_years_experience": 5,
        "education": null, "certifications": [], "responsibilities": ["Own the payments API"],
        "competencies": ["Ownership"], "seniority": "senior"
    });
    let (_fake, url) = Fake::start(vec![Answer::Tool(requirements.clone())]).await;
    let api = env.api(&[("TALENTI_STORAGE_URL", storage.as_str())]).await;
    let _worker = env.worker("worker", &openai_env(&url, &storage, "0"));
    let org = api.organisation("er").await;
    let path = api
        .job_role(&org.recruiter, "jd_01", "Senior Backend Engineer")
        .await;
    let id = path.rsplit('/').next().unwrap();
    let (st, first) = api
        .call(
            &org.recruiter,
            Method::POST,
            &format!("/api/v1/job-roles/{id}/extract-requirements"),
            None,
        )
        .await;
    assert_eq!(st, 202, "{first}");
    let (_, again) = api
        .call(
            &org.recruiter,
            Method::POST,
            &format!("/api/v1/job-roles/{id}/extract-requirements"),
            None,
        )
        .await;
    assert_eq!(first["job_id"], again["job_id"], "unchanged role: same job");
    env.wait_status(
        first["job_id"].as_str().unwrap().parse().unwrap(),
        JobStatus::Succeeded,
        T,
    )
    .await;
    let (_, role) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/job-roles/{id}"),
            None,
        )
        .await;
    assert_eq!(
        role["extracted_requirements"]["required_skills"],
        requirements["required_skills"]
    );
    assert_eq!(role["requirements_version"], "openai:test-model");
    let (st, _) = api
        .call(
            &org.reviewer,
            Method::POST,
            &format!("/api/v1/job-roles/{id}/extract-requirements"),
            None,
        )
        .await;
    assert_eq!(st, 403);
    // A changed role is read again: a new job.
    let (st, _) = api
        .call(
            &org.recruiter,
            Method::PATCH,
            &format!("/api/v1/job-roles/{id}"),
            Some(json!({ "requirements": "Also Kafka." })),
        )
        .await;
    assert_eq!(st, 200);
    let (_, third) = api
        .call(
            &org.recruiter,
            Method::POST,
            &format!("/api/v1/job-roles/{id}/extract-requirements"),
            None,
        )
        .await;
    assert_ne!(third["job_id"], first["job_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_uploaded_to_a_role_at_once_becomes_one_candidate_and_one_application() {
    let env = TestEnv::new("parse-race").await;
    let storage = storage_env(&env);
    let api = env.api(&[("TALENTI_STORAGE_URL", storage.as_str())]).await;
    // Two worker processes, several attempts each: the parses overlap.
    let _workers: Vec<_> = (0..2)
        .map(|i| {
            env.worker(
                &format!("worker-{i}"),
                &[("TALENTI_STORAGE_URL", storage.as_str())],
            )
        })
        .collect();
    let org = api.organisation("race").await;
    let role = role(&api, &org).await;
    let path = format!("/api/v1/job-roles/{role}/resumes");
    let uploads = futures::future::join_all(
        (0..6).map(|_| api.upload(&org.recruiter, &path, "resume_01.pdf")),
    )
    .await;
    let mut results = Vec::new();
    for (st, up) in &uploads {
        assert_eq!(*st, 202, "{up}");
        let job: Uuid = up["job_id"].as_str().unwrap().parse().unwrap();
        let done = env.wait_status(job, JobStatus::Succeeded, T).await;
        assert_eq!(done.attempt, 1, "no parse needed a retry");
        results.push(done.result.unwrap());
    }
    let candidate = &results[0]["candidate_id"];
    let application = &results[0]["application_id"];
    for r in &results {
        assert_eq!(&r["candidate_id"], candidate);
        assert_eq!(&r["application_id"], application);
    }
    let (_, apps) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/applications?job_role_id={role}"),
            None,
        )
        .await;
    assert_eq!(apps["items"].as_array().unwrap().len(), 1, "{apps}");
    let app = application.as_str().unwrap();
    let (_, history) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/applications/{app}/history"),
            None,
        )
        .await;
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["to_stage"], "applied");
    // The profile names the resume it came from, one of the six.
    let (_, cand) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("/api/v1/candidates/{}", candidate.as_str().unwrap()),
            None,
        )
        .await;
    let from = cand["parsed_resume_id"].as_str().unwrap();
    assert!(
        uploads.iter().any(|(_, up)| up["resume_id"] == from),
        "{cand}"
    );
    for (_, up) in &uploads {
        let (_, resume) = api
            .call(
                &org.reviewer,
                Method::GET,
                &format!("/api/v1/resumes/{}", up["resume_id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(resume["status"], "parsed");
        assert_eq!(&resume["candidate_id"], candidate);
        assert_eq!(&resume["application_id"], application);
    }
}

/// An AI provider that accepts connections and never answers: a parse
/// waits on it for as long as the test wants to kill the worker running it.
async fn silent_provider() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_whose_worker_dies_on_every_attempt_ends_failed_with_the_reason() {
    let env = TestEnv::new("parse-dead-letter").await;
    let storage = storage_env(&env);
    let api = env.api(&[("TALENTI_STORAGE_URL", storage.as_str())]).await;
    let org = api.organisation("dl").await;
    let role = role(&api, &org).await;
    let (url, _provider) = silent_provider().await;
    let hung = [
        ("TALENTI_STORAGE_URL", storage.as_str()),
        ("TALENTI_LEASE_SECS", "3"),
        ("TALENTI_AI_PROVIDER", "openai"),
        ("TALENTI_AI_BASE_URL", url.as_str()),
        ("TALENTI_AI_API_KEY", "test-key"),
        ("TALENTI_AI_TIMEOUT_SECS", "600"),
    ];
    let (st, up) = api
        .upload(
            &org.recruiter,
            &format!("/api/v1/job-roles/{role}/resumes"),
            "resume_01.pdf",
        )
        .await;
    assert_eq!(st, 202, "{up}");
    let job: Uuid = up["job_id"].as_str().unwrap().parse().unwrap();
    let resume = up["resume_id"].as_str().unwrap().to_owned();
    let attempts = <job_kinds::ParseResume as job_engine::Job>::policy().max_attempts;
    for attempt in 1..=attempts {
        let mut w = env.worker(&format!("worker-{attempt}"), &hung);
        env.wait_job(job, &format!("running attempt {attempt}"), T, |j| {
            j.status == JobStatus::Running && j.attempt == attempt
        })
        .await;
        w.kill();
    }
    // A healthy worker's reaper ends the job; its hook ends the resume.
    let _last = env.worker("worker-last", &[("TALENTI_STORAGE_URL", storage.as_str())]);
    let dead = env.wait_status(job, JobStatus::Dead, T).await;
    assert!(dead.last_error.unwrap().contains("worker lost"));
    let shown = tests::wait_for("the resume to be marked failed", T, || async {
        let (st, r) = api
            .call(
                &org.reviewer,
                Method::GET,
                &format!("/api/v1/resumes/{resume}"),
                None,
            )
            .await;
        assert_eq!(st, 200, "{r}");
        (r["status"] == "failed").then_some(r)
    })
    .await;
    let reason = shown["error"].as_str().unwrap();
    assert!(
        reason.starts_with("could not be parsed") && reason.contains("worker lost"),
        "{reason}"
    );
}
