//! Members of the current organisation and team invitations.
//!
//! Rules: only owners and admins manage members; an admin cannot change,
//! remove or create an owner; the last owner can be neither demoted nor
//! removed (nor leave).

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit::{self, Entry},
    auth::{forbidden, tokens, OrgCtx, Perm, Principal, RequestMeta, Role, UserKind},
    error::{gone, post_error, ApiError, ErrorBody},
    extract::{Json, Path},
    validate, AppState,
};

const INVITATION_TTL_DAYS: i64 = 7;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(change_role, remove_member))
        .routes(routes!(invite, list_invitations))
        .routes(routes!(revoke_invitation))
        .routes(routes!(accept_invitation))
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MemberView {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// Members of the current organisation.
#[utoipa::path(get, path = "/members", tag = "members", security(("bearer" = [])),
    responses((status = 200, body = Vec<MemberView>)))]
async fn list_members(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<axum::Json<Vec<MemberView>>, ApiError> {
    ctx.require(Perm::Read)?;
    let rows: Vec<MemberView> = sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.display_name, m.role, m.created_at AS joined_at FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.organisation_id = $1 ORDER BY m.created_at",
    )
    .bind(ctx.org_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(rows))
}

/// Locks the organisation's owners and returns how many there are, so two
/// concurrent demotions cannot both pass the last-owner check.
async fn lock_owners(conn: &mut PgConnection, org: Uuid) -> sqlx::Result<usize> {
    let owners: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE organisation_id = $1 AND role = 'owner' FOR UPDATE",
    )
    .bind(org)
    .fetch_all(conn)
    .await?;
    Ok(owners.len())
}

