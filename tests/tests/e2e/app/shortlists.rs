//! The shortlist (issue 10): uploaded resumes and scored interviews ranked
//! for a job role, stored as a snapshot, and the shortlisted applications
//! moved forward in one call.

use std::collections::BTreeMap;

use axum::http::Method;
use serde_json::{json, Value};
use tests::{fixture, TestApp};

#[tokio::test]
async fn a_role_is_shortlisted_from_resumes_and_interviews_and_the_shortlist_moves_forward() {
    let api = TestApp::new("shortlist").await;
    let org = api.organisation("sl").await;
    let r = &org.recruiter;
    let role_path = api.job_role(r, "jd_01", "Senior Backend Engineer").await;

    // No requirements yet: refused before any job runs.
    let (st, v) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/shortlist"),
            Some(json!({})),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    let (st, v) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/shortlist"),
            Some(json!({ "max_candidates": 0, "min_score": 101 })),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = api
        .call(r, Method::GET, &format!("{role_path}/shortlist"), None)
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (404, Some("no_shortlist")),
        "{v}"
    );

    let (st, _) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/extract-requirements"),
            None,
        )
        .await;
    assert_eq!(st, 202);
    // Four resumes come in for the role and become applications.
    let mut apps = BTreeMap::new();
    for file in [
        "resume_01.pdf",
        "resume_08.pdf",
        "resume_12.pdf",
        "resume_03.pdf",
    ] {
        let resume = api.parsed_resume(r, &role_path, file).await;
        let app = resume["application_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{resume}"));
        apps.insert(file, app.to_owned());
    }
    // Three of them are interviewed and scored.
    for (file, transcript) in [
        ("resume_01.pdf", "tr_01"),
        ("resume_08.pdf", "tr_02"),
        ("resume_12.pdf", "tr_03"),
    ] {
        let (st, iv) = api
            .call(
                r,
                Method::POST,
                &format!("/api/v1/applications/{}/interviews", apps[file]),
                Some(json!({})),
            )
            .await;
        assert_eq!(st, 201, "{iv}");
        let iv_path = format!("/api/v1/interviews/{}", iv["id"].as_str().unwrap());
        api.call(
            r,
            Method::PATCH,
            &iv_path,
            Some(json!({ "status": "in_progress" })),
        )
        .await;
        let turns: Vec<Value> =
            serde_json::from_slice(&fixture(&format!("transcripts/{transcript}.json"))).unwrap();
        let segments: Vec<Value> = turns
            .iter()
            .map(|t| {
                json!({ "speaker": t["speaker"], "content": t["content"],
                             "start_ms": t["start_ms"], "end_ms": t["start_ms"] })
            })
            .collect();
        let (st, v) = api
            .call(
                r,
                Method::POST,
                &format!("{iv_path}/transcript"),
                Some(json!({ "segments": segments })),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        api.call(
            r,
            Method::PATCH,
            &iv_path,
            Some(json!({ "status": "completed" })),
        )
        .await;
    }
    api.run_pending_jobs().await;

    let (st, job) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/shortlist"),
            Some(json!({ "max_candidates": 2 })),
        )
        .await;
    assert_eq!(st, 202, "{job}");
    api.run_pending_jobs().await;
    let (st, shortlist) = api
        .call(
            &org.reviewer,
            Method::GET,
            &format!("{role_path}/shortlist"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{shortlist}");
    let file_of = |app: &str| *apps.iter().find(|(_, a)| a.as_str() == app).unwrap().0;
    let entries = shortlist["entries"].as_array().unwrap();
    let order: Vec<(&str, bool, bool)> = entries
        .iter()
        .map(|e| {
            (
                file_of(e["application_id"].as_str().unwrap()),
                e["shortlisted"].as_bool().unwrap(),
                e["flag_for_review"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("resume_01.pdf", true, false),
            ("resume_08.pdf", true, false),
            ("resume_03.pdf", false, false),
            ("resume_12.pdf", false, true),
        ],
        "strong interview first, the cheating-suspected one flagged and last: {shortlist}"
    );
    let top = &entries[0];
    assert_eq!(top["tier"], "A");
    assert_eq!(top["rank"], 1);
    assert!(top["interviewed"].as_bool().unwrap());
    assert_eq!(
        top["required_matched"].as_array().unwrap().len(),
        5,
        "{top}"
    );
    assert!(!top["reasons"].as_array().unwrap().is_empty());
    assert!(
        entries[2]["concerns"]
            .to_string()
            .contains("not interviewed"),
        "{}",
        entries[2]
    );
    assert!(
        entries[3]["concerns"]
            .to_string()
            .contains("integrity risk"),
        "{}",
        entries[3]
    );
    assert_eq!(entries[0]["candidate_name"], "Amara Okonkwo");

    // Pages of it, and only the shortlisted.
    let (st, page) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/shortlist?limit=1&offset=1"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(
        (
            page["total_entries"].as_u64(),
            page["entries"].as_array().unwrap().len()
        ),
        (Some(4), 1)
    );
    assert_eq!(
        page["entries"][0]["application_id"],
        entries[1]["application_id"]
    );
    let (_, only) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/shortlist?shortlisted=true"),
            None,
        )
        .await;
    assert_eq!(only["total_entries"], 2, "{only}");
    let (st, _) = api
        .call(
            r,
            Method::GET,
            &format!("{role_path}/shortlist?limit=0"),
            None,
        )
        .await;
    assert_eq!(st, 422);

    // The shortlisted two move forward together, once.
    let advance = json!({ "shortlist_id": shortlist["id"], "reason": "strong shortlist" });
    let (st, moved) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/shortlist/advance"),
            Some(advance.clone()),
        )
        .await;
    assert_eq!(st, 200, "{moved}");
    assert_eq!(moved["moved"].as_array().unwrap().len(), 2, "{moved}");
    for file in ["resume_01.pdf", "resume_08.pdf"] {
        let (_, app) = api
            .call(
                r,
                Method::GET,
                &format!("/api/v1/applications/{}", apps[file]),
                None,
            )
            .await;
        assert_eq!(app["stage"], "screening", "{file}: {app}");
        let (_, history) = api
            .call(
                r,
                Method::GET,
                &format!("/api/v1/applications/{}/history", apps[file]),
                None,
            )
            .await;
        assert!(
            history.to_string().contains("strong shortlist"),
            "{history}"
        );
    }
    let (_, app) = api
        .call(
            r,
            Method::GET,
            &format!("/api/v1/applications/{}", apps["resume_12.pdf"]),
            None,
        )
        .await;
    assert_eq!(app["stage"], "applied", "a flagged candidate stays put");
    let (st, again) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/shortlist/advance"),
            Some(advance),
        )
        .await;
    assert_eq!(st, 200, "{again}");
    assert!(again["moved"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(again["skipped"].as_array().unwrap().len(), 2, "{again}");
    let stale = json!({ "shortlist_id": job["job_id"] });
    let (st, _) = api
        .call(
            r,
            Method::POST,
            &format!("{role_path}/shortlist/advance"),
            Some(stale),
        )
        .await;
    assert_eq!(st, 409, "an id that is not the latest shortlist");
}
