//! Resumes: uploads, their parse status, and where a parse lands.

use chrono::{DateTime, Utc};
use seal::Keyring;
use serde::Serialize;
use serde_json::Value;
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::candidates::Sealer;
use super::{StoreError, StoreResult};
use extraction::ResumeProfile;

/// The associated data a resume's stored file is sealed with.
pub fn file_aad(id: Uuid) -> Vec<u8> {
    format!("resumes.file:{id}").into_bytes()
}

/// A resume file's bytes as uploaded, from what storage holds (see
/// [`crate::storage::open_stored`]; the row's `file_key` is not needed: a
/// file being sealed by `reseal_personal_data` is sealed before its row
/// says so).
pub fn open_file(keys: &Keyring, id: Uuid, stored: &[u8]) -> Result<Vec<u8>, seal::OpenError> {
    crate::storage::open_stored(keys, &file_aad(id), stored)
}

fn parsed_aad(id: Uuid) -> Vec<u8> {
    format!("resumes.parsed:{id}").into_bytes()
}

fn open_parsed(
    keys: &Keyring,
    id: Uuid,
    sealed: Option<&[u8]>,
    legacy: Option<Value>,
) -> StoreResult<Option<Value>> {
    let Some(sealed) = sealed else {
        return Ok(legacy);
    };
    let bytes = keys
        .open(sealed, &parsed_aad(id))
        .map_err(|e| StoreError::Sealed(format!("the resume's parse cannot be opened: {e}")))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| StoreError::Sealed(format!("the resume's parse is not JSON: {e}")))
}

