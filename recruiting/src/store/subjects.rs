//! Data subjects' rights over a candidate: consent records, the data an
//! export holds, the export archives' records, and erasure.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{candidates, resumes, StoreError, StoreResult};
use seal::Keyring;

// ------------------------------------------------------------------ consent

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ConsentPurpose)]
pub enum Purpose {
    /// Processing the application at all.
    Recruitment,
    /// Being interviewed and scored by the AI interviewer.
    AiInterview,
    /// Recording the interview.
    Recording,
    /// Being kept for future roles.
    TalentPool,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recruitment => "recruitment",
            Self::AiInterview => "ai_interview",
            Self::Recording => "recording",
            Self::TalentPool => "talent_pool",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    Candidate,
    Recruiter,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Consent {
    pub id: Uuid,
    pub purpose: String,
    pub granted: bool,
    pub source: String,
    pub recorded_by: Option<Uuid>,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A candidate's answer for a purpose, and who recorded it.
pub struct NewConsent<'a> {
    pub purpose: Purpose,
    pub granted: bool,
    pub source: ConsentSource,
    pub recorded_by: Option<Uuid>,
    pub note: Option<&'a str>,
}

/// Records a candidate's answer for a purpose.
pub async fn record_consent(
    conn: &mut PgConnection,
    org: Uuid,
    candidate: Uuid,
    c: NewConsent<'_>,
) -> StoreResult<Consent> {
    live_candidate(&mut *conn, org, candidate).await?;
    let source = match c.source {
        ConsentSource::Candidate => "candidate",
        ConsentSource::Recruiter => "recruiter",
    };
    Ok(sqlx::query_as!(
        Consent,
        "INSERT INTO candidate_consents (id, organisation_id, candidate_id, purpose, granted, source, recorded_by, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, purpose, granted, source, recorded_by, note, recorded_at",
        Uuid::now_v7(),
        org,
        candidate,
        c.purpose.as_str(),
        c.granted,
        source,
        c.recorded_by,
        c.note,
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// Every consent record of the candidate, newest first.
pub async fn consents(
    conn: &mut PgConnection,
    org: Uuid,
    candidate: Uuid,
) -> StoreResult<Vec<Consent>> {
    live_candidate(&mut *conn, org, candidate).await?;
    Ok(sqlx::query_as!(
        Consent,
        "SELECT id, purpose, granted, source, recorded_by, note, recorded_at FROM candidate_consents
         WHERE candidate_id = $1 AND organisation_id = $2 ORDER BY recorded_at DESC, id DESC",
        candidate,
        org,
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// The candidate an interview is with.
pub async fn candidate_of_interview<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    interview: Uuid,
) -> StoreResult<Uuid> {
    sqlx::query_scalar!(
        "SELECT a.candidate_id FROM interviews i
         JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
         WHERE i.id = $1 AND i.organisation_id = $2",
        interview,
        org
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("interview"))
}

/// The candidate exists in the organisation and is not erased.
async fn live_candidate(conn: &mut PgConnection, org: Uuid, candidate: Uuid) -> StoreResult<()> {
    let erased = sqlx::query_scalar!(
        "SELECT erased_at IS NOT NULL AS \"erased!\" FROM candidates WHERE id = $1 AND organisation_id = $2",
        candidate,
        org
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("candidate"))?;
    if erased {
        return Err(StoreError::Conflict(
            "the candidate's data was erased".into(),
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------ export

/// Everything held about a candidate, by section: each a list of rows as
/// JSON (secrets such as token digests left out).
pub async fn export_sections(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    candidate: Uuid,
) -> StoreResult<Vec<(&'static str, Vec<Value>)>> {
    live_candidate(&mut *conn, org, candidate).await?;
    let mut out = Vec::new();
    macro_rules! section {
        ($name:literal, $sql:literal) => {
            out.push((
                $name,
                sqlx::query_scalar!($sql, candidate, org)
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .flatten()
                    .collect::<Vec<Value>>(),
            ));
        };
    }
    section!(
        "candidate",
        "SELECT to_jsonb(c) - 'organisation_id' FROM candidates c WHERE c.id = $1 AND c.organisation_id = $2"
    );
    section!(
        "applications",
        "SELECT to_jsonb(a) - 'organisation_id' || jsonb_build_object('job_role_title', j.title)
         FROM applications a JOIN job_roles j ON j.id = a.job_role_id AND j.organisation_id = a.organisation_id
         WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY a.created_at"
    );
    section!(
        "stage_history",
        "SELECT to_jsonb(m) - 'organisation_id' FROM application_stage_moves m
         JOIN applications a ON a.id = m.application_id AND a.organisation_id = m.organisation_id
         WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY m.created_at"
    );
    section!(
        "interviews",
        "SELECT to_jsonb(i) - 'organisation_id' - 'access_token_hash' FROM interviews i
         JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
         WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY i.created_at"
    );
    section!(
        "transcripts",
        "SELECT to_jsonb(t) - 'organisation_id' FROM transcript_segments t
         JOIN interviews i ON i.id = t.interview_id AND i.organisation_id = t.organisation_id
         JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
         WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY t.interview_id, t.seq"
    );
    section!(
        "interview_scores",
        "SELECT to_jsonb(s) - 'organisation_id' FROM interview_scores s
         JOIN interviews i ON i.id = s.interview_id AND i.organisation_id = s.organisation_id
         JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
         WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY s.scored_at"
    );
    section!(
        "interview_invitations",
        "SELECT to_jsonb(v) - 'organisation_id' - 'token_hash' - 'token_sealed' FROM interview_invitations v
         JOIN interviews i ON i.id = v.interview_id AND i.organisation_id = v.organisation_id
         JOIN applications a ON a.id = i.application_id AND a.organisation_id = i.organisation_id
         WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY v.created_at"
    );
    section!(
        "resumes",
        "SELECT to_jsonb(r) - 'organisation_id' FROM resumes r
         WHERE (r.candidate_id = $1 OR r.application_id IN (SELECT id FROM applications WHERE candidate_id = $1))
           AND r.organisation_id = $2 ORDER BY r.created_at"
    );
    section!(
        "consents",
        "SELECT to_jsonb(k) - 'organisation_id' FROM candidate_consents k
         WHERE k.candidate_id = $1 AND k.organisation_id = $2 ORDER BY k.recorded_at"
    );
    section!(
        "emails",
        "SELECT jsonb_build_object('id', e.id, 'template', e.template, 'status', e.status,
                                   'created_at', e.created_at, 'sent_at', e.sent_at)
         FROM emails e WHERE e.candidate_id = $1 AND e.organisation_id = $2 ORDER BY e.created_at"
    );
    section!(
        "reports",
        "SELECT to_jsonb(p) - 'organisation_id' FROM candidate_reports p
         JOIN applications a ON a.id = p.application_id AND a.organisation_id = p.organisation_id
         WHERE a.candidate_id = $1 AND a.organisation_id = $2 ORDER BY p.created_at"
    );
    open_sealed_sections(conn, keys, org, candidate, &mut out).await?;
    Ok(out)
}

/// The export's candidate and resumes with their sealed columns opened: the
/// email, phone and parse in plain in place of their ciphertexts and
/// indexes.
async fn open_sealed_sections(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    candidate: Uuid,
    out: &mut [(&'static str, Vec<Value>)],
) -> StoreResult<()> {
    let person = candidates::get(&mut *conn, keys, org, candidate).await?;
    for (name, rows) in out.iter_mut() {
        for row in rows.iter_mut() {
            let Some(obj) = row.as_object_mut() else {
                continue;
            };
            match *name {
                "candidate" => {
                    for col in [
                        "email_sealed",
                        "email_index",
                        "legacy_email",
                        "phone_sealed",
                        "phone_index",
                        "legacy_phone",
                    ] {
                        obj.remove(col);
                    }
                    obj.insert("email".into(), Value::from(person.email.clone()));
                    obj.insert("phone".into(), Value::from(person.phone.clone()));
                    obj.insert("phone_e164".into(), Value::from(person.phone_e164.clone()));
                }
                "resumes" => {
                    let id = obj
                        .get("id")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse::<Uuid>().ok());
                    obj.remove("parsed_sealed");
                    obj.remove("legacy_parsed");
                    obj.remove("file_key");
                    if let Some(id) = id {
                        let parse = resumes::get(&mut *conn, keys, org, id).await?.parsed;
                        obj.insert("parsed".into(), parse.unwrap_or(Value::Null));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Who an export's email goes to: (first name, email, organisation); no
/// email for a candidate who has none.
pub async fn addressee(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    candidate: Uuid,
) -> StoreResult<(String, Option<String>, String)> {
    let r = sqlx::query!(
        "SELECT c.first_name, c.email_sealed, c.legacy_email, o.name
         FROM candidates c JOIN organisations o ON o.id = c.organisation_id
         WHERE c.id = $1 AND c.organisation_id = $2",
        candidate,
        org
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("candidate"))?;
    let (email, _) = candidates::open_contact(
        keys,
        candidate,
        candidates::Contact {
            email_sealed: r.email_sealed.as_deref(),
            legacy_email: r.legacy_email,
            phone_sealed: None,
            legacy_phone: None,
        },
    )?;
    Ok((r.first_name, email, r.name))
}

/// The associated data an export archive is sealed with in storage (it
/// holds everything about a person), bound to where it is stored.
pub fn archive_aad(storage_key: &str) -> Vec<u8> {
    format!("data_exports.archive:{storage_key}").into_bytes()
}

/// The candidate's stored files: resumes (id, key, name inside an export).
pub async fn resume_files(
    conn: &mut PgConnection,
    org: Uuid,
    candidate: Uuid,
) -> StoreResult<Vec<(Uuid, String, String)>> {
    Ok(sqlx::query!(
        "SELECT id, storage_key, kind FROM resumes
         WHERE (candidate_id = $1 OR application_id IN (SELECT id FROM applications WHERE candidate_id = $1))
           AND organisation_id = $2 ORDER BY created_at",
        candidate,
        org
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, r.storage_key, format!("resume-{}.{}", r.id, r.kind)))
    .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type, utoipa::ToSchema)]
#[sqlx(type_name = "data_export_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[schema(as = DataExportStatus)]
pub enum ExportStatus {
    Pending,
    Ready,
    Failed,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DataExport)]
pub struct Export {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub status: ExportStatus,
    pub size_bytes: Option<i64>,
    /// The download link stops working then.
    pub expires_at: Option<DateTime<Utc>>,
    pub job_id: Option<Uuid>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn create_export(
    conn: &mut PgConnection,
    org: Uuid,
    candidate: Uuid,
    requested_by: Option<Uuid>,
) -> StoreResult<Uuid> {
    live_candidate(&mut *conn, org, candidate).await?;
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO data_exports (id, organisation_id, candidate_id, requested_by) VALUES ($1, $2, $3, $4)",
        id,
        org,
        candidate,
        requested_by
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn set_export_job<'e>(db: impl PgExecutor<'e>, id: Uuid, job: Uuid) -> StoreResult<()> {
    sqlx::query!("UPDATE data_exports SET job_id = $2 WHERE id = $1", id, job)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn export<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Export> {
    sqlx::query_as!(
        Export,
        r#"SELECT id, candidate_id, status AS "status: ExportStatus", size_bytes, expires_at, job_id, error, created_at
           FROM data_exports WHERE id = $1 AND organisation_id = $2"#,
        id,
        org
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("export"))
}

/// The archive is stored: ready, downloadable with the token until
/// `expires_at`.
pub async fn export_ready<'e>(
    db: impl PgExecutor<'e>,
    id: Uuid,
    storage_key: &str,
    size: i64,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE data_exports SET status = 'ready', storage_key = $2, size_bytes = $3,
                download_token_hash = $4, expires_at = $5, error = NULL
         WHERE id = $1",
        id,
        storage_key,
        size,
        token_hash,
        expires_at
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn export_failed<'e>(db: impl PgExecutor<'e>, id: Uuid, error: &str) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE data_exports SET status = 'failed', error = $2 WHERE id = $1 AND status = 'pending'",
        id,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A ready export's archive, by its download token's digest or by id:
/// (storage key, expired).
pub async fn export_archive<'e>(
    db: impl PgExecutor<'e>,
    token_hash: Option<&[u8]>,
    org_and_id: Option<(Uuid, Uuid)>,
) -> StoreResult<Option<(String, bool)>> {
    let (org, id) = org_and_id.unzip();
    Ok(sqlx::query!(
        r#"SELECT storage_key AS "storage_key!", expires_at <= now() AS "expired!" FROM data_exports
           WHERE status = 'ready' AND storage_key IS NOT NULL
             AND (($1::bytea IS NOT NULL AND download_token_hash = $1)
                  OR ($2::uuid IS NOT NULL AND organisation_id = $2 AND id = $3))"#,
        token_hash,
        org,
        id,
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.storage_key, r.expired)))
}

// ------------------------------------------------------------------ erasure

/// Every stored object of the candidate: resumes, recordings, reports,
/// export archives.
pub async fn stored_objects(
    conn: &mut PgConnection,
    org: Uuid,
    candidate: Uuid,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT storage_key AS "key!" FROM resumes
             WHERE (candidate_id = $1 OR application_id IN (SELECT id FROM applications WHERE candidate_id = $1))
               AND organisation_id = $2
           UNION ALL
           SELECT i.recording_ref FROM interviews i JOIN applications a ON a.id = i.application_id
             WHERE a.candidate_id = $1 AND i.organisation_id = $2 AND i.recording_ref IS NOT NULL
           UNION ALL
           SELECT p.storage_key FROM candidate_reports p JOIN applications a ON a.id = p.application_id
             WHERE a.candidate_id = $1 AND p.organisation_id = $2
           UNION ALL
           SELECT storage_key FROM data_exports
             WHERE candidate_id = $1 AND organisation_id = $2 AND storage_key IS NOT NULL"#,
        candidate,
        org
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// What an erasure removed or anonymised.
#[derive(Debug, Serialize)]
pub struct Erased {
    pub resumes: u64,
    pub transcript_segments: u64,
    pub scores_anonymised: u64,
    pub emails: u64,
    pub invitations: u64,
    pub consents: u64,
    pub reports: u64,
    pub exports: u64,
}

/// Erases the candidate's personal data in one transaction (the caller's):
/// their files' rows, transcripts, emails, invitations, consents, reports
/// and exports go; scores keep their numbers (`anonymise` rewrites each);
/// the candidate row stays, anonymised, with its applications and stage
/// history (without reasons), for statistics; the audit log gets an entry.
/// Running it again changes nothing more (but logs again).
pub async fn erase(
    conn: &mut PgConnection,
    org: Uuid,
    candidate: Uuid,
    anonymise: impl Fn(Value) -> Value,
    audit: ErasureAudit,
) -> StoreResult<Erased> {
    let exists = sqlx::query_scalar!(
        "SELECT id FROM candidates WHERE id = $1 AND organisation_id = $2 FOR UPDATE",
        candidate,
        org
    )
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("candidate"));
    }
    let apps = sqlx::query_scalar!(
        "SELECT id FROM applications WHERE candidate_id = $1 AND organisation_id = $2",
        candidate,
        org
    )
    .fetch_all(&mut *conn)
    .await?;
    let interviews = sqlx::query_scalar!(
        "SELECT id FROM interviews WHERE application_id = ANY($1) AND organisation_id = $2",
        &apps,
        org
    )
    .fetch_all(&mut *conn)
    .await?;
    let resumes = sqlx::query!(
        "DELETE FROM resumes WHERE (candidate_id = $1 OR application_id = ANY($2)) AND organisation_id = $3",
        candidate,
        &apps,
        org
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let transcript_segments = sqlx::query!(
        "DELETE FROM transcript_segments WHERE interview_id = ANY($1) AND organisation_id = $2",
        &interviews,
        org
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let scores = sqlx::query!(
        "SELECT interview_id, score FROM interview_scores WHERE interview_id = ANY($1) AND organisation_id = $2",
        &interviews,
        org
    )
    .fetch_all(&mut *conn)
    .await?;
    let scores_anonymised = scores.len() as u64;
    for s in scores {
        sqlx::query!(
            "UPDATE interview_scores SET score = $2 WHERE interview_id = $1",
            s.interview_id,
            anonymise(s.score),
        )
        .execute(&mut *conn)
        .await?;
    }
    let invitations = sqlx::query!(
        "DELETE FROM interview_invitations WHERE interview_id = ANY($1) AND organisation_id = $2",
        &interviews,
        org
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!(
        "UPDATE interviews SET recording_ref = NULL, access_token_hash = NULL, access_expires_at = NULL,
                recording_delete_error = NULL, score_error = NULL
         WHERE id = ANY($1) AND organisation_id = $2",
        &interviews,
        org
    )
    .execute(&mut *conn)
    .await?;
    let emails = sqlx::query!(
        "DELETE FROM emails WHERE candidate_id = $1 AND organisation_id = $2",
        candidate,
        org
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let consents = sqlx::query!(
        "DELETE FROM candidate_consents WHERE candidate_id = $1 AND organisation_id = $2",
        candidate,
        org
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let reports = sqlx::query!(
        "DELETE FROM candidate_reports WHERE application_id = ANY($1) AND organisation_id = $2",
        &apps,
        org
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let exports = sqlx::query!(
        "DELETE FROM data_exports WHERE candidate_id = $1 AND organisation_id = $2",
        candidate,
        org
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!(
        "UPDATE application_stage_moves SET reason = NULL WHERE application_id = ANY($1) AND organisation_id = $2",
        &apps,
        org
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE applications SET stage_reason = NULL WHERE id = ANY($1) AND organisation_id = $2",
        &apps,
        org
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE candidates SET first_name = 'Erased', last_name = 'candidate',
                email_sealed = NULL, email_index = NULL, legacy_email = NULL,
                phone_sealed = NULL, phone_index = NULL, legacy_phone = NULL, user_id = NULL,
                linkedin_url = NULL, github_url = NULL, portfolio_url = NULL, location = NULL,
                headline = NULL, summary = NULL, skills = '{}', experience = '[]', education = '[]',
                certifications = '{}', parsed_resume_id = NULL, total_years_experience = NULL,
                edited_fields = '{}', erased_at = COALESCE(erased_at, now())
         WHERE id = $1 AND organisation_id = $2",
        candidate,
        org
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO audit_log (id, organisation_id, actor_user_id, action, target_type, target_id, details)
         VALUES ($1, $2, $3, 'candidate.erased', 'candidate', $4, $5)",
        Uuid::now_v7(),
        org,
        audit.requested_by,
        candidate.to_string(),
        serde_json::json!({ "job_id": audit.job_id, "files": audit.files }),
    )
    .execute(&mut *conn)
    .await?;
    Ok(Erased {
        resumes,
        transcript_segments,
        scores_anonymised,
        emails,
        invitations,
        consents,
        reports,
        exports,
    })
}

/// The audit entry of an erasure (no personal data).
pub struct ErasureAudit {
    pub requested_by: Option<Uuid>,
    pub job_id: Uuid,
    /// Stored objects deleted.
    pub files: usize,
}
