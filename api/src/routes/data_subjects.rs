//! A candidate's rights over their data: consent records, exports of
//! everything held about them (requested by an admin, or by the candidate
//! with their interview link), and erasure.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use job_kinds::{Enqueue, EraseCandidate, ExportCandidateData, Job};
use recruiting::store::{
    interviews,
    subjects::{self, Consent, ConsentSource, Export, NewConsent, Purpose},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{tokens, unauthorized, OrgCtx, Perm},
    error::{gone, ApiError, ErrorBody},
    extract::{Json, Path, Query},
    routes::admin::Enqueued,
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_consent, list_consents))
        .routes(routes!(candidate_consent))
        .routes(routes!(request_export))
        .routes(routes!(candidate_export))
        .routes(routes!(get_export))
        .routes(routes!(export_archive))
        .routes(routes!(download))
        .routes(routes!(erase))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    pub purpose: Purpose,
    pub granted: bool,
    /// How the candidate said so (for the record).
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Consents {
    /// The latest answer per purpose.
    pub current: Vec<Consent>,
    /// Every record, newest first.
    pub history: Vec<Consent>,
}

/// Records `req` (its note checked) for the candidate.
async fn record(
    conn: &mut sqlx::PgConnection,
    org: Uuid,
    candidate: Uuid,
    req: &ConsentRequest,
    source: ConsentSource,
    recorded_by: Option<Uuid>,
) -> Result<Consent, ApiError> {
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let mut p = Vec::new();
    if let Some(n) = note {
        validate::check(&mut p, "note", validate::max_len(n, 1000));
    }
    validate::finish(p)?;
    Ok(subjects::record_consent(
        conn,
        org,
        candidate,
        NewConsent {
            purpose: req.purpose,
            granted: req.granted,
            source,
            recorded_by,
            note,
        },
    )
    .await?)
}

/// Records a candidate's consent (or its withdrawal) for a purpose, as
/// the candidate told the organisation.
#[utoipa::path(post, path = "/candidates/{id}/consents", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ConsentRequest,
    responses((status = 201, body = Consent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_consent(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<ConsentRequest>,
) -> Result<(StatusCode, axum::Json<Consent>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.pool.begin().await?;
    let consent = record(
        &mut tx,
        ctx.org_id,
        id,
        &req,
        ConsentSource::Recruiter,
        ctx.user_id(),
    )
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "candidate.consent_recorded",
        "candidate",
        id,
        json!({ "purpose": req.purpose, "granted": req.granted }),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(consent)))
}

/// The candidate's consents: the latest per purpose, and the history.
#[utoipa::path(get, path = "/candidates/{id}/consents", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Consents), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn list_consents(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Consents>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut conn = state.pool.acquire().await?;
    let history = subjects::consents(&mut conn, ctx.org_id, id).await?;
    let mut current: Vec<Consent> = Vec::new();
    for c in &history {
        if !current.iter().any(|k| k.purpose == c.purpose) {
            current.push(c.clone());
        }
    }
    Ok(axum::Json(Consents { current, history }))
}

/// The organisation and candidate whose interview link this is.
async fn candidate_by_link(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Uuid, Uuid), ApiError> {
    let token = headers
        .get("x-interview-token")
        .and_then(|t| t.to_str().ok())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("send the interview link's token as X-Interview-Token"))?;
    let (org, interview) = interviews::by_access_token(&state.pool, &tokens::hash_secret(token))
        .await?
        .ok_or_else(|| unauthorized("the interview link is invalid or has expired"))?;
    Ok((
        org,
        subjects::candidate_of_interview(&state.pool, org, interview).await?,
    ))
}

