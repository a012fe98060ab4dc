//! Key rotation: with a new key in front, the re-sealing job moves every
//! sealed value to it, after which the old key can be removed.

use job_engine::db::JobStatus;
use serde_json::json;
use tests::{TestApp, TEST_DATA_KEYS};

use crate::mailbox::read_dir;

/// How many sealed values are under key `id`, and how many under another.
async fn under(app: &TestApp, id: &str) -> (i64, i64) {
    sqlx::query_as(
        "WITH v AS (
             SELECT recipient AS s FROM emails UNION ALL SELECT message FROM emails
             UNION ALL SELECT token_sealed FROM interview_invitations
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
    let (sealed, other) = under(&app, "test1").await;
    assert!(sealed >= 5 && other == 0, "{sealed} {other}");

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
    // (Emails sent meanwhile dropped their messages.)
    let (resealed, other) = under(&app, "test2").await;
    assert!(resealed >= 5 && other == 0, "{resealed} {other}");

    // The old key removed: everything still opens.
    app.set_worker_keys(&new_key);
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
}
