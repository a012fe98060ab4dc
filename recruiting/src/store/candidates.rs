//! Candidates: the organisation's people, with the profile a recruiter
//! typed or a resume parse filled in. Fields a recruiter edited by hand
//! (`edited_fields`) are theirs: a parse never overwrites them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};
use extraction::{EducationItem, ExperienceItem};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CandidateView)]
pub struct Candidate {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub linkedin_url: Option<String>,
    pub github_url: Option<String>,
    pub portfolio_url: Option<String>,
    pub location: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub skills: Vec<String>,
    #[schema(value_type = Vec<ExperienceItem>)]
    pub experience: Json<Vec<ExperienceItem>>,
    #[schema(value_type = Vec<EducationItem>)]
    pub education: Json<Vec<EducationItem>>,
    pub certifications: Vec<String>,
    /// From the last resume parse.
    pub total_years_experience: Option<f32>,
    /// The resume the parsed fields came from (`GET /resumes/{id}` has the
    /// whole parse), its engine, and when it ran.
    pub parsed_resume_id: Option<Uuid>,
    pub parser_version: Option<String>,
    pub parsed_at: Option<DateTime<Utc>>,
    /// Fields a recruiter edited by hand; a re-parse leaves them alone.
    pub edited_fields: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A candidate typed in by a recruiter (validated by the caller).
#[derive(Debug)]
pub struct NewCandidate<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub linkedin_url: Option<&'a str>,
    pub github_url: Option<&'a str>,
    pub portfolio_url: Option<&'a str>,
    pub location: Option<&'a str>,
    pub headline: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub skills: &'a [String],
    pub experience: &'a [ExperienceItem],
    pub education: &'a [EducationItem],
    pub certifications: &'a [String],
}

/// A recruiter's changes: None leaves a field; for the optional text
/// fields Some(None) clears. Every field named becomes the recruiter's
/// (`edited_fields`).
#[derive(Debug, Default)]
pub struct CandidateChanges<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<Option<&'a str>>,
    pub linkedin_url: Option<Option<&'a str>>,
    pub github_url: Option<Option<&'a str>>,
    pub portfolio_url: Option<Option<&'a str>>,
    pub location: Option<Option<&'a str>>,
    pub headline: Option<Option<&'a str>>,
    pub summary: Option<Option<&'a str>>,
    pub skills: Option<&'a [String]>,
    pub experience: Option<&'a [ExperienceItem]>,
    pub education: Option<&'a [EducationItem]>,
    pub certifications: Option<&'a [String]>,
}

impl CandidateChanges<'_> {
    /// The fields these changes name.
    pub fn named(&self) -> Vec<&'static str> {
        [
            ("first_name", self.first_name.is_some()),
            ("last_name", self.last_name.is_some()),
            ("email", self.email.is_some()),
            ("phone", self.phone.is_some()),
            ("linkedin_url", self.linkedin_url.is_some()),
            ("github_url", self.github_url.is_some()),
            ("portfolio_url", self.portfolio_url.is_some()),
            ("location", self.location.is_some()),
            ("headline", self.headline.is_some()),
            ("summary", self.summary.is_some()),
            ("skills", self.skills.is_some()),
            ("experience", self.experience.is_some()),
            ("education", self.education.is_some()),
            ("certifications", self.certifications.is_some()),
        ]
        .into_iter()
        .filter_map(|(f, set)| set.then_some(f))
        .collect()
    }
}

/// Which candidates to list: newest first, ids below `before`.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    /// Part of the name or email.
    pub search: Option<&'a str>,
    /// Has this skill (case-insensitive).
    pub skill: Option<&'a str>,
    pub before: Option<Uuid>,
    pub limit: i64,
}

pub async fn create(
    conn: &mut PgConnection,
    org: Uuid,
    c: &NewCandidate<'_>,
) -> sqlx::Result<Candidate> {
    sqlx::query_as!(
        Candidate,
        r#"INSERT INTO candidates (id, organisation_id, first_name, last_name, email, phone, linkedin_url, github_url,
                                   portfolio_url, location, headline, summary, skills, experience, education,
                                   certifications)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           RETURNING id, first_name, last_name, email, phone, linkedin_url, github_url, portfolio_url, location,
                     headline, summary, skills, experience AS "experience: Json<Vec<ExperienceItem>>",
                     education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                     parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at"#,
        Uuid::now_v7(),
        org,
        c.first_name,
        c.last_name,
        c.email,
        c.phone,
        c.linkedin_url,
        c.github_url,
        c.portfolio_url,
        c.location,
        c.headline,
        c.summary,
        c.skills,
        Json(c.experience) as _,
        Json(c.education) as _,
        c.certifications,
    )
    .fetch_one(conn)
    .await
}

