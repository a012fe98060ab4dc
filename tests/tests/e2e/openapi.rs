//! The OpenAPI document: generated from the code, 3.1, lists every route.

use serde_json::Value;
use tests::TestEnv;

const EXPECTED: &[(&str, &str)] = &[
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/metrics"),
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/organisations"),
    ("get", "/api/v1/organisations"),
    ("get", "/api/v1/organisation"),
    ("patch", "/api/v1/organisation"),
    ("get", "/api/v1/members"),
    ("patch", "/api/v1/members/{user_id}"),
    ("delete", "/api/v1/members/{user_id}"),
    ("post", "/api/v1/invitations"),
    ("get", "/api/v1/invitations"),
    ("delete", "/api/v1/invitations/{id}"),
    ("post", "/api/v1/invitations/accept"),
    ("post", "/api/v1/api-keys"),
    ("get", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{id}"),
    ("post", "/api/v1/webhook-endpoints"),
    ("get", "/api/v1/webhook-endpoints"),
    ("get", "/api/v1/webhook-endpoints/{id}"),
    ("patch", "/api/v1/webhook-endpoints/{id}"),
    ("delete", "/api/v1/webhook-endpoints/{id}"),
    ("post", "/api/v1/webhook-endpoints/{id}/rotate-secret"),
    ("get", "/api/v1/webhook-endpoints/{id}/deliveries"),
    (
        "get",
        "/api/v1/webhook-endpoints/{id}/deliveries/{delivery_id}",
    ),
    (
        "post",
        "/api/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/replay",
    ),
    ("get", "/api/v1/audit-log"),
    ("post", "/api/v1/job-roles"),
    ("get", "/api/v1/job-roles"),
    ("get", "/api/v1/job-roles/{id}"),
    ("patch", "/api/v1/job-roles/{id}"),
    ("delete", "/api/v1/job-roles/{id}"),
    ("post", "/api/v1/candidates"),
    ("get", "/api/v1/candidates"),
    ("get", "/api/v1/candidates/{id}"),
    ("patch", "/api/v1/candidates/{id}"),
    ("delete", "/api/v1/candidates/{id}"),
    ("post", "/api/v1/applications"),
    ("get", "/api/v1/applications"),
    ("get", "/api/v1/applications/{id}"),
    ("post", "/api/v1/applications/{id}/stage"),
    ("get", "/api/v1/applications/{id}/history"),
    ("post", "/api/v1/applications/{id}/interviews"),
    ("get", "/api/v1/interviews"),
    ("get", "/api/v1/interviews/{id}"),
    ("patch", "/api/v1/interviews/{id}"),
    ("post", "/api/v1/interviews/{id}/transcript"),
    ("get", "/api/v1/interviews/{id}/transcript"),
    ("post", "/api/v1/interviews/{id}/score"),
    ("get", "/api/v1/interviews/{id}/score"),
    ("post", "/api/v1/interviews/{id}/speech-token"),
    ("post", "/api/v1/interviews/{id}/voice-call"),
    ("post", "/api/v1/interviews/{id}/voice-call/end"),
    ("get", "/api/v1/interviews/{id}/calls"),
    ("post", "/api/v1/webhooks/ultravox"),
    ("post", "/api/v1/webhooks/zoom"),
    ("post", "/api/v1/webhooks/event-grid"),
    ("options", "/api/v1/webhooks/event-grid"),
    ("post", "/api/v1/interviews/{id}/video-meeting"),
    ("delete", "/api/v1/interviews/{id}/video-meeting"),
    ("post", "/api/v1/interviews/{id}/acs-token"),
    ("post", "/api/v1/interviews/{id}/acs-call"),
    ("post", "/api/v1/interviews/{id}/access-token"),
    ("post", "/api/v1/interviews/{id}/turns"),
    ("post", "/api/v1/interviews/{id}/invitations"),
    ("get", "/api/v1/interview-invitations/{id}"),
    ("post", "/api/v1/interview-invitations/{id}/resend"),
    ("post", "/api/v1/interview-invitations/{id}/revoke"),
    ("post", "/api/v1/interview-invitations/open"),
    ("post", "/api/v1/interview-invitations/consents"),
    ("post", "/api/v1/interview-invitations/data-export"),
    ("post", "/api/v1/candidates/{id}/consents"),
    ("get", "/api/v1/candidates/{id}/consents"),
    ("post", "/api/v1/candidates/{id}/exports"),
    ("post", "/api/v1/candidates/{id}/erasure"),
    ("get", "/api/v1/data-exports/{id}"),
    ("get", "/api/v1/data-exports/{id}/archive"),
    ("get", "/api/v1/data-exports/download"),
    ("post", "/api/v1/applications/{id}/report"),
    ("get", "/api/v1/applications/{id}/report"),
    ("post", "/api/v1/job-roles/{id}/shortlist"),
    ("get", "/api/v1/job-roles/{id}/shortlist"),
    ("post", "/api/v1/job-roles/{id}/shortlist/advance"),
    ("post", "/api/v1/job-roles/{id}/questions/generate"),
    ("get", "/api/v1/job-roles/{id}/questions"),
    ("patch", "/api/v1/questions/{id}"),
    ("post", "/api/v1/job-roles/{id}/question-sets"),
    ("get", "/api/v1/job-roles/{id}/question-sets/latest"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{id}"),
    ("get", "/api/v1/jobs/{id}/events"),
    ("post", "/api/v1/jobs/{id}/retry"),
    ("post", "/api/v1/jobs/{id}/cancel"),
    ("post", "/api/v1/jobs/bulk"),
    ("get", "/api/v1/queues"),
    ("get", "/api/v1/schedules"),
    ("post", "/api/v1/schedules/pause"),
    ("post", "/api/v1/schedules/resume"),
    ("post", "/api/v1/schedules/trigger"),
    ("get", "/api/v1/queues/running"),
    ("get", "/api/v1/queues/consistency"),
    ("post", "/api/v1/queues/pause"),
    ("post", "/api/v1/queues/resume"),
    ("post", "/api/v1/admin/jobs"),
    ("post", "/api/v1/applications/{id}/resume"),
    ("post", "/api/v1/job-roles/{id}/resumes"),
    ("post", "/api/v1/job-roles/{id}/extract-requirements"),
    ("get", "/api/v1/resumes/{id}"),
    ("get", "/api/v1/resumes"),
    ("get", "/api/v1/job-roles/{id}/resumes"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_every_route_and_docs_page_serves() {
    let env = TestEnv::new("openapi").await;
    let api = env.api(&[]).await;
    let res = api
        .http
        .get(api.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), p.clone()))
        })
        .collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);
    // Every operation names its error shape and, where it needs one, auth.
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
        }
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let res = api.http.get(api.url("/api/v1/docs")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Offline first: the page's scripts come from the binary, none from a CDN.
    assert!(!html.contains("https://"), "{html}");
    for script in ["swagger-ui-bundle.js", "swagger-initializer.js"] {
        let res = api
            .http
            .get(api.url(&format!("/api/v1/docs/{script}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{script}");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!csp.contains("https:"), "{csp}");
    }
}