async fn member_role(conn: &mut PgConnection, org: Uuid, user: Uuid) -> Result<Role, ApiError> {
    sqlx::query_scalar(
        "SELECT role FROM memberships WHERE organisation_id = $1 AND user_id = $2 FOR UPDATE",
    )
    .bind(org)
    .bind(user)
    .fetch_optional(conn)
    .await?
    .ok_or(ApiError::NotFound("member"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: Role,
}

/// Changes a member's role.
#[utoipa::path(patch, path = "/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("user_id" = Uuid, Path)), request_body = RoleChange,
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn change_role(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(user_id): Path<Uuid>,
    Json(req): Json<RoleChange>,
) -> Result<axum::Json<MemberView>, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut tx = state.pool.begin().await?;
    let owners = lock_owners(&mut tx, ctx.org_id).await?;
    let current = member_role(&mut tx, ctx.org_id, user_id).await?;
    if ctx.role != Role::Owner && (current == Role::Owner || req.role == Role::Owner) {
        return Err(forbidden("only owners may change an owner or make one"));
    }
    if current == Role::Owner && req.role != Role::Owner && owners <= 1 {
        return Err(ApiError::Conflict(
            "the last owner cannot be demoted; make another owner first".into(),
        ));
    }
    sqlx::query("UPDATE memberships SET role = $3 WHERE organisation_id = $1 AND user_id = $2")
        .bind(ctx.org_id)
        .bind(user_id)
        .bind(req.role)
        .execute(&mut *tx)
        .await?;
    audit::org(
        &mut tx,
        &ctx,
        "member.role_changed",
        "user",
        user_id,
        json!({ "from": current, "to": req.role }),
    )
    .await?;
    let (email, display_name, joined_at): (String, Option<String>, DateTime<Utc>) = sqlx::query_as(
        "SELECT u.email, u.display_name, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organisation_id = $1 AND m.user_id = $2",
    )
    .bind(ctx.org_id)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    state.auth.cache.forget_user(user_id);
    Ok(axum::Json(MemberView {
        user_id,
        email,
        display_name,
        role: req.role,
        joined_at,
    }))
}

/// Removes a member; any member may remove themself (leave).
#[utoipa::path(delete, path = "/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(user_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let leaving = ctx.user_id() == Some(user_id);
    if !leaving {
        ctx.require(Perm::Manage)?;
    }
    let mut tx = state.pool.begin().await?;
    let owners = lock_owners(&mut tx, ctx.org_id).await?;
    let current = member_role(&mut tx, ctx.org_id, user_id).await?;
    if current == Role::Owner && !leaving && ctx.role != Role::Owner {
        return Err(forbidden("only owners may remove an owner"));
    }
    if current == Role::Owner && owners <= 1 {
        return Err(ApiError::Conflict(
            "the last owner cannot leave; make another owner first".into(),
        ));
    }
    sqlx::query("DELETE FROM memberships WHERE organisation_id = $1 AND user_id = $2")
        .bind(ctx.org_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let action = if leaving {
        "member.left"
    } else {
        "member.removed"
    };
    audit::org(
        &mut tx,
        &ctx,
        action,
        "user",
        user_id,
        json!({ "role": current }),
    )
    .await?;
    tx.commit().await?;
    state.auth.cache.forget_user(user_id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedInvitation {
    pub invitation: InvitationView,
    /// Shown once: the invitee accepts with it at `/invitations/accept`
    /// (it is also in the email they are sent).
    pub token: String,
    /// The job that emails the invitation (`/jobs/{id}`).
    pub email_job_id: Uuid,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    pub role: Role,
}

/// Invites someone by email to join with a role.
#[utoipa::path(post, path = "/invitations", tag = "members", security(("bearer" = [])),
    request_body = InvitationRequest,
    responses((status = 201, body = CreatedInvitation), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn invite(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(req): Json<InvitationRequest>,
) -> Result<(StatusCode, axum::Json<CreatedInvitation>), ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    validate::check(&mut problems, "email", validate::email(&req.email));
    validate::finish(problems)?;
    if req.role == Role::Owner && ctx.role != Role::Owner {
        return Err(forbidden("only owners may invite owners"));
    }
    let email = req.email.trim().to_owned();
    let mut tx = state.pool.begin().await?;
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.organisation_id = $1 AND lower(u.email) = lower($2))",
    )
    .bind(ctx.org_id)
    .bind(&email)
    .fetch_one(&mut *tx)
    .await?;
    if member {
        return Err(ApiError::Duplicate(
            "email".into(),
            "already a member of this organisation".into(),
        ));
    }
    // An expired open invitation for the same address makes way for this one.
    sqlx::query(
        "UPDATE invitations SET revoked_at = now() WHERE organisation_id = $1 AND lower(email) = lower($2)
           AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at < now()",
    )
    .bind(ctx.org_id)
    .bind(&email)
    .execute(&mut *tx)
    .await?;
    let token = tokens::random_secret();
    let id = Uuid::now_v7();
    let (expires_at, created_at): (DateTime<Utc>, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO invitations (id, organisation_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING expires_at, created_at",
    )
    .bind(id)
    .bind(ctx.org_id)
    .bind(&email)
    .bind(req.role)
    .bind(tokens::hash_secret(&token))
    .bind(ctx.user_id())
    .bind(Utc::now() + Duration::days(INVITATION_TTL_DAYS))
    .fetch_one(&mut *tx)
    .await?;
    let (organisation, inviter): (String, Option<String>) = sqlx::query_as(
        "SELECT o.name, (SELECT COALESCE(u.display_name, u.email) FROM users u WHERE u.id = $2)
         FROM organisations o WHERE o.id = $1",
    )
    .bind(ctx.org_id)
    .bind(ctx.user_id())
    .fetch_one(&mut *tx)
    .await?;
    let posted = job_kinds::send_email::post(
        &mut tx,
        &state.postbox,
        job_kinds::send_email::Letter {
            organisation_id: ctx.org_id,
            candidate_id: None,
            dedupe_key: format!("team_invitation:{id}"),
            to: &email,
            to_name: None,
            mail: mail::Mail::TeamInvitation {
                organisation,
                inviter,
                role: req.role.as_str().to_owned(),
                link: state.postbox.link(&format!("/join#token={token}")),
                expires_at,
            },
        },
    )
    .await
    .map_err(|e| post_error("email", e))?;
    sqlx::query("UPDATE invitations SET email_id = $2 WHERE id = $1")
        .bind(id)
        .bind(posted.email_id)
        .execute(&mut *tx)
        .await?;
    audit::org(
        &mut tx,
        &ctx,
        "invitation.created",
        "invitation",
        id,
        json!({ "role": req.role }),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedInvitation {
            invitation: InvitationView {
                id,
                email,
                role: req.role,
                expires_at,
                expired: false,
                created_at,
            },
            token,
            email_job_id: posted.job_id,
        }),
    ))
}