/// A resume with its parse (the detail view).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ResumeView)]
pub struct Resume {
    #[serde(flatten)]
    pub summary: Summary,
    pub parsed: Option<Value>,
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

/// Records an upload (in the transaction that enqueues its parse); its
/// file is stored sealed with [`file_aad`] under the data key `file_key`.
pub async fn create(
    conn: &mut PgConnection,
    org: Uuid,
    r: &NewResume<'_>,
    file_key: &str,
) -> sqlx::Result<()> {
    let (application, role) = match r.target {
        Target::Application(id) => (Some(id), None),
        Target::JobRole(id) => (None, Some(id)),
    };
    sqlx::query!(
        "INSERT INTO resumes (id, organisation_id, job_role_id, application_id, storage_key, filename, kind,
                              size_bytes, sha256, job_id, created_by, file_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        file_key,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get<'e>(
    db: impl PgExecutor<'e>,
    keys: &Keyring,
    org: Uuid,
    id: Uuid,
) -> StoreResult<Resume> {
    let r = sqlx::query!(
        r#"SELECT id, job_role_id, application_id, candidate_id, filename, kind, size_bytes,
                  status::text AS "status!", error, pages, parser_version, parsed_sealed, legacy_parsed,
                  job_id, created_at, updated_at
           FROM resumes WHERE id = $1 AND organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("resume"))?;
    Ok(Resume {
        parsed: open_parsed(keys, r.id, r.parsed_sealed.as_deref(), r.legacy_parsed)?,
        summary: Summary {
            id: r.id,
            job_role_id: r.job_role_id,
            application_id: r.application_id,
            candidate_id: r.candidate_id,
            filename: r.filename,
            kind: r.kind,
            size_bytes: r.size_bytes,
            status: r.status,
            error: r.error,
            pages: r.pages,
            parser_version: r.parser_version,
            job_id: r.job_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        },
    })
}

/// A resume in a list: everything but its parse.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ResumeSummary)]
pub struct Summary {
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
    pub job_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a list of resumes is narrowed to (None: any).
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter<'a> {
    pub job_role_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub status: Option<&'a str>,
    /// Older than this resume (the page before).
    pub before: Option<Uuid>,
    pub limit: i64,
}

/// The organisation's resumes, newest first. A resume belongs to a
/// candidate through its own link or its application's.
pub async fn list<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    f: ListFilter<'_>,
) -> StoreResult<Vec<Summary>> {
    Ok(sqlx::query_as!(
        Summary,
        r#"SELECT r.id, r.job_role_id, r.application_id,
                  COALESCE(r.candidate_id, a.candidate_id) AS candidate_id,
                  r.filename, r.kind, r.size_bytes, r.status::text AS "status!", r.error, r.pages,
                  r.parser_version, r.job_id, r.created_at, r.updated_at
           FROM resumes r
           LEFT JOIN applications a ON a.id = r.application_id AND a.organisation_id = r.organisation_id
           WHERE r.organisation_id = $1
             AND ($2::uuid IS NULL OR r.job_role_id = $2 OR a.job_role_id = $2)
             AND ($3::uuid IS NULL OR r.application_id = $3)
             AND ($4::uuid IS NULL OR COALESCE(r.candidate_id, a.candidate_id) = $4)
             AND ($5::text IS NULL OR r.status::text = $5)
             AND ($6::uuid IS NULL OR r.id < $6)
           ORDER BY r.id DESC LIMIT $7"#,
        org,
        f.job_role_id,
        f.application_id,
        f.candidate_id,
        f.status,
        f.before,
        f.limit,
    )
    .fetch_all(db)
    .await?)
}

/// Where a resume's file is and whom its parse is for.
#[derive(Debug, Clone)]
pub struct Located {
    pub organisation_id: Uuid,
    pub storage_key: String,
    /// The candidate a parse updates, when the resume already has one (its
    /// own or its application's).
    pub candidate_id: Option<Uuid>,
}

/// The resume's organisation and stored file. `org` None: a system job
/// (platform admins), any organisation's resume.
pub async fn locate<'e>(
    db: impl PgExecutor<'e>,
    org: Option<Uuid>,
    id: Uuid,
) -> sqlx::Result<Option<Located>> {
    sqlx::query_as!(
        Located,
        r#"SELECT r.organisation_id, r.storage_key,
                  COALESCE(r.candidate_id, a.candidate_id) AS candidate_id
           FROM resumes r
           LEFT JOIN applications a ON a.id = r.application_id AND a.organisation_id = r.organisation_id
           WHERE r.id = $1 AND r.organisation_id = COALESCE($2, r.organisation_id)"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await
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
/// see [`super::applications`]); then the resume is `parsed`. A parse with
/// no email lands on the organisation's oldest candidate with its phone
/// number, or on a new candidate without an email (`needs_email`): the
/// parse is kept either way. (Two such resumes of one new person parsed at
/// the same moment can make two candidates: phones are not unique, so
/// nothing serialises them; a recruiter merges by hand.) Fields a
/// recruiter edited keep their values, and a field the parse did not find
/// keeps the one it had. Both upserts return the row also when a
/// concurrent parse of the same person committed it a moment ago. None:
/// nowhere to put the parse (see [`origin`] for why).
///
/// This statement writes the candidates and applications tables too: the
/// one place outside their stores that does, kept for the parse's cost
/// (BENCHMARKS.md, parse pipeline).
///
/// The email, phone and parse are sealed here. A phone is sealed for the
/// candidate it lands on: `expected` (from [`locate`]) or the new
/// candidate's id; when the parse lands on another one (a role upload of a
/// known email, or a resume moved since [`locate`]), a second statement
/// writes the phone sealed for that candidate.
///
/// The same statement announces `resume.parsed` to the organisation's
/// webhook endpoints (keyed by the resume and the job `job_id`, so a re-run
/// of the job announces nothing twice).
#[allow(clippy::too_many_arguments)]
pub async fn save_parse(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    id: Uuid,
    expected: Option<Uuid>,
    p: &ResumeProfile,
    version: &str,
    pages: i32,
    job_id: Uuid,
) -> StoreResult<Option<Landed>> {
    let sealer = Sealer { keys };
    let new_candidate = Uuid::now_v7();
    let sealed_for = expected.unwrap_or(new_candidate);
    let email = parsed_email(p).map(|e| sealer.email(new_candidate, e));
    let (email_sealed, email_index) = email.map(|e| (e.sealed, e.index)).unzip();
    // The phone as printed; its E.164 form indexes it (and is derived
    // again on reading, from the phone and location).
    let phone_plain = p.phone.as_deref().or(p.phone_e164.as_deref());
    let phone_e164 = p.phone_e164.as_deref();
    let phone = sealer.phone(sealed_for, phone_plain, phone_e164);
    let (phone_sealed, phone_index) = phone.map(|p| (p.sealed, p.index)).unzip();
    let parsed = serde_json::to_vec(p).map_err(|e| StoreError::Conflict(e.to_string()))?;
    let parsed_sealed = keys.seal(&parsed, &parsed_aad(id));
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
                 phone_sealed = CASE WHEN 'phone' = ANY(candidates.edited_fields) OR $5::bytea IS NULL OR candidates.id <> $23 THEN candidates.phone_sealed ELSE $5 END,
                 phone_index = CASE WHEN 'phone' = ANY(candidates.edited_fields) OR $5::bytea IS NULL OR candidates.id <> $23 THEN candidates.phone_index ELSE $24 END,
                 legacy_phone = CASE WHEN 'phone' = ANY(candidates.edited_fields) OR $5::bytea IS NULL OR candidates.id <> $23 THEN candidates.legacy_phone END,
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
             FROM r WHERE candidates.organisation_id = $2
                      AND candidates.id = COALESCE(r.candidate_id, (
                          -- A role upload without an email merges by phone.
                          SELECT m.id FROM candidates m
                          WHERE m.organisation_id = $2 AND m.phone_index = $24 AND m.erased_at IS NULL
                            AND $22::bytea IS NULL AND r.application_id IS NULL AND r.job_role_id IS NOT NULL
                          ORDER BY m.id LIMIT 1))
             RETURNING candidates.id
         ), fresh AS (
             INSERT INTO candidates (id, organisation_id, email_sealed, email_index, first_name, last_name,
                                     phone_sealed, phone_index, linkedin_url, github_url,
                                     portfolio_url, location, headline, summary, skills, experience, education,
                                     certifications, total_years_experience, parsed_resume_id, parser_version, parsed_at)
             SELECT $20, $2, $22, $25, COALESCE($3, 'Unknown'), COALESCE($4, ''),
                    CASE WHEN $20 = $23 THEN $5 END, CASE WHEN $20 = $23 THEN $24 END,
                    $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $1, $17, now()
             FROM r WHERE r.candidate_id IS NULL AND r.application_id IS NULL AND r.job_role_id IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM known)
             ON CONFLICT (organisation_id, email_index) DO UPDATE SET
                 first_name = CASE WHEN 'first_name' = ANY(candidates.edited_fields) THEN candidates.first_name ELSE COALESCE($3, candidates.first_name) END,
                 last_name = CASE WHEN 'last_name' = ANY(candidates.edited_fields) THEN candidates.last_name ELSE COALESCE($4, candidates.last_name) END,
                 phone_sealed = CASE WHEN 'phone' = ANY(candidates.edited_fields) OR $5::bytea IS NULL OR candidates.id <> $23 THEN candidates.phone_sealed ELSE $5 END,
                 phone_index = CASE WHEN 'phone' = ANY(candidates.edited_fields) OR $5::bytea IS NULL OR candidates.id <> $23 THEN candidates.phone_index ELSE $24 END,
                 legacy_phone = CASE WHEN 'phone' = ANY(candidates.edited_fields) OR $5::bytea IS NULL OR candidates.id <> $23 THEN candidates.legacy_phone END,
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
         UPDATE resumes SET status = 'parsed', error = NULL, parsed_sealed = $18, legacy_parsed = NULL,
                parser_version = $17, pages = $19,
                candidate_id = c.id, application_id = COALESCE(r.application_id, (SELECT id FROM a))
         FROM c, r WHERE resumes.id = r.id
         RETURNING c.id AS "candidate_id!", resumes.application_id,
                   webhook_emit($2, 'resume.parsed', 'resume.parsed:' || $1::uuid::text || ':' || $26::uuid::text,
                                jsonb_build_object('resume_id', $1::uuid, 'candidate_id', c.id,
                                                   'application_id', resumes.application_id,
                                                   'job_role_id', resumes.job_role_id,
                                                   'parser_version', $17::text, 'job_id', $26::uuid)) AS "webhooks!""#,
        id,
        org,
        p.first_name,
        p.last_name,
        phone_sealed,
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
        parsed_sealed,
        pages,
        new_candidate,
        Uuid::now_v7(),
        email_sealed,
        sealed_for,
        phone_index,
        email_index,
        job_id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.candidate_id != sealed_for {
        if let Some(phone) = sealer.phone(r.candidate_id, phone_plain, phone_e164) {
            sqlx::query!(
                "UPDATE candidates SET phone_sealed = $3, phone_index = $4, legacy_phone = NULL
                 WHERE id = $1 AND organisation_id = $2 AND NOT 'phone' = ANY(edited_fields)",
                r.candidate_id,
                org,
                phone.sealed,
                phone.index,
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(Some(Landed {
        candidate_id: r.candidate_id,
        application_id: r.application_id,
    }))
}

/// For key rotation and the upgrade from plaintext: re-seals up to `limit`
/// resumes' parses that are under another key than the current one or
/// still plain (`legacy_parsed`); returns how many.
pub async fn reseal_batch(conn: &mut PgConnection, keys: &Keyring, limit: i64) -> StoreResult<u64> {
    let rows = sqlx::query!(
        r#"SELECT id, parsed_sealed, legacy_parsed FROM resumes
           WHERE legacy_parsed IS NOT NULL
              OR convert_from(substring(parsed_sealed from 3 for get_byte(parsed_sealed, 1)), 'UTF8') <> $1
           ORDER BY id LIMIT $2 FOR UPDATE"#,
        keys.current_id(),
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let unseal =
        |e: seal::OpenError| StoreError::Sealed(format!("re-sealing a resume's parse: {e}"));
    for r in &rows {
        let aad = parsed_aad(r.id);
        let sealed = match (&r.parsed_sealed, &r.legacy_parsed) {
            (Some(s), _) => Some(
                keys.reseal(s, &aad)
                    .map_err(unseal)?
                    .unwrap_or_else(|| s.clone()),
            ),
            (None, Some(plain)) => Some(keys.seal(&serde_json::to_vec(plain).expect("JSON"), &aad)),
            (None, None) => None,
        };
        sqlx::query!(
            "UPDATE resumes SET parsed_sealed = $2, legacy_parsed = NULL WHERE id = $1",
            r.id,
            sealed,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(rows.len() as u64)
}
