//! The audit log: who did what to which record, written in the same
//! transaction as the change it describes.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::{Actor, RequestMeta};

pub struct Entry<'a> {
    pub organisation_id: Option<Uuid>,
    pub actor: Actor,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub details: Value,
}

pub async fn record(conn: &mut PgConnection, meta: &RequestMeta, e: Entry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, organisation_id, actor_user_id, actor_api_key_id, action, target_type,
                                target_id, details, ip, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::now_v7())
    .bind(e.organisation_id)
    .bind(e.actor.user_id)
    .bind(e.actor.api_key_id)
    .bind(e.action)
    .bind(e.target_type)
    .bind(e.target_id)
    .bind(e.details)
    .bind(&meta.ip)
    .bind(&meta.request_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an action taken in the caller's organisation.
pub async fn org(
    conn: &mut PgConnection,
    ctx: &crate::auth::OrgCtx,
    action: &str,
    target_type: &str,
    target_id: Uuid,
    details: Value,
) -> sqlx::Result<()> {
    record(
        conn,
        &ctx.meta,
        Entry {
            organisation_id: Some(ctx.org_id),
            actor: ctx.actor(),
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            details,
        },
    )
    .await
}

/// Records an account action (outside any organisation) by `user_id`.
pub async fn account(
    conn: &mut PgConnection,
    meta: &RequestMeta,
    user_id: Option<Uuid>,
    action: &str,
    target_type: &str,
    target_id: Uuid,
    details: Value,
) -> sqlx::Result<()> {
    record(
        conn,
        meta,
        Entry {
            organisation_id: None,
            actor: Actor {
                user_id,
                api_key_id: None,
            },
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            details,
        },
    )
    .await
}
