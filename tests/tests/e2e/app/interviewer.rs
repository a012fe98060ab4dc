//! The AI interviewer (issue 10): the candidate, with the interview's
//! access token, is asked the role's approved questions, gets one
//! follow-up on a thin answer, and the interview completes and is scored;
//! turns stream as server-sent events and an interrupted stream saves
//! nothing.

use axum::{
    body::Body,
    http::{Method, Request},
};
use futures::StreamExt;
use serde_json::{json, Value};
use tests::TestApp;

/// A role with two approved questions and an interview of it; (role path,
/// interview id).
pub(super) async fn interview(api: &TestApp, r: &tests::Session, email: &str) -> (String, String) {
    let role_path = api.job_role(r, "jd_01", "Backend (Go)").await;
    api.call(
        r,
        Method::POST,
        &format!("{role_path}/extract-requirements"),
        None,
    )
    .await;
    api.run_pending_jobs().await;
    api.call(
        r,
        Method::POST,
        &format!("{role_path}/questions/generate"),
        None,
    )
    .await;
    api.run_pending_jobs().await;
    let (_, drafts) = api
        .call(r, Method::GET, &format!("{role_path}/questions"), None)
        .await;
    for q in drafts.as_array().unwrap().iter().skip(2) {
        let path = format!("/api/v1/questions/{}", q["id"].as_str().unwrap());
        api.call(
            r,
            Method::PATCH,
            &path,
            Some(json!({ "status": "rejected" })),
        )
        .await;
    }
    let (st, set) = api
        .call(r, Method::POST, &format!("{role_path}/question-sets"), None)
        .await;
    assert_eq!(
        (st, set["questions"].as_array().unwrap().len()),
        (201, 2),
        "{set}"
    );
    let iv = tests::fixtures::interview_for(
        api,
        r,
        role_path.rsplit('/').next().unwrap(),
        json!({ "first_name": "Amara", "last_name": "O", "email": email }),
        json!({ "expires_at": "2099-01-01T00:00:00Z" }),
    )
    .await;
    (role_path, iv["id"].as_str().unwrap().to_owned())
}

/// The candidate's turn: (status, JSON).
async fn say(api: &TestApp, token: &str, id: &str, content: &str) -> (u16, Value) {
    api.anon(Method::POST, &format!("/api/v1/interviews/{id}/turns"))
        .header("x-interview-token", token)
        .json(&json!({ "content": content }))
        .fetch()
        .await
}

fn streamed_request(token: &str, id: &str, content: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/interviews/{id}/turns"))
        .header("x-interview-token", token)
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "content": content }).to_string()))
        .unwrap()
}

/// Server-sent events as (event, data) pairs.
fn events(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let mut event = String::new();
            let mut data = String::new();
            for line in e.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            (event, data)
        })
        .collect()
}

const FULL_ANSWER: &str = "Last year a deploy took checkout down for twelve minutes because a readiness probe hit the database; I rolled it back, then we made probes check only local state and added a disruption budget so it could not recur.";

