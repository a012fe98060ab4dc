//! Roles: who may do what in an organisation; member and invitation rules;
//! the audit log.

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_is_allowed_and_denied_on_each_endpoint_class() {
    let api = TestApp::new("roles").await;
    let org = api.organisation("acme").await;

    // (role, may read, may write, may manage)
    let matrix = [
        ("owner", true, true, true),
        ("admin", true, true, true),
        ("recruiter", true, true, false),
        ("reviewer", true, false, false),
    ];
    for (role, read, write, manage) in matrix {
        let who = org.member(role);
        let expect = |allowed: bool, ok: u16| if allowed { ok } else { 403 };
        let (st, _) = api.call(who, Method::GET, "/api/v1/job-roles", None).await;
        assert_eq!(st, expect(read, 200), "{role} read");
        let (st, _) = api.call(who, Method::GET, "/api/v1/members", None).await;
        assert_eq!(st, expect(read, 200), "{role} list members");
        let (st, _) = api
            .call(
                who,
                Method::POST,
                "/api/v1/job-roles",
                Some(json!({ "title": format!("{role}'s role") })),
            )
            .await;
        assert_eq!(st, expect(write, 201), "{role} write");
        let email = format!("{role}-cand@example.com");
        let (st, _) = api
            .call(
                who,
                Method::POST,
                "/api/v1/candidates",
                Some(json!({ "first_name": "A", "last_name": "B", "email": email })),
            )
            .await;
        assert_eq!(st, expect(write, 201), "{role} create candidate");
        let (st, _) = api.call(who, Method::GET, "/api/v1/audit-log", None).await;
        assert_eq!(st, expect(manage, 200), "{role} audit log");
        let (st, _) = api
            .call(who, Method::GET, "/api/v1/invitations", None)
            .await;
        assert_eq!(st, expect(manage, 200), "{role} invitations");
        let (st, _) = api
            .call(
                who,
                Method::POST,
                "/api/v1/api-keys",
                Some(json!({ "name": role, "scopes": ["read"] })),
            )
            .await;
        assert_eq!(st, expect(manage, 201), "{role} api keys");
        let (st, _) = api
            .call(
                who,
                Method::PATCH,
                "/api/v1/organisation",
                Some(json!({ "name": "Acme Ltd" })),
            )
            .await;
        assert_eq!(st, expect(manage, 200), "{role} rename organisation");
        // Jobs of the organisation are readable by every member; the
        // operator-only enqueue is not.
        let (st, _) = api.call(who, Method::GET, "/api/v1/jobs", None).await;
        assert_eq!(st, 200, "{role} jobs");
        let (st, _) = api
            .call(
                who,
                Method::POST,
                "/api/v1/admin/jobs",
                Some(json!({ "kind": "noop" })),
            )
            .await;
        assert_eq!(st, 403, "{role} admin enqueue");
    }

    // Candidate accounts see no organisation data.
    let candidate = {
        let res = api.anon(Method::POST, "/api/v1/auth/signup")
            .json(&json!({ "email": "applicant@example.com", "password": tests::PASSWORD, "kind": "candidate" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let v: serde_json::Value = res.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    };
    let res = api
        .as_(&candidate, Method::GET, "/api/v1/job-roles")
        .header("x-organisation-id", org.id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = api
        .as_(&candidate, Method::POST, "/api/v1/organisations")
        .json(&json!({ "name": "mine" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_are_protected_and_the_last_owner_cannot_leave() {
    let api = TestApp::new("owners").await;
    let env = &api.env;
    let org = api.organisation("own").await;
    let owner_path = format!("/api/v1/members/{}", org.owner.user_id);

    // An admin can neither demote nor remove an owner, nor make one.
    let (st, _) = api
        .call(
            &org.admin,
            Method::PATCH,
            &owner_path,
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(st, 403);
    let (st, _) = api
        .call(&org.admin, Method::DELETE, &owner_path, None)
        .await;
    assert_eq!(st, 403);
    let recruiter_path = format!("/api/v1/members/{}", org.recruiter.user_id);
    let (st, _) = api
        .call(
            &org.admin,
            Method::PATCH,
            &recruiter_path,
            Some(json!({ "role": "owner" })),
        )
        .await;
    assert_eq!(st, 403);
    // An admin can change other roles; a recruiter cannot.
    let (st, body) = api
        .call(
            &org.admin,
            Method::PATCH,
            &recruiter_path,
            Some(json!({ "role": "reviewer" })),
        )
        .await;
    assert_eq!((st, body["role"].as_str()), (200, Some("reviewer")));
    let reviewer_path = format!("/api/v1/members/{}", org.reviewer.user_id);
    let (st, _) = api
        .call(
            &org.recruiter,
            Method::PATCH,
            &reviewer_path,
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(st, 403);

    // The last owner can neither leave nor be demoted.
    let (st, body) = api
        .call(&org.owner, Method::DELETE, &owner_path, None)
        .await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    let (st, _) = api
        .call(
            &org.owner,
            Method::PATCH,
            &owner_path,
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(st, 409);
    // With a second owner, the first may leave.
    let admin_path = format!("/api/v1/members/{}", org.admin.user_id);
    let (st, _) = api
        .call(
            &org.owner,
            Method::PATCH,
            &admin_path,
            Some(json!({ "role": "owner" })),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = api
        .call(&org.owner, Method::DELETE, &owner_path, None)
        .await;
    assert_eq!(st, 204);
    let (st, _) = api
        .call(&org.owner, Method::GET, "/api/v1/job-roles", None)
        .await;
    assert_eq!(st, 400, "no organisation left: organisation_required");
    // Any member may leave.
    let (st, _) = api
        .call(&org.reviewer, Method::DELETE, &reviewer_path, None)
        .await;
    assert_eq!(st, 204);

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE organisation_id = $1 ORDER BY id")
            .bind(org.id)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    for expected in [
        "organisation.created",
        "invitation.created",
        "invitation.accepted",
        "member.role_changed",
        "member.left",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_expire_can_be_revoked_and_are_for_their_addressee() {
    let api = TestApp::new("invitations").await;
    let env = &api.env;
    let org = api.organisation("inv").await;
    let invite = |email: &str, role: &str| {
        api.call(
            &org.admin,
            Method::POST,
            "/api/v1/invitations",
            Some(json!({ "email": email, "role": role })),
        )
    };
    let accept = |who: tests::Session, token: serde_json::Value| {
        let api = &api;
        async move {
            api.call(
                &who,
                Method::POST,
                "/api/v1/invitations/accept",
                Some(json!({ "token": token })),
            )
            .await
        }
    };

    let (st, inv) = invite("new@example.com", "recruiter").await;
    assert_eq!(st, 201);
    let (st, dup) = invite("NEW@example.com", "reviewer").await;
    assert_eq!(
        (st, dup["error"]["fields"][0]["field"].as_str()),
        (409, Some("email"))
    );
    let (st, _) = invite(&org.recruiter.email, "reviewer").await;
    assert_eq!(st, 409, "already a member");
    let (st, _) = invite("boss@example.com", "owner").await;
    assert_eq!(st, 403, "admins cannot invite owners");

    // Someone else holding the token cannot use it.
    let stranger = api.session("stranger@example.com").await;
    let (st, _) = accept(stranger, inv["token"].clone()).await;
    assert_eq!(st, 403);
    let newcomer = api.session("new@example.com").await;
    let (st, m) = accept(newcomer.clone(), inv["token"].clone()).await;
    assert_eq!((st, m["role"].as_str()), (200, Some("recruiter")));
    let (st, _) = accept(newcomer.clone(), inv["token"].clone()).await;
    assert_eq!(st, 409, "already accepted");

    // Expired.
    let (_, late) = invite("late@example.com", "reviewer").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE lower(email) = 'late@example.com'")
        .execute(&env.pool)
        .await
        .unwrap();
    let (st, body) = accept(api.session("late@example.com").await, late["token"].clone()).await;
    assert_eq!((st, body["error"]["code"].as_str()), (410, Some("gone")));

    // Revoked.
    let (_, gone) = invite("gone@example.com", "reviewer").await;
    let id = gone["invitation"]["id"].as_str().unwrap();
    let (st, _) = api
        .call(
            &org.admin,
            Method::DELETE,
            &format!("/api/v1/invitations/{id}"),
            None,
        )
        .await;
    assert_eq!(st, 204);
    let (st, _) = accept(api.session("gone@example.com").await, gone["token"].clone()).await;
    assert_eq!(st, 410);
    let (st, _) = accept(api.session("x@example.com").await, json!("no-such-token")).await;
    assert_eq!(st, 404);
}
