//! A job role's shortlist: computed by a job, read as the latest dated
//! snapshot, and acted on by moving the shortlisted applications one stage
//! forward in one call.

use axum::{extract::State, http::StatusCode};
use job_kinds::{Enqueue, Job, Shortlist as ShortlistJob, MAX_SHORTLIST};
use recruiting::{
    domain::pipeline::Stage,
    store::{
        applications, job_roles,
        shortlists::{self, Entry, Shortlist},
    },
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path, Query},
    routes::admin::Enqueued,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request, latest))
        .routes(routes!(advance))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestShortlist {
    /// How many make the shortlist, 1–500 (default 10).
    #[schema(minimum = 1, maximum = 500)]
    pub max_candidates: Option<u16>,
    /// The lowest score (0–100) that can make it (default 0).
    #[schema(minimum = 0, maximum = 100)]
    pub min_score: Option<f64>,
}

/// Ranks the role's applications in play by resume fit and interview score
/// (a job; the result is a new dated snapshot). The role's requirements
/// must have been extracted first.
#[utoipa::path(post, path = "/job-roles/{id}/shortlist", tag = "job-roles", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = RequestShortlist,
    responses((status = 202, body = Enqueued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn request(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<RequestShortlist>,
) -> Result<(StatusCode, axum::Json<Enqueued>), ApiError> {
    ctx.require(Perm::Write)?;
    let max_candidates = req.max_candidates.unwrap_or(10);
    let min_score = req.min_score.unwrap_or(0.0);
    let mut p = Vec::new();
    if !(1..=MAX_SHORTLIST).contains(&max_candidates) {
        p.push(("max_candidates".into(), format!("1 to {MAX_SHORTLIST}")));
    }
    if !(0.0..=100.0).contains(&min_score) {
        p.push(("min_score".into(), "0 to 100".into()));
    }
    validate::finish(p)?;
    let mut tx = state.jobs.begin().await?;
    let role = job_roles::get(&mut *tx, ctx.org_id, id).await?;
    if role.extracted_requirements.is_none() {
        return Err(ApiError::Conflict(
            "the role's requirements have not been extracted yet; POST /job-roles/{id}/extract-requirements first"
                .into(),
        ));
    }
    let job = ShortlistJob {
        job_role_id: id,
        max_candidates,
        min_score,
    }
    .enqueue(&mut tx, Enqueue::for_org(ctx.org_id))
    .await?;
    tx.commit().await?;
    Ok(Enqueued::accepted(job.job.id))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadShortlist {
    /// Entries to return, 1–200 (default 100), as every list pages.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    /// Entries to skip (default 0).
    pub offset: Option<usize>,
    /// Only the entries that made the shortlist.
    pub shortlisted: Option<bool>,
}

/// A page of a shortlist snapshot.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShortlistPage {
    pub id: Uuid,
    pub job_role_id: Uuid,
    pub max_candidates: i32,
    pub min_score: f64,
    /// The requirements as ranked against.
    pub requirements: extraction::JobRequirements,
    /// Entries matching the filter, in all.
    pub total_entries: usize,
    pub offset: usize,
    /// Best first.
    pub entries: Vec<Entry>,
    /// The job that computed it.
    pub job_id: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The role's latest shortlist, a page at a time: every application in
/// play, best first, with its score, fit, tier, matched and missing skills,
/// interview score, review flag, reasons and concerns, and whether it made
/// the shortlist.
#[utoipa::path(get, path = "/job-roles/{id}/shortlist", tag = "job-roles", security(("bearer" = [])),
    params(("id" = Uuid, Path), ReadShortlist),
    responses((status = 200, body = ShortlistPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn latest(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Query(q): Query<ReadShortlist>,
) -> Result<axum::Json<ShortlistPage>, ApiError> {
    ctx.require(Perm::Read)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("limit", "1 to 200"));
    }
    job_roles::get(&state.pool, ctx.org_id, id).await?;
    let s: Shortlist = shortlists::latest(&state.pool, ctx.org_id, id)
        .await?
        .ok_or(ApiError::Status {
            status: StatusCode::NOT_FOUND,
            code: "no_shortlist",
            message: "the role has no shortlist yet; POST /job-roles/{id}/shortlist".into(),
        })?;
    let matching: Vec<Entry> = s
        .entries
        .0
        .into_iter()
        .filter(|e| !q.shortlisted.unwrap_or(false) || e.shortlisted)
        .collect();
    let offset = q.offset.unwrap_or(0);
    Ok(axum::Json(ShortlistPage {
        id: s.id,
        job_role_id: s.job_role_id,
        max_candidates: s.max_candidates,
        min_score: s.min_score,
        requirements: s.requirements.0,
        total_entries: matching.len(),
        offset,
        entries: matching.into_iter().skip(offset).take(limit).collect(),
        job_id: s.job_id,
        created_at: s.created_at,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    /// The snapshot whose shortlisted applications move (they must be its
    /// role's latest).
    pub shortlist_id: Uuid,
    /// Recorded in each application's stage history.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Moved {
    pub application_id: Uuid,
    pub from: Stage,
    pub to: Stage,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub application_id: Uuid,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Advanced {
    pub moved: Vec<Moved>,
    pub skipped: Vec<Skipped>,
}

/// Moves every shortlisted application of the role's latest shortlist one
/// stage forward (applied → screening → interview → offer), in one
/// transaction. An application that moved since the snapshot, or is at
/// offer, is skipped with the reason.
#[utoipa::path(post, path = "/job-roles/{id}/shortlist/advance", tag = "job-roles", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Advance,
    responses((status = 200, body = Advanced), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn advance(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<Advance>,
) -> Result<axum::Json<Advanced>, ApiError> {
    ctx.require(Perm::Write)?;
    if let Some(r) = &req.reason {
        let mut p = Vec::new();
        validate::check(&mut p, "reason", validate::max_len(r, 2_000));
        validate::finish(p)?;
    }
    let mut tx = state.pool.begin().await?;
    job_roles::get(&mut *tx, ctx.org_id, id).await?;
    let latest = shortlists::latest(&mut *tx, ctx.org_id, id).await?;
    let Some(shortlist) = latest.filter(|s| s.id == req.shortlist_id) else {
        return Err(ApiError::Conflict(
            "shortlist_id is not the role's latest shortlist; read it again".into(),
        ));
    };
    let mut out = Advanced {
        moved: Vec::new(),
        skipped: Vec::new(),
    };
    for e in shortlist.entries.0.iter().filter(|e| e.shortlisted) {
        let app = e.ranked.application_id;
        let current = match applications::stage_for_share(&mut tx, ctx.org_id, app).await {
            Ok(stage) => stage,
            Err(recruiting::store::StoreError::NotFound(_)) => {
                out.skipped.push(Skipped {
                    application_id: app,
                    reason: "the application no longer exists".into(),
                });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let skip = |reason: String| Skipped {
            application_id: app,
            reason,
        };
        if current != e.stage {
            out.skipped.push(skip(format!(
                "moved since the shortlist (now {})",
                current.as_str()
            )));
            continue;
        }
        let Some(to) = current.advance() else {
            out.skipped.push(skip(format!(
                "at {}: the next step is a person's decision",
                current.as_str()
            )));
            continue;
        };
        let reason = req
            .reason
            .as_deref()
            .or(Some("advanced from the shortlist"));
        applications::move_stage(&mut tx, ctx.org_id, app, to, ctx.user_id(), reason).await?;
        out.moved.push(Moved {
            application_id: app,
            from: current,
            to,
        });
    }
    let details = json!({ "shortlist_id": shortlist.id, "moved": out.moved.len(), "skipped": out.skipped.len() });
    audit::org(&mut tx, &ctx, "shortlist.advanced", "job_role", id, details).await?;
    tx.commit().await?;
    Ok(axum::Json(out))
}
