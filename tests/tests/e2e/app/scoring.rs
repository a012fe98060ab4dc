//! Scoring interviews (issue 10): completing an interview scores it; the
//! score explains itself (dimensions, evidence, verbatim quotes, integrity)
//! and records what it was scored against; re-scoring replaces it; a job
//! that cannot score says why on the interview.

use axum::http::Method;
use recruiting::store::interviews::{self, NewScore};
use serde_json::{json, Value};
use tests::{fixture, OrgFixture, Session, TestApp};
use uuid::Uuid;

/// A fixture transcript as segments to append (each ends where the next
/// starts).
fn segments(name: &str) -> Vec<Value> {
    let turns: Vec<Value> =
        serde_json::from_slice(&fixture(&format!("transcripts/{name}.json"))).unwrap();
    turns
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let start = t["start_ms"].as_i64().unwrap();
            let end = turns
                .get(i + 1)
                .map_or(start + 5_000, |n| n["start_ms"].as_i64().unwrap());
            json!({ "speaker": t["speaker"], "content": t["content"], "start_ms": start, "end_ms": end })
        })
        .collect()
}

/// An interview of `org`, started, with `segments` appended; its id.
async fn interview_with(api: &TestApp, org: &OrgFixture, segments: Vec<Value>) -> String {
    let r = &org.recruiter;
    let iv = api.scheduled_interview(r, "scored@example.com").await;
    let id = iv["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/interviews/{id}");
    let (st, v) = api
        .call(
            r,
            Method::PATCH,
            &path,
            Some(json!({ "status": "in_progress" })),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = api
        .call(
            r,
            Method::POST,
            &format!("{path}/transcript"),
            Some(json!({ "segments": segments })),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    id
}

async fn complete(api: &TestApp, who: &Session, id: &str) {
    let (st, v) = api
        .call(
            who,
            Method::PATCH,
            &format!("/api/v1/interviews/{id}"),
            Some(json!({ "status": "completed" })),
        )
        .await;
    assert_eq!((st, v["status"].as_str()), (200, Some("completed")), "{v}");
}

#[tokio::test]
async fn a_completed_interview_is_scored_with_quotes_from_its_transcript_and_a_rescore_replaces_it()
{
    let api = TestApp::new("scoring").await;
    let org = api.organisation("sc").await;
    let r = &org.recruiter;
    let transcript = segments("tr_01");
    let said: Vec<String> = transcript
        .iter()
        .filter(|s| s["speaker"] == "candidate")
        .map(|s| s["content"].as_str().unwrap().to_owned())
        .collect();
    let id = interview_with(&api, &org, transcript.clone()).await;
    let score_path = format!("/api/v1/interviews/{id}/score");

    let (st, v) = api.call(r, Method::GET, &score_path, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("not_scored")),
        "{v}"
    );
    let (st, v) = api.call(r, Method::POST, &score_path, None).await;
    assert_eq!(st, 409, "an interview in progress is not scored: {v}");

    complete(&api, r, &id).await;
    assert!(api.run_pending_jobs().await >= 1);
    let (st, first) = api
        .call(&org.reviewer, Method::GET, &score_path, None)
        .await;
    assert_eq!(st, 200, "{first}");
    let score = &first["score"];
    let overall = score["overall"].as_f64().unwrap();
    assert!(
        (80.0..=95.0).contains(&overall),
        "a strong interview scored {overall}"
    );
    assert_eq!(score["integrity"]["risk"], "low", "{score}");
    assert_eq!(first["scorer"], "builtin-1");
    assert_eq!(first["segments"], transcript.len());
    let names: Vec<&str> = score["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Technical Skills",
            "Communication",
            "Problem Solving",
            "Cultural Fit",
            "Experience Relevance"
        ],
        "the default rubric, for a role that has none"
    );
    for d in score["dimensions"].as_array().unwrap() {
        assert!(!d["quotes"].as_array().unwrap().is_empty(), "{d}");
        for q in d["quotes"].as_array().unwrap() {
            let q = q.as_str().unwrap();
            assert!(
                said.iter().any(|s| s.contains(q)),
                "not said by the candidate: {q}"
            );
        }
    }
    assert!(!score["summary"].as_str().unwrap().is_empty());
    assert!(!score["feedback"].as_str().unwrap().is_empty());

    // The role gets a rubric of its own; a re-score follows it and
    // replaces the score whole.
    let (_, iv) = api
        .call(r, Method::GET, &format!("/api/v1/interviews/{id}"), None)
        .await;
    let (_, app) = api
        .call(
            r,
            Method::GET,
            &format!(
                "/api/v1/applications/{}",
                iv["application_id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let rubric = json!([
        { "name": "Go and PostgreSQL", "weight": 2.0, "description": "technical depth" },
        { "name": "Communication", "weight": 1.0 }
    ]);
    let (st, v) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/job-roles/{}", app["job_role_id"].as_str().unwrap()),
            Some(json!({ "rubric": rubric })),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = api.call(r, Method::POST, &score_path, None).await;
    assert_eq!(st, 202, "{v}");
    api.run_pending_jobs().await;
    let (_, second) = api.call(r, Method::GET, &score_path, None).await;
    let dims = second["score"]["dimensions"].as_array().unwrap();
    assert_eq!(
        dims.iter()
            .map(|d| (d["name"].as_str().unwrap(), d["weight"].as_f64().unwrap()))
            .collect::<Vec<_>>(),
        [("Go and PostgreSQL", 2.0), ("Communication", 1.0)]
    );
    let weighted =
        (2.0 * dims[0]["score"].as_f64().unwrap() + dims[1]["score"].as_f64().unwrap()) / 3.0;
    assert!(
        (second["score"]["overall"].as_f64().unwrap() - weighted).abs() < 0.051,
        "{second}"
    );
    assert_ne!(second["rubric_version"], first["rubric_version"]);
    assert_ne!(second["job_id"], first["job_id"]);
    assert_eq!(second["rubric"][0]["name"], "Go and PostgreSQL");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM interview_scores")
        .fetch_one(&api.env.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1, "a re-score replaces the score");

    // The job that wrote a score never writes it again: a re-delivery of
    // it (here, its save replayed with another result) changes nothing.
    let iv_id: Uuid = id.parse().unwrap();
    let job_id: Uuid = second["job_id"].as_str().unwrap().parse().unwrap();
    let mut other: assessment::InterviewScore =
        serde_json::from_value(second["score"].clone()).unwrap();
    other.overall = 1.0;
    let mut conn = api.env.pool.acquire().await.unwrap();
    let rubric: Vec<assessment::rubric::RubricDimension> =
        serde_json::from_value(second["rubric"].clone()).unwrap();
    let saved = interviews::save_score(
        &mut conn,
        org.id,
        iv_id,
        &NewScore {
            job_id,
            score: &other,
            rubric: &rubric,
            rubric_version: "replayed",
            scorer: "replayed",
            segments: 1,
        },
    )
    .await
    .unwrap();
    assert!(saved);
    let (_, after) = api.call(r, Method::GET, &score_path, None).await;
    assert_eq!(after, second, "a replayed save wrote again");
}

#[tokio::test]
async fn a_transcript_with_no_candidate_turns_fails_scoring_with_the_reason_on_the_interview() {
    let api = TestApp::new("scoring_fails").await;
    let org = api.organisation("sf").await;
    let r = &org.recruiter;
    let only_questions = vec![
        json!({ "speaker": "interviewer", "content": "Hello, can you hear me?", "start_ms": 0, "end_ms": 2000 }),
        json!({ "speaker": "interviewer", "content": "It seems not; let's reschedule.", "start_ms": 30000, "end_ms": 32000 }),
    ];
    let id = interview_with(&api, &org, only_questions).await;
    complete(&api, r, &id).await;
    api.run_pending_jobs().await;
    let (st, v) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/interviews/{id}/score"),
            None,
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("not_scored")),
        "{v}"
    );
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("scoring failed") && message.contains("no candidate turns"),
        "{message}"
    );
}