pub async fn list<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    f: &Filter<'_>,
) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as!(
        Candidate,
        r#"SELECT id, first_name, last_name, email, phone, linkedin_url, github_url, portfolio_url, location,
                  headline, summary, skills, experience AS "experience: Json<Vec<ExperienceItem>>",
                  education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                  parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at
           FROM candidates
           WHERE organisation_id = $1
             AND ($2::text IS NULL OR (first_name || ' ' || last_name || ' ' || email) ILIKE '%' || $2 || '%')
             AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM unnest(skills) s WHERE lower(s) = lower($3)))
             AND ($4::uuid IS NULL OR id < $4)
           ORDER BY id DESC LIMIT $5"#,
        org,
        f.search,
        f.skill,
        f.before,
        f.limit,
    )
    .fetch_all(db)
    .await
}

pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Candidate> {
    sqlx::query_as!(
        Candidate,
        r#"SELECT id, first_name, last_name, email, phone, linkedin_url, github_url, portfolio_url, location,
                  headline, summary, skills, experience AS "experience: Json<Vec<ExperienceItem>>",
                  education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                  parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at
           FROM candidates WHERE id = $1 AND organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("candidate"))
}

pub async fn exists<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM candidates WHERE id = $1 AND organisation_id = $2) AS "exists!""#,
        id,
        org,
    )
    .fetch_one(db)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    c: &CandidateChanges<'_>,
) -> StoreResult<Candidate> {
    let named = c.named();
    sqlx::query_as!(
        Candidate,
        r#"UPDATE candidates SET
               first_name = COALESCE($3, first_name), last_name = COALESCE($4, last_name),
               email = COALESCE($5, email),
               phone = CASE WHEN $6 THEN $7 ELSE phone END,
               linkedin_url = CASE WHEN $8 THEN $9 ELSE linkedin_url END,
               github_url = CASE WHEN $10 THEN $11 ELSE github_url END,
               portfolio_url = CASE WHEN $12 THEN $13 ELSE portfolio_url END,
               location = CASE WHEN $14 THEN $15 ELSE location END,
               headline = CASE WHEN $16 THEN $17 ELSE headline END,
               summary = CASE WHEN $18 THEN $19 ELSE summary END,
               skills = COALESCE($20, skills), experience = COALESCE($21, experience),
               education = COALESCE($22, education), certifications = COALESCE($23, certifications),
               edited_fields = ARRAY(SELECT DISTINCT f FROM unnest(edited_fields || $24::text[]) AS f ORDER BY f)
           WHERE id = $1 AND organisation_id = $2
           RETURNING id, first_name, last_name, email, phone, linkedin_url, github_url, portfolio_url, location,
                     headline, summary, skills, experience AS "experience: Json<Vec<ExperienceItem>>",
                     education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                     parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at"#,
        id,
        org,
        c.first_name,
        c.last_name,
        c.email,
        c.phone.is_some(),
        c.phone.flatten(),
        c.linkedin_url.is_some(),
        c.linkedin_url.flatten(),
        c.github_url.is_some(),
        c.github_url.flatten(),
        c.portfolio_url.is_some(),
        c.portfolio_url.flatten(),
        c.location.is_some(),
        c.location.flatten(),
        c.headline.is_some(),
        c.headline.flatten(),
        c.summary.is_some(),
        c.summary.flatten(),
        c.skills,
        c.experience.map(Json) as _,
        c.education.map(Json) as _,
        c.certifications,
        &named as &[&str],
    )
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("candidate"))
}

/// Deletes a candidate with their applications and interviews.
pub async fn delete(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<()> {
    let done = sqlx::query!(
        "DELETE FROM candidates WHERE id = $1 AND organisation_id = $2",
        id,
        org
    )
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("candidate"));
    }
    Ok(())
}
