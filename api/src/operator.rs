//! Operator commands run against the database (`api platform-admin …`):
//! the one way to grant platform admin to an account whose email nobody
//! verified. Each change is written to the audit log in the same
//! transaction, with the operating-system user who ran it.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    audit,
    auth::{Actor, RequestMeta, UserKind},
};

#[derive(Debug, Clone, clap::Subcommand)]
pub enum PlatformAdmin {
    /// Make the account with this email a platform admin.
    Grant { email: String },
    /// Take platform admin from the account with this email (effective on
    /// its next request).
    Revoke { email: String },
    /// List the accounts an operator made platform admins.
    List,
}

/// Runs one command; returns the line to print.
pub async fn run(pool: &PgPool, cmd: &PlatformAdmin) -> anyhow::Result<String> {
    match cmd {
        PlatformAdmin::Grant { email } => set(pool, email, true).await,
        PlatformAdmin::Revoke { email } => set(pool, email, false).await,
        PlatformAdmin::List => {
            let rows: Vec<(Uuid, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                "SELECT id, email, platform_admin_granted_at FROM users
                 WHERE platform_admin_granted_at IS NOT NULL ORDER BY platform_admin_granted_at",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .iter()
                .map(|(id, email, at)| format!("{id}\t{email}\tgranted {}", at.to_rfc3339()))
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

async fn set(pool: &PgPool, email: &str, grant: bool) -> anyhow::Result<String> {
    let mut tx = pool.begin().await?;
    let user: Option<(Uuid, UserKind, bool)> = sqlx::query_as(
        "SELECT id, kind, platform_admin_granted_at IS NOT NULL FROM users
         WHERE lower(email) = lower($1) FOR UPDATE",
    )
    .bind(email.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, kind, granted)) = user else {
        anyhow::bail!("no account has the email {email}; it must sign up first");
    };
    if grant && kind != UserKind::Staff {
        anyhow::bail!("{email} is a candidate account; only staff accounts can be platform admins");
    }
    if grant == granted {
        return Ok(format!(
            "{email} {} a platform admin by grant; nothing changed",
            if grant { "is already" } else { "is not" }
        ));
    }
    sqlx::query(
        "UPDATE users SET platform_admin_granted_at = CASE WHEN $2 THEN now() END WHERE id = $1",
    )
    .bind(id)
    .bind(grant)
    .execute(&mut *tx)
    .await?;
    let os_user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    audit::record(
        &mut tx,
        &RequestMeta::default(),
        audit::Entry {
            organisation_id: None,
            actor: Actor::default(),
            action: if grant {
                "platform_admin.granted"
            } else {
                "platform_admin.revoked"
            },
            target_type: "user",
            target_id: Some(id.to_string()),
            details: json!({ "via": "operator_command", "os_user": os_user }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!(
        "{email} {}",
        if grant {
            "is now a platform admin"
        } else {
            "is no longer a platform admin by grant"
        }
    ))
}
