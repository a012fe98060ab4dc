//! Applications: one per (candidate, job role), moved through the ATS
//! pipeline. Their stage history is written by the database (migration
//! `stage_history_in_the_database`) from `stage_moved_by` and
//! `stage_reason`, which every statement here that sets a stage sets too.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{candidates, job_roles, StoreError, StoreResult};
use crate::domain::pipeline::Stage;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ApplicationView)]
pub struct Application {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_role_id: Uuid,
    pub stage: Stage,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One move of an application through the pipeline (`from_stage` None: it
/// was created).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = StageMoveView)]
pub struct StageMove {
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub moved_by: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Which applications to list: newest first, ids below `before`.
#[derive(Debug, Default)]
pub struct Filter {
    pub job_role_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub stage: Option<Stage>,
    pub before: Option<Uuid>,
    pub limit: i64,
}

/// Applies a candidate to a job role of the organisation (not a closed
/// one), moved in by `by`.
pub async fn create(
    conn: &mut PgConnection,
    org: Uuid,
    candidate_id: Uuid,
    job_role_id: Uuid,
    by: Option<Uuid>,
) -> StoreResult<Application> {
    let candidate = candidates::exists(&mut *conn, org, candidate_id).await?;
    let role = job_roles::status_for_share(&mut *conn, org, job_role_id).await?;
    let mut problems = Vec::new();
    if !candidate {
        problems.push(("candidate_id".into(), "no such candidate".into()));
    }
    if role.is_none() {
        problems.push(("job_role_id".into(), "no such job role".into()));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    if role == Some(job_roles::JobRoleStatus::Closed) {
        return Err(StoreError::Conflict("the job role is closed".into()));
    }
    Ok(sqlx::query_as!(
        Application,
        r#"INSERT INTO applications (id, organisation_id, candidate_id, job_role_id, stage_moved_by)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id, candidate_id, job_role_id, stage AS "stage: Stage", created_at, updated_at"#,
        Uuid::now_v7(),
        org,
        candidate_id,
        job_role_id,
        by,
    )
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn list<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    f: &Filter,
) -> sqlx::Result<Vec<Application>> {
    sqlx::query_as!(
        Application,
        r#"SELECT id, candidate_id, job_role_id, stage AS "stage: Stage", created_at, updated_at
           FROM applications
           WHERE organisation_id = $1 AND ($2::uuid IS NULL OR job_role_id = $2)
             AND ($3::uuid IS NULL OR candidate_id = $3)
             AND ($4::application_stage IS NULL OR stage = $4)
             AND ($5::uuid IS NULL OR id < $5)
           ORDER BY id DESC LIMIT $6"#,
        org,
        f.job_role_id,
        f.candidate_id,
        f.stage as Option<Stage>,
        f.before,
        f.limit,
    )
    .fetch_all(db)
    .await
}

pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Application> {
    sqlx::query_as!(
        Application,
        r#"SELECT id, candidate_id, job_role_id, stage AS "stage: Stage", created_at, updated_at
           FROM applications WHERE id = $1 AND organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("application"))
}

/// The application's stage, locked against changes until the caller's
/// transaction ends (for work that depends on it, e.g. an interview).
pub async fn stage_for_share(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<Stage> {
    sqlx::query_scalar!(
        r#"SELECT stage AS "stage: Stage" FROM applications
           WHERE id = $1 AND organisation_id = $2 FOR SHARE"#,
        id,
        org,
    )
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("application"))
}

/// Moves an application to `to` (an allowed move only), by `by`, for
/// `reason`. Returns the stage it left and the application.
pub async fn move_stage(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    to: Stage,
    by: Option<Uuid>,
    reason: Option<&str>,
) -> StoreResult<(Stage, Application)> {
    let current = sqlx::query_scalar!(
        r#"SELECT stage AS "stage: Stage" FROM applications
           WHERE id = $1 AND organisation_id = $2 FOR UPDATE"#,
        id,
        org,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("application"))?;
    if !current.can_move_to(to) {
        let allowed: Vec<&str> = current.next().iter().map(|s| s.as_str()).collect();
        return Err(StoreError::Conflict(format!(
            "cannot move from {} to {}; allowed: {}",
            current.as_str(),
            to.as_str(),
            if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            }
        )));
    }
    let row = sqlx::query_as!(
        Application,
        r#"UPDATE applications SET stage = $3, stage_moved_by = $4, stage_reason = $5
           WHERE id = $1 AND organisation_id = $2
           RETURNING id, candidate_id, job_role_id, stage AS "stage: Stage", created_at, updated_at"#,
        id,
        org,
        to as Stage,
        by,
        reason,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((current, row))
}

/// Every stage move of an application, oldest first.
pub async fn history(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<Vec<StageMove>> {
    get(&mut *conn, org, id).await?;
    Ok(sqlx::query_as!(
        StageMove,
        r#"SELECT from_stage AS "from_stage: Stage", to_stage AS "to_stage: Stage", moved_by, reason, created_at
           FROM application_stage_moves
           WHERE application_id = $1 AND organisation_id = $2 ORDER BY created_at, id"#,
        id,
        org,
    )
    .fetch_all(&mut *conn)
    .await?)
}
