//! Resumes: uploads, their parse status, and where a parse lands.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};
use extraction::ResumeProfile;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ResumeView)]
pub struct Resume {
    pub id: Uuid,
    pub job_role_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub filename: Option<String>,
    /// `pdf` or `docx`, from the content.
    pub kind: String,
    pub size_bytes: i64,
    /// `uploaded`, `parsed` or `failed`.
    pub status: String,
    /// Why parsing failed, in words for a recruiter.
    pub error: Option<String>,
    pub pages: Option<i32>,
    pub parser_version: Option<String>,
    pub parsed: Option<Value>,
    pub job_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where an upload came in: an existing application, or a job role (the
/// parse creates or finds the candidate and their application).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Application(Uuid),
    JobRole(Uuid),
}

/// A stored upload to record.
#[derive(Debug)]
pub struct NewResume<'a> {
    pub id: Uuid,
    pub target: Target,
    pub storage_key: &'a str,
    pub filename: Option<&'a str>,
    /// `pdf` or `docx`.
    pub kind: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    /// The parse job enqueued with it.
    pub job_id: Uuid,
    pub created_by: Option<Uuid>,
}

/// Where a resume came in, for the reason a parse found nowhere to go.
#[derive(Debug, Clone)]
pub struct Origin {
    pub job_role_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
}

/// Records an upload (in the transaction that enqueues its parse).
pub async fn create(conn: &mut PgConnection, org: Uuid, r: &NewResume<'_>) -> sqlx::Result<()> {
    let (application, role) = match r.target {
        Target::Application(id) => (Some(id), None),
        Target::JobRole(id) => (None, Some(id)),
    };
    sqlx::query!(
        "INSERT INTO resumes (id, organisation_id, job_role_id, application_id, storage_key, filename, kind,
                              size_bytes, sha256, job_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        r.id,
        org,
        role,
        application,
        r.storage_key,
        r.filename,
        r.kind,
        r.size_bytes,
        r.sha256,
        r.job_id,
        r.created_by,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Resume> {
    sqlx::query_as!(
        Resume,
        r#"SELECT id, job_role_id, application_id, candidate_id, filename, kind, size_bytes,
                  status::text AS "status!", error, pages, parser_version, parsed, job_id, created_at, updated_at
           FROM resumes WHERE id = $1 AND organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("resume"))
}

/// The resume's organisation and stored file. `org` None: a system job
/// (platform admins), any organisation's resume.
pub async fn locate<'e>(
    db: impl PgExecutor<'e>,
    org: Option<Uuid>,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, String)>> {
    let row = sqlx::query!(
        "SELECT organisation_id, storage_key FROM resumes
         WHERE id = $1 AND organisation_id = COALESCE($2, organisation_id)",
        id,
        org,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.organisation_id, r.storage_key)))
}

pub async fn origin<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Origin>> {
    sqlx::query_as!(
        Origin,
        "SELECT job_role_id, application_id, candidate_id FROM resumes WHERE id = $1 AND organisation_id = $2",
        id,
        org,
    )
    .fetch_optional(db)
    .await
}

/// Marks the resume `failed` with the reason. `only_unfinished`: only if it
/// is still `uploaded` (a reason given earlier, or a parse that landed,
/// stays).
pub async fn mark_failed<'e>(
    db: impl PgExecutor<'e>,
    org: Option<Uuid>,
    id: Uuid,
    reason: &str,
    only_unfinished: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE resumes SET status = 'failed', error = $3
         WHERE id = $1 AND organisation_id = COALESCE($2, organisation_id)
           AND (NOT $4 OR status = 'uploaded')",
        id,
        org,
        reason,
        only_unfinished,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The parsed email a new candidate is found or created by, as stored, if
/// it is one by the platform's check.
pub fn parsed_email(p: &ResumeProfile) -> Option<&str> {
    p.email.as_deref().and_then(crate::domain::email::normalise)
}

/// Where a parse landed.
#[derive(Debug, Clone, Copy)]
pub struct Landed {
    pub candidate_id: Uuid,
    pub application_id: Option<Uuid>,
}

