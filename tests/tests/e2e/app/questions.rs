//! Interview questions (issue 10): drafted from a role's requirements by a
//! job, edited, reordered and rejected by a recruiter, approved into a
//! frozen, versioned set.

use axum::http::Method;
use serde_json::{json, Value};
use tests::TestApp;

fn texts(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|q| q["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn drafted_questions_are_edited_reordered_rejected_and_approved_into_frozen_versions() {
    let api = TestApp::new("questions").await;
    let org = api.organisation("qs").await;
    let r = &org.recruiter;
    let role_path = api
        .job_role(r, "jd_01", "Senior Backend Engineer (Go)")
        .await;

    let (st, v) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/questions/generate"),
            None,
        )
        .await;
    assert_eq!(st, 409, "no requirements yet: {v}");
    let (st, v) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/question-sets/latest"),
            None,
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("no_question_set")),
        "{v}"
    );
    let (st, v) = api
        .call(r, Method::POST, &format!("{role_path}/question-sets"), None)
        .await;
    assert_eq!(st, 409, "nothing to approve: {v}");

    api.call(
        r,
        Method::POST,
        &format!("{role_path}/extract-requirements"),
        None,
    )
    .await;
    api.run_pending_jobs().await;
    let (st, job) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/questions/generate"),
            None,
        )
        .await;
    assert_eq!(st, 202, "{job}");
    api.run_pending_jobs().await;
    let (st, drafts) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("{role_path}/questions"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{drafts}");
    let list = drafts.as_array().unwrap();
    let kinds = |k: &str| list.iter().filter(|q| q["kind"] == k).count();
    assert!(
        kinds("technical") >= 5 && kinds("behavioural") >= 1 && kinds("situational") >= 1,
        "{drafts}"
    );
    for q in list {
        assert_eq!(q["status"], "draft");
        assert!(
            ["easy", "medium", "hard"].contains(&q["difficulty"].as_str().unwrap()),
            "{q}"
        );
        assert!(
            !q["dimension"].as_str().unwrap().is_empty()
                && !q["model_answer"].as_str().unwrap().is_empty()
        );
    }
    assert!(
        list.iter()
            .any(|q| q["topic"] == "Go" && q["difficulty"] == "hard"),
        "a senior role's required skill"
    );
    let positions: Vec<i64> = list
        .iter()
        .map(|q| q["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (0..list.len() as i64).collect::<Vec<_>>());

    // Edit the first, move the last to the top, reject the second.
    let id = |i: usize| list[i]["id"].as_str().unwrap().to_owned();
    let (first, second, last) = (id(0), id(1), id(list.len() - 1));
    let (st, edited) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/questions/{first}"),
            Some(json!({ "text": "How do you keep Go services correct under concurrency?", "difficulty": "medium" })),
        )
        .await;
    assert_eq!(
        (st, edited["difficulty"].as_str()),
        (200, Some("medium")),
        "{edited}"
    );
    let (st, moved) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/questions/{last}"),
            Some(json!({ "position": 0 })),
        )
        .await;
    assert_eq!((st, moved["position"].as_i64()), (200, Some(0)), "{moved}");
    let (st, _) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/questions/{second}"),
            Some(json!({ "status": "rejected" })),
        )
        .await;
    assert_eq!(st, 200);
    let (st, v) = api
        .call(
            r,
            Method::PATCH,
            &format!("/api/v1/questions/{first}"),
            Some(json!({ "text": "  " })),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let (_, now) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/questions?status=draft"),
            None,
        )
        .await;
    let order: Vec<String> = now
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        order.len(),
        list.len() - 1,
        "the rejected one is not a draft"
    );
    assert_eq!(
        (order[0].as_str(), order[1].as_str()),
        (last.as_str(), first.as_str())
    );
    let positions: Vec<i64> = now
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (0..order.len() as i64).collect::<Vec<_>>());

    // Approve: version 1, frozen, in the drafts' order.
    let (st, v1) = api
        .call(r, Method::POST, &format!("{role_path}/question-sets"), None)
        .await;
    assert_eq!((st, v1["version"].as_i64()), (201, Some(1)), "{v1}");
    assert_eq!(texts(&v1["questions"]), texts(&now));
    assert_eq!(
        v1["questions"][1]["text"],
        "How do you keep Go services correct under concurrency?"
    );
    // A later edit does not change version 1; approving again makes 2.
    api.call(
        r,
        Method::PATCH,
        &format!("/api/v1/questions/{first}"),
        Some(json!({ "text": "Changed after approval?" })),
    )
    .await;
    let (_, latest) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/question-sets/latest"),
            None,
        )
        .await;
    assert_eq!(latest["version"], 1);
    assert_eq!(
        latest["questions"], v1["questions"],
        "an approved set is frozen"
    );
    let (_, v2) = api
        .call(r, Method::POST, &format!("{role_path}/question-sets"), None)
        .await;
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["questions"][1]["text"], "Changed after approval?");
    let (_, latest) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("{role_path}/question-sets/latest"),
            None,
        )
        .await;
    assert_eq!(latest["version"], 2);

    // Generating again replaces the drafts and keeps the rejected one.
    api.call(
        r,
        Method::POST,
        &format!("{role_path}/questions/generate"),
        None,
    )
    .await;
    api.run_pending_jobs().await;
    let (_, again) = api
        .call(r, Method::GET, &format!("{role_path}/questions"), None)
        .await;
    let again = again.as_array().unwrap();
    assert_eq!(
        again.iter().filter(|q| q["status"] == "rejected").count(),
        1
    );
    assert_eq!(
        again.iter().filter(|q| q["status"] == "draft").count(),
        list.len()
    );
    assert!(!again.iter().any(|q| q["text"] == "Changed after approval?"));
    // Reviewers read but do not edit.
    let (st, _) = api
        .call(
            &org.reviewer,
            Method::PATCH,
            &format!("/api/v1/questions/{last}"),
            Some(json!({ "position": 1 })),
        )
        .await;
    assert_eq!(st, 403);
}
