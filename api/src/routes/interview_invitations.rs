//! Interview invitations: a recruiter invites an interview's candidate by
//! email; the candidate opens the emailed link to start. Resending makes a
//! new link (the old one stops working); revoking ends the invitation;
//! the scheduler expires it and reminds the candidate once before.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Duration, Utc};
use job_kinds::{letters, send_email};
use recruiting::store::{
    emails::{self, Delivery},
    interview_invitations::{self as store, Addressee, Invitation, InvitationStatus, Link},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{tokens, OrgCtx, Perm},
    error::{gone, post_error, ApiError, ErrorBody},
    extract::{Json, Path},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite))
        .routes(routes!(get_invitation))
        .routes(routes!(resend))
        .routes(routes!(revoke))
        .routes(routes!(open))
}

/// How long a link works unless the request says otherwise.
const DEFAULT_DAYS: u32 = 7;
const MAX_DAYS: u32 = 30;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = InterviewInviteRequest)]
pub struct InviteRequest {
    /// Days the link works (1–30; default 7).
    #[schema(minimum = 1, maximum = 30)]
    pub expires_in_days: Option<u32>,
}

impl InviteRequest {
    fn expires_at(&self) -> Result<DateTime<Utc>, ApiError> {
        let days = self.expires_in_days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ApiError::Validation(vec![(
                "expires_in_days".into(),
                format!("between 1 and {MAX_DAYS}"),
            )]));
        }
        Ok(Utc::now() + Duration::days(days.into()))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = InterviewInvitationView)]
pub struct InvitationView {
    #[serde(flatten)]
    pub invitation: Invitation,
    /// The delivery of the current link's email.
    pub email: Option<Delivery>,
}

async fn view(conn: &mut PgConnection, invitation: Invitation) -> Result<InvitationView, ApiError> {
    let email = match invitation.email_id {
        Some(id) => emails::delivery(&mut *conn, id).await?,
        None => None,
    };
    Ok(InvitationView { invitation, email })
}

/// Emails the invitation's current link; returns the invitation as it is.
async fn mail_link(
    conn: &mut PgConnection,
    state: &AppState,
    to: &Addressee,
    invitation: &Invitation,
    token: &str,
) -> Result<Invitation, ApiError> {
    let posted = send_email::post(
        &mut *conn,
        &state.postbox,
        letters::invitation(
            &state.postbox,
            to,
            invitation.id,
            invitation.token_version,
            token,
            invitation.expires_at,
        ),
    )
    .await
    .map_err(|e| post_error("candidate.email", e))?;
    store::set_email(&mut *conn, invitation.id, posted.email_id).await?;
    Ok(store::get(&mut *conn, to.organisation_id, invitation.id).await?)
}

