//! Tenant isolation: another organisation's ids behave exactly like unknown
//! ids on every route, and nothing of one organisation leaks to another.

use job_engine::Job;
use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};
use tests::{OrgFixture, TestEnv};
use uuid::Uuid;

/// Organisation A's data, and everything about it that must never appear in
/// a response to organisation B.
struct Seeded {
    ids: Vec<(&'static str, String)>,
    secrets: Vec<String>,
    invitation_token: String,
}

async fn seed(env: &TestEnv, api: &tests::Api, a: &OrgFixture) -> Seeded {
    let r = &a.recruiter;
    let (_, role) = api
        .call(
            r,
            Method::POST,
            "/api/v1/job-roles",
            Some(json!({ "title": "Secret Role Alpha", "status": "open" })),
        )
        .await;
    let (_, cand) = api
        .call(
            r,
            Method::POST,
            "/api/v1/candidates",
            Some(json!({
                "first_name": "Zed", "last_name": "Hidden", "email": "zed.hidden@example.com"
            })),
        )
        .await;
    let (_, app) = api
        .call(
            r,
            Method::POST,
            "/api/v1/applications",
            Some(json!({ "candidate_id": cand["id"], "job_role_id": role["id"] })),
        )
        .await;
    let (_, iv) = api
        .call(
            r,
            Method::POST,
            &format!(
                "/api/v1/applications/{}/interviews",
                app["id"].as_str().unwrap()
            ),
            Some(json!({})),
        )
        .await;
    let iv_id = iv["id"].as_str().unwrap().to_owned();
    let (st, resume) = api
        .upload(
            r,
            &format!(
                "/api/v1/applications/{}/resume",
                app["id"].as_str().unwrap()
            ),
            "resume_01.pdf",
        )
        .await;
    assert_eq!(st, 202, "{resume}");
    let (st, _) = api
        .call(r, Method::POST, &format!("/api/v1/interviews/{iv_id}/transcript"), Some(json!({
            "segments": [{ "speaker": "candidate", "content": "confidential answer", "start_ms": 0, "end_ms": 10 }]
        })))
        .await;
    assert_eq!(st, 200);
    let (_, inv) = api
        .call(
            &a.admin,
            Method::POST,
            "/api/v1/invitations",
            Some(json!({ "email": "pending.a@example.com", "role": "reviewer" })),
        )
        .await;
    let (st, interview_inv) = api
        .call(
            r,
            Method::POST,
            &format!("/api/v1/interviews/{iv_id}/invitations"),
            Some(json!({})),
        )
        .await;
    assert_eq!(st, 201, "{interview_inv}");
    let (st, export) = api
        .call(
            &a.admin,
            Method::POST,
            &format!(
                "/api/v1/candidates/{}/exports",
                cand["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(st, 202, "{export}");
    let (_, key) = api
        .call(
            &a.admin,
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({ "name": "a-key", "scopes": ["read"] })),
        )
        .await;
    // A draft question of the role (as the generating job writes them).
    let question = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO interview_questions (id, organisation_id, job_role_id, position, question)
         VALUES ($1, $2, $3, 0, $4)",
    )
    .bind(question)
    .bind(a.id)
    .bind(role["id"].as_str().unwrap().parse::<Uuid>().unwrap())
    .bind(json!({ "kind": "technical", "text": "Secret question about Go?", "difficulty": "hard",
                  "dimension": "Technical Skills", "model_answer": "confidential answer", "topic": "Go" }))
    .execute(&env.pool)
    .await
    .unwrap();
    // A webhook endpoint of A, and a delivery to it (no worker sends it).
    let (st, hook) = api
        .call(
            &a.admin,
            Method::POST,
            "/api/v1/webhook-endpoints",
            Some(json!({ "url": "https://hooks.example.com/secret-a-path", "events": ["resume.parsed"] })),
        )
        .await;
    assert_eq!(st, 201, "{hook}");
    sqlx::query("SELECT webhook_emit($1, 'resume.parsed', 'tenancy-seed', '{}')")
        .bind(a.id)
        .execute(&env.pool)
        .await
        .unwrap();
    let delivery: Uuid =
        sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE organisation_id = $1")
            .bind(a.id)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    // A job of organisation A (as a later feature would enqueue it).
    let mut tx = env.pool.begin().await.unwrap();
    let job = job_kinds::Noop::default()
        .enqueue(
            &mut tx,
            job_engine::Enqueue::for_org(a.id).at(chrono::Utc::now() + chrono::Duration::hours(1)),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let ids = vec![
        ("job-roles", id(&role)),
        ("candidates", id(&cand)),
        ("applications", id(&app)),
        ("interviews", iv_id),
        ("interview-invitations", id(&interview_inv)),
        ("data-exports", id(&export["export"])),
        ("invitations", id(&inv["invitation"])),
        ("api-keys", id(&key["api_key"])),
        ("jobs", job.job.id.to_string()),
        ("members", a.recruiter.user_id.to_string()),
        ("resumes", resume["resume_id"].as_str().unwrap().to_owned()),
        ("questions", question.to_string()),
        ("webhook-endpoints", id(&hook["endpoint"])),
        ("webhook-deliveries", delivery.to_string()),
    ];
    let mut secrets: Vec<String> = ids.iter().map(|(_, i)| i.clone()).collect();
    secrets.extend([
        a.id.to_string(),
        "Secret Role Alpha".into(),
        "Secret question about Go?".into(),
        "zed.hidden@example.com".into(),
        "confidential answer".into(),
        "pending.a@example.com".into(),
        a.owner.email.clone(),
        a.recruiter.email.clone(),
        key["api_key"]["prefix"].as_str().unwrap().to_owned(),
        "secret-a-path".into(),
        hook["secret"].as_str().unwrap().to_owned(),
    ]);
    Seeded {
        ids,
        secrets,
        invitation_token: inv["token"].as_str().unwrap().to_owned(),
    }
}

/// Everything of organisation A that a request could change.
async fn snapshot(env: &TestEnv, org: Uuid) -> Vec<String> {
    let queries = [
        "SELECT string_agg(concat_ws('|', id, title, status, updated_at), ',' ORDER BY id) FROM job_roles WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, first_name, encode(email_sealed, 'hex'), encode(phone_sealed, 'hex'), updated_at), ',' ORDER BY id) FROM candidates WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, stage, updated_at), ',' ORDER BY id) FROM applications WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, status, updated_at, encode(access_token_hash, 'hex')), ',' ORDER BY id) FROM interviews WHERE organisation_id = $1",
        "SELECT count(*)::text FROM transcript_segments WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', interview_id, job_id, scored_at), ',' ORDER BY interview_id) FROM interview_scores WHERE organisation_id = $1",
        "SELECT string_agg(id::text, ',' ORDER BY id) FROM shortlists WHERE organisation_id = $1",
        "SELECT string_agg(id::text, ',' ORDER BY id) FROM candidate_reports WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, status, position, question::text, updated_at), ',' ORDER BY id) FROM interview_questions WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, version), ',' ORDER BY id) FROM question_sets WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', user_id, role), ',' ORDER BY user_id) FROM memberships WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, status, token_version, encode(token_hash, 'hex'), updated_at), ',' ORDER BY id) FROM interview_invitations WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, status, updated_at), ',' ORDER BY id) FROM emails WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, purpose, granted), ',' ORDER BY id) FROM candidate_consents WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, status, updated_at), ',' ORDER BY id) FROM data_exports WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, erased_at), ',' ORDER BY id) FROM candidates WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, revoked_at, accepted_at), ',' ORDER BY id) FROM invitations WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, revoked_at), ',' ORDER BY id) FROM api_keys WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, status, attempt), ',' ORDER BY id) FROM jobs WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, url, events::text, enabled, encode(secret_sealed, 'hex'), updated_at), ',' ORDER BY id) FROM webhook_endpoints WHERE organisation_id = $1",
        "SELECT string_agg(concat_ws('|', id, status, attempts, job_id), ',' ORDER BY id) FROM webhook_deliveries WHERE organisation_id = $1",
        "SELECT name FROM organisations WHERE id = $1",
    ];
    let mut out = Vec::new();
    for q in queries {
        let v: Option<String> = sqlx::query_scalar(q)
            .bind(org)
            .fetch_one(&env.pool)
            .await
            .unwrap();
        out.push(v.unwrap_or_default());
    }
    out
}

/// A plausible body for each operation, aimed at organisation A's data.
fn body_for(method: &Method, path: &str, a: &Seeded) -> Option<Value> {
    let id_of = |k: &str| a.ids.iter().find(|(n, _)| *n == k).unwrap().1.clone();
    let body = match (method.as_str(), path) {
        ("POST", "/api/v1/applications") => {
            json!({ "candidate_id": id_of("candidates"), "job_role_id": id_of("job-roles") })
        }
        ("POST", "/api/v1/applications/{id}/stage") => json!({ "stage": "screening" }),
        ("POST", "/api/v1/applications/{id}/interviews") => json!({}),
        ("POST", "/api/v1/interviews/{id}/transcript") => {
            json!({ "segments": [{ "speaker": "x", "content": "injected", "start_ms": 99, "end_ms": 100 }] })
        }
        ("PATCH", "/api/v1/interviews/{id}") => json!({ "status": "cancelled" }),
        ("POST", "/api/v1/interviews/{id}/turns") => json!({ "content": "" }),
        ("POST", "/api/v1/interviews/{id}/acs-call") => {
            json!({ "server_call_id": "aHR0cHM6Ly9jb252" })
        }
        ("POST", "/api/v1/interviews/{id}/invitations") => json!({}),
        ("POST", "/api/v1/candidates/{id}/consents") => {
            json!({ "purpose": "recruitment", "granted": false })
        }
        ("POST", "/api/v1/interview-invitations/consents") => {
            json!({ "purpose": "recruitment", "granted": false })
        }
        ("POST", "/api/v1/interview-invitations/{id}/resend") => json!({}),
        ("PATCH", "/api/v1/job-roles/{id}") => json!({ "title": "pwned" }),
        ("PATCH", "/api/v1/questions/{id}") => json!({ "text": "pwned", "status": "rejected" }),
        ("POST", "/api/v1/job-roles/{id}/shortlist") => json!({ "max_candidates": 5 }),
        ("POST", "/api/v1/job-roles/{id}/shortlist/advance") => {
            json!({ "shortlist_id": Uuid::now_v7() })
        }
        ("PATCH", "/api/v1/candidates/{id}") => json!({ "first_name": "pwned" }),
        ("PATCH", "/api/v1/members/{user_id}") => json!({ "role": "reviewer" }),
        ("POST", "/api/v1/invitations/accept") => json!({ "token": a.invitation_token }),
        ("POST", "/api/v1/job-roles") => json!({ "title": "B's role" }),
        ("POST", "/api/v1/candidates") => {
            json!({ "first_name": "B", "last_name": "B", "email": "b.cand@example.com" })
        }
        ("POST", "/api/v1/invitations") => {
            json!({ "email": "b.invitee@example.com", "role": "reviewer" })
        }
        ("POST", "/api/v1/api-keys") => json!({ "name": "b", "scopes": ["read"] }),
        ("POST", "/api/v1/organisations") => json!({ "name": "B2" }),
        ("PATCH", "/api/v1/organisation") => json!({ "name": "B renamed" }),
        ("POST", "/api/v1/admin/jobs") => json!({ "kind": "noop" }),
        ("POST", "/api/v1/webhook-endpoints") => {
            json!({ "url": "https://hooks.example.com/b", "events": ["job.dead"] })
        }
        ("PATCH", "/api/v1/webhook-endpoints/{id}") => {
            json!({ "url": "https://evil.example.com/", "enabled": false })
        }
        (_, p) if p.starts_with("/api/v1/auth/") => return None,
        _ => return None,
    };
    Some(body)
}

fn resource_of(path: &str) -> Option<&'static str> {
    let segment = path.strip_prefix("/api/v1/")?.split('/').next()?;
    Some(match segment {
        "job-roles" => "job-roles",
        "candidates" => "candidates",
        "applications" => "applications",
        "interviews" => "interviews",
        "interview-invitations" => "interview-invitations",
        "data-exports" => "data-exports",
        "invitations" => "invitations",
        "api-keys" => "api-keys",
        "jobs" => "jobs",
        "members" => "members",
        "resumes" => "resumes",
        "questions" => "questions",
        "webhook-endpoints" => "webhook-endpoints",
        other => {
            panic!("the tenancy walk does not know `{other}`: teach it which id to use for {path}")
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_hides_another_organisations_data() {
    let env = TestEnv::new("tenancy-walk").await;
    let api = env.api(&[]).await;
    let a = api.organisation("orga").await;
    let b = api.organisation("orgb").await;
    let seeded = seed(&env, &api, &a).await;
    let b_key = tests::fixtures::api_key(&api, &b.admin, "b-write", &["read", "write"]).await;
    let before = snapshot(&env, a.id).await;

    let (_, doc) = api.get_json("/api/v1/openapi.json").await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut walked = BTreeSet::new();
    for (path, ops) in paths {
        if path.starts_with("/health") || path.starts_with("/api/v1/auth/") || path == "/api/v1/me"
        {
            continue;
        }
        for (method, _) in ops.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            // Every id in the path is one of A's: the first of the path's
            // resource, a nested one of what its parameter names.
            let mut concrete = String::new();
            let mut rest = path.as_str();
            let mut first = true;
            while let Some(start) = rest.find('{') {
                let end = rest.find('}').unwrap();
                let resource = if first {
                    resource_of(path).unwrap()
                } else {
                    match &rest[start + 1..end] {
                        "delivery_id" => "webhook-deliveries",
                        other => panic!("the tenancy walk does not know `{other}` in {path}"),
                    }
                };
                let id = &seeded.ids.iter().find(|(n, _)| *n == resource).unwrap().1;
                concrete.push_str(&rest[..start]);
                concrete.push_str(id);
                rest = &rest[end + 1..];
                first = false;
            }
            concrete.push_str(rest);
            for credential in [b.owner.access_token.as_str(), b_key.as_str()] {
                // B's owner names B (the walk itself creates a second
                // organisation for them).
                let mut req = api
                    .as_(credential, method.clone(), &concrete)
                    .header("x-organisation-id", b.id.to_string());
                if path.ends_with("/resume") || path.ends_with("/resumes") {
                    req = req.multipart(tests::resume_form("resume_02.pdf"));
                } else if let Some(body) = body_for(&method, path, &seeded) {
                    req = req.json(&body);
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                let text = res.text().await.unwrap();
                assert!(
                    !text.contains("route not found"),
                    "{method} {path} is documented but not served"
                );
                for secret in &seeded.secrets {
                    assert!(
                        !text.contains(secret.as_str()),
                        "{method} {concrete} leaked `{secret}`: {text}"
                    );
                }
                if path.contains('{') {
                    assert!(
                        status == 404 || (credential == b_key && status == 403),
                        "{method} {concrete} with another organisation's id answered {status}: {text}"
                    );
                } else if path == "/api/v1/applications" && method == Method::POST {
                    assert_eq!(
                        status, 422,
                        "applying A's candidate to A's role from B: {text}"
                    );
                } else if path == "/api/v1/invitations/accept" {
                    assert!(
                        status == 403,
                        "accepting A's invitation as B: {status} {text}"
                    );
                }
            }
            walked.insert(format!("{method} {path}"));
        }
    }
    assert!(walked.len() >= 30, "walked only {walked:?}");
    assert_eq!(
        snapshot(&env, a.id).await,
        before,
        "organisation A's data changed"
    );

    // Unique values are per organisation: B using A's candidate email or
    // invitee address neither conflicts nor reveals that A has them.
    let (st, _) = api
        .call(
            &b.recruiter,
            Method::POST,
            "/api/v1/candidates",
            Some(json!({
                "first_name": "Other", "last_name": "Person", "email": "zed.hidden@example.com"
            })),
        )
        .await;
    assert_eq!(st, 201);
    let (st, _) = api
        .call(
            &b.admin,
            Method::POST,
            "/api/v1/invitations",
            Some(json!({ "email": "pending.a@example.com", "role": "reviewer" })),
        )
        .await;
    assert_eq!(st, 201);
    assert_eq!(
        snapshot(&env, a.id).await,
        before,
        "organisation A's data changed"
    );

    // B may not name A in the organisation header either.
    let res = api
        .as_(&b.owner.access_token, Method::GET, "/api/v1/job-roles")
        .header("x-organisation-id", a.id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = api
        .as_(&b_key, Method::GET, "/api/v1/job-roles")
        .header("x-organisation-id", a.id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // And an unknown id answers exactly like A's id does.
    let (s1, unknown) = api
        .call(
            &b.owner,
            Method::GET,
            &format!("/api/v1/candidates/{}", Uuid::now_v7()),
            None,
        )
        .await;
    let a_cand = &seeded
        .ids
        .iter()
        .find(|(n, _)| *n == "candidates")
        .unwrap()
        .1;
    let (s2, foreign) = api
        .call(
            &b.owner,
            Method::GET,
            &format!("/api/v1/candidates/{a_cand}"),
            None,
        )
        .await;
    assert_eq!(
        (s1, &unknown["error"]["message"]),
        (s2, &foreign["error"]["message"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_jobs_are_visible_only_to_platform_admins() {
    let env = TestEnv::new("system-jobs").await;
    let api = env.api(&[]).await;
    let org = api.organisation("sys").await;
    let system = api.enqueue("noop", json!({})).await;
    let (st, _) = api.get_json(&format!("/api/v1/jobs/{system}")).await;
    assert_eq!(st, 200, "the platform admin sees system jobs");
    let (st, _) = api
        .call(
            &org.owner,
            Method::GET,
            &format!("/api/v1/jobs/{system}"),
            None,
        )
        .await;
    assert_eq!(st, 404);
    let (_, list) = api
        .call(&org.owner, Method::GET, "/api/v1/jobs", None)
        .await;
    // The organisation's own jobs (its invitation emails) only.
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|j| j["kind"] == "send_email"), "{list}");
    assert!(!list.to_string().contains(&system.to_string()));
    let (st, _) = api
        .call(
            &org.owner,
            Method::POST,
            &format!("/api/v1/jobs/{system}/cancel"),
            None,
        )
        .await;
    assert_eq!(st, 404);
    assert_eq!(
        env.job(system).await.status,
        job_engine::db::JobStatus::Queued
    );
}
