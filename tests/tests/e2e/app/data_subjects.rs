//! Data subjects' rights: consent records, exports holding the candidate's
//! data and nobody else's, and erasure after which nothing finds them.

use std::io::Read as _;

use reqwest::Method;
use serde_json::{json, Value};
use tests::{OrgFixture, Session, TestApp};
use uuid::Uuid;

use crate::mailbox::read_dir;

/// A candidate parsed from `resume` uploaded to a new role, applied, with
/// a completed, scored interview whose candidate said `secret`. Returns
/// (candidate id, application id, interview id).
async fn candidate_with_history(
    app: &TestApp,
    org: &OrgFixture,
    resume: &str,
    secret: &str,
) -> (String, String, String) {
    let r = &org.recruiter;
    let role = app
        .job_role(r, "jd_01", &format!("Role for {resume}"))
        .await;
    let parsed = app.parsed_resume(r, &role, resume).await;
    let candidate = parsed["candidate_id"].as_str().unwrap();
    let application = parsed["application_id"].as_str().unwrap();
    let (s, iv) = app
        .call(
            r,
            Method::POST,
            &format!("/api/v1/applications/{application}/interviews"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 201, "{iv}");
    let iv = iv["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/interviews/{iv}");
    app.call(
        r,
        Method::PATCH,
        &path,
        Some(json!({ "status": "in_progress" })),
    )
    .await;
    let (s, v) = app
        .call(r, Method::POST, &format!("{path}/transcript"), Some(json!({ "segments": [
            { "speaker": "interviewer", "content": "Tell me about a project you led.", "start_ms": 0, "end_ms": 4000 },
            { "speaker": "candidate", "content": format!("I led {secret}, a data platform migration with a team of five engineers over a year."), "start_ms": 4000, "end_ms": 30000 },
        ] })))
        .await;
    assert_eq!(s, 200, "{v}");
    app.call(
        r,
        Method::PATCH,
        &path,
        Some(json!({ "status": "completed" })),
    )
    .await;
    app.run_pending_jobs().await;
    (candidate.to_owned(), application.to_owned(), iv)
}

async fn post(app: &TestApp, who: &Session, path: &str, body: Value) -> (u16, Value) {
    app.call(who, Method::POST, path, Some(body)).await
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().to_owned(), out)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consents_are_recorded_by_the_organisation_and_by_the_candidate() {
    let app = TestApp::new("consents").await;
    let org = app.organisation("consentco").await;
    let r = &org.recruiter;
    let iv = app.scheduled_interview(r, "consent@example.com").await;
    let interview = iv["id"].as_str().unwrap();
    let candidate: Uuid = sqlx::query_scalar(
        "SELECT a.candidate_id FROM interviews i JOIN applications a ON a.id = i.application_id WHERE i.id = $1::uuid",
    )
    .bind(interview)
    .fetch_one(&app.env.pool)
    .await
    .unwrap();
    let consents = format!("/api/v1/candidates/{candidate}/consents");

    let (s, c) = post(
        &app,
        r,
        &consents,
        json!({ "purpose": "recruitment", "granted": true, "note": "by phone" }),
    )
    .await;
    assert_eq!((s, c["source"].as_str()), (201, Some("recruiter")), "{c}");
    let (s, _) = post(
        &app,
        r,
        &consents,
        json!({ "purpose": "mind_reading", "granted": true }),
    )
    .await;
    assert_eq!(s, 422);

    // The candidate answers through their interview link.
    post(
        &app,
        r,
        &format!("/api/v1/interviews/{interview}/invitations"),
        json!({}),
    )
    .await;
    app.run_pending_jobs().await;
    let mail = read_dir(&app.env.outbox())
        .into_iter()
        .find(|m| m.to == "consent@example.com")
        .unwrap();
    let token = mail
        .link("http://localhost:8080/interview#token=")
        .rsplit('=')
        .next()
        .unwrap()
        .to_owned();
    let (s, c) = app
        .anon(Method::POST, "/api/v1/interview-invitations/consents")
        .header("x-interview-token", &token)
        .json(&json!({ "purpose": "recording", "granted": false }))
        .fetch()
        .await;
    assert_eq!((s, c["source"].as_str()), (201, Some("candidate")), "{c}");
    let (s, _) = app
        .anon(Method::POST, "/api/v1/interview-invitations/consents")
        .json(&json!({ "purpose": "recording", "granted": true }))
        .fetch()
        .await;
    assert_eq!(s, 401);
    post(
        &app,
        r,
        &consents,
        json!({ "purpose": "recruitment", "granted": false }),
    )
    .await;

    let (s, all) = app.call(r, Method::GET, &consents, None).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["history"].as_array().unwrap().len(), 3);
    let current: Vec<(String, bool)> = all["current"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["purpose"].as_str().unwrap().to_owned(),
                c["granted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        current,
        vec![("recruitment".into(), false), ("recording".into(), false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_holds_the_candidates_data_and_nobody_elses() {
    let app = TestApp::new("export").await;
    let org = app.organisation("exportco").await;
    let (amara, _, _) =
        candidate_with_history(&app, &org, "resume_01.pdf", "Project Bluebird").await;
    let (_other, _, _) =
        candidate_with_history(&app, &org, "resume_02.pdf", "Project Redwing").await;
    let other: uuid::Uuid = sqlx::query_scalar("SELECT id FROM candidates WHERE id <> $1::uuid")
        .bind(&amara)
        .fetch_one(&app.env.pool)
        .await
        .unwrap();
    let (s, other) = app
        .call(
            &org.recruiter,
            Method::GET,
            &format!("/api/v1/candidates/{other}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{other}");
    let other_email = other["email"].as_str().unwrap().to_owned();

    let (s, req) = post(
        &app,
        &org.admin,
        &format!("/api/v1/candidates/{amara}/exports"),
        json!({}),
    )
    .await;
    assert_eq!(s, 202, "{req}");
    let (s, _) = post(
        &app,
        &org.recruiter,
        &format!("/api/v1/candidates/{amara}/exports"),
        json!({}),
    )
    .await;
    assert_eq!(s, 403, "exports are for admins");
    let export = req["export"]["id"].as_str().unwrap().to_owned();
    app.run_pending_jobs().await;
    let (s, status) = app
        .call(
            &org.admin,
            Method::GET,
            &format!("/api/v1/data-exports/{export}"),
            None,
        )
        .await;
    assert_eq!(
        (s, status["status"].as_str()),
        (200, Some("ready")),
        "{status}"
    );

    // The candidate is emailed a link that downloads it without an account.
    let mail = read_dir(&app.env.outbox())
        .into_iter()
        .find(|m| m.to == "amara.okonkwo@example.com" && m.subject.contains("export"))
        .expect("the export's email");
    let link = mail.link("http://localhost:8080/api/v1/data-exports/download?token=");
    let path = link.trim_start_matches("http://localhost:8080");
    let res = app.anon(Method::GET, path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let files = unzip(res.bytes());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "candidate.json",
        "candidate.csv",
        "applications.csv",
        "transcripts.csv",
        "interview_scores.csv",
        "consents.csv",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("files/resume-") && n.ends_with(".pdf")),
        "{names:?}"
    );
    let everything: String = files
        .iter()
        .filter(|(n, _)| !n.starts_with("files/"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    for theirs in ["amara.okonkwo@example.com", "Project Bluebird", "Okonkwo"] {
        assert!(everything.contains(theirs), "the export lacks {theirs}");
    }
    for others in [other_email.as_str(), "Project Redwing"] {
        assert!(
            !everything.contains(others),
            "the export holds someone else's {others}"
        );
    }
    let doc: Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "candidate.json").unwrap().1)
            .unwrap();
    assert_eq!(
        doc["data"]["candidate"][0]["email"],
        "amara.okonkwo@example.com"
    );
    assert!(!doc.to_string().contains("token_hash"));
    // Sealed columns are opened for the export, not handed over as ciphertext.
    assert_eq!(doc["data"]["candidate"][0]["phone"], "+234 803 555 0142");
    assert_eq!(doc["data"]["candidate"][0]["phone_e164"], "+2348035550142");
    assert_eq!(
        doc["data"]["resumes"][0]["parsed"]["email"],
        "amara.okonkwo@example.com"
    );
    for sealed in [
        "email_sealed",
        "email_index",
        "phone_sealed",
        "parsed_sealed",
        "legacy_",
    ] {
        assert!(!doc.to_string().contains(sealed), "{sealed} in the export");
    }
    // The resume as it was uploaded (stored sealed).
    let pdf = files
        .iter()
        .find(|(n, _)| n.starts_with("files/resume-"))
        .unwrap();
    assert_eq!(pdf.1, tests::fixture("resume_01.pdf"));

    // Admins fetch it too; the link ends when it expires.
    let res = app
        .as_(
            &org.admin.access_token,
            Method::GET,
            &format!("/api/v1/data-exports/{export}/archive"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    sqlx::query("UPDATE data_exports SET expires_at = now() - interval '1 second'")
        .execute(&app.env.pool)
        .await
        .unwrap();
    assert_eq!(
        app.anon(Method::GET, path).send().await.unwrap().status(),
        410
    );
    let res = app
        .anon(Method::GET, "/api/v1/data-exports/download?token=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// The ids of the candidates `GET /candidates?q=` finds.
async fn search(app: &TestApp, who: &Session, q: &str) -> Vec<String> {
    let (s, found) = app
        .call(
            who,
            Method::GET,
            &format!("/api/v1/candidates?q={}", urlencoding(q)),
            None,
        )
        .await;
    assert_eq!(s, 200, "{found}");
    found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn urlencoding(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every row of every table, as text, that contains `needle`.
async fn rows_containing(app: &TestApp, needle: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&app.env.pool)
    .await
    .unwrap();
    let mut hits = Vec::new();
    for t in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT t::text FROM {t} t WHERE position(lower($1) in lower(t::text)) > 0"
        ))
        .bind(needle)
        .fetch_all(&app.env.pool)
        .await
        .unwrap();
        hits.extend(rows.into_iter().map(|r| format!("{t}: {r}")));
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_erasure_nothing_finds_the_candidate() {
    let app = TestApp::new("erasure").await;
    let org = app.organisation("eraseco").await;
    let a = &org.admin;
    let (amara, application, interview) =
        candidate_with_history(&app, &org, "resume_01.pdf", "Project Bluebird").await;
    let (other, _, _) =
        candidate_with_history(&app, &org, "resume_02.pdf", "Project Redwing").await;
    post(
        &app,
        a,
        &format!("/api/v1/candidates/{amara}/consents"),
        json!({ "purpose": "recruitment", "granted": true }),
    )
    .await;
    post(
        &app,
        a,
        &format!("/api/v1/interviews/{interview}/invitations"),
        json!({}),
    )
    .await;
    post(
        &app,
        a,
        &format!("/api/v1/applications/{application}/report"),
        json!({}),
    )
    .await;
    post(
        &app,
        a,
        &format!("/api/v1/candidates/{amara}/exports"),
        json!({}),
    )
    .await;
    app.run_pending_jobs().await;
    let personal = [
        "amara.okonkwo@example.com",
        "Okonkwo",
        "Amara",
        "5550142",
        "555 0142",
        "Project Bluebird",
    ];
    // Names and the transcript are held in plain; the email and phone only
    // sealed, in no row's text (nor the resume's parse, nor the outbox).
    for p in ["Okonkwo", "Amara", "Project Bluebird"] {
        assert!(
            !rows_containing(&app, p).await.is_empty(),
            "the setup holds {p}"
        );
    }
    for p in [
        "amara.okonkwo@example.com",
        "amara.okonkwo",
        "5550142",
        "555 0142",
    ] {
        let hits = rows_containing(&app, p).await;
        assert!(hits.is_empty(), "{p} is held in plain: {hits:#?}");
    }
    // Found by them all the same: the whole email (any case) or phone number.
    let searches = [
        "amara.okonkwo@example.com",
        "AMARA.Okonkwo@example.com",
        "+234 803 555 0142",
        "+2348035550142",
        "Okonkwo",
        "Amara",
    ];
    for q in searches {
        assert_eq!(search(&app, a, q).await, [amara.as_str()], "{q}");
    }
    let files: Vec<String> = sqlx::query_scalar(
        "SELECT storage_key FROM resumes WHERE candidate_id = $1::uuid
         UNION ALL SELECT storage_key FROM candidate_reports WHERE application_id = $2::uuid
         UNION ALL SELECT storage_key FROM data_exports WHERE candidate_id = $1::uuid",
    )
    .bind(&amara)
    .bind(&application)
    .fetch_all(&app.env.pool)
    .await
    .unwrap();
    assert_eq!(files.len(), 3, "{files:?}");
    let storage = app.env.log_dir.join("storage");
    assert!(files.iter().all(|f| storage.join(f).exists()));

    let (s, job) = post(
        &app,
        a,
        &format!("/api/v1/candidates/{amara}/erasure"),
        json!({}),
    )
    .await;
    assert_eq!(s, 202, "{job}");
    let (s, _) = post(
        &app,
        &org.recruiter,
        &format!("/api/v1/candidates/{other}/erasure"),
        json!({}),
    )
    .await;
    assert_eq!(s, 403, "erasure is for admins");
    let job: Uuid = job["job_id"].as_str().unwrap().parse().unwrap();
    let done = app.settled(job, job_engine::db::JobStatus::Succeeded).await;
    assert_eq!(done.result.unwrap()["files"], 3);

    for p in personal {
        let hits = rows_containing(&app, p).await;
        assert!(hits.is_empty(), "{p} is still held: {hits:#?}");
    }
    assert!(
        files.iter().all(|f| !storage.join(f).exists()),
        "files remain"
    );
    for q in searches {
        assert!(search(&app, a, q).await.is_empty(), "{q} still finds them");
    }
    // The same search finds a candidate who is still there.
    let (_, found) = app
        .call(
            a,
            Method::GET,
            "/api/v1/candidates?q=JM.Nunez.Ortega@example.es",
            None,
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    // What stays: the anonymised score's numbers, the application, the
    // audit entry; and the other candidate, whole.
    let score: Value =
        sqlx::query_scalar("SELECT score FROM interview_scores WHERE interview_id = $1::uuid")
            .bind(&interview)
            .fetch_one(&app.env.pool)
            .await
            .unwrap();
    assert!(score["overall"].as_f64().is_some(), "{score}");
    assert!(score["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["quotes"].as_array().unwrap().is_empty()));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'candidate.erased' AND target_id = $1",
    )
    .bind(&amara)
    .fetch_one(&app.env.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    assert!(!rows_containing(&app, "Project Redwing").await.is_empty());
    let (s, _) = app
        .call(a, Method::GET, &format!("/api/v1/candidates/{other}"), None)
        .await;
    assert_eq!(s, 200);
}
