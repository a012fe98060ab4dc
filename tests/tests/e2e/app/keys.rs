//! Key rotation: with a new key in front, the re-sealing job moves every
//! sealed value to it, after which the old key can be removed; and values
//! stored before sealing (an upgrade) are sealed by the same job.

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::json;
use tests::{
    webhook_receiver::{verified, Receiver},
    TestApp, TEST_DATA_KEYS,
};
use uuid::Uuid;

use crate::mailbox::read_dir;

/// How many sealed values are under key `id`, and how many under another.
async fn under(app: &TestApp, id: &str) -> (i64, i64) {
    sqlx::query_as(
        "WITH v AS (
             SELECT recipient AS s FROM emails UNION ALL SELECT message FROM emails
             UNION ALL SELECT token_sealed FROM interview_invitations
             UNION ALL SELECT email_sealed FROM candidates UNION ALL SELECT phone_sealed FROM candidates
             UNION ALL SELECT parsed_sealed FROM resumes
             UNION ALL SELECT secret_sealed FROM webhook_endpoints
             UNION ALL SELECT previous_secret_sealed FROM webhook_endpoints
         ), k AS (SELECT convert_from(substring(s from 3 for get_byte(s, 1)), 'UTF8') AS id FROM v WHERE s IS NOT NULL)
         SELECT count(*) FILTER (WHERE id = $1), count(*) FILTER (WHERE id <> $1) FROM k",
    )
    .bind(id)
    .fetch_one(&app.env.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_key_reseals_every_value_and_the_old_key_can_go() {
    let mut app = TestApp::new("reseal").await;
    // Sealed under the test key (`test1`): three team invitations' emails,
    // an interview invitation's email and its link.
    let org = app.organisation("sealco").await;
    app.invited_interview(&org.recruiter, "sealed@example.com")
        .await;
    // ...a parsed resume's candidate (email and phone), parse and file.
    let role = app.job_role(&org.recruiter, "jd_01", "Sealed role").await;
    let parsed = app
        .parsed_resume(&org.recruiter, &role, "resume_01.pdf")
        .await;
    let candidate = parsed["candidate_id"].as_str().unwrap().to_owned();
    // ...and a rendered report of their application (it prints them).
    let application = parsed["application_id"].as_str().unwrap().to_owned();
    let report = format!("/api/v1/applications/{application}/report");
    let (s, v) = app
        .call(&org.recruiter, Method::POST, &report, Some(json!({})))
        .await;
    assert_eq!(s, 202, "{v}");
    // ...and a webhook endpoint's secret, rotated once (both are sealed).
    let (receiver, url) = Receiver::start().await;
    let (s, hook) = app
        .call(
            &org.admin,
            Method::POST,
            "/api/v1/webhook-endpoints",
            Some(json!({ "url": url, "events": ["job.succeeded"] })),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    let rotate = format!(
        "/api/v1/webhook-endpoints/{}/rotate-secret",
        hook["endpoint"]["id"].as_str().unwrap()
    );
    let (s, hook) = app.call(&org.admin, Method::POST, &rotate, None).await;
    assert_eq!(s, 200, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_owned();
    app.run_pending_jobs().await;
    let (sealed, other) = under(&app, "test1").await;
    assert!(sealed >= 9 && other == 0, "{sealed} {other}");
    assert_eq!(files_under(&app).await, ["test1", "test1"]);

    let new_key = format!("test2:{}", seal::Keyring::generate_key());
    app.set_worker_keys(&format!("{new_key},{TEST_DATA_KEYS}"));
    let job = app.enqueue("reseal_personal_data", json!({})).await;
    let done = app.settled(job, JobStatus::Succeeded).await.result.unwrap();
    assert_eq!(
        (
            done["emails"].as_i64(),
            done["interview_invitations"].as_i64()
        ),
        (Some(4), Some(1)),
        "{done}"
    );
    assert_eq!(
        (
            done["candidates"].as_i64(),
            done["resume_parses"].as_i64(),
            done["resume_files"].as_i64(),
            done["report_files"].as_i64(),
        ),
        (Some(2), Some(1), Some(1), Some(1)),
        "{done}"
    );
    assert_eq!(done["webhook_secrets"].as_i64(), Some(1), "{done}");
    // (Emails sent meanwhile dropped their messages.)
    let (resealed, other) = under(&app, "test2").await;
    assert!(resealed >= 9 && other == 0, "{resealed} {other}");
    assert_eq!(files_under(&app).await, ["test2", "test2"]);

    // The old key removed: everything still opens.
    app.set_worker_keys(&new_key);
    let heard = receiver.received().len();
    app.run_pending_jobs().await;
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM emails WHERE status = 'sent'")
        .fetch_one(&app.env.pool)
        .await
        .unwrap();
    assert_eq!((sent, read_dir(&app.env.outbox()).len()), (4, 4));
    sqlx::query("UPDATE interview_invitations SET expires_at = now() + interval '3 hours'")
        .execute(&app.env.pool)
        .await
        .unwrap();
    let remind = app.enqueue("send_reminders", json!({})).await;
    let reminded = app
        .settled(remind, JobStatus::Succeeded)
        .await
        .result
        .unwrap();
    assert_eq!(reminded["expiry_reminders"], 1, "{reminded}");
    // The candidate, their parse and their file open under the new key
    // alone: an export (a worker job) reads them all.
    let export = export_of(&app, &org.admin, &candidate).await;
    assert_eq!(export["status"], "ready", "{export}");
    // The webhook secret opens under the new key alone: the jobs since
    // were announced, signed with it.
    let got = receiver.received();
    assert!(got.len() > heard, "nothing announced under the new key");
    for r in &got[heard..] {
        verified(&secret, r);
    }
    // The report, as the API would open it with the new key alone.
    let stored: String = sqlx::query_scalar("SELECT storage_key FROM candidate_reports")
        .fetch_one(&app.env.pool)
        .await
        .unwrap();
    let bytes = std::fs::read(app.env.log_dir.join("storage").join(&stored)).unwrap();
    let opened = tests::test_keyring(&new_key)
        .open(&bytes, &recruiting::store::reports::file_aad(&stored))
        .unwrap();
    assert!(opened.starts_with(b"%PDF"));
    let again = app.enqueue("reseal_personal_data", json!({})).await;
    let again = app
        .settled(again, JobStatus::Succeeded)
        .await
        .result
        .unwrap();
    assert_eq!(
        (
            again["emails"].as_i64(),
            again["interview_invitations"].as_i64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(
        (again["candidates"].as_i64(), again["resume_files"].as_i64()),
        (Some(0), Some(0)),
        "{again}"
    );
}

/// The data keys resume files and reports are sealed under, one per file.
async fn files_under(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT coalesce(file_key, 'plain') FROM resumes
         UNION ALL SELECT coalesce(file_key, 'plain') FROM candidate_reports",
    )
    .fetch_all(&app.env.pool)
    .await
    .unwrap()
}

/// Requests an export of the candidate, runs the jobs, returns its status.
async fn export_of(app: &TestApp, admin: &tests::Session, candidate: &str) -> serde_json::Value {
    let (s, req) = app
        .call(
            admin,
            Method::POST,
            &format!("/api/v1/candidates/{candidate}/exports"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 202, "{req}");
    app.run_pending_jobs().await;
    let id = req["export"]["id"].as_str().unwrap();
    let (s, status) = app
        .call(
            admin,
            Method::GET,
            &format!("/api/v1/data-exports/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{status}");
    status
}

/// A database from before sealing: a candidate's email and phone in plain,
/// a resume's parse in plain and its file stored as uploaded. Readers take
/// them as they are; the job seals them all, after which nothing of them is
/// in plain anywhere and everything reads as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_stored_before_sealing_are_sealed_by_the_job() {
    let app = TestApp::new("legacy-seal").await;
    let org = app.organisation("legacyco").await;
    let org_id: Uuid = sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'legacyco'")
        .fetch_one(&app.env.pool)
        .await
        .unwrap();
    let (candidate, resume) = (Uuid::now_v7(), Uuid::now_v7());
    let email = "Legacy.Person@Example.com";
    sqlx::query(
        "INSERT INTO candidates (id, organisation_id, first_name, last_name, legacy_email, legacy_phone)
         VALUES ($1, $2, 'Legacy', 'Person', $3, '+44 20 7946 0958')",
    )
    .bind(candidate)
    .bind(org_id)
    .bind(email)
    .execute(&app.env.pool)
    .await
    .unwrap();
    let pdf = tests::fixture("resume_01.pdf");
    let key = format!("resumes/{org_id}/{resume}.pdf");
    let path = app.env.log_dir.join("storage").join(&key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &pdf).unwrap();
    sqlx::query(
        "INSERT INTO resumes (id, organisation_id, candidate_id, storage_key, kind, size_bytes, sha256, status,
                              legacy_parsed)
         VALUES ($1, $2, $3, $4, 'pdf', $5, 'x', 'parsed', $6)",
    )
    .bind(resume)
    .bind(org_id)
    .bind(candidate)
    .bind(&key)
    .bind(pdf.len() as i64)
    .bind(json!({ "email": email, "skills": ["Rust"] }))
    .execute(&app.env.pool)
    .await
    .unwrap();

    let r = &org.recruiter;
    let app = &app;
    let read = |path: String| async move {
        let (s, v) = app.call(r, Method::GET, &path, None).await;
        assert_eq!(s, 200, "{v}");
        v
    };
    let before = read(format!("/api/v1/candidates/{candidate}")).await;
    assert_eq!(
        (before["email"].as_str(), before["phone"].as_str()),
        (Some(email), Some("+44 20 7946 0958"))
    );
    let parse_before = read(format!("/api/v1/resumes/{resume}")).await["parsed"].clone();
    assert_eq!(parse_before["skills"], json!(["Rust"]));

    let job = app.enqueue("reseal_personal_data", json!({})).await;
    let done = app.settled(job, JobStatus::Succeeded).await.result.unwrap();
    assert_eq!(
        (
            done["candidates"].as_i64(),
            done["resume_parses"].as_i64(),
            done["resume_files"].as_i64(),
            done["resume_files_failed"].as_i64(),
        ),
        (Some(1), Some(1), Some(1), Some(0)),
        "{done}"
    );
    let plain: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM candidates WHERE legacy_email IS NOT NULL OR legacy_phone IS NOT NULL)
              + (SELECT count(*) FROM resumes WHERE legacy_parsed IS NOT NULL OR file_key IS NULL)",
    )
    .fetch_one(&app.env.pool)
    .await
    .unwrap();
    assert_eq!(plain, 0);
    let stored = std::fs::read(&path).unwrap();
    assert!(
        stored[0] == 0x01 && !stored.starts_with(b"%PDF"),
        "the file is sealed"
    );

    let after = read(format!("/api/v1/candidates/{candidate}")).await;
    assert_eq!(
        (&after["email"], &after["phone"]),
        (&before["email"], &before["phone"])
    );
    assert_eq!(
        read(format!("/api/v1/resumes/{resume}")).await["parsed"],
        parse_before
    );
    // Indexed now: found by the whole email, any case, and by the phone.
    for q in ["legacy.person%40example.com", "%2B442079460958"] {
        let found = read(format!("/api/v1/candidates?q={q}")).await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{q}: {found}");
    }
    // The re-sealed file opens as the upload it was.
    let export = export_of(app, &org.admin, &candidate.to_string()).await;
    assert_eq!(export["status"], "ready", "{export}");
    let archive = app
        .as_(
            &org.admin.access_token,
            Method::GET,
            &format!(
                "/api/v1/data-exports/{}/archive",
                export["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(archive.status(), 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive.bytes().to_vec())).unwrap();
    let mut file = zip.by_name(&format!("files/resume-{resume}.pdf")).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
    assert_eq!(bytes, pdf);
}

/// A value under a key this process does not hold is the operator's
/// problem: the API answers 500 (saying nothing of the data), and a job
/// that meets it is retried — the key may be in the next worker's keyring
/// — rather than dying at its first attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_under_an_unknown_key_is_a_server_error_and_a_retry() {
    let app = TestApp::new("unknown-key").await;
    let org = app.organisation("keyco").await;
    let (s, cand) = app
        .call(
            &org.recruiter,
            Method::POST,
            "/api/v1/candidates",
            Some(json!({ "first_name": "K", "last_name": "Ey", "email": "k.ey@example.com" })),
        )
        .await;
    assert_eq!(s, 201, "{cand}");
    let id: Uuid = cand["id"].as_str().unwrap().parse().unwrap();
    let elsewhere = tests::test_keyring(&format!("other1:{}", seal::Keyring::generate_key()));
    let foreign = elsewhere.seal_str(
        "k.ey@example.com",
        format!("candidates.email:{id}").as_bytes(),
    );
    sqlx::query("UPDATE candidates SET email_sealed = $2 WHERE id = $1")
        .bind(id)
        .bind(&foreign)
        .execute(&app.env.pool)
        .await
        .unwrap();
    let (s, body) = app
        .call(
            &org.recruiter,
            Method::GET,
            &format!("/api/v1/candidates/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 500, "{body}");
    assert!(!body.to_string().contains("k.ey"), "{body}");
    let (s, req) = app
        .call(
            &org.admin,
            Method::POST,
            &format!("/api/v1/candidates/{id}/exports"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 202, "{req}");
    app.run_pending_jobs().await;
    let (status, attempt, error): (String, i32, Option<String>) = sqlx::query_as(
        "SELECT status::text, attempt, last_error FROM jobs WHERE kind = 'export_candidate_data'",
    )
    .fetch_one(&app.env.pool)
    .await
    .unwrap();
    // (The test runner retries at once: every attempt was made.)
    assert_eq!(
        (status.as_str(), attempt),
        ("dead", 4),
        "retried, not dead at once: {error:?}"
    );
    assert!(error.unwrap().contains("sealed data"));
}