/// Open invitations (not accepted or revoked).
#[utoipa::path(get, path = "/invitations", tag = "members", security(("bearer" = [])),
    responses((status = 200, body = Vec<InvitationView>), (status = 403, body = ErrorBody)))]
async fn list_invitations(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<axum::Json<Vec<InvitationView>>, ApiError> {
    ctx.require(Perm::Manage)?;
    let rows: Vec<InvitationView> = sqlx::query_as(
        "SELECT id, email, role, expires_at, expires_at < now() AS expired, created_at FROM invitations
         WHERE organisation_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at DESC",
    )
    .bind(ctx.org_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(rows))
}

/// Revokes an open invitation.
#[utoipa::path(delete, path = "/invitations/{id}", tag = "members", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_invitation(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut tx = state.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE invitations SET revoked_at = now()
         WHERE id = $1 AND organisation_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(ctx.org_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound("invitation"));
    }
    audit::org(
        &mut tx,
        &ctx,
        "invitation.revoked",
        "invitation",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    pub token: String,
}

/// Accepts an invitation addressed to the signed-in user's email.
#[utoipa::path(post, path = "/invitations/accept", tag = "members", security(("bearer" = [])),
    request_body = AcceptRequest,
    responses((status = 200, body = crate::routes::auth::MembershipView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn accept_invitation(
    State(state): State<AppState>,
    principal: Principal,
    meta: RequestMeta,
    Json(req): Json<AcceptRequest>,
) -> Result<axum::Json<crate::routes::auth::MembershipView>, ApiError> {
    let user = principal.user()?;
    if user.kind != UserKind::Staff {
        return Err(forbidden("candidate accounts cannot join organisations"));
    }
    let mut tx = state.pool.begin().await?;
    type Row = (Uuid, Uuid, String, Role, bool, bool, bool);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, organisation_id, email, role, accepted_at IS NOT NULL, revoked_at IS NOT NULL, expires_at < now()
         FROM invitations WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(tokens::hash_secret(&req.token))
    .fetch_optional(&mut *tx)
    .await?;
    let (id, org, email, role, accepted, revoked, expired) =
        row.ok_or(ApiError::NotFound("invitation"))?;
    if accepted {
        return Err(ApiError::Conflict("invitation already accepted".into()));
    }
    if revoked {
        return Err(gone("invitation was revoked"));
    }
    if expired {
        return Err(gone("invitation expired; ask for a new one"));
    }
    if !email.eq_ignore_ascii_case(&user.email) {
        return Err(forbidden("this invitation is for another email address"));
    }
    sqlx::query("INSERT INTO memberships (organisation_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(org)
        .bind(user.id)
        .bind(role)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1")
        .bind(id)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &meta,
        Entry {
            organisation_id: Some(org),
            actor: principal.actor(),
            action: "invitation.accepted",
            target_type: "invitation",
            target_id: Some(id.to_string()),
            details: json!({ "role": role }),
        },
    )
    .await?;
    let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(axum::Json(crate::routes::auth::MembershipView {
        organisation_id: org,
        organisation_name: name,
        role,
    }))
}
