//! Candidate reports: rendered as PDFs by a job, downloaded here.

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use job_kinds::{CandidateReport, Enqueue, Job};
use recruiting::store::{applications, reports};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    audit,
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::Path,
    routes::admin::Enqueued,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request, download))
}

/// Renders the application's report (a job): profile, requirement match,
/// interview scores with quotes, integrity notes.
#[utoipa::path(post, path = "/applications/{id}/report", tag = "applications", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 202, body = Enqueued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn request(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<Enqueued>), ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.jobs.begin().await?;
    applications::get(&mut *tx, ctx.org_id, id).await?;
    let job = CandidateReport { application_id: id }
        .enqueue(&mut tx, Enqueue::for_org(ctx.org_id))
        .await?;
    audit::org(
        &mut tx,
        &ctx,
        "report.requested",
        "application",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Enqueued::accepted(job.job.id))
}

/// The application's latest report, as a PDF. 404 `no_report` until one
/// is rendered.
#[utoipa::path(get, path = "/applications/{id}/report", tag = "applications", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The report", content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = ErrorBody)))]
async fn download(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    ctx.require(Perm::Read)?;
    applications::get(&state.pool, ctx.org_id, id).await?;
    let report = reports::latest(&state.pool, ctx.org_id, id)
        .await?
        .ok_or(ApiError::Status {
            status: StatusCode::NOT_FOUND,
            code: "no_report",
            message: "the application has no report yet; POST /applications/{id}/report".into(),
        })?;
    let path = object_store::path::Path::from(report.storage_key.as_str());
    let bytes = state
        .storage
        .get(&path)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the report: {e}")))?
        .bytes()
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the report: {e}")))?;
    let bytes = recruiting::storage::open_stored(
        &state.postbox.keys,
        &reports::file_aad(&report.storage_key),
        &bytes,
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("opening the report: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"report-{id}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
