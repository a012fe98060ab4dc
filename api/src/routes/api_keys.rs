//! Organisation API keys for service callers: shown once, stored hashed,
//! prefixed for recognition, scoped (`read`, `write`), revocable.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{tokens, OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(revoke))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The visible start of the key, e.g. `tal_3f9a0c12b7de`.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

type Row = (
    Uuid,
    String,
    String,
    Vec<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

fn view((id, name, prefix, scopes, last_used_at, revoked_at, created_at): Row) -> ApiKeyView {
    ApiKeyView {
        id,
        name,
        prefix,
        scopes,
        last_used_at,
        revoked_at,
        created_at,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    pub api_key: ApiKeyView,
    /// The key itself, shown only now. Send it as `Authorization: Bearer <key>`
    /// or `X-Api-Key: <key>`.
    pub key: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyRequest {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// `read` and/or `write`.
    #[schema(min_items = 1)]
    pub scopes: Vec<ApiKeyScope>,
}

/// What an API key may do: `read` (a reviewer's reach) or `write` (a
/// recruiter's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyScope {
    Read,
    Write,
}

impl ApiKeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }
}

/// Creates an API key (owners and admins).
#[utoipa::path(post, path = "/api-keys", tag = "api-keys", security(("bearer" = [])), request_body = ApiKeyRequest,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(req): Json<ApiKeyRequest>,
) -> Result<(StatusCode, axum::Json<CreatedApiKey>), ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    validate::check(&mut problems, "name", validate::text(&req.name, 200));
    if req.scopes.is_empty() {
        problems.push(("scopes".into(), "one or more of: read, write".into()));
    }
    validate::finish(problems)?;
    let mut scopes: Vec<String> = req.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    scopes.sort();
    scopes.dedup();
    let (key, prefix, hash) = tokens::new_api_key();
    let id = Uuid::now_v7();
    let mut tx = state.pool.begin().await?;
    let row: Row = sqlx::query_as(
        "INSERT INTO api_keys (id, organisation_id, name, prefix, key_hash, scopes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, name, prefix, scopes, last_used_at, revoked_at, created_at",
    )
    .bind(id)
    .bind(ctx.org_id)
    .bind(req.name.trim())
    .bind(&prefix)
    .bind(hash)
    .bind(&scopes)
    .bind(ctx.user_id())
    .fetch_one(&mut *tx)
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "api_key.created",
        "api_key",
        id,
        json!({ "scopes": scopes, "prefix": prefix }),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedApiKey {
            api_key: view(row),
            key,
        }),
    ))
}

/// The organisation's API keys (never the keys themselves).
#[utoipa::path(get, path = "/api-keys", tag = "api-keys", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiKeyView>), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<axum::Json<Vec<ApiKeyView>>, ApiError> {
    ctx.require(Perm::Manage)?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, prefix, scopes, last_used_at, revoked_at, created_at FROM api_keys
         WHERE organisation_id = $1 ORDER BY created_at DESC",
    )
    .bind(ctx.org_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(rows.into_iter().map(view).collect()))
}

/// Revokes an API key at once.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "api-keys", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut tx = state.pool.begin().await?;
    let prefix: Option<String> = sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND organisation_id = $2 AND revoked_at IS NULL
         RETURNING prefix",
    )
    .bind(id)
    .bind(ctx.org_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(prefix) = prefix else {
        return Err(ApiError::NotFound("api key"));
    };
    audit::org(&mut tx, &ctx, "api_key.revoked", "api_key", id, json!({})).await?;
    tx.commit().await?;
    state.auth.cache.forget_key(&prefix);
    Ok(StatusCode::NO_CONTENT)
}
