//! The fixtures every API test builds (a signed-in user, an organisation
//! with one member per role, a job role from a fixture job description, a
//! scheduled interview), written once for both
//! ways of calling the API: a process over HTTP ([`crate::Api`]) and the
//! router in process ([`crate::TestApp`]).

use std::future::Future;

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{OrgFixture, Session, PASSWORD};

/// A way to call the API.
pub trait Client {
    /// Sends a request with `credential` (a token or an API key; None: no
    /// credential) and returns (status, JSON body or Null).
    fn send(
        &self,
        credential: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> impl Future<Output = (u16, Value)>;
}

/// Signs up `email` (or logs in if it exists) with [`PASSWORD`].
pub async fn session(c: &impl Client, email: &str) -> Session {
    let body = json!({ "email": email, "password": PASSWORD });
    let (mut status, mut v) = c
        .send(
            None,
            Method::POST,
            "/api/v1/auth/signup",
            Some(body.clone()),
        )
        .await;
    if status == 409 {
        (status, v) = c
            .send(None, Method::POST, "/api/v1/auth/login", Some(body))
            .await;
    }
    assert!(
        (200..300).contains(&status),
        "signing in {email}: {status} {v}"
    );
    Session {
        user_id: v["user"]["id"].as_str().unwrap().parse().unwrap(),
        email: email.to_owned(),
        access_token: v["access_token"].as_str().unwrap().to_owned(),
        refresh_token: v["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// Creates an organisation owned by `<tag>-owner@…` with an admin, a
/// recruiter and a reviewer who joined through invitations.
pub async fn organisation(c: &impl Client, tag: &str) -> OrgFixture {
    let owner = session(c, &format!("{tag}-owner@example.com")).await;
    let as_ = |who: &Session| who.access_token.clone();
    let (s, org) = c
        .send(
            Some(&as_(&owner)),
            Method::POST,
            "/api/v1/organisations",
            Some(json!({ "name": tag })),
        )
        .await;
    assert_eq!(s, 201, "{org}");
    let id: Uuid = org["id"].as_str().unwrap().parse().unwrap();
    let mut members = Vec::new();
    for role in ["admin", "recruiter", "reviewer"] {
        let email = format!("{tag}-{role}@example.com");
        let (s, inv) = c
            .send(
                Some(&as_(&owner)),
                Method::POST,
                "/api/v1/invitations",
                Some(json!({ "email": email, "role": role })),
            )
            .await;
        assert_eq!(s, 201, "{inv}");
        let member = session(c, &email).await;
        let (s, body) = c
            .send(
                Some(&as_(&member)),
                Method::POST,
                "/api/v1/invitations/accept",
                Some(json!({ "token": inv["token"] })),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        members.push(member);
    }
    let reviewer = members.pop().unwrap();
    let recruiter = members.pop().unwrap();
    let admin = members.pop().unwrap();
    OrgFixture {
        id,
        owner,
        admin,
        recruiter,
        reviewer,
    }
}

/// `who` opens a job role titled `title` whose description is the fixture
/// job description `jd` (e.g. `jd_01`); returns its path
/// (`/api/v1/job-roles/{id}`). Its requirements are not extracted.
pub async fn job_role(c: &impl Client, who: &Session, jd: &str, title: &str) -> String {
    let description = String::from_utf8(crate::fixture(&format!("jobs/{jd}.txt")))
        .expect("UTF-8 job description");
    let body = json!({ "title": title, "description": description, "status": "open" });
    let (st, role) = c
        .send(
            Some(&who.access_token),
            Method::POST,
            "/api/v1/job-roles",
            Some(body),
        )
        .await;
    assert_eq!(st, 201, "{role}");
    format!("/api/v1/job-roles/{}", role["id"].as_str().unwrap())
}

/// `who` creates a candidate (`email`), an open job role, the application
/// and a scheduled interview; returns the interview.
pub async fn scheduled_interview(c: &impl Client, who: &Session, email: &str) -> Value {
    let (st, role) = c
        .send(
            Some(&who.access_token),
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": "QA Engineer", "status": "open" })),
        )
        .await;
    assert_eq!(st, 201, "{role}");
    // Tomorrow, open for a week: relative, so the fixture never ages.
    let now = chrono::Utc::now();
    let body = json!({
        "scheduled_at": now + chrono::Duration::days(1),
        "expires_at": now + chrono::Duration::days(8),
    });
    let candidate = json!({ "first_name": "Ada", "last_name": "Quinn", "email": email });
    interview_for(c, who, role["id"].as_str().unwrap(), candidate, body).await
}

/// `who` creates the candidate `candidate` (the create request's body),
/// their application to the job role `role_id` and an interview of it
/// (`interview`: the create request's body); returns the interview.
pub async fn interview_for(
    c: &impl Client,
    who: &Session,
    role_id: &str,
    candidate: Value,
    interview: Value,
) -> Value {
    let post = |path: String, body: Value| async move {
        let (st, v) = c
            .send(Some(&who.access_token), Method::POST, &path, Some(body))
            .await;
        assert!((200..300).contains(&st), "POST {path}: {st} {v}");
        v
    };
    let cand = post("/api/v1/candidates".into(), candidate).await;
    let app = post(
        "/api/v1/applications".into(),
        json!({ "candidate_id": cand["id"], "job_role_id": role_id }),
    )
    .await;
    let path = format!(
        "/api/v1/applications/{}/interviews",
        app["id"].as_str().unwrap()
    );
    let (st, iv) = c
        .send(
            Some(&who.access_token),
            Method::POST,
            &path,
            Some(interview),
        )
        .await;
    assert_eq!(st, 201, "{iv}");
    iv
}

/// A scheduled interview ([`scheduled_interview`]) whose candidate `who`
/// invited by email; returns (interview, invitation).
pub async fn invited_interview(c: &impl Client, who: &Session, email: &str) -> (Value, Value) {
    let iv = scheduled_interview(c, who, email).await;
    let path = format!(
        "/api/v1/interviews/{}/invitations",
        iv["id"].as_str().unwrap()
    );
    let (st, inv) = c
        .send(
            Some(&who.access_token),
            Method::POST,
            &path,
            Some(json!({})),
        )
        .await;
    assert_eq!(st, 201, "{inv}");
    (iv, inv)
}

/// Who speaks in an interview's transcript, turn by turn, as `who` reads
/// it (`interviewer` or `candidate`).
pub async fn transcript_speakers(c: &impl Client, who: &Session, interview: &str) -> Vec<String> {
    let (status, t) = c
        .send(
            Some(&who.access_token),
            Method::GET,
            &format!("/api/v1/interviews/{interview}/transcript"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{t}");
    t.as_array()
        .unwrap_or_else(|| panic!("a transcript is a list of turns: {t}"))
        .iter()
        .map(|s| s["speaker"].as_str().unwrap().to_owned())
        .collect()
}

/// `who` creates an API key named `name` with `scopes`; returns its secret.
pub async fn api_key(c: &impl Client, who: &Session, name: &str, scopes: &[&str]) -> String {
    let (st, key) = c
        .send(
            Some(&who.access_token),
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({ "name": name, "scopes": scopes })),
        )
        .await;
    assert_eq!(st, 201, "{key}");
    key["key"].as_str().unwrap().to_owned()
}
