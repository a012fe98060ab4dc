//! Organisations: create (the creator becomes owner), list mine, read and
//! rename the current one.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit::{self, Entry},
    auth::{forbidden, OrgCtx, Perm, Principal, RequestMeta, Role, UserKind},
    error::{ApiError, ErrorBody},
    extract::Json,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(current, update))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    pub id: Uuid,
    pub name: String,
    /// The caller's role in it.
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRequest {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
}

/// Creates an organisation; the caller becomes its owner.
#[utoipa::path(post, path = "/organisations", tag = "organisations", security(("bearer" = [])),
    request_body = OrganisationRequest,
    responses((status = 201, body = OrganisationView), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    principal: Principal,
    meta: RequestMeta,
    Json(req): Json<OrganisationRequest>,
) -> Result<(StatusCode, axum::Json<OrganisationView>), ApiError> {
    let user = principal.user()?;
    if user.kind != UserKind::Staff {
        return Err(forbidden("candidate accounts cannot create organisations"));
    }
    let mut problems = Vec::new();
    validate::check(&mut problems, "name", validate::text(&req.name, 200));
    validate::finish(problems)?;
    let id = Uuid::now_v7();
    let mut tx = state.pool.begin().await?;
    let (created_at,): (DateTime<Utc>,) = sqlx::query_as(
        "INSERT INTO organisations (id, name, created_by) VALUES ($1, $2, $3) RETURNING created_at",
    )
    .bind(id)
    .bind(req.name.trim())
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO memberships (organisation_id, user_id, role) VALUES ($1, $2, 'owner')",
    )
    .bind(id)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &meta,
        Entry {
            organisation_id: Some(id),
            actor: principal.actor(),
            action: "organisation.created",
            target_type: "organisation",
            target_id: Some(id.to_string()),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(OrganisationView {
            id,
            name: req.name.trim().to_owned(),
            role: Role::Owner,
            created_at,
        }),
    ))
}

/// The organisations the caller belongs to.
#[utoipa::path(get, path = "/organisations", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrganisationView>)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<Vec<OrganisationView>>, ApiError> {
    let rows: Vec<(Uuid, String, Role, DateTime<Utc>)> = match &principal {
        Principal::User(u) => {
            sqlx::query_as(
                "SELECT o.id, o.name, m.role, o.created_at FROM memberships m
                 JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1 ORDER BY o.name",
            )
            .bind(u.id)
            .fetch_all(&state.pool)
            .await?
        }
        Principal::ApiKey(k) => {
            sqlx::query_as("SELECT id, name, 'reviewer'::member_role, created_at FROM organisations WHERE id = $1")
                .bind(k.organisation_id)
                .fetch_all(&state.pool)
                .await?
        }
    };
    Ok(axum::Json(
        rows.into_iter()
            .map(|(id, name, role, created_at)| OrganisationView {
                id,
                name,
                role,
                created_at,
            })
            .collect(),
    ))
}

/// The organisation the request acts in (`X-Organisation-Id`, or the
/// caller's only one).
#[utoipa::path(get, path = "/organisation", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = OrganisationView), (status = 404, body = ErrorBody)))]
async fn current(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<axum::Json<OrganisationView>, ApiError> {
    let (name, created_at): (String, DateTime<Utc>) =
        sqlx::query_as("SELECT name, created_at FROM organisations WHERE id = $1")
            .bind(ctx.org_id)
            .fetch_one(&state.pool)
            .await?;
    Ok(axum::Json(OrganisationView {
        id: ctx.org_id,
        name,
        role: ctx.role,
        created_at,
    }))
}

/// Renames the current organisation (owners and admins).
#[utoipa::path(patch, path = "/organisation", tag = "organisations", security(("bearer" = [])),
    request_body = OrganisationRequest,
    responses((status = 200, body = OrganisationView), (status = 403, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(req): Json<OrganisationRequest>,
) -> Result<axum::Json<OrganisationView>, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    validate::check(&mut problems, "name", validate::text(&req.name, 200));
    validate::finish(problems)?;
    let mut tx = state.pool.begin().await?;
    let (created_at,): (DateTime<Utc>,) =
        sqlx::query_as("UPDATE organisations SET name = $2 WHERE id = $1 RETURNING created_at")
            .bind(ctx.org_id)
            .bind(req.name.trim())
            .fetch_one(&mut *tx)
            .await?;
    audit::org(
        &mut tx,
        &ctx,
        "organisation.renamed",
        "organisation",
        ctx.org_id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(OrganisationView {
        id: ctx.org_id,
        name: req.name.trim().to_owned(),
        role: ctx.role,
        created_at,
    }))
}