/// Invites the interview's candidate by email: a link that works until it
/// expires (default 7 days). One live invitation per interview.
#[utoipa::path(post, path = "/interviews/{id}/invitations", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = InviteRequest,
    responses((status = 201, body = InvitationView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn invite(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(interview): Path<Uuid>,
    Json(req): Json<InviteRequest>,
) -> Result<(StatusCode, axum::Json<InvitationView>), ApiError> {
    ctx.require(Perm::Write)?;
    let expires_at = req.expires_at()?;
    let token = tokens::random_secret();
    let mut tx = state.pool.begin().await?;
    let to = store::addressee(&mut tx, &state.postbox.keys, ctx.org_id, interview).await?;
    let id = Uuid::now_v7();
    let invitation = store::create(
        &mut tx,
        &state.postbox.keys,
        &to,
        id,
        Link {
            token: &token,
            token_hash: &tokens::hash_secret(&token),
            expires_at,
        },
        ctx.user_id(),
    )
    .await?;
    let invitation = mail_link(&mut tx, &state, &to, &invitation, &token).await?;
    audit::org(
        &mut tx,
        &ctx,
        "interview_invitation.created",
        "interview_invitation",
        id,
        json!({ "interview_id": interview, "expires_at": expires_at }),
    )
    .await?;
    let view = view(&mut tx, invitation).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// An invitation and the delivery of its email.
#[utoipa::path(get, path = "/interview-invitations/{id}", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InvitationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_invitation(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<InvitationView>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut conn = state.pool.acquire().await?;
    let invitation = store::get(&mut *conn, ctx.org_id, id).await?;
    Ok(axum::Json(view(&mut conn, invitation).await?))
}

/// Emails a new link (the previous one stops working at once), valid for
/// `expires_in_days` from now; an expired invitation comes back to life.
#[utoipa::path(post, path = "/interview-invitations/{id}/resend", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = InviteRequest,
    responses((status = 200, body = InvitationView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resend(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<InviteRequest>,
) -> Result<axum::Json<InvitationView>, ApiError> {
    ctx.require(Perm::Write)?;
    let expires_at = req.expires_at()?;
    let token = tokens::random_secret();
    let mut tx = state.pool.begin().await?;
    let interview = store::get(&mut *tx, ctx.org_id, id).await?.interview_id;
    // The interview first, then the invitation: the order every writer
    // of both takes.
    let to = store::addressee(&mut tx, &state.postbox.keys, ctx.org_id, interview).await?;
    if to.interview_status.is_final() {
        return Err(ApiError::Conflict(format!(
            "the interview is {}",
            to.interview_status.as_str()
        )));
    }
    let invitation = store::rotate(
        &mut tx,
        &state.postbox.keys,
        ctx.org_id,
        id,
        Link {
            token: &token,
            token_hash: &tokens::hash_secret(&token),
            expires_at,
        },
    )
    .await?;
    let invitation = mail_link(&mut tx, &state, &to, &invitation, &token).await?;
    audit::org(
        &mut tx,
        &ctx,
        "interview_invitation.resent",
        "interview_invitation",
        id,
        json!({ "token_version": invitation.token_version, "expires_at": expires_at }),
    )
    .await?;
    let view = view(&mut tx, invitation).await?;
    tx.commit().await?;
    Ok(axum::Json(view))
}

/// Revokes an invitation the candidate has not started: its link stops
/// working at once.
#[utoipa::path(post, path = "/interview-invitations/{id}/revoke", tag = "interviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InvitationView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<InvitationView>, ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.pool.begin().await?;
    let invitation = store::revoke(&mut tx, ctx.org_id, id).await?;
    audit::org(
        &mut tx,
        &ctx,
        "interview_invitation.revoked",
        "interview_invitation",
        id,
        json!({}),
    )
    .await?;
    let view = view(&mut tx, invitation).await?;
    tx.commit().await?;
    Ok(axum::Json(view))
}

/// What the candidate's link opens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = OpenedInterviewInvitation)]
pub struct OpenedInvitation {
    pub interview_id: Uuid,
    pub organisation: String,
    pub role_title: String,
    pub first_name: String,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
}

/// The candidate opens their link (token in `X-Interview-Token`): what the
/// interview is, and from then on the invitation shows `opened`. The same
/// token drives the interview (`/interviews/{id}/turns`). A link that was
/// replaced by a newer one is unknown (404); an expired or revoked one is
/// 410.
#[utoipa::path(post, path = "/interview-invitations/open", tag = "interviews",
    security(("interview_token" = [])),
    responses((status = 200, body = OpenedInvitation), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<OpenedInvitation>, ApiError> {
    let token = headers
        .get("x-interview-token")
        .and_then(|t| t.to_str().ok())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            crate::auth::unauthorized("send the interview link's token as X-Interview-Token")
        })?;
    let mut tx = state.pool.begin().await?;
    let opened = store::open(&mut tx, &tokens::hash_secret(token))
        .await?
        .ok_or(ApiError::NotFound("invitation"))?;
    let refused = match opened.status {
        InvitationStatus::Revoked => Some("this interview link was withdrawn"),
        InvitationStatus::Completed => Some("this interview is already completed"),
        InvitationStatus::Expired => Some("this interview link has expired"),
        _ if opened.expired => Some("this interview link has expired"),
        _ => None,
    };
    // Ended before answering either way: the row lock goes with it, not
    // whenever the pool gets round to rolling a dropped transaction back
    // (a housekeeping run skipping locked rows would pass this one over).
    tx.commit().await?;
    if let Some(why) = refused {
        return Err(gone(why));
    }
    Ok(axum::Json(OpenedInvitation {
        interview_id: opened.interview_id,
        organisation: opened.organisation,
        role_title: opened.role_title,
        first_name: opened.first_name,
        status: opened.status,
        expires_at: opened.expires_at,
    }))
}
