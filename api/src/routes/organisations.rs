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
    /// Days interview recordings are kept after the interview (then
    /// deleted by `retention_cleanup`).
    pub recording_retention_days: i32,
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
    let (retention, created_at): (i32, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO organisations (id, name, created_by) VALUES ($1, $2, $3)
         RETURNING recording_retention_days, created_at",
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
            recording_retention_days: retention,
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
    let rows: Vec<(Uuid, String, Role, i32, DateTime<Utc>)> = match &principal {
        Principal::User(u) => {
            sqlx::query_as(
                "SELECT o.id, o.name, m.role, o.recording_retention_days, o.created_at FROM memberships m
                 JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1 ORDER BY o.name",
            )
            .bind(u.id)
            .fetch_all(&state.pool)
            .await?
        }
        Principal::ApiKey(k) => {
            sqlx::query_as("SELECT id, name, 'reviewer'::member_role, recording_retention_days, created_at FROM organisations WHERE id = $1")
                .bind(k.organisation_id)
                .fetch_all(&state.pool)
                .await?
        }
    };
    Ok(axum::Json(
        rows.into_iter()
            .map(
                |(id, name, role, recording_retention_days, created_at)| OrganisationView {
                    id,
                    name,
                    role,
                    recording_retention_days,
                    created_at,
                },
            )
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
    Ok(axum::Json(view(&state.pool, &ctx).await?))
}

async fn view<'e>(
    db: impl sqlx::PgExecutor<'e>,
    ctx: &OrgCtx,
) -> Result<OrganisationView, ApiError> {
    let (name, recording_retention_days, created_at): (String, i32, DateTime<Utc>) =
        sqlx::query_as(
            "SELECT name, recording_retention_days, created_at FROM organisations WHERE id = $1",
        )
        .bind(ctx.org_id)
        .fetch_one(db)
        .await?;
    Ok(OrganisationView {
        id: ctx.org_id,
        name,
        role: ctx.role,
        recording_retention_days,
        created_at,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationChanges {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// Days interview recordings are kept after the interview (1–3650).
    #[schema(minimum = 1, maximum = 3650)]
    pub recording_retention_days: Option<i32>,
}

/// Changes the current organisation: its name, its recordings' retention
/// (owners and admins).
#[utoipa::path(patch, path = "/organisation", tag = "organisations", security(("bearer" = [])),
    request_body = OrganisationChanges,
    responses((status = 200, body = OrganisationView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(req): Json<OrganisationChanges>,
) -> Result<axum::Json<OrganisationView>, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    if let Some(name) = &req.name {
        validate::check(&mut problems, "name", validate::text(name, 200));
    }
    if let Some(days) = req.recording_retention_days {
        if !(1..=3650).contains(&days) {
            problems.push((
                "recording_retention_days".into(),
                "between 1 and 3650".into(),
            ));
        }
    }
    validate::finish(problems)?;
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "UPDATE organisations SET name = COALESCE($2, name),
                recording_retention_days = COALESCE($3, recording_retention_days)
         WHERE id = $1",
    )
    .bind(ctx.org_id)
    .bind(req.name.as_deref().map(str::trim))
    .bind(req.recording_retention_days)
    .execute(&mut *tx)
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "organisation.changed",
        "organisation",
        ctx.org_id,
        json!({
            "renamed": req.name.is_some(),
            "recording_retention_days": req.recording_retention_days,
        }),
    )
    .await?;
    let view = view(&mut *tx, &ctx).await?;
    tx.commit().await?;
    Ok(axum::Json(view))
}
