//! Who is calling, and what they may do.
//!
//! [`Principal`] authenticates a request (our access token, an external
//! identity provider's token, or an organisation API key). [`OrgCtx`] adds the
//! organisation the request acts in and the caller's role there; every query
//! of organisation data is scoped by `OrgCtx::org_id`.

pub mod cache;
pub mod password;
pub mod tokens;

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{request::Parts, StatusCode},
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::{error::ApiError, AppState};
use tokens::TokenError;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    sqlx::Type,
    utoipa::ToSchema,
)]
#[sqlx(type_name = "member_role", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reviewer,
    Recruiter,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Recruiter => "recruiter",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "user_kind", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    Staff,
    Candidate,
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// Read job roles, candidates, applications, interviews, jobs.
    Read,
    /// Create and change recruiting data; retry and cancel jobs.
    Write,
    /// Members, invitations, API keys, the audit log, the organisation itself.
    Manage,
}

impl Role {
    pub fn allows(self, perm: Perm) -> bool {
        match perm {
            Perm::Read => true,
            Perm::Write => self >= Role::Recruiter,
            Perm::Manage => self >= Role::Admin,
        }
    }
}

#[derive(Debug, Clone)]
pub struct UserPrincipal {
    pub id: Uuid,
    pub email: String,
    pub kind: UserKind,
    pub platform_admin: bool,
    /// Sees what platform admins see, changes nothing (and is not an
    /// admin).
    pub platform_viewer: bool,
}

#[derive(Debug, Clone)]
pub struct KeyPrincipal {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub scopes: Vec<String>,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    User(UserPrincipal),
    ApiKey(KeyPrincipal),
}

/// Request facts the audit log records.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl RequestMeta {
    pub fn from_parts(parts: &Parts) -> Self {
        Self {
            request_id: parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ci| ci.0.ip().to_string()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

pub fn unauthorized(message: &str) -> ApiError {
    ApiError::Status {
        status: StatusCode::UNAUTHORIZED,
        code: "unauthorized",
        message: message.to_owned(),
    }
}

pub fn forbidden(message: &str) -> ApiError {
    ApiError::Status {
        status: StatusCode::FORBIDDEN,
        code: "forbidden",
        message: message.to_owned(),
    }
}

/// The credential a request presents: `Authorization: Bearer …` or `X-Api-Key`.
pub fn presented_credential(headers: &axum::http::HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim());
    }
    let auth = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The rate limiter authenticates every presented credential first.
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        if let Some(r) = parts.extensions.get::<crate::ratelimit::AuthRejected>() {
            return Err(ApiError::Status {
                status: StatusCode::UNAUTHORIZED,
                code: r.code,
                message: r.message.clone(),
            });
        }
        let credential = presented_credential(&parts.headers)
            .ok_or_else(|| unauthorized("missing credentials"))?;
        let principal = authenticate(state, credential).await?;
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

pub async fn authenticate(state: &AppState, credential: &str) -> Result<Principal, ApiError> {
    if let Some(prefix) = tokens::api_key_prefix(credential) {
        return authenticate_key(&state.pool, &state.auth.cache, prefix, credential).await;
    }
    match state.auth.keys.verify_access(credential) {
        Ok(claims) => {
            let cache = &state.auth.cache;
            if let Some(row) = cache.session(claims.sub, claims.sid) {
                return Ok(Principal::User(state.auth.principal(row)));
            }
            let ticket = cache.ticket();
            let row: Option<UserRow> = sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM users u
                 WHERE u.id = $1 AND EXISTS (
                     SELECT 1 FROM refresh_tokens r WHERE r.family_id = $2 AND r.user_id = u.id
                       AND r.revoked_at IS NULL)"
            ))
            .bind(claims.sub)
            .bind(claims.sid)
            .fetch_optional(&state.pool)
            .await?;
            let row = row.ok_or_else(|| unauthorized("session has ended; log in again"))?;
            cache.put_session(ticket, claims.sid, &row);
            Ok(Principal::User(state.auth.principal(row)))
        }
        Err(TokenError::Expired) => Err(ApiError::Status {
            status: StatusCode::UNAUTHORIZED,
            code: "token_expired",
            message: "access token expired; refresh it".to_owned(),
        }),
        Err(TokenError::Invalid) => match state.auth.keys.verify_external(credential) {
            Some(Ok(claims)) => Ok(Principal::User(external_user(state, claims).await?)),
            Some(Err(TokenError::Expired)) => Err(ApiError::Status {
                status: StatusCode::UNAUTHORIZED,
                code: "token_expired",
                message: "token expired".to_owned(),
            }),
            _ => Err(unauthorized("invalid token")),
        },
    }
}