#[tokio::test]
async fn a_candidate_is_interviewed_over_the_approved_questions_and_the_interview_is_scored() {
    let api = TestApp::new("interviewer").await;
    let org = api.organisation("ai").await;
    let r = &org.recruiter;
    let (role_path, id) = interview(&api, r, "amara@example.com").await;
    let path = format!("/api/v1/interviews/{id}");

    let (st, _) = api
        .anon(Method::POST, &format!("{path}/turns"))
        .json(&json!({}))
        .fetch()
        .await;
    assert_eq!(st, 401, "no credentials");
    let (st, _) = say(&api, "not-a-token", &id, "").await;
    assert_eq!(st, 401);
    let (st, _) = api
        .call(
            &org.reviewer,
            Method::POST,
            &format!("{path}/access-token"),
            None,
        )
        .await;
    assert_eq!(st, 403);
    let (st, access) = api
        .call(r, Method::POST, &format!("{path}/access-token"), None)
        .await;
    assert_eq!(st, 201, "{access}");
    let token = access["token"].as_str().unwrap().to_owned();

    // Start: greeting and the first question; the interview is running.
    let (st, t1) = say(&api, &token, &id, "").await;
    assert_eq!(
        (st, t1["kind"].as_str(), t1["question"].as_i64()),
        (200, Some("question"), Some(1)),
        "{t1}"
    );
    assert!(
        t1["content"].as_str().unwrap().starts_with("Hello Amara"),
        "{t1}"
    );
    let (_, iv) = api.call(r, Method::GET, &path, None).await;
    assert_eq!(iv["status"], "in_progress");
    let (st, v) = say(&api, &token, &id, "").await;
    assert_eq!(st, 422, "an empty answer after the start: {v}");

    // A set approved while the interview runs applies to later ones only.
    let (_, v1) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/question-sets/latest"),
            None,
        )
        .await;
    let second = v1["questions"][1]["text"].as_str().unwrap().to_owned();
    let (_, drafts) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/questions?status=draft"),
            None,
        )
        .await;
    let second_draft = drafts[1]["id"].as_str().unwrap().to_owned();
    api.call(
        r,
        Method::PATCH,
        &format!("/api/v1/questions/{second_draft}"),
        Some(json!({ "text": "A question approved too late?" })),
    )
    .await;
    let (st, v2) = api
        .call(r, Method::POST, &format!("{role_path}/question-sets"), None)
        .await;
    assert_eq!((st, v2["version"].as_i64()), (201, Some(2)), "{v2}");

    // A thin answer gets one follow-up; then the next question.
    let (_, t2) = say(&api, &token, &id, "I think Go, maybe.").await;
    assert_eq!(
        (t2["kind"].as_str(), t2["question"].as_i64()),
        (Some("follow_up"), Some(1)),
        "{t2}"
    );
    assert!(t2["answer_latency_ms"].as_i64().unwrap() >= 0);

    // Streamed: tokens, then `done` with the saved turn.
    let res = api
        .request(streamed_request(&token, &id, FULL_ANSWER))
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let evs = events(std::str::from_utf8(&body).unwrap());
    let (last, data) = evs.last().unwrap();
    assert_eq!(last, "done", "{evs:?}");
    let done: Value = serde_json::from_str(data).unwrap();
    let words: String = evs
        .iter()
        .filter(|(e, _)| e == "token")
        .map(|(_, d)| d.as_str())
        .collect();
    assert_eq!(words, done["content"].as_str().unwrap());
    assert_eq!(
        (
            done["kind"].as_str(),
            done["question"].as_i64(),
            done["content"].as_str().map(|c| c.contains(&second))
        ),
        (Some("question"), Some(2), Some(true)),
        "{done}"
    );

    // A stream cut off after its first event saves nothing.
    let (_, before) = api
        .call(r, Method::GET, &format!("{path}/transcript"), None)
        .await;
    let res = api
        .request(streamed_request(&token, &id, FULL_ANSWER))
        .await;
    let mut stream = res.into_body().into_data_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert!(std::str::from_utf8(&first)
        .unwrap()
        .contains("event: token"));
    drop(stream);
    let (_, after) = api
        .call(r, Method::GET, &format!("{path}/transcript"), None)
        .await;
    assert_eq!(after, before, "an interrupted stream saved part of a turn");

    // The last answer closes the interview, which is then scored.
    let (_, t4) = say(&api, &token, &id, FULL_ANSWER).await;
    assert_eq!(
        (t4["kind"].as_str(), t4["done"].as_bool()),
        (Some("closing"), Some(true)),
        "{t4}"
    );
    let (_, iv) = api.call(r, Method::GET, &path, None).await;
    assert_eq!(iv["status"], "completed");
    let (st, v) = say(&api, &token, &id, FULL_ANSWER).await;
    assert_eq!(st, 409, "a completed interview takes no turns: {v}");
    api.run_pending_jobs().await;
    let (st, score) = api
        .call(r, Method::GET, &format!("{path}/score"), None)
        .await;
    assert_eq!(st, 200, "{score}");
    let (_, transcript) = api
        .call(r, Method::GET, &format!("{path}/transcript"), None)
        .await;
    for seg in transcript.as_array().unwrap() {
        let latency = &seg["answer_latency_ms"];
        match seg["speaker"].as_str().unwrap() {
            "candidate" => assert!(latency.as_i64().is_some_and(|l| l >= 0), "{seg}"),
            _ => assert!(latency.is_null(), "{seg}"),
        }
    }
    let speakers: Vec<&str> = transcript
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["speaker"].as_str().unwrap())
        .collect();
    assert_eq!(
        speakers,
        [
            "interviewer",
            "candidate",
            "interviewer",
            "candidate",
            "interviewer",
            "candidate",
            "interviewer"
        ]
    );

    // The token opens this interview only; a member with write access
    // drives any of the organisation's.
    let (_, other) = interview(&api, r, "second@example.com").await;
    let (st, _) = say(&api, &token, &other, "").await;
    assert_eq!(st, 404, "another interview's token");
    let (st, t) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{other}/turns"),
            Some(json!({})),
        )
        .await;
    assert_eq!((st, t["kind"].as_str()), (200, Some("question")), "{t}");
}
