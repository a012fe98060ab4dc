//! Interview invitations: emailed links that open the interview, track it,
//! rotate on resend, stop working when revoked or expired (410), and are
//! reminded once.

use reqwest::Method;
use serde_json::{json, Value};
use tests::{Session, TestApp};

use crate::mailbox::{read_dir, Delivered};

const LINK: &str = "http://localhost:8080/interview#token=";

async fn invite(app: &TestApp, who: &Session, interview: &str, body: Value) -> (u16, Value) {
    app.call(
        who,
        Method::POST,
        &format!("/api/v1/interviews/{interview}/invitations"),
        Some(body),
    )
    .await
}

/// The mail to `to` whose subject starts with `subject`, newest last.
fn mails(app: &TestApp, to: &str, subject: &str) -> Vec<Delivered> {
    let mut all: Vec<Delivered> = read_dir(&app.env.outbox())
        .into_iter()
        .filter(|m| m.to == to && m.subject.starts_with(subject))
        .collect();
    // Outbox files are named by email id (UUIDv7: time-ordered).
    all.sort_by(|a, b| a.message_id.cmp(&b.message_id));
    all
}

fn token(mail: &Delivered) -> String {
    mail.link(LINK)[LINK.len()..].to_owned()
}

async fn open(app: &TestApp, token: &str) -> (u16, Value) {
    app.anon(Method::POST, "/api/v1/interview-invitations/open")
        .header("x-interview-token", token)
        .fetch()
        .await
}