async fn authenticate_key(
    pool: &PgPool,
    cache: &cache::AuthCache,
    prefix: &str,
    key: &str,
) -> Result<Principal, ApiError> {
    let row = match cache.key(prefix) {
        Some(row) => row,
        None => {
            let ticket = cache.ticket();
            type Row = (Uuid, Uuid, Vec<String>, Vec<u8>, bool);
            let row: Option<Row> = sqlx::query_as(
                "SELECT id, organisation_id, scopes, key_hash, revoked_at IS NOT NULL FROM api_keys WHERE prefix = $1",
            )
            .bind(prefix)
            .fetch_optional(pool)
            .await?;
            let Some((id, organisation_id, scopes, key_hash, revoked)) = row else {
                return Err(unauthorized("invalid API key"));
            };
            let row = cache::KeyRow {
                id,
                organisation_id,
                scopes,
                key_hash,
                revoked,
            };
            cache.put_key(ticket, prefix, &row);
            row
        }
    };
    if !bool::from(row.key_hash.ct_eq(&tokens::hash_secret(key))) || row.revoked {
        return Err(unauthorized("invalid API key"));
    }
    // Last use, recorded at most once a minute per key (and written by this
    // process at most once a minute, not once a request).
    if cache.key_use_due(row.id) {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = now()
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        )
        .bind(row.id)
        .execute(pool)
        .await?;
    }
    Ok(Principal::ApiKey(KeyPrincipal {
        id: row.id,
        organisation_id: row.organisation_id,
        scopes: row.scopes,
    }))
}

