//! Email: invitations mailed through the outbox (the default) or a real
//! SMTP server process, exactly once, with refusals and deferrals handled.

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::{json, Value};
use tests::TestApp;
use uuid::Uuid;

use crate::mailbox::{read_dir, SmtpSink};

async fn app_with_smtp(name: &str, sink: &SmtpSink) -> TestApp {
    let args = sink.args();
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::with_args(name, &args).await
}

/// The email row of `id`: (status, attempts, last error, message kept).
async fn email_row(app: &TestApp, id: Uuid) -> (String, i32, Option<String>, bool) {
    sqlx::query_as(
        "SELECT status::text, attempts, last_error, message IS NOT NULL FROM emails WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.env.pool)
    .await
    .unwrap()
}

async fn email_of_job(app: &TestApp, job: Uuid) -> Uuid {
    sqlx::query_scalar("SELECT id FROM emails WHERE job_id = $1")
        .bind(job)
        .fetch_one(&app.env.pool)
        .await
        .unwrap()
}

async fn invite(app: &TestApp, who: &tests::Session, email: &str) -> Value {
    let (s, inv) = app
        .call(
            who,
            Method::POST,
            "/api/v1/invitations",
            Some(json!({ "email": email, "role": "recruiter" })),
        )
        .await;
    assert_eq!(s, 201, "{inv}");
    inv
}

fn job_id(v: &Value) -> Uuid {
    v["email_job_id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_invitation_is_mailed_to_the_outbox_with_a_working_link() {
    let app = TestApp::new("mail-outbox").await;
    let org = app.organisation("outboxco").await;
    // A name a user typed, hostile to HTML.
    sqlx::query("UPDATE organisations SET name = $2 WHERE id = $1")
        .bind(org.id)
        .bind("<script>alert(1)</script> & Sons")
        .execute(&app.env.pool)
        .await
        .unwrap();
    let inv = invite(&app, &org.owner, "newcomer@example.com").await;
    app.settled(job_id(&inv), JobStatus::Succeeded).await;

    let mail = read_dir(&app.env.outbox())
        .into_iter()
        .find(|m| m.to == "newcomer@example.com")
        .expect("the invitation in the outbox");
    assert!(
        mail.subject.contains("<script>alert(1)</script> & Sons"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("<script>alert(1)</script> & Sons"));
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(mail.html.contains("&lt;script&gt;"), "{}", mail.html);
    let link = mail.link("http://localhost:8080/join#token=");
    let token = link.rsplit('=').next().unwrap();
    assert_eq!(token, inv["token"].as_str().unwrap());

    let newcomer = app.session("newcomer@example.com").await;
    let (s, joined) = app
        .call(
            &newcomer,
            Method::POST,
            "/api/v1/invitations/accept",
            Some(json!({ "token": token })),
        )
        .await;
    assert_eq!(
        (s, joined["role"].as_str()),
        (200, Some("recruiter")),
        "{joined}"
    );

    let email = email_of_job(&app, job_id(&inv)).await;
    let (status, attempts, _, kept) = email_row(&app, email).await;
    assert_eq!((status.as_str(), attempts, kept), ("sent", 1, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_delivers_once_however_often_the_job_runs() {
    let app0 = TestApp::new("mail-smtp-logs").await;
    let sink = SmtpSink::start(app0.env.log_dir.join("sink"));
    let app = app_with_smtp("mail-smtp", &sink).await;
    let org = app.organisation("smtpco").await;
    let before = sink.messages().len();
    let inv = invite(&app, &org.owner, "someone@example.com").await;
    app.settled(job_id(&inv), JobStatus::Succeeded).await;
    let email = email_of_job(&app, job_id(&inv)).await;

    // The job delivered again (a re-delivery after a lost outcome): it
    // finds the email sent and sends nothing.
    let again = app
        .env
        .enqueue_committed("send_email", json!({ "email_id": email }))
        .await;
    let rerun = app.settled(again, JobStatus::Succeeded).await;
    assert_eq!(rerun.result.unwrap()["sent_now"], false);

    let got: Vec<_> = sink
        .messages()
        .into_iter()
        .skip(before)
        .filter(|m| m.to == "someone@example.com")
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].message_id, format!("{email}@talenti.test"));
    assert!(got[0].text.contains(inv["token"].as_str().unwrap()));
    let (status, attempts, error, kept) = email_row(&app, email).await;
    assert_eq!(
        (status.as_str(), attempts, error, kept),
        ("sent", 1, None, false)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_address_ends_dead_and_a_deferral_is_retried() {
    let app0 = TestApp::new("mail-refusals-logs").await;
    let sink = SmtpSink::start(app0.env.log_dir.join("sink"));
    let app = app_with_smtp("mail-refusals", &sink).await;
    let org = app.organisation("refuseco").await;

    // 550: permanent. Dead at the first attempt, with the server's reason.
    let bounced = invite(&app, &org.owner, "bounce@example.com").await;
    let dead = app.settled(job_id(&bounced), JobStatus::Dead).await;
    assert_eq!(dead.attempt, 1);
    let reason = dead.last_error.unwrap();
    assert!(
        reason.contains("550") && reason.contains("mailbox unavailable"),
        "{reason}"
    );
    assert!(
        !reason.contains("bounce@example.com"),
        "the address is redacted: {reason}"
    );
    let (status, _, error, _) = email_row(&app, email_of_job(&app, job_id(&bounced)).await).await;
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("550"));

    // 451: transient. Retried with backoff, delivered on attempt 2.
    let mut app = app;
    app.set_retry_delay(job_engine::runner::RetryDelay::Policy);
    let deferred = invite(&app, &org.owner, "busy@example.com").await;
    let waiting = app.settled(job_id(&deferred), JobStatus::Failed).await;
    assert!(
        waiting.last_error.as_deref().unwrap().contains("451"),
        "{waiting:?}"
    );
    assert!(waiting.run_at > chrono::Utc::now() + chrono::Duration::seconds(10));
    app.make_retries_due().await;
    let done = app.settled(job_id(&deferred), JobStatus::Succeeded).await;
    assert_eq!(done.attempt, 2);
    let email = email_of_job(&app, job_id(&deferred)).await;
    let (status, attempts, _, _) = email_row(&app, email).await;
    assert_eq!((status.as_str(), attempts), ("sent", 2));
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m.to == "busy@example.com" || m.to == "bounce@example.com")
            .count(),
        1
    );
}
