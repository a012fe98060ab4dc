//! Email delivery across worker deaths, against a real SMTP server process:
//! a message is never sent twice, and one whose body never went is sent on
//! the next attempt.

use std::time::Duration;

use job_engine::db::JobStatus;
use reqwest::Method;
use serde_json::json;
use tests::TestApp;
use uuid::Uuid;

use crate::mailbox::SmtpSink;

const T: Duration = Duration::from_secs(60);

async fn invite(app: &TestApp, who: &tests::Session, email: &str) -> Uuid {
    let (s, inv) = app
        .call(
            who,
            Method::POST,
            "/api/v1/invitations",
            Some(json!({ "email": email, "role": "reviewer" })),
        )
        .await;
    assert_eq!(s, 201, "{inv}");
    inv["email_job_id"].as_str().unwrap().parse().unwrap()
}

async fn email_status(app: &TestApp, job: Uuid) -> String {
    sqlx::query_scalar("SELECT status::text FROM emails WHERE job_id = $1")
        .bind(job)
        .fetch_one(&app.env.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_delivery_never_sends_a_second_copy() {
    // The API in process posts the emails; worker processes deliver them.
    let app = TestApp::new("mail-kill").await;
    let sink = SmtpSink::start(app.env.log_dir.join("sink"));
    let org = app.organisation("killco").await;
    let mut vars = sink.env();
    vars.push(("TALENTI_LEASE_SECS", "3".into()));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let count = |to: &str| sink.messages().iter().filter(|m| m.to == to).count();

    // Killed after the body went and before the server's answer: the
    // server has the message, so the next attempt must not send it again.
    let held = invite(&app, &org.owner, "hold-data@example.com").await;
    let mut first = app.env.worker("worker-1", &vars);
    sink.held("data", "hold-data@example.com", T).await;
    first.kill();
    let second = app.env.worker("worker-2", &vars);
    let dead = app.env.wait_status(held, JobStatus::Dead, T).await;
    assert_eq!(dead.attempt, 2);
    let reason = dead.last_error.unwrap();
    assert!(reason.contains("unconfirmed"), "{reason}");
    assert_eq!(email_status(&app, held).await, "unconfirmed");
    assert_eq!(count("hold-data@example.com"), 1);

    // Killed before the body went: nothing was delivered, so the next
    // attempt sends it, once.
    let mut second = second;
    let early = invite(&app, &org.owner, "hold-rcpt@example.com").await;
    sink.held("rcpt", "hold-rcpt@example.com", T).await;
    second.kill();
    let _third = app.env.worker("worker-3", &vars);
    let done = app.env.wait_status(early, JobStatus::Succeeded, T).await;
    assert_eq!(done.attempt, 2);
    assert_eq!(email_status(&app, early).await, "sent");
    assert_eq!(count("hold-rcpt@example.com"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_ticking_every_second_remind_once() {
    let app = TestApp::new("remind-replicas").await;
    let org = app.organisation("replicaco").await;
    app.invited_interview(&org.recruiter, "remind.me@example.com")
        .await;
    app.run_pending_jobs().await;
    sqlx::query("UPDATE interview_invitations SET expires_at = now() + interval '2 hours'")
        .execute(&app.env.pool)
        .await
        .unwrap();

    // Only the reminders' schedule, every second, on two replicas.
    let spec = tests::only_schedules("send_reminders=* * * * * *");
    let vars = [("TALENTI_SCHEDULE", spec.as_str())];
    let _a = app.env.scheduler("scheduler-a", &vars);
    let _b = app.env.scheduler("scheduler-b", &vars);
    let _worker = app.env.worker("worker", &[]);
    tests::wait_for("four reminder runs", T, || async {
        let runs: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'send_reminders' AND status = 'succeeded'",
        )
        .fetch_one(&app.env.pool)
        .await
        .unwrap();
        (runs >= 4).then_some(())
    })
    .await;
    // The reminder's email is delivered by the same worker.
    tests::wait_for("the reminder in the outbox", T, || async {
        let n = crate::mailbox::read_dir(&app.env.outbox())
            .iter()
            .filter(|m| m.subject.starts_with("Reminder:"))
            .count();
        (n >= 1).then_some(())
    })
    .await;
    let reminders: Vec<_> = crate::mailbox::read_dir(&app.env.outbox())
        .into_iter()
        .filter(|m| m.subject.starts_with("Reminder:"))
        .collect();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert_eq!(reminders[0].to, "remind.me@example.com");
    let ticks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM schedule_ticks WHERE schedule_name = 'send_reminders'",
    )
    .fetch_one(&app.env.pool)
    .await
    .unwrap();
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'send_reminders'")
        .fetch_one(&app.env.pool)
        .await
        .unwrap();
    assert_eq!(ticks, jobs, "one job per tick across both replicas");
}
