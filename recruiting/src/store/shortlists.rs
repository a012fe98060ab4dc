//! Shortlists: dated snapshots of a job role's ranked applications (the
//! shortlist job writes them, the API reads them), and what ranking reads.

use assessment::{
    shortlist::{Applicant, InterviewResult, Ranked},
    Risk,
};
use chrono::{DateTime, Utc};
use extraction::JobRequirements;
use serde::{Deserialize, Serialize};
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};
use crate::domain::pipeline::Stage;

/// An application that is still in play, with its candidate.
#[derive(Debug, Clone)]
pub struct InPlay {
    pub applicant: Applicant,
    pub candidate_id: Uuid,
    pub candidate_name: String,
    pub stage: Stage,
}

/// The role's requirements (None until extracted) and its applications
/// still in play (not hired, rejected or withdrawn), each with its
/// candidate's skills and years and its latest interview score, oldest
/// application first.
pub async fn ranking_input(
    conn: &mut PgConnection,
    org: Uuid,
    role: Uuid,
) -> StoreResult<(Option<JobRequirements>, Vec<InPlay>)> {
    let requirements = sqlx::query_scalar!(
        r#"SELECT extracted_requirements AS "r: Json<JobRequirements>" FROM job_roles
           WHERE id = $1 AND organisation_id = $2"#,
        role,
        org,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("job role"))?;
    let rows = sqlx::query!(
        r#"SELECT a.id, a.candidate_id, a.stage AS "stage: Stage",
                  c.first_name, c.last_name, c.skills, c.total_years_experience,
                  s.overall AS "overall?", s.integrity_risk AS "integrity_risk?"
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id AND c.organisation_id = a.organisation_id
           LEFT JOIN (
               -- Each application's latest score, in one pass over the
               -- role's scored interviews (a lateral lookup per
               -- application cost 8x as much at 10,000 applications).
               SELECT DISTINCT ON (i.application_id) i.application_id, sc.overall, sc.integrity_risk
               FROM interviews i
               JOIN applications ra ON ra.id = i.application_id AND ra.organisation_id = i.organisation_id
               JOIN interview_scores sc ON sc.interview_id = i.id
               WHERE ra.job_role_id = $1 AND i.organisation_id = $2
               ORDER BY i.application_id, sc.scored_at DESC
           ) s ON s.application_id = a.id
           WHERE a.job_role_id = $1 AND a.organisation_id = $2
             AND a.stage NOT IN ('hired', 'rejected', 'withdrawn')
           ORDER BY a.id"#,
        role,
        org,
    )
    .fetch_all(&mut *conn)
    .await?;
    let in_play = rows
        .into_iter()
        .map(|r| {
            let interview = match (r.overall, r.integrity_risk.as_deref()) {
                (Some(overall), Some(risk)) => Some(InterviewResult {
                    overall,
                    risk: match risk {
                        "high" => Risk::High,
                        "medium" => Risk::Medium,
                        _ => Risk::Low,
                    },
                }),
                _ => None,
            };
            InPlay {
                applicant: Applicant {
                    application_id: r.id,
                    skills: r.skills,
                    total_years: r.total_years_experience.map(f64::from),
                    interview,
                },
                candidate_id: r.candidate_id,
                candidate_name: format!("{} {}", r.first_name, r.last_name)
                    .trim()
                    .to_owned(),
                stage: r.stage,
            }
        })
        .collect();
    Ok((requirements.map(|Json(r)| r), in_play))
}

/// One application's place in a shortlist snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    #[serde(flatten)]
    pub ranked: Ranked,
    pub candidate_id: Uuid,
    pub candidate_name: String,
    /// The application's stage when the snapshot was taken.
    pub stage: Stage,
    /// Made the shortlist: within `max_candidates`, at or above
    /// `min_score`, and not flagged for review.
    pub shortlisted: bool,
}

/// A shortlist snapshot.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Shortlist {
    pub id: Uuid,
    pub job_role_id: Uuid,
    pub max_candidates: i32,
    pub min_score: f64,
    /// The requirements as ranked against.
    #[schema(value_type = JobRequirements)]
    pub requirements: Json<JobRequirements>,
    /// Every application in play, best first.
    #[schema(value_type = Vec<Entry>)]
    pub entries: Json<Vec<Entry>>,
    /// The job that computed it.
    pub job_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Saves a snapshot; the job that computed it saves it once (a re-delivery
/// writes nothing and gets the first one's id). None if the role is gone.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    conn: &mut PgConnection,
    org: Uuid,
    role: Uuid,
    job_id: Uuid,
    max_candidates: i32,
    min_score: f64,
    requirements: &JobRequirements,
    entries: &[Entry],
) -> StoreResult<Option<Uuid>> {
    let id = sqlx::query_scalar!(
        r#"WITH saved AS (
               INSERT INTO shortlists (id, organisation_id, job_role_id, max_candidates, min_score,
                                       requirements, entries, job_id)
               SELECT $1, r.organisation_id, r.id, $4, $5, $6, $7::text::json, $8
               FROM job_roles r WHERE r.id = $3 AND r.organisation_id = $2
               ON CONFLICT (job_id) DO NOTHING
               RETURNING id
           )
           SELECT id AS "id!" FROM saved
           UNION ALL SELECT id FROM shortlists WHERE job_id = $8"#,
        Uuid::now_v7(),
        org,
        role,
        max_candidates,
        min_score,
        Json(requirements) as _,
        // Sent as text into a `json` column: Postgres validates it without
        // converting it (see the migration).
        serde_json::to_string(entries).expect("entries serialise"),
        job_id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

/// The role's latest shortlist.
pub async fn latest<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    role: Uuid,
) -> StoreResult<Option<Shortlist>> {
    Ok(sqlx::query_as!(
        Shortlist,
        r#"SELECT id, job_role_id, max_candidates, min_score,
                  requirements AS "requirements: Json<JobRequirements>",
                  entries AS "entries: Json<Vec<Entry>>", job_id, created_at
           FROM shortlists WHERE job_role_id = $1 AND organisation_id = $2
           ORDER BY id DESC LIMIT 1"#,
        role,
        org,
    )
    .fetch_optional(db)
    .await?)
}
