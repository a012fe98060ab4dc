//! Sign-up, log-in, token refresh (rotating, with reuse detection), log-out,
//! and the caller's own account.

use axum::{extract::State, http::StatusCode};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{password, tokens, unauthorized, Principal, RequestMeta, Role, UserKind},
    error::{ApiError, ErrorBody},
    extract::Json,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub kind: UserKind,
    pub is_platform_admin: bool,
    /// Sees every organisation's jobs and queues, read-only.
    pub is_platform_viewer: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub user: UserView,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

async fn issue(
    conn: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
    family: Uuid,
) -> Result<TokenPair, ApiError> {
    let keys = &state.auth.keys;
    let refresh = tokens::random_secret();
    sqlx::query(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(family)
    .bind(tokens::hash_secret(&refresh))
    .bind(Utc::now() + keys.refresh_ttl)
    .execute(conn)
    .await?;
    Ok(TokenPair {
        access_token: keys.issue_access(user_id, family, Utc::now()),
        token_type: "Bearer",
        expires_in: keys.access_ttl.num_seconds(),
        refresh_token: refresh,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub display_name: Option<String>,
    /// `staff` (default) for recruiters; `candidate` for applicants.
    pub kind: Option<UserKind>,
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = Session), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn signup(
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(req): Json<SignupRequest>,
) -> Result<(StatusCode, axum::Json<Session>), ApiError> {
    let mut problems = Vec::new();
    validate::check(&mut problems, "email", validate::email(&req.email));
    let len = req.password.chars().count();
    if !(password::MIN_LEN..=password::MAX_LEN).contains(&len) {
        problems.push((
            "password".into(),
            format!("{} to {} characters", password::MIN_LEN, password::MAX_LEN),
        ));
    }
    if let Some(name) = &req.display_name {
        validate::check(&mut problems, "display_name", validate::text(name, 200));
    }
    validate::finish(problems)?;

    let hash = password::hash(req.password).await?;
    let kind = req.kind.unwrap_or(UserKind::Staff);
    let email = req.email.trim().to_owned();
    let mut tx = state.pool.begin().await?;
    let user_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, display_name, kind)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(&email)
    .bind(&hash)
    .bind(&req.display_name)
    .bind(kind)
    .execute(&mut *tx)
    .await?;
    let tokens = issue(&mut tx, &state, user_id, Uuid::now_v7()).await?;
    audit::account(
        &mut tx,
        &meta,
        Some(user_id),
        "auth.signup",
        "user",
        user_id,
        json!({ "kind": kind }),
    )
    .await?;
    tx.commit().await?;
    let user = UserView {
        id: user_id,
        email,
        display_name: req.display_name,
        kind,
        // A new account's email is unverified and nobody granted it anything.
        is_platform_admin: false,
        is_platform_viewer: false,
    };
    Ok((StatusCode::CREATED, axum::Json(Session { user, tokens })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(req): Json<LoginRequest>,
) -> Result<axum::Json<Session>, ApiError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: crate::auth::UserRow,
        password_hash: Option<String>,
        display_name: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {}, u.password_hash, u.display_name FROM users u WHERE lower(u.email) = lower($1)",
        crate::auth::USER_COLUMNS
    ))
    .bind(req.email.trim())
    .fetch_optional(&state.pool)
    .await?;
    let stored = row.as_ref().and_then(|r| r.password_hash.clone());
    let ok = password::verify(req.password, stored).await?;
    let mut tx = state.pool.begin().await?;
    let known = row.as_ref().map(|r| r.user.id);
    let Some(Row {
        user, display_name, ..
    }) = row.filter(|_| ok)
    else {
        if let Some(id) = known {
            audit::account(
                &mut tx,
                &meta,
                None,
                "auth.login_failed",
                "user",
                id,
                json!({}),
            )
            .await?;
            tx.commit().await?;
        }
        return Err(unauthorized("invalid email or password"));
    };
    let admin = state.auth.is_platform_admin(&user);
    let (id, email, kind) = (user.id, user.email, user.kind);
    let tokens = issue(&mut tx, &state, id, Uuid::now_v7()).await?;
    audit::account(
        &mut tx,
        &meta,
        Some(id),
        "auth.login",
        "user",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(Session {
        user: UserView {
            id,
            email,
            display_name,
            kind,
            is_platform_admin: admin,
            is_platform_viewer: !admin && user.kind == UserKind::Staff && user.viewer_granted,
        },
        tokens,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new pair. Each refresh token works once;
/// presenting a used one again revokes every token of that login.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorBody)))]
async fn refresh(
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(req): Json<RefreshRequest>,
) -> Result<axum::Json<TokenPair>, ApiError> {
    let mut tx = state.pool.begin().await?;
    type Row = (Uuid, Uuid, Uuid, bool, bool, bool);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, user_id, family_id, expires_at < now(), replaced_at IS NOT NULL, revoked_at IS NOT NULL
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(tokens::hash_secret(&req.refresh_token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, user_id, family, expired, replaced, revoked)) = row else {
        return Err(unauthorized("invalid refresh token"));
    };
    if revoked {
        return Err(unauthorized("this login has ended; log in again"));
    }
    if replaced {
        // Someone holds a used token: end the whole login.
        sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
            .bind(family)
            .execute(&mut *tx)
            .await?;
        audit::account(
            &mut tx,
            &meta,
            Some(user_id),
            "auth.refresh_token_reused",
            "session",
            family,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        state.auth.cache.forget_session(family);
        tracing::warn!(user.id = %user_id, "refresh token reuse detected; login revoked");
        return Err(ApiError::Status {
            status: StatusCode::UNAUTHORIZED,
            code: "refresh_token_reused",
            message: "refresh token was already used; this login has been revoked".into(),
        });
    }
    if expired {
        return Err(unauthorized("refresh token expired; log in again"));
    }
    sqlx::query("UPDATE refresh_tokens SET replaced_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let pair = issue(&mut tx, &state, user_id, family).await?;
    tx.commit().await?;
    Ok(axum::Json(pair))
}

/// Ends the login the refresh token belongs to; its access tokens stop
/// working at once.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(req): Json<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let row: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(tokens::hash_secret(&req.refresh_token))
            .fetch_optional(&mut *tx)
            .await?;
    let (user_id, family) = row.ok_or_else(|| unauthorized("invalid refresh token"))?;
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family)
    .execute(&mut *tx)
    .await?;
    audit::account(
        &mut tx,
        &meta,
        Some(user_id),
        "auth.logout",
        "session",
        family,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    // Every other process hears of it from the trigger.
    state.auth.cache.forget_session(family);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MembershipView {
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub memberships: Vec<MembershipView>,
}

/// The signed-in user and their organisations.
#[utoipa::path(get, path = "/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
async fn me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<MeView>, ApiError> {
    let user = principal.user()?;
    let (display_name,): (Option<String>,) =
        sqlx::query_as("SELECT display_name FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&state.pool)
            .await?;
    let memberships: Vec<(Uuid, String, Role)> = sqlx::query_as(
        "SELECT o.id, o.name, m.role FROM memberships m JOIN organisations o ON o.id = m.organisation_id
         WHERE m.user_id = $1 ORDER BY o.name",
    )
    .bind(user.id)
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(MeView {
        user: UserView {
            id: user.id,
            email: user.email.clone(),
            display_name,
            kind: user.kind,
            is_platform_admin: user.platform_admin,
            is_platform_viewer: user.platform_viewer,
        },
        memberships: memberships
            .into_iter()
            .map(
                |(organisation_id, organisation_name, role)| MembershipView {
                    organisation_id,
                    organisation_name,
                    role,
                },
            )
            .collect(),
    }))
}
