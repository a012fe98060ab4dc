//! Authentication: sessions, refresh rotation and reuse, bad tokens,
//! external tokens, API keys, rate limits.

use chrono::Utc;
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value};
use tests::{TestApp, PASSWORD};

const SECRET: &str = "test-secret-test-secret-test-secret!";

fn sign(claims: Value, secret: &str) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_and_reuse_revokes_the_login() {
    let api = TestApp::new("refresh").await;
    let env = &api.env;
    let s = api.session("rotate@example.com").await;
    let (st, me) = api.call(&s, Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (st, me["user"]["email"].as_str()),
        (200, Some("rotate@example.com"))
    );

    let refresh = |token: String| {
        let api = &api;
        async move {
            let res = api
                .anon(Method::POST, "/api/v1/auth/refresh")
                .json(&json!({ "refresh_token": token }))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let (st, second) = refresh(s.refresh_token.clone()).await;
    assert_eq!(st, 200, "{second}");
    assert_ne!(second["refresh_token"], json!(s.refresh_token));
    let (st, third) = refresh(second["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(st, 200);

    // The first token again: reuse. The whole login ends.
    let (st, body) = refresh(s.refresh_token.clone()).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (401, Some("refresh_token_reused"))
    );
    let (st, _) = refresh(third["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        st, 401,
        "the newest refresh token of the revoked login must fail too"
    );
    let res = api
        .as_(
            third["access_token"].as_str().unwrap(),
            Method::GET,
            "/api/v1/me",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_token_reused'")
            .await
            == 1
    );

    // A new login is unaffected.
    let fresh = api.session("rotate@example.com").await;
    let (st, _) = api.call(&fresh, Method::GET, "/api/v1/me", None).await;
    assert_eq!(st, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_at_once_and_login_errors_do_not_reveal_accounts() {
    let api = TestApp::new("logout").await;
    let env = &api.env;
    let s = api.session("leaver@example.com").await;
    let res = api
        .anon(Method::POST, "/api/v1/auth/logout")
        .json(&json!({ "refresh_token": s.refresh_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (st, body) = api.call(&s, Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );

    let login = |email: &str, password: &str| {
        api.anon(Method::POST, "/api/v1/auth/login")
            .json(&json!({ "email": email, "password": password }))
            .send()
    };
    let wrong_password: Value = login("leaver@example.com", "wrong password!")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unknown = login("nobody@example.com", PASSWORD).await.unwrap();
    assert_eq!(unknown.status(), 401);
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(
        wrong_password["error"]["message"],
        unknown["error"]["message"]
    );
    assert_eq!(
        login("LEAVER@example.com", PASSWORD)
            .await
            .unwrap()
            .status(),
        200,
        "emails are case-insensitive"
    );

    // Sign-up validation and duplicates.
    let res = api
        .anon(Method::POST, "/api/v1/auth/signup")
        .json(&json!({ "email": "not-an-email", "password": "short" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password"]);
    let res = api
        .anon(Method::POST, "/api/v1/auth/signup")
        .json(&json!({ "email": "Leaver@Example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "email");
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'auth.login'")
            .await,
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'")
            .await,
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'auth.logout'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tampered_and_wrong_audience_tokens_are_refused() {
    let ext_secret = "supabase-secret-supabase-secret-supabase";
    let api = TestApp::with_args("bad-tokens", &[("--external-jwt-secret", ext_secret)]).await;
    let env = &api.env;
    let s = api.session("tokens@example.com").await;
    let sid: String =
        sqlx::query_scalar("SELECT family_id::text FROM refresh_tokens WHERE user_id = $1")
            .bind(s.user_id)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let now = Utc::now().timestamp();
    let ours = |exp: i64, aud: &str, secret: &str| {
        sign(
            json!({ "sub": s.user_id, "sid": sid, "iat": now - 10, "exp": exp, "iss": "talenti", "aud": aud }),
            secret,
        )
    };
    let me = |token: String| {
        let api = &api;
        async move {
            let res = api
                .as_(&token, Method::GET, "/api/v1/me")
                .send()
                .await
                .unwrap();
            let st = res.status().as_u16();
            (st, res.json::<Value>().await.unwrap())
        }
    };
    // A well-formed one of ours works (proves the forgeries below differ
    // only in what they break).
    assert_eq!(me(ours(now + 600, "talenti-api", SECRET)).await.0, 200);
    let (st, body) = me(ours(now - 600, "talenti-api", SECRET)).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (401, Some("token_expired"))
    );
    assert_eq!(me(ours(now + 600, "someone-else", SECRET)).await.0, 401);
    assert_eq!(
        me(ours(
            now + 600,
            "talenti-api",
            "another-secret-another-secret-12"
        ))
        .await
        .0,
        401
    );
    let mut tampered = s.access_token.clone();
    let mid = tampered.find('.').unwrap() + 5;
    let c = if &tampered[mid..mid + 1] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(mid..mid + 1, c);
    assert_eq!(me(tampered).await.0, 401);
    assert_eq!(me("garbage".into()).await.0, 401);
    let res = api.anon(Method::GET, "/api/v1/me").send().await.unwrap();
    assert_eq!(res.status(), 401);

    // External (Supabase-style) tokens: mapped to a user on first sight.
    let ext = |aud: &str, exp: i64, sub: &str, email: &str| {
        sign(
            json!({ "sub": sub, "email": email, "role": "authenticated", "aud": aud, "exp": exp }),
            ext_secret,
        )
    };
    let (st, body) = me(ext(
        "authenticated",
        now + 600,
        "sb-123",
        "frontend@example.com",
    ))
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["user"]["email"], "frontend@example.com");
    let (st, again) = me(ext(
        "authenticated",
        now + 600,
        "sb-123",
        "frontend@example.com",
    ))
    .await;
    assert_eq!((st, &again["user"]["id"]), (200, &body["user"]["id"]));
    // An existing account with the same email is linked, not duplicated,
    // but only when the provider says the email is verified: otherwise
    // whoever typed the address would get the account.
    let (st, _) = me(ext(
        "authenticated",
        now + 600,
        "sb-456",
        "tokens@example.com",
    ))
    .await;
    assert_eq!(st, 401, "an unverified email links nothing");
    let verified = sign(
        json!({ "sub": "sb-456", "email": "tokens@example.com", "email_verified": true,
                "role": "authenticated", "aud": "authenticated", "exp": now + 600 }),
        ext_secret,
    );
    let (st, linked) = me(verified).await;
    assert_eq!(
        (st, linked["user"]["id"].as_str()),
        (200, Some(s.user_id.to_string().as_str()))
    );
    assert_eq!(
        me(ext("anon", now + 600, "sb-123", "frontend@example.com"))
            .await
            .0,
        401
    );
    assert_eq!(
        me(ext(
            "authenticated",
            now - 600,
            "sb-123",
            "frontend@example.com"
        ))
        .await
        .0,
        401
    );
    let forged = sign(
        json!({ "sub": "sb-9", "email": "x@example.com", "aud": "authenticated", "exp": now + 600 }),
        "not-the-supabase-secret-not-the-supabase",
    );
    assert_eq!(me(forged).await.0, 401);
    assert_eq!(
        env.count("SELECT count(*) FROM users").await,
        3,
        "ops, tokens@, frontend@"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_shown_once_scoped_revocable_and_record_last_use() {
    let api = TestApp::new("api-keys").await;
    let env = &api.env;
    let org = api.organisation("keys").await;
    let create = |scopes: Value| {
        api.call(
            &org.admin,
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({ "name": "ci", "scopes": scopes })),
        )
    };
    let (st, read) = create(json!(["read"])).await;
    assert_eq!(st, 201, "{read}");
    let read_key = read["key"].as_str().unwrap().to_owned();
    assert!(read_key.starts_with(read["api_key"]["prefix"].as_str().unwrap()));
    let (_, write) = create(json!(["read", "write"])).await;
    let write_key = write["key"].as_str().unwrap().to_owned();
    let (st, bad) = create(json!(["admin"])).await;
    assert_eq!(
        (st, bad["error"]["fields"][0]["field"].as_str()),
        (422, Some("scopes[0]"))
    );
    let (st, bad) = create(json!([])).await;
    assert_eq!(
        (st, bad["error"]["fields"][0]["field"].as_str()),
        (422, Some("scopes"))
    );

    let role = json!({ "title": "Backend Engineer" });
    let res = api
        .as_(&read_key, Method::GET, "/api/v1/job-roles")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = api
        .as_(&read_key, Method::POST, "/api/v1/job-roles")
        .json(&role)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = api
        .anon(Method::POST, "/api/v1/job-roles")
        .header("x-api-key", &write_key)
        .json(&role)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // Keys never manage keys or members.
    let res = api
        .as_(&write_key, Method::GET, "/api/v1/api-keys")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let (st, list) = api
        .call(&org.owner, Method::GET, "/api/v1/api-keys", None)
        .await;
    assert_eq!(st, 200);
    let text = list.to_string();
    assert!(
        !text.contains(&read_key) && !text.contains(&write_key),
        "keys are shown only once"
    );
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["id"] == read["api_key"]["id"] && k["last_used_at"].is_string()));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE prefix = $1")
        .bind(read["api_key"]["prefix"].as_str().unwrap())
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_ne!(stored, read_key.as_bytes(), "stored hashed");

    let id = read["api_key"]["id"].as_str().unwrap();
    let (st, _) = api
        .call(
            &org.admin,
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            None,
        )
        .await;
    assert_eq!(st, 204);
    let res = api
        .as_(&read_key, Method::GET, "/api/v1/job-roles")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = api
        .as_(&format!("{read_key}x"), Method::GET, "/api/v1/job-roles")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