async fn get(app: &TestApp, who: &Session, id: &str) -> Value {
    let (s, v) = app
        .call(
            who,
            Method::GET,
            &format!("/api/v1/interview-invitations/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_candidate_opens_the_emailed_link_and_starts() {
    let app = TestApp::new("invite-open").await;
    let org = app.organisation("inviteco").await;
    let r = &org.recruiter;
    let iv = app.scheduled_interview(r, "ada.invited@example.com").await;
    let interview = iv["id"].as_str().unwrap();

    let (s, inv) = invite(&app, r, interview, json!({})).await;
    assert_eq!(s, 201, "{inv}");
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["email"]["status"], "queued");
    let id = inv["id"].as_str().unwrap();
    // One live invitation per interview.
    let (s, again) = invite(&app, r, interview, json!({})).await;
    assert_eq!(s, 409, "{again}");

    app.run_pending_jobs().await;
    let inv = get(&app, r, id).await;
    assert_eq!(
        (inv["status"].as_str(), inv["email"]["status"].as_str()),
        (Some("sent"), Some("sent"))
    );

    let mail = mails(&app, "ada.invited@example.com", "Your interview")
        .pop()
        .unwrap();
    assert!(
        mail.subject.contains("QA Engineer") && mail.subject.contains("inviteco"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Ada Quinn"));
    let token = token(&mail);
    // At rest: a digest to find it, and sealed; never the token itself.
    let (hash, sealed): (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "SELECT token_hash, token_sealed FROM interview_invitations WHERE id = $1::uuid",
    )
    .bind(id)
    .fetch_one(&app.env.pool)
    .await
    .unwrap();
    for stored in [&hash, &sealed] {
        assert!(!stored.windows(token.len()).any(|w| w == token.as_bytes()));
    }

    let (s, opened) = open(&app, &token).await;
    assert_eq!(s, 200, "{opened}");
    assert_eq!(opened["interview_id"], interview);
    assert_eq!(opened["role_title"], "QA Engineer");
    assert_eq!(opened["status"], "opened");
    assert_eq!(get(&app, r, id).await["status"], "opened");

    // The link is the interview's access token (turns are tested with
    // it in the interviewer's tests); the invitation follows the interview.
    let (s, iv) = app
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/interviews/{interview}"),
            Some(json!({ "status": "in_progress" })),
        )
        .await;
    assert_eq!(s, 200, "{iv}");
    let inv = get(&app, r, id).await;
    assert_eq!(inv["status"], "started");
    assert!(inv["started_at"].is_string());

    let (s, _) = open(&app, "not-a-token").await;
    assert_eq!(s, 404);
    let (s, _) = app
        .anon(Method::POST, "/api/v1/interview-invitations/open")
        .fetch()
        .await;
    assert_eq!(s, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_rotates_the_link_and_revoked_or_expired_links_are_gone() {
    let app = TestApp::new("invite-rotate").await;
    let org = app.organisation("rotateco").await;
    let r = &org.recruiter;
    let iv = app.scheduled_interview(r, "rotate@example.com").await;
    let interview = iv["id"].as_str().unwrap();
    for days in [0, 31] {
        let (s, v) = invite(&app, r, interview, json!({ "expires_in_days": days })).await;
        assert_eq!(s, 422, "{days}: {v}");
    }
    let (_, inv) = invite(&app, r, interview, json!({ "expires_in_days": 3 })).await;
    let id = inv["id"].as_str().unwrap();
    app.run_pending_jobs().await;
    let first = token(&mails(&app, "rotate@example.com", "Your interview")[0]);

    let (s, resent) = app
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interview-invitations/{id}/resend"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200, "{resent}");
    assert_eq!(
        (resent["token_version"].as_i64(), resent["status"].as_str()),
        (Some(2), Some("pending"))
    );
    app.run_pending_jobs().await;
    let sent = mails(&app, "rotate@example.com", "Your interview");
    assert_eq!(sent.len(), 2);
    let second = token(&sent[1]);
    assert_ne!(first, second);
    assert_eq!(
        open(&app, &first).await.0,
        404,
        "the replaced link is unknown"
    );
    assert_eq!(open(&app, &second).await.0, 200);

    let (s, revoked) = app
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interview-invitations/{id}/revoke"),
            None,
        )
        .await;
    assert_eq!(
        (s, revoked["status"].as_str()),
        (200, Some("revoked")),
        "{revoked}"
    );
    let (s, gone) = open(&app, &second).await;
    assert_eq!(
        (s, gone["error"]["code"].as_str()),
        (410, Some("gone")),
        "{gone}"
    );
    let (s, _) = app
        .anon(
            Method::POST,
            &format!("/api/v1/interviews/{interview}/turns"),
        )
        .header("x-interview-token", &second)
        .json(&json!({}))
        .fetch()
        .await;
    assert_eq!(s, 401, "a revoked link drives nothing");
    let (s, _) = app
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interview-invitations/{id}/revoke"),
            None,
        )
        .await;
    assert_eq!(s, 409);

    // Past its expiry a link is gone at once; the periodic job then
    // expires the invitation and the unstarted interview.
    let iv2 = app.scheduled_interview(r, "late@example.com").await;
    let (_, inv2) = invite(&app, r, iv2["id"].as_str().unwrap(), json!({})).await;
    app.run_pending_jobs().await;
    let late = token(&mails(&app, "late@example.com", "Your interview")[0]);
    sqlx::query("UPDATE interview_invitations SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid")
        .bind(inv2["id"].as_str().unwrap())
        .execute(&app.env.pool)
        .await
        .unwrap();
    let (s, gone) = open(&app, &late).await;
    assert_eq!(s, 410, "{gone}");
    assert!(gone["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let job = app.enqueue("expire_invitations", json!({})).await;
    let done = app.settled(job, job_engine::db::JobStatus::Succeeded).await;
    assert_eq!(done.result.unwrap()["expired"], 1);
    let inv2 = get(&app, r, inv2["id"].as_str().unwrap()).await;
    assert_eq!(inv2["status"], "expired");
    let (_, iv2) = app
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews/{}", iv2["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(iv2["status"], "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_once_per_link_however_often_the_job_runs() {
    let app = TestApp::new("invite-remind").await;
    let org = app.organisation("remindco").await;
    let r = &org.recruiter;
    let mut ids = Vec::new();
    for who in [
        "soon@example.com",
        "later@example.com",
        "busy-starting@example.com",
    ] {
        let iv = app.scheduled_interview(r, who).await;
        let (_, inv) = invite(&app, r, iv["id"].as_str().unwrap(), json!({})).await;
        ids.push((
            iv["id"].as_str().unwrap().to_owned(),
            inv["id"].as_str().unwrap().to_owned(),
        ));
    }
    app.run_pending_jobs().await;
    // The first expires within a day; the third's interview starts within
    // the hour (its invitation is a week away from expiry).
    sqlx::query("UPDATE interview_invitations SET expires_at = now() + interval '12 hours' WHERE id = $1::uuid")
        .bind(&ids[0].1)
        .execute(&app.env.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE interviews SET scheduled_at = now() + interval '30 minutes' WHERE id = $1::uuid",
    )
    .bind(&ids[2].0)
    .execute(&app.env.pool)
    .await
    .unwrap();

    // Two runs queued together (two ticks' jobs), then a third.
    let a = app.enqueue("send_reminders", json!({})).await;
    let b = app.enqueue("send_reminders", json!({})).await;
    app.run_pending_jobs().await;
    let c = app.enqueue("send_reminders", json!({})).await;
    app.run_pending_jobs().await;
    let mut totals = (0, 0);
    for job in [a, b, c] {
        let result = app.env.job(job).await.result.unwrap();
        totals.0 += result["expiry_reminders"].as_i64().unwrap();
        totals.1 += result["starting_reminders"].as_i64().unwrap();
    }
    assert_eq!(totals, (1, 1));

    let reminder = mails(&app, "soon@example.com", "Reminder:");
    assert_eq!(reminder.len(), 1);
    // The reminder carries the invitation's own link.
    let invited = mails(&app, "soon@example.com", "Your interview")
        .pop()
        .unwrap();
    assert_eq!(token(&reminder[0]), token(&invited));
    assert!(mails(&app, "later@example.com", "Reminder:").is_empty());
    let starting = mails(
        &app,
        "busy-starting@example.com",
        "Your interview for QA Engineer starts",
    );
    assert_eq!(
        starting.len(),
        1,
        "{:?}",
        read_dir(&app.env.outbox())
            .iter()
            .map(|m| &m.subject)
            .collect::<Vec<_>>()
    );
    assert!(get(&app, r, &ids[0].1).await["reminded_at"].is_string());
}
