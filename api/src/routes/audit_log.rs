//! The organisation's audit log (owners and admins).

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::Query,
    routes::{Page, PageQuery, Paging},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub details: Value,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Audit entries, newest first.
#[utoipa::path(get, path = "/audit-log", tag = "audit", security(("bearer" = [])), params(Paging),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Query(q): Query<Paging>,
) -> Result<axum::Json<Page<AuditEntry>>, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    let page = PageQuery::parse(q.limit, q.cursor.as_deref(), &mut problems);
    validate::finish(problems)?;
    let rows: Vec<AuditEntry> = sqlx::query_as(
        "SELECT id, actor_user_id, actor_api_key_id, action, target_type, target_id, details, ip, request_id, created_at
         FROM audit_log WHERE organisation_id = $1 AND ($2::uuid IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
    )
    .bind(ctx.org_id)
    .bind(page.before)
    .bind(page.fetch())
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(page.page(rows, |r| r.id, |r| r)))
}
