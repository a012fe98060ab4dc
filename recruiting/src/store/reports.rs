//! Candidate reports: what a report is made of, and the rendered PDFs'
//! records (the files are in object storage).

use assessment::InterviewScore;
use chrono::{DateTime, Utc};
use extraction::JobRequirements;
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};
use crate::domain::pipeline::Stage;

/// The associated data a rendered report (it holds the candidate's
/// contact details) is sealed with in storage, bound to where it is stored.
pub fn file_aad(storage_key: &str) -> Vec<u8> {
    format!("candidate_reports.file:{storage_key}").into_bytes()
}

/// An application's facts for its report.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub headline: Option<String>,
    pub skills: Vec<String>,
    pub total_years: Option<f64>,
    pub role_title: String,
    pub requirements: Option<JobRequirements>,
    pub stage: Stage,
    /// The latest interview score and its scorer.
    pub score: Option<(InterviewScore, String)>,
}

pub async fn report_input(
    conn: &mut PgConnection,
    keys: &seal::Keyring,
    org: Uuid,
    application: Uuid,
) -> StoreResult<ReportInput> {
    let r = sqlx::query!(
        r#"SELECT c.id AS candidate_id, c.first_name, c.last_name, c.email_sealed, c.legacy_email,
                  c.phone_sealed, c.legacy_phone, c.location, c.headline, c.skills,
                  c.total_years_experience, j.title,
                  j.extracted_requirements AS "requirements: Json<JobRequirements>",
                  a.stage AS "stage: Stage",
                  s.score AS "score?: Json<InterviewScore>", s.scorer AS "scorer?"
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id AND c.organisation_id = a.organisation_id
           JOIN job_roles j ON j.id = a.job_role_id AND j.organisation_id = a.organisation_id
           LEFT JOIN LATERAL (
               SELECT sc.score, sc.scorer FROM interviews i
               JOIN interview_scores sc ON sc.interview_id = i.id
               WHERE i.application_id = a.id AND i.organisation_id = a.organisation_id
               ORDER BY sc.scored_at DESC LIMIT 1
           ) s ON true
           WHERE a.id = $1 AND a.organisation_id = $2"#,
        application,
        org,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("application"))?;
    let (email, phone) = super::candidates::open_contact(
        keys,
        r.candidate_id,
        super::candidates::Contact {
            email_sealed: r.email_sealed.as_deref(),
            legacy_email: r.legacy_email,
            phone_sealed: r.phone_sealed.as_deref(),
            legacy_phone: r.legacy_phone,
        },
    )?;
    Ok(ReportInput {
        first_name: r.first_name,
        last_name: r.last_name,
        email,
        phone,
        location: r.location,
        headline: r.headline,
        skills: r.skills,
        total_years: r.total_years_experience.map(f64::from),
        role_title: r.title,
        requirements: r.requirements.map(|j| j.0),
        stage: r.stage,
        score: r.score.zip(r.scorer).map(|(s, by)| (s.0, by)),
    })
}

/// Records a rendered report, stored sealed under the data key
/// `file_key`; a job records its report once. False if the application is
/// gone.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    conn: &mut PgConnection,
    org: Uuid,
    application: Uuid,
    job_id: Uuid,
    storage_key: &str,
    size_bytes: i32,
    file_key: &str,
) -> StoreResult<bool> {
    let exists = sqlx::query_scalar!(
        r#"WITH saved AS (
               INSERT INTO candidate_reports (id, organisation_id, application_id, storage_key, size_bytes, job_id,
                                              file_key)
               SELECT $1, a.organisation_id, a.id, $4, $5, $6, $7
               FROM applications a WHERE a.id = $3 AND a.organisation_id = $2
               ON CONFLICT (job_id) DO NOTHING
           )
           SELECT EXISTS (SELECT 1 FROM applications WHERE id = $3 AND organisation_id = $2) AS "exists!""#,
        Uuid::now_v7(),
        org,
        application,
        storage_key,
        size_bytes,
        job_id,
        file_key,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(exists)
}

/// The latest report of an application.
#[derive(Debug, Clone)]
pub struct StoredReport {
    pub id: Uuid,
    pub storage_key: String,
    pub size_bytes: i32,
    pub created_at: DateTime<Utc>,
}

pub async fn latest<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    application: Uuid,
) -> StoreResult<Option<StoredReport>> {
    Ok(sqlx::query_as!(
        StoredReport,
        "SELECT id, storage_key, size_bytes, created_at FROM candidate_reports
         WHERE application_id = $1 AND organisation_id = $2 ORDER BY id DESC LIMIT 1",
        application,
        org,
    )
    .fetch_optional(db)
    .await?)
}
