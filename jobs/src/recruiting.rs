//! Recruiting writes shared by the API and the jobs.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::pipeline::Stage;

/// One move of an application through the pipeline (`from` None: it was
/// just created), for its history.
pub struct StageMove<'a> {
    pub organisation_id: Uuid,
    pub application_id: Uuid,
    pub from: Option<Stage>,
    pub to: Stage,
    pub moved_by: Option<Uuid>,
    pub reason: Option<&'a str>,
}

pub async fn record_stage_move(conn: &mut PgConnection, m: StageMove<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO application_stage_moves (id, organisation_id, application_id, from_stage, to_stage, moved_by, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::now_v7())
    .bind(m.organisation_id)
    .bind(m.application_id)
    .bind(m.from)
    .bind(m.to)
    .bind(m.moved_by)
    .bind(m.reason)
    .execute(conn)
    .await?;
    Ok(())
}