/// Maps an external identity to a user: by its subject, else by its email
/// when the identity provider says the email is verified (linking an
/// account by an unverified address would hand it to whoever typed it),
/// else a new staff user.
///
/// Linking takes over a password account whose own email was never
/// verified: its password is cleared and its sessions end, so whoever
/// signed up with someone else's address keeps no way in.
async fn external_user(
    state: &AppState,
    claims: tokens::ExternalClaims,
) -> Result<UserPrincipal, ApiError> {
    let verified = claims.email_verified();
    let email = claims
        .email
        .as_deref()
        .and_then(recruiting::domain::email::normalise)
        .map(str::to_owned)
        .ok_or_else(|| unauthorized("external token has no usable email claim"))?;
    let mut tx = state.pool.begin().await?;
    let by_subject = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.external_subject = $1");
    if let Some(mut row) = sqlx::query_as::<_, UserRow>(&by_subject)
        .bind(&claims.sub)
        .fetch_optional(&mut *tx)
        .await?
    {
        if verified && !row.email_verified && row.email.eq_ignore_ascii_case(&email) {
            sqlx::query("UPDATE users SET email_verified_at = now() WHERE id = $1")
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            row.email_verified = true;
        }
        tx.commit().await?;
        return Ok(state.auth.principal(row));
    }
    if verified {
        #[derive(sqlx::FromRow)]
        struct Linked {
            #[sqlx(flatten)]
            user: UserRow,
            /// The account's own email was never verified.
            taken_over: bool,
        }
        let linked: Option<Linked> = sqlx::query_as(&format!(
            "WITH old AS (
                 SELECT id, email_verified_at IS NULL AS taken_over FROM users
                 WHERE lower(email) = lower($2) AND external_subject IS NULL FOR UPDATE
             )
             UPDATE users u SET external_subject = $1,
                    email_verified_at = COALESCE(u.email_verified_at, now()),
                    password_hash = CASE WHEN old.taken_over THEN NULL ELSE u.password_hash END
             FROM old WHERE u.id = old.id
             RETURNING {USER_COLUMNS}, old.taken_over"
        ))
        .bind(&claims.sub)
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(Linked {
            user: row,
            taken_over,
        }) = linked
        {
            if taken_over {
                sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
                )
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            if taken_over {
                state.auth.cache.forget_user(row.id);
            }
            return Ok(state.auth.principal(row));
        }
    }
    let created: Option<UserRow> = sqlx::query_as(&format!(
        "INSERT INTO users AS u (id, email, external_subject, email_verified_at)
         VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
         ON CONFLICT DO NOTHING
         RETURNING {USER_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(&email)
    .bind(&claims.sub)
    .bind(verified)
    .fetch_optional(&mut *tx)
    .await?;
    let row = match created {
        Some(row) => row,
        // A concurrent first sight of the same subject won the insert.
        None => sqlx::query_as::<_, UserRow>(&by_subject)
            .bind(&claims.sub)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| unauthorized("external identity conflicts with an existing account"))?,
    };
    tx.commit().await?;
    Ok(state.auth.principal(row))
}

/// Who did something, for the audit log.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        match self {
            Principal::User(u) => Actor {
                user_id: Some(u.id),
                api_key_id: None,
            },
            Principal::ApiKey(k) => Actor {
                user_id: None,
                api_key_id: Some(k.id),
            },
        }
    }

    /// The signed-in user, or 403 for API keys (account endpoints).
    pub fn user(&self) -> Result<&UserPrincipal, ApiError> {
        match self {
            Principal::User(u) => Ok(u),
            Principal::ApiKey(_) => Err(forbidden("API keys cannot use account endpoints")),
        }
    }
}

/// The organisation a request acts in, and the caller's role there.
#[derive(Debug, Clone)]
pub struct OrgCtx {
    pub org_id: Uuid,
    pub role: Role,
    pub principal: Principal,
    pub meta: RequestMeta,
}

impl OrgCtx {
    pub fn require(&self, perm: Perm) -> Result<(), ApiError> {
        if self.role.allows(perm) {
            Ok(())
        } else {
            Err(forbidden(match perm {
                Perm::Read => "not allowed to read this organisation's data",
                Perm::Write => "your role may not change this organisation's data",
                Perm::Manage => "only owners and admins may do this",
            }))
        }
    }

    pub fn actor(&self) -> Actor {
        self.principal.actor()
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.actor().user_id
    }
}