/// The candidate gives (or withdraws) consent for a purpose themself,
/// with their interview link's token.
#[utoipa::path(post, path = "/interview-invitations/consents", tag = "interviews",
    security(("interview_token" = [])), request_body = ConsentRequest,
    responses((status = 201, body = Consent), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn candidate_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<ConsentRequest>,
) -> Result<(StatusCode, axum::Json<Consent>), ApiError> {
    let (org, candidate) = candidate_by_link(&state, &headers).await?;
    let mut tx = state.pool.begin().await?;
    let consent = record(
        &mut tx,
        org,
        candidate,
        &req,
        ConsentSource::Candidate,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(consent)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportRequested {
    pub export: Export,
    /// The job building it (`/jobs/{id}`).
    pub job_id: Uuid,
}

async fn start_export(
    state: &AppState,
    org: Uuid,
    candidate: Uuid,
    requested_by: Option<Uuid>,
) -> Result<(job_engine::JobTx, ExportRequested), ApiError> {
    let mut tx = state.jobs.begin().await?;
    let id = subjects::create_export(&mut tx, org, candidate, requested_by).await?;
    let job = ExportCandidateData {
        export_id: id,
        candidate_id: candidate,
    }
    .enqueue(&mut tx, Enqueue::for_org(org))
    .await?;
    subjects::set_export_job(&mut *tx, id, job.job.id).await?;
    let export = subjects::export(&mut *tx, org, id).await?;
    Ok((
        tx,
        ExportRequested {
            export,
            job_id: job.job.id,
        },
    ))
}

/// Exports everything held about the candidate: a job builds a ZIP
/// (JSON, CSV, their resume files); the candidate is emailed a download
/// link that expires.
#[utoipa::path(post, path = "/candidates/{id}/exports", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 202, body = ExportRequested), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn request_export(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<ExportRequested>), ApiError> {
    ctx.require(Perm::Manage)?;
    let (mut tx, requested) = start_export(&state, ctx.org_id, id, ctx.user_id()).await?;
    audit::org(
        &mut tx,
        &ctx,
        "candidate.export_requested",
        "candidate",
        id,
        json!({ "export_id": requested.export.id }),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, axum::Json(requested)))
}

/// The candidate asks for an export of their data themself, with their
/// interview link's token; the download link is emailed to them.
#[utoipa::path(post, path = "/interview-invitations/data-export", tag = "interviews",
    security(("interview_token" = [])),
    responses((status = 202, body = ExportRequested), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn candidate_export(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<(StatusCode, axum::Json<ExportRequested>), ApiError> {
    let (org, candidate) = candidate_by_link(&state, &headers).await?;
    let (tx, requested) = start_export(&state, org, candidate, None).await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, axum::Json(requested)))
}

/// An export's status.
#[utoipa::path(get, path = "/data-exports/{id}", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Export), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_export(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Export>, ApiError> {
    ctx.require(Perm::Manage)?;
    Ok(axum::Json(
        subjects::export(&state.pool, ctx.org_id, id).await?,
    ))
}

async fn zip_response(state: &AppState, key: &str) -> Result<Response, ApiError> {
    let bytes = state
        .storage
        .get(&object_store::path::Path::from(key))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading an export: {e}")))?
        .bytes()
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading an export: {e}")))?;
    let bytes = state
        .postbox
        .keys
        .open(&bytes, &subjects::archive_aad(key))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("opening an export: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"talenti-data-export.zip\"".to_owned(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

fn no_archive() -> ApiError {
    ApiError::Status {
        status: StatusCode::NOT_FOUND,
        code: "no_archive",
        message: "the export is not ready (or failed); see GET /data-exports/{id}".into(),
    }
}

/// A ready export's archive, for the organisation's admins.
#[utoipa::path(get, path = "/data-exports/{id}/archive", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The archive", content_type = "application/zip", body = Vec<u8>),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn export_archive(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    ctx.require(Perm::Manage)?;
    subjects::export(&state.pool, ctx.org_id, id).await?;
    let (key, _) = subjects::export_archive(&state.pool, None, Some((ctx.org_id, id)))
        .await?
        .ok_or_else(no_archive)?;
    zip_response(&state, &key).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DownloadQuery {
    /// The token from the emailed link.
    pub token: String,
}

/// Downloads an export with the emailed link (no account needed); the
/// link is 410 once expired.
#[utoipa::path(get, path = "/data-exports/download", tag = "candidates", params(DownloadQuery),
    responses((status = 200, description = "The archive", content_type = "application/zip", body = Vec<u8>),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn download(
    State(state): State<AppState>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let (key, expired) =
        subjects::export_archive(&state.pool, Some(&tokens::hash_secret(&q.token)), None)
            .await?
            .ok_or(ApiError::NotFound("export"))?;
    if expired {
        return Err(gone("this download link has expired; ask for a new export"));
    }
    zip_response(&state, &key).await
}

/// Erases the candidate's personal data (the right to be forgotten): a
/// job deletes their files and deletes or anonymises their data in every
/// table, keeping anonymised scores for statistics and the audit entry.
#[utoipa::path(post, path = "/candidates/{id}/erasure", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 202, body = Enqueued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn erase(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<Enqueued>), ApiError> {
    ctx.require(Perm::Manage)?;
    let mut tx = state.jobs.begin().await?;
    recruiting::store::candidates::get(&mut *tx, &state.postbox.keys, ctx.org_id, id).await?;
    let job = EraseCandidate {
        candidate_id: id,
        requested_by: ctx.user_id(),
    }
    .enqueue(&mut tx, Enqueue::for_org(ctx.org_id))
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "candidate.erasure_requested",
        "candidate",
        id,
        json!({ "job_id": job.job.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Enqueued::accepted(job.job.id))
}
