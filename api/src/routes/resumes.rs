//! Resume uploads: for an existing application, or for a job role (the
//! parse creates or finds the candidate and applies them). The file is
//! typed by its content, stored, and a `parse_resume` job enqueued with the
//! resume row in one transaction.

use axum::{
    extract::{DefaultBodyLimit, Multipart, Query, State},
    http::StatusCode,
};
use job_kinds::{Enqueue, Job, ParseResume};
use recruiting::store::{
    applications, job_roles,
    resumes::{self, NewResume, Target},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::{
    audit,
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::Path,
    validate, AppState,
};

pub fn router(max_upload: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_for_application))
        .routes(routes!(upload_for_job_role))
        .layer(DefaultBodyLimit::max(
            max_upload + 64 * 1024 + OVERSIZE_DRAIN_BYTES,
        ))
        .layer(axum::middleware::map_response(close_after_refusal))
        .routes(routes!(show))
        .routes(routes!(list))
        .routes(routes!(list_for_job_role))
}

/// `uploaded`, `parsed` or `failed`.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResumeStatus {
    Uploaded,
    Parsed,
    Failed,
}

impl ResumeStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::Parsed => "parsed",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListResumes {
    /// Uploaded for this job role (directly, or to an application to it).
    pub job_role_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub status: Option<ResumeStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListRoleResumes {
    pub status: Option<ResumeStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

async fn page_of(
    state: &AppState,
    ctx: &OrgCtx,
    filter: resumes::ListFilter<'_>,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<axum::Json<Page<resumes::Summary>>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut problems = Vec::new();
    let page = PageQuery::parse(limit, cursor, &mut problems);
    validate::finish(problems)?;
    let rows = resumes::list(
        &state.pool,
        ctx.org_id,
        resumes::ListFilter {
            before: page.before,
            limit: page.fetch(),
            ..filter
        },
    )
    .await?;
    Ok(axum::Json(page.page(rows, |r| r.id, |r| r)))
}

/// The organisation's resumes, newest first, without their parses: a
/// client that lost an upload's 202 finds it (and why it failed) here.
#[utoipa::path(get, path = "/resumes", tag = "resumes", security(("bearer" = [])), params(ListResumes),
    responses((status = 200, body = Page<resumes::Summary>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Query(q): Query<ListResumes>,
) -> Result<axum::Json<Page<resumes::Summary>>, ApiError> {
    let filter = resumes::ListFilter {
        job_role_id: q.job_role_id,
        application_id: q.application_id,
        candidate_id: q.candidate_id,
        status: q.status.map(ResumeStatus::as_str),
        ..Default::default()
    };
    page_of(&state, &ctx, filter, q.limit, q.cursor.as_deref()).await
}

/// The resumes uploaded for a job role (directly, or to an application to
/// it), newest first.
#[utoipa::path(get, path = "/job-roles/{id}/resumes", tag = "resumes", security(("bearer" = [])),
    params(("id" = Uuid, Path), ListRoleResumes),
    responses((status = 200, body = Page<resumes::Summary>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn list_for_job_role(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Query(q): Query<ListRoleResumes>,
) -> Result<axum::Json<Page<resumes::Summary>>, ApiError> {
    ctx.require(Perm::Read)?;
    job_roles::get(&state.pool, ctx.org_id, id).await?;
    let filter = resumes::ListFilter {
        job_role_id: Some(id),
        status: q.status.map(ResumeStatus::as_str),
        ..Default::default()
    };
    page_of(&state, &ctx, filter, q.limit, q.cursor.as_deref()).await
}

/// A refused upload is answered before its body is read; the connection
/// cannot be reused for another request, so say so.
async fn close_after_refusal(mut res: axum::response::Response) -> axum::response::Response {
    if res.status().is_client_error() {
        res.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    res
}

/// `multipart/form-data` with the resume in `file` (PDF or DOCX).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadAccepted {
    pub resume_id: Uuid,
    pub job_id: Uuid,
    pub status_url: String,
}

pub type ResumeView = resumes::Resume;

fn unsupported(message: String) -> ApiError {
    ApiError::Status {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code: "unsupported_media_type",
        message,
    }
}

/// How much of an oversized upload is read (and discarded) so that the
/// client, still sending, receives the 413 instead of a connection reset.
/// Past this the connection is cut.
const OVERSIZE_DRAIN_BYTES: usize = 64 * 1024 * 1024;

fn too_large(max: usize) -> ApiError {
    ApiError::Status {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        message: format!("the file is larger than {} MB", max / (1024 * 1024)),
    }
}

/// Reads the `file` part: bounded, non-empty, PDF or DOCX by content.
async fn read_file(
    mut form: Multipart,
    max: usize,
) -> Result<(Vec<u8>, Option<String>, documents::DocKind), ApiError> {
    loop {
        let field = form.next_field().await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => too_large(max),
            _ => ApiError::BadRequest(format!("unreadable multipart body: {}", e.body_text())),
        })?;
        let Some(mut field) = field else {
            return Err(ApiError::field(
                "file",
                "missing: send the resume in a `file` part",
            ));
        };
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(255)
                .collect::<String>()
        });
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => too_large(max),
            _ => ApiError::BadRequest(format!("upload interrupted: {}", e.body_text())),
        })? {
            if bytes.len() + chunk.len() > max {
                drop(bytes);
                while let Ok(Some(_)) = field.chunk().await {}
                drop(field);
                while let Ok(Some(mut rest)) = form.next_field().await {
                    while let Ok(Some(_)) = rest.chunk().await {}
                }
                return Err(too_large(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        let kind = match documents::sniff(&bytes) {
            Ok(k) => k,
            Err(documents::ExtractError::Empty) => {
                return Err(ApiError::field("file", "the file is empty"))
            }
            Err(e) => return Err(unsupported(e.to_string())),
        };
        return Ok((bytes, filename, kind));
    }
}

async fn accept(
    state: &AppState,
    ctx: &OrgCtx,
    target: Target,
    form: Multipart,
) -> Result<(StatusCode, axum::Json<UploadAccepted>), ApiError> {
    ctx.require(Perm::Write)?;
    match target {
        Target::Application(id) => {
            applications::get(&state.pool, ctx.org_id, id).await?;
        }
        Target::JobRole(id) => {
            job_roles::get(&state.pool, ctx.org_id, id).await?;
        }
    }
    let max = state.upload_max_bytes;
    let (bytes, filename, kind) = read_file(form, max).await?;

    let resume_id = Uuid::now_v7();
    let key = recruiting::storage::resume_key(ctx.org_id, resume_id, kind.extension());
    let sha = format!("{:x}", Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    // Stored sealed: the file is the resume's whole text.
    let keys = &state.postbox.keys;
    let sealed = keys.seal(&bytes, &resumes::file_aad(resume_id));
    drop(bytes);
    state
        .storage
        .put(&key, sealed.into())
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("storing upload: {e}")))?;

    let written = async {
        let mut tx = state.jobs.begin().await?;
        let job = ParseResume {
            resume_id,
            storage_key: Some(key.to_string()),
        }
        .enqueue(&mut tx, Enqueue::for_org(ctx.org_id))
        .await?;
        resumes::create(
            &mut tx,
            ctx.org_id,
            &NewResume {
                id: resume_id,
                target,
                storage_key: key.as_ref(),
                filename: filename.as_deref(),
                kind: kind.extension(),
                size_bytes: size,
                sha256: &sha,
                job_id: job.job.id,
                created_by: ctx.user_id(),
            },
            keys.current_id(),
        )
        .await?;
        audit::org(
            &mut tx,
            ctx,
            "resume.uploaded",
            "resume",
            resume_id,
            json!({ "kind": kind.extension(), "size": size }),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, ApiError>(job.job.id)
    }
    .await;
    let job_id = match written {
        Ok(id) => id,
        Err(e) => {
            // Nothing half-written: no row, so no stored file either.
            let _ = state.storage.delete(&key).await;
            return Err(e);
        }
    };
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(UploadAccepted {
            resume_id,
            job_id,
            status_url: format!("/api/v1/jobs/{job_id}"),
        }),
    ))
}

/// Uploads a resume for an application's candidate and parses it.
#[utoipa::path(post, path = "/applications/{id}/resume", tag = "resumes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 202, body = UploadAccepted), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_for_application(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    form: Multipart,
) -> Result<(StatusCode, axum::Json<UploadAccepted>), ApiError> {
    accept(&state, &ctx, Target::Application(id), form).await
}

/// Uploads a new candidate's resume to a job role: the parse creates (or
/// finds, by email) the candidate and applies them to the role.
#[utoipa::path(post, path = "/job-roles/{id}/resumes", tag = "resumes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 202, body = UploadAccepted), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_for_job_role(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    form: Multipart,
) -> Result<(StatusCode, axum::Json<UploadAccepted>), ApiError> {
    accept(&state, &ctx, Target::JobRole(id), form).await
}

/// An uploaded resume: parse status, reason for failure, parsed profile.
#[utoipa::path(get, path = "/resumes/{id}", tag = "resumes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ResumeView), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ResumeView>, ApiError> {
    ctx.require(Perm::Read)?;
    Ok(axum::Json(
        resumes::get(&state.pool, &state.postbox.keys, ctx.org_id, id).await?,
    ))
}