/// A parse lands, in one statement (one round trip, all or nothing),
/// whichever way the resume came in: for a known candidate (the resume's,
/// or its application's) that candidate's profile is updated; for a job
/// role the organisation's candidate with the parsed email is upserted with
/// their application to the role (its first stage move is the database's,
/// see [`super::applications`]); then the resume is `parsed`. Fields a
/// recruiter edited keep their values, and a field the parse did not find
/// keeps the one it had. Both upserts return the row also when a
/// concurrent parse of the same person committed it a moment ago. None:
/// nowhere to put the parse (see [`origin`] for why).
///
/// This statement writes the candidates and applications tables too: the
/// one place outside their stores that does, kept for the parse's cost
/// (BENCHMARKS.md, parse pipeline).
pub async fn save_parse<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    id: Uuid,
    p: &ResumeProfile,
    version: &str,
    pages: i32,
) -> sqlx::Result<Option<Landed>> {
    let email = parsed_email(p);
    let row = sqlx::query!(
        r#"WITH r AS (
            SELECT r.id, r.job_role_id, r.application_id, COALESCE(r.candidate_id, a.candidate_id) AS candidate_id
            FROM resumes r
            LEFT JOIN applications a ON a.id = r.application_id AND a.organisation_id = r.organisation_id
            WHERE r.id = $1 AND r.organisation_id = $2
         ), known AS (
             UPDATE candidates SET
                 first_name = CASE WHEN 'first_name' = ANY(candidates.edited_fields) THEN candidates.first_name ELSE COALESCE($3, candidates.first_name) END,
                 last_name = CASE WHEN 'last_name' = ANY(candidates.edited_fields) THEN candidates.last_name ELSE COALESCE($4, candidates.last_name) END,
                 phone = CASE WHEN 'phone' = ANY(candidates.edited_fields) THEN candidates.phone ELSE COALESCE($5, candidates.phone) END,
                 linkedin_url = CASE WHEN 'linkedin_url' = ANY(candidates.edited_fields) THEN candidates.linkedin_url ELSE COALESCE($6, candidates.linkedin_url) END,
                 github_url = CASE WHEN 'github_url' = ANY(candidates.edited_fields) THEN candidates.github_url ELSE COALESCE($7, candidates.github_url) END,
                 portfolio_url = CASE WHEN 'portfolio_url' = ANY(candidates.edited_fields) THEN candidates.portfolio_url ELSE COALESCE($8, candidates.portfolio_url) END,
                 location = CASE WHEN 'location' = ANY(candidates.edited_fields) THEN candidates.location ELSE COALESCE($9, candidates.location) END,
                 headline = CASE WHEN 'headline' = ANY(candidates.edited_fields) THEN candidates.headline ELSE COALESCE($10, candidates.headline) END,
                 summary = CASE WHEN 'summary' = ANY(candidates.edited_fields) THEN candidates.summary ELSE COALESCE($11, candidates.summary) END,
                 skills = CASE WHEN 'skills' = ANY(candidates.edited_fields) THEN candidates.skills ELSE $12 END,
                 experience = CASE WHEN 'experience' = ANY(candidates.edited_fields) THEN candidates.experience ELSE $13 END,
                 education = CASE WHEN 'education' = ANY(candidates.edited_fields) THEN candidates.education ELSE $14 END,
                 certifications = CASE WHEN 'certifications' = ANY(candidates.edited_fields) THEN candidates.certifications ELSE $15 END,
                 total_years_experience = $16, parsed_resume_id = $1, parser_version = $17, parsed_at = now()
             FROM r WHERE candidates.organisation_id = $2 AND candidates.id = r.candidate_id
             RETURNING candidates.id
         ), fresh AS (
             INSERT INTO candidates (id, organisation_id, email, first_name, last_name, phone, linkedin_url, github_url,
                                     portfolio_url, location, headline, summary, skills, experience, education,
                                     certifications, total_years_experience, parsed_resume_id, parser_version, parsed_at)
             SELECT $20, $2, $22, COALESCE($3, 'Unknown'), COALESCE($4, ''), $5, $6, $7, $8, $9, $10, $11, $12, $13,
                    $14, $15, $16, $1, $17, now()
             FROM r WHERE r.candidate_id IS NULL AND r.application_id IS NULL AND r.job_role_id IS NOT NULL
                      AND $22::text IS NOT NULL
             ON CONFLICT (organisation_id, lower(email)) DO UPDATE SET
                 first_name = CASE WHEN 'first_name' = ANY(candidates.edited_fields) THEN candidates.first_name ELSE COALESCE($3, candidates.first_name) END,
                 last_name = CASE WHEN 'last_name' = ANY(candidates.edited_fields) THEN candidates.last_name ELSE COALESCE($4, candidates.last_name) END,
                 phone = CASE WHEN 'phone' = ANY(candidates.edited_fields) THEN candidates.phone ELSE COALESCE($5, candidates.phone) END,
                 linkedin_url = CASE WHEN 'linkedin_url' = ANY(candidates.edited_fields) THEN candidates.linkedin_url ELSE COALESCE($6, candidates.linkedin_url) END,
                 github_url = CASE WHEN 'github_url' = ANY(candidates.edited_fields) THEN candidates.github_url ELSE COALESCE($7, candidates.github_url) END,
                 portfolio_url = CASE WHEN 'portfolio_url' = ANY(candidates.edited_fields) THEN candidates.portfolio_url ELSE COALESCE($8, candidates.portfolio_url) END,
                 location = CASE WHEN 'location' = ANY(candidates.edited_fields) THEN candidates.location ELSE COALESCE($9, candidates.location) END,
                 headline = CASE WHEN 'headline' = ANY(candidates.edited_fields) THEN candidates.headline ELSE COALESCE($10, candidates.headline) END,
                 summary = CASE WHEN 'summary' = ANY(candidates.edited_fields) THEN candidates.summary ELSE COALESCE($11, candidates.summary) END,
                 skills = CASE WHEN 'skills' = ANY(candidates.edited_fields) THEN candidates.skills ELSE $12 END,
                 experience = CASE WHEN 'experience' = ANY(candidates.edited_fields) THEN candidates.experience ELSE $13 END,
                 education = CASE WHEN 'education' = ANY(candidates.edited_fields) THEN candidates.education ELSE $14 END,
                 certifications = CASE WHEN 'certifications' = ANY(candidates.edited_fields) THEN candidates.certifications ELSE $15 END,
                 total_years_experience = $16, parsed_resume_id = $1, parser_version = $17, parsed_at = now()
             RETURNING id
         ), c AS (
             SELECT id FROM known UNION ALL SELECT id FROM fresh
         ), a AS (
             INSERT INTO applications (id, organisation_id, candidate_id, job_role_id, stage_reason)
             SELECT $21, $2, c.id, r.job_role_id, 'resume uploaded' FROM c, r
             WHERE r.application_id IS NULL AND r.job_role_id IS NOT NULL
             ON CONFLICT (candidate_id, job_role_id) DO UPDATE SET job_role_id = EXCLUDED.job_role_id
             RETURNING id
         )
         UPDATE resumes SET status = 'parsed', error = NULL, parsed = $18, parser_version = $17, pages = $19,
                candidate_id = c.id, application_id = COALESCE(r.application_id, (SELECT id FROM a))
         FROM c, r WHERE resumes.id = r.id
         RETURNING c.id AS "candidate_id!", resumes.application_id"#,
        id,
        org,
        p.first_name,
        p.last_name,
        p.phone_e164.as_ref().or(p.phone.as_ref()),
        p.linkedin_url,
        p.github_url,
        p.portfolio_url,
        p.location,
        p.headline,
        p.summary,
        &p.skills,
        Json(&p.experience) as _,
        Json(&p.education) as _,
        &p.certifications,
        p.total_years_experience.map(|y| y as f32),
        version,
        Json(p) as _,
        pages,
        Uuid::now_v7(),
        Uuid::now_v7(),
        email,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Landed {
        candidate_id: r.candidate_id,
        application_id: r.application_id,
    }))
}
