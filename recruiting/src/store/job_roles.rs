//! Job roles (postings): their text, status, scoring rubric and the
//! requirements the `extract_requirements` job reads from the text.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};
use crate::domain::rubric::RubricDimension;
use extraction::JobRequirements;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "job_role_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum JobRoleStatus {
    Draft,
    Open,
    Closed,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = JobRoleView)]
pub struct JobRole {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub location: Option<String>,
    pub department: Option<String>,
    pub status: JobRoleStatus,
    pub requirements: String,
    /// Structured requirements extracted from the text by the
    /// `extract_requirements` job.
    pub extracted_requirements: Option<Value>,
    /// The engine that extracted them, and when.
    pub requirements_version: Option<String>,
    pub requirements_extracted_at: Option<DateTime<Utc>>,
    #[schema(value_type = Vec<RubricDimension>)]
    pub rubric: Json<Vec<RubricDimension>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new job role (validated by the caller).
#[derive(Debug)]
pub struct NewJobRole<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub department: Option<&'a str>,
    pub status: JobRoleStatus,
    pub requirements: &'a str,
    pub rubric: &'a [RubricDimension],
    pub created_by: Option<Uuid>,
}

/// Changes to a job role: None leaves a field as it is; for the optional
/// fields Some(None) clears.
#[derive(Debug, Default)]
pub struct JobRoleChanges<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub location: Option<Option<&'a str>>,
    pub department: Option<Option<&'a str>>,
    pub status: Option<JobRoleStatus>,
    pub requirements: Option<&'a str>,
    pub rubric: Option<&'a [RubricDimension]>,
}

/// Which job roles to list: newest first, ids below `before`.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    /// Words in the title or description.
    pub search: Option<&'a str>,
    pub status: Option<JobRoleStatus>,
    pub before: Option<Uuid>,
    pub limit: i64,
}

/// What the requirements are read from.
#[derive(Debug, Clone)]
pub struct RoleText {
    pub organisation_id: Uuid,
    pub title: String,
    pub description: String,
    pub requirements: String,
}

pub async fn create(
    conn: &mut PgConnection,
    org: Uuid,
    r: &NewJobRole<'_>,
) -> sqlx::Result<JobRole> {
    sqlx::query_as!(
        JobRole,
        r#"INSERT INTO job_roles (id, organisation_id, title, description, location, department, status,
                                  requirements, rubric, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           RETURNING id, title, description, location, department, status AS "status: JobRoleStatus",
                     requirements, extracted_requirements, requirements_version, requirements_extracted_at,
                     rubric AS "rubric: Json<Vec<RubricDimension>>", created_by, created_at, updated_at"#,
        Uuid::now_v7(),
        org,
        r.title,
        r.description,
        r.location,
        r.department,
        r.status as JobRoleStatus,
        r.requirements,
        Json(r.rubric) as _,
        r.created_by,
    )
    .fetch_one(conn)
    .await
}

pub async fn list<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    f: &Filter<'_>,
) -> sqlx::Result<Vec<JobRole>> {
    sqlx::query_as!(
        JobRole,
        r#"SELECT id, title, description, location, department, status AS "status: JobRoleStatus",
                  requirements, extracted_requirements, requirements_version, requirements_extracted_at,
                  rubric AS "rubric: Json<Vec<RubricDimension>>", created_by, created_at, updated_at
           FROM job_roles
           WHERE organisation_id = $1
             AND ($2::text IS NULL
                  OR to_tsvector('simple', title || ' ' || description) @@ plainto_tsquery('simple', $2)
                  OR title ILIKE '%' || $2 || '%')
             AND ($3::job_role_status IS NULL OR status = $3)
             AND ($4::uuid IS NULL OR id < $4)
           ORDER BY id DESC LIMIT $5"#,
        org,
        f.search,
        f.status as Option<JobRoleStatus>,
        f.before,
        f.limit,
    )
    .fetch_all(db)
    .await
}

pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<JobRole> {
    sqlx::query_as!(
        JobRole,
        r#"SELECT id, title, description, location, department, status AS "status: JobRoleStatus",
                  requirements, extracted_requirements, requirements_version, requirements_extracted_at,
                  rubric AS "rubric: Json<Vec<RubricDimension>>", created_by, created_at, updated_at
           FROM job_roles WHERE id = $1 AND organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("job role"))
}

pub async fn update(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    c: &JobRoleChanges<'_>,
) -> StoreResult<JobRole> {
    sqlx::query_as!(
        JobRole,
        r#"UPDATE job_roles SET
               title = COALESCE($3, title),
               description = COALESCE($4, description),
               location = CASE WHEN $5 THEN $6 ELSE location END,
               department = CASE WHEN $7 THEN $8 ELSE department END,
               status = COALESCE($9, status),
               requirements = COALESCE($10, requirements),
               rubric = COALESCE($11, rubric)
           WHERE id = $1 AND organisation_id = $2
           RETURNING id, title, description, location, department, status AS "status: JobRoleStatus",
                     requirements, extracted_requirements, requirements_version, requirements_extracted_at,
                     rubric AS "rubric: Json<Vec<RubricDimension>>", created_by, created_at, updated_at"#,
        id,
        org,
        c.title,
        c.description,
        c.location.is_some(),
        c.location.flatten(),
        c.department.is_some(),
        c.department.flatten(),
        c.status as Option<JobRoleStatus>,
        c.requirements,
        c.rubric.map(Json) as _,
    )
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("job role"))
}

/// Deletes a job role with its applications and interviews.
pub async fn delete(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<()> {
    let done = sqlx::query!(
        "DELETE FROM job_roles WHERE id = $1 AND organisation_id = $2",
        id,
        org
    )
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("job role"));
    }
    Ok(())
}

/// The role's status, locked against changes until the caller's
/// transaction ends. None: no such role.
pub async fn status_for_share(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<JobRoleStatus>> {
    sqlx::query_scalar!(
        r#"SELECT status AS "status: JobRoleStatus" FROM job_roles
           WHERE id = $1 AND organisation_id = $2 FOR SHARE"#,
        id,
        org,
    )
    .fetch_optional(conn)
    .await
}

/// The text requirements are extracted from. `org` None: a system job
/// (platform admins), any organisation's role.
pub async fn text<'e>(
    db: impl PgExecutor<'e>,
    org: Option<Uuid>,
    id: Uuid,
) -> StoreResult<RoleText> {
    sqlx::query_as!(
        RoleText,
        "SELECT organisation_id, title, description, requirements FROM job_roles
         WHERE id = $1 AND organisation_id = COALESCE($2, organisation_id)",
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("job role"))
}

/// Saves the requirements an engine (`version`) extracted.
pub async fn save_requirements<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    id: Uuid,
    found: &JobRequirements,
    version: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE job_roles SET extracted_requirements = $3, requirements_version = $4,
                requirements_extracted_at = now()
         WHERE id = $1 AND organisation_id = $2",
        id,
        org,
        Json(found) as _,
        version,
    )
    .execute(db)
    .await?;
    Ok(())
}
