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
    /// Make the account with this email a platform admin (with
    /// `--read-only`: a platform viewer, who sees every organisation's jobs
    /// and queues and changes nothing).
    Grant {
        email: String,
        #[arg(long)]
        read_only: bool,
    },
    /// Take platform admin (or, with `--read-only`, viewer) from the account
    /// with this email (effective on its next request).
    Revoke {
        email: String,
        #[arg(long)]
        read_only: bool,
    },
    /// List the accounts an operator made platform admins and viewers.
    List,
}

/// Which grant a command is about.
#[derive(Clone, Copy)]
enum Grant {
    Admin,
    Viewer,
}

impl Grant {
    fn of(read_only: bool) -> Self {
        if read_only {
            Grant::Viewer
        } else {
            Grant::Admin
        }
    }

    fn name(self) -> &'static str {
        match self {
            Grant::Admin => "platform admin",
            Grant::Viewer => "platform viewer",
        }
    }
}

/// Runs one command; returns the line to print.
pub async fn run(pool: &PgPool, cmd: &PlatformAdmin) -> anyhow::Result<String> {
    match cmd {
        PlatformAdmin::Grant { email, read_only } => {
            set(pool, email, Grant::of(*read_only), true).await
        }
        PlatformAdmin::Revoke { email, read_only } => {
            set(pool, email, Grant::of(*read_only), false).await
        }
        PlatformAdmin::List => {
            let rows: Vec<(Uuid, String, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                "SELECT id, email, 'admin', platform_admin_granted_at FROM users
                 WHERE platform_admin_granted_at IS NOT NULL
                 UNION ALL
                 SELECT id, email, 'viewer', platform_viewer_granted_at FROM users
                 WHERE platform_viewer_granted_at IS NOT NULL ORDER BY 4",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .iter()
                .map(|(id, email, role, at)| {
                    format!("{id}\t{email}\t{role}\tgranted {}", at.to_rfc3339())
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

async fn set(pool: &PgPool, email: &str, which: Grant, grant: bool) -> anyhow::Result<String> {
    let mut tx = pool.begin().await?;
    let user: Option<(Uuid, UserKind, bool)> = sqlx::query_as(match which {
        Grant::Admin => {
            "SELECT id, kind, platform_admin_granted_at IS NOT NULL FROM users
             WHERE lower(email) = lower($1) FOR UPDATE"
        }
        Grant::Viewer => {
            "SELECT id, kind, platform_viewer_granted_at IS NOT NULL FROM users
             WHERE lower(email) = lower($1) FOR UPDATE"
        }
    })
    .bind(email.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, kind, granted)) = user else {
        anyhow::bail!("no account has the email {email}; it must sign up first");
    };
    let role = which.name();
    if grant && kind != UserKind::Staff {
        anyhow::bail!("{email} is a candidate account; only staff accounts can be a {role}");
    }
    if grant == granted {
        return Ok(format!(
            "{email} {} a {role} by grant; nothing changed",
            if grant { "is already" } else { "is not" }
        ));
    }
    sqlx::query(match which {
        Grant::Admin => {
            "UPDATE users SET platform_admin_granted_at = CASE WHEN $2 THEN now() END WHERE id = $1"
        }
        Grant::Viewer => {
            "UPDATE users SET platform_viewer_granted_at = CASE WHEN $2 THEN now() END WHERE id = $1"
        }
    })
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
            action: match (which, grant) {
                (Grant::Admin, true) => "platform_admin.granted",
                (Grant::Admin, false) => "platform_admin.revoked",
                (Grant::Viewer, true) => "platform_viewer.granted",
                (Grant::Viewer, false) => "platform_viewer.revoked",
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
            format!("is now a {role}")
        } else {
            format!("is no longer a {role} by grant")
        }
    ))
}