impl FromRequestParts<AppState> for OrgCtx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let meta = RequestMeta::from_parts(parts);
        let header = parts
            .headers
            .get("x-organisation-id")
            .map(|v| v.to_str().unwrap_or(""));
        let (org_id, role) = match &principal {
            Principal::ApiKey(k) => {
                if let Some(h) = header {
                    if Uuid::parse_str(h).ok() != Some(k.organisation_id) {
                        return Err(ApiError::NotFound("organisation"));
                    }
                }
                // A key acts like a recruiter (write) or a reviewer (read);
                // it never manages members, keys or the organisation.
                let role = if k.scopes.iter().any(|s| s == "write") {
                    Role::Recruiter
                } else {
                    Role::Reviewer
                };
                (k.organisation_id, role)
            }
            Principal::User(u) => {
                if u.kind == UserKind::Candidate {
                    return Err(forbidden(
                        "candidate accounts have no access to organisation data",
                    ));
                }
                match header {
                    Some(h) => {
                        let org = Uuid::parse_str(h).map_err(|_| {
                            ApiError::BadRequest("X-Organisation-Id is not a valid id".into())
                        })?;
                        let found = memberships(state, u.id, Some(org)).await?;
                        match found.first() {
                            Some(&(_, role)) => (org, role),
                            None => return Err(ApiError::NotFound("organisation")),
                        }
                    }
                    None => {
                        let mine = memberships(state, u.id, None).await?;
                        match &*mine {
                            [one] => *one,
                            [] => {
                                return Err(ApiError::Status {
                                    status: StatusCode::BAD_REQUEST,
                                    code: "organisation_required",
                                    message: "you belong to no organisation: create one or accept an invitation".into(),
                                })
                            }
                            _ => {
                                return Err(ApiError::Status {
                                    status: StatusCode::BAD_REQUEST,
                                    code: "organisation_required",
                                    message: "you belong to several organisations: set the X-Organisation-Id header"
                                        .into(),
                                })
                            }
                        }
                    }
                }
            }
        };
        Ok(OrgCtx {
            org_id,
            role,
            principal,
            meta,
        })
    }
}

/// The user's membership in `org` (none or one), or without an organisation
/// named, up to two of theirs: cached per process ([`cache`]).
async fn memberships(
    state: &AppState,
    user: Uuid,
    org: Option<Uuid>,
) -> Result<cache::Memberships, ApiError> {
    let cache = &state.auth.cache;
    if let Some(found) = cache.memberships(user, org) {
        return Ok(found);
    }
    let ticket = cache.ticket();
    let found: Vec<(Uuid, Role)> = sqlx::query_as(
        "SELECT organisation_id, role FROM memberships
         WHERE user_id = $1 AND ($2::uuid IS NULL OR organisation_id = $2) LIMIT 2",
    )
    .bind(user)
    .bind(org)
    .fetch_all(&state.pool)
    .await?;
    cache.put_memberships(ticket, user, org, &found);
    Ok(found.into())
}

/// The columns of `users u` that decide who a user is and what they may do
/// platform-wide, read on every request (so a revoked grant or a changed
/// list applies at once, not at the next login).
pub const USER_COLUMNS: &str = "u.id, u.email, u.kind, \
     u.platform_admin_granted_at IS NOT NULL AS admin_granted, \
     u.platform_viewer_granted_at IS NOT NULL AS viewer_granted, \
     u.email_verified_at IS NOT NULL AS email_verified";

/// A row of [`USER_COLUMNS`].
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub kind: UserKind,
    /// An operator granted platform admin (`api platform-admin grant`).
    pub admin_granted: bool,
    /// … or read-only platform access (`grant --read-only`).
    pub viewer_granted: bool,
    pub email_verified: bool,
}

/// Authentication settings and keys.
pub struct AuthSettings {
    pub keys: tokens::TokenKeys,
    pub platform_admin_emails: Vec<String>,
    /// Sessions, memberships and API keys read by authentication.
    pub cache: std::sync::Arc<cache::AuthCache>,
}

impl AuthSettings {
    /// Platform admin: a staff account an operator granted it to, or whose
    /// *verified* email is in `TALENTI_PLATFORM_ADMIN_EMAILS`. An email
    /// someone merely typed at sign-up grants nothing.
    pub fn is_platform_admin(&self, user: &UserRow) -> bool {
        user.kind == UserKind::Staff
            && (user.admin_granted
                || (user.email_verified
                    && self
                        .platform_admin_emails
                        .iter()
                        .any(|e| e.eq_ignore_ascii_case(&user.email))))
    }

    pub fn principal(&self, user: UserRow) -> UserPrincipal {
        let admin = self.is_platform_admin(&user);
        UserPrincipal {
            platform_admin: admin,
            platform_viewer: !admin && user.kind == UserKind::Staff && user.viewer_granted,
            id: user.id,
            email: user.email,
            kind: user.kind,
        }
    }
}
