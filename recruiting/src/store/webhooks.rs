//! Outbound webhooks: an organisation's endpoints (URL, the events they
//! receive, a signing secret sealed at rest) and the deliveries made to
//! them. Events are announced in SQL (`webhook_emit`, called by the
//! statement or trigger that makes the event happen), so a delivery exists
//! if and only if what it announces committed; the `deliver_webhook` job
//! kind sends them.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use seal::Keyring;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};

/// The events an endpoint can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    /// An organisation's job succeeded (deliveries' own jobs excepted).
    #[serde(rename = "job.succeeded")]
    JobSucceeded,
    /// An organisation's job is dead: out of attempts, or failed for good.
    #[serde(rename = "job.dead")]
    JobDead,
    /// A resume's parse landed on its candidate (and application).
    #[serde(rename = "resume.parsed")]
    ResumeParsed,
    /// An interview was scored (or re-scored).
    #[serde(rename = "interview.scored")]
    InterviewScored,
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        Self::JobSucceeded,
        Self::JobDead,
        Self::ResumeParsed,
        Self::InterviewScored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::JobSucceeded => "job.succeeded",
            Self::JobDead => "job.dead",
            Self::ResumeParsed => "resume.parsed",
            Self::InterviewScored => "interview.scored",
        }
    }
}

/// Most endpoints one organisation may register.
pub const MAX_ENDPOINTS: i64 = 20;

/// How long the secret before a rotation still signs deliveries.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// An endpoint as the API shows it (never its secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookEndpoint)]
pub struct Endpoint {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    /// A disabled endpoint receives nothing new; its pending deliveries fail.
    pub enabled: bool,
    /// Until when the secret before the last rotation also signs
    /// deliveries (two `v1,` signatures in `webhook-signature`).
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new signing secret in the Standard Webhooks form: `whsec_` and the
/// base64 of 32 random bytes (the HMAC key).
pub fn new_secret() -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(seal::random_bytes())
    )
}

fn secret_aad(id: Uuid) -> Vec<u8> {
    format!("webhook_endpoints.secret:{id}").into_bytes()
}

fn previous_aad(id: Uuid) -> Vec<u8> {
    format!("webhook_endpoints.previous_secret:{id}").into_bytes()
}

/// What registering an endpoint takes (validated by the caller).
pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a [EventType],
    pub enabled: bool,
    pub created_by: Option<Uuid>,
}

fn event_names(events: &[EventType]) -> Vec<String> {
    let mut names: Vec<String> = events.iter().map(|e| e.as_str().to_owned()).collect();
    names.sort();
    names.dedup();
    names
}

/// Registers an endpoint with a new secret; returns it and the secret (the
/// only time the secret is shown). Refused once the organisation has
/// [`MAX_ENDPOINTS`].
pub async fn create(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    new: NewEndpoint<'_>,
) -> StoreResult<(Endpoint, String)> {
    let id = Uuid::now_v7();
    let secret = new_secret();
    let sealed = keys.seal_str(&secret, &secret_aad(id));
    // Serialises registrations per organisation, so the cap holds under
    // concurrent requests.
    sqlx::query!("SELECT id FROM organisations WHERE id = $1 FOR UPDATE", org)
        .fetch_optional(&mut *conn)
        .await?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM webhook_endpoints WHERE organisation_id = $1"#,
        org
    )
    .fetch_one(&mut *conn)
    .await?;
    if count >= MAX_ENDPOINTS {
        return Err(StoreError::Conflict(format!(
            "an organisation has at most {MAX_ENDPOINTS} webhook endpoints; remove one first"
        )));
    }
    let endpoint = sqlx::query_as!(
        Endpoint,
        "INSERT INTO webhook_endpoints (id, organisation_id, url, description, events, enabled, secret_sealed, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, url, description, events, enabled, previous_secret_expires_at, created_at, updated_at",
        id,
        org,
        new.url,
        new.description,
        &event_names(new.events),
        new.enabled,
        sealed,
        new.created_by,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((endpoint, secret))
}

pub async fn list<'e>(db: impl PgExecutor<'e>, org: Uuid) -> StoreResult<Vec<Endpoint>> {
    Ok(sqlx::query_as!(
        Endpoint,
        "SELECT id, url, description, events, enabled, previous_secret_expires_at, created_at, updated_at
         FROM webhook_endpoints WHERE organisation_id = $1 ORDER BY id",
        org
    )
    .fetch_all(db)
    .await?)
}

pub async fn get<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<Endpoint> {
    sqlx::query_as!(
        Endpoint,
        "SELECT id, url, description, events, enabled, previous_secret_expires_at, created_at, updated_at
         FROM webhook_endpoints WHERE id = $1 AND organisation_id = $2",
        id,
        org
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("webhook endpoint"))
}

/// Changes to an endpoint (None: unchanged).
#[derive(Default)]
pub struct EndpointPatch<'a> {
    pub url: Option<&'a str>,
    pub description: Option<&'a str>,
    pub events: Option<&'a [EventType]>,
    pub enabled: Option<bool>,
}

pub async fn update<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    id: Uuid,
    patch: EndpointPatch<'_>,
) -> StoreResult<Endpoint> {
    let events = patch.events.map(event_names);
    sqlx::query_as!(
        Endpoint,
        "UPDATE webhook_endpoints SET
             url = COALESCE($3, url),
             description = COALESCE($4, description),
             events = COALESCE($5, events),
             enabled = COALESCE($6, enabled)
         WHERE id = $1 AND organisation_id = $2
         RETURNING id, url, description, events, enabled, previous_secret_expires_at, created_at, updated_at",
        id,
        org,
        patch.url,
        patch.description,
        events.as_deref(),
        patch.enabled,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("webhook endpoint"))
}

/// Removes an endpoint and its deliveries (their pending jobs then end,
/// finding nothing to send).
pub async fn delete<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> StoreResult<()> {
    let done = sqlx::query!(
        "DELETE FROM webhook_endpoints WHERE id = $1 AND organisation_id = $2",
        id,
        org
    )
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("webhook endpoint"));
    }
    Ok(())
}

/// Gives an endpoint a new secret; the old one keeps signing (beside the
/// new) for [`ROTATION_OVERLAP`]. Returns the endpoint and the new secret.
pub async fn rotate_secret(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    id: Uuid,
) -> StoreResult<(Endpoint, String)> {
    let old = sqlx::query_scalar!(
        "SELECT secret_sealed FROM webhook_endpoints WHERE id = $1 AND organisation_id = $2 FOR UPDATE",
        id,
        org
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("webhook endpoint"))?;
    let old = keys
        .open_str(&old, &secret_aad(id))
        .map_err(|e| StoreError::Sealed(format!("webhook endpoint {id} secret: {e}")))?;
    let secret = new_secret();
    let endpoint = sqlx::query_as!(
        Endpoint,
        "UPDATE webhook_endpoints SET secret_sealed = $3, previous_secret_sealed = $4,
                previous_secret_expires_at = now() + $5::interval
         WHERE id = $1 AND organisation_id = $2
         RETURNING id, url, description, events, enabled, previous_secret_expires_at, created_at, updated_at",
        id,
        org,
        keys.seal_str(&secret, &secret_aad(id)),
        keys.seal_str(&old, &previous_aad(id)),
        sqlx::postgres::types::PgInterval::try_from(ROTATION_OVERLAP)
            .expect("a day is an interval"),
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((endpoint, secret))
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not delivered yet: attempts are due (earlier ones may have failed).
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up (out of attempts, the endpoint disabled or refused for
    /// good); a replay sends it again.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A delivery as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct Delivery {
    /// Also the `webhook-id` header: the same on every attempt and replay.
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_type: String,
    /// The body sent: `{"type", "timestamp", "data"}`.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The HTTP status of the last answer (None: no answer, see `last_error`).
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_duration_ms: Option<i32>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The `deliver_webhook` job sending it (see `GET /jobs/{id}`).
    pub job_id: Uuid,
    pub created_at: DateTime<Utc>,
}

struct DeliveryRow {
    id: Uuid,
    endpoint_id: Uuid,
    event_type: String,
    payload: Value,
    status: String,
    attempts: i32,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_duration_ms: Option<i32>,
    delivered_at: Option<DateTime<Utc>>,
    job_id: Uuid,
    created_at: DateTime<Utc>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Self {
            id: r.id,
            endpoint_id: r.endpoint_id,
            event_type: r.event_type,
            payload: r.payload,
            status: DeliveryStatus::parse(&r.status),
            attempts: r.attempts,
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            last_attempt_at: r.last_attempt_at,
            last_duration_ms: r.last_duration_ms,
            delivered_at: r.delivered_at,
            job_id: r.job_id,
            created_at: r.created_at,
        }
    }
}

/// An endpoint's deliveries, newest first, optionally of one status and
/// before (older than) the delivery `before`.
pub async fn deliveries<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    endpoint: Uuid,
    status: Option<DeliveryStatus>,
    before: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<Delivery>> {
    let rows = sqlx::query_as!(
        DeliveryRow,
        "SELECT id, endpoint_id, event_type, payload, status, attempts, last_status_code, last_error,
                last_attempt_at, last_duration_ms, delivered_at, job_id, created_at
         FROM webhook_deliveries
         WHERE endpoint_id = $1 AND organisation_id = $2
           AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR id < $4)
         ORDER BY id DESC LIMIT $5",
        endpoint,
        org,
        status.map(DeliveryStatus::as_str),
        before,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

pub async fn delivery<'e>(
    db: impl PgExecutor<'e>,
    org: Uuid,
    endpoint: Uuid,
    id: Uuid,
) -> StoreResult<Delivery> {
    sqlx::query_as!(
        DeliveryRow,
        "SELECT id, endpoint_id, event_type, payload, status, attempts, last_status_code, last_error,
                last_attempt_at, last_duration_ms, delivered_at, job_id, created_at
         FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2 AND organisation_id = $3",
        id,
        endpoint,
        org,
    )
    .fetch_optional(db)
    .await?
    .map(Delivery::from)
    .ok_or(StoreError::NotFound("webhook delivery"))
}

/// Sets a settled delivery pending again under the job `job_id` (a
/// replay); refused while it is pending (its own job is still at it).
pub async fn replay(
    conn: &mut PgConnection,
    org: Uuid,
    endpoint: Uuid,
    id: Uuid,
    job_id: Uuid,
) -> StoreResult<Delivery> {
    let current = delivery(&mut *conn, org, endpoint, id).await?;
    if current.status == DeliveryStatus::Pending {
        return Err(StoreError::Conflict(
            "the delivery is pending: its job is still sending it".into(),
        ));
    }
    let row = sqlx::query_as!(
        DeliveryRow,
        "UPDATE webhook_deliveries SET status = 'pending', job_id = $3, last_error = NULL
         WHERE id = $1 AND organisation_id = $2 AND status <> 'pending'
         RETURNING id, endpoint_id, event_type, payload, status, attempts, last_status_code, last_error,
                   last_attempt_at, last_duration_ms, delivered_at, job_id, created_at",
        id,
        org,
        job_id,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::Conflict("the delivery changed meanwhile; try again".into()))?;
    Ok(row.into())
}

/// What sending a delivery takes: the body and where to, with the
/// endpoint's secrets opened.
pub struct Outgoing {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    pub enabled: bool,
    pub status: DeliveryStatus,
    /// The job the delivery belongs to now (a replay moves it on).
    pub job_id: Uuid,
    pub payload: Value,
    /// The secrets to sign with: the current one, and the one before a
    /// rotation while it lasts.
    pub secrets: Vec<String>,
}

/// The delivery `id` of `org`, ready to send; None if it (or its
/// endpoint) is gone.
pub async fn outgoing<'e>(
    db: impl PgExecutor<'e>,
    keys: &Keyring,
    org: Uuid,
    id: Uuid,
) -> StoreResult<Option<Outgoing>> {
    let Some(r) = sqlx::query!(
        r#"SELECT d.id, d.endpoint_id, d.status, d.job_id, d.payload, e.url, e.enabled, e.secret_sealed,
                  CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret_sealed END AS previous_sealed
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
           WHERE d.id = $1 AND d.organisation_id = $2"#,
        id,
        org
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let sealed = |e: seal::OpenError| {
        StoreError::Sealed(format!("webhook endpoint {} secret: {e}", r.endpoint_id))
    };
    let mut secrets = vec![keys
        .open_str(&r.secret_sealed, &secret_aad(r.endpoint_id))
        .map_err(sealed)?];
    if let Some(previous) = &r.previous_sealed {
        secrets.push(
            keys.open_str(previous, &previous_aad(r.endpoint_id))
                .map_err(sealed)?,
        );
    }
    Ok(Some(Outgoing {
        id: r.id,
        endpoint_id: r.endpoint_id,
        url: r.url,
        enabled: r.enabled,
        status: DeliveryStatus::parse(&r.status),
        job_id: r.job_id,
        payload: r.payload,
        secrets,
    }))
}

/// What one attempt to send got.
pub struct AttemptRecord<'a> {
    pub status_code: Option<i32>,
    pub error: Option<&'a str>,
    pub duration_ms: Option<i32>,
    pub delivered: bool,
}

/// Records an attempt of the job `job_id` (a job a replay has since
/// replaced records nothing). True if recorded.
pub async fn record_attempt<'e>(
    db: impl PgExecutor<'e>,
    id: Uuid,
    job_id: Uuid,
    a: AttemptRecord<'_>,
) -> StoreResult<bool> {
    let done = sqlx::query!(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = $3, last_error = $4,
                last_duration_ms = $5, last_attempt_at = now(),
                status = CASE WHEN $6 THEN 'delivered' ELSE status END,
                delivered_at = CASE WHEN $6 THEN now() ELSE delivered_at END
         WHERE id = $1 AND job_id = $2 AND status = 'pending'",
        id,
        job_id,
        a.status_code,
        a.error,
        a.duration_ms,
        a.delivered,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The job `job_id` gave up on the delivery `id`: it is `failed`, with why.
pub async fn give_up<'e>(
    db: impl PgExecutor<'e>,
    id: Uuid,
    job_id: Uuid,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query!(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = $3
         WHERE id = $1 AND job_id = $2 AND status = 'pending'",
        id,
        job_id,
        reason,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes settled deliveries created before `before`, a batch at a time;
/// returns how many.
pub async fn purge_settled<'e>(
    db: impl PgExecutor<'e>,
    before: DateTime<Utc>,
    limit: i64,
) -> StoreResult<u64> {
    let done = sqlx::query!(
        "DELETE FROM webhook_deliveries WHERE id IN (
             SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1 LIMIT $2)",
        before,
        limit,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Re-seals a batch of endpoint secrets not under the keyring's current
/// key; returns how many rows it looked at.
pub async fn reseal_batch(conn: &mut PgConnection, keys: &Keyring, limit: i64) -> StoreResult<u64> {
    let rows = sqlx::query!(
        r#"SELECT id, secret_sealed, previous_secret_sealed FROM webhook_endpoints
           WHERE convert_from(substring(secret_sealed from 3 for get_byte(secret_sealed, 1)), 'UTF8') <> $1
              OR convert_from(substring(previous_secret_sealed from 3 for get_byte(previous_secret_sealed, 1)), 'UTF8') <> $1
           ORDER BY id LIMIT $2 FOR UPDATE"#,
        keys.current_id(),
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let fail = |e: seal::OpenError| {
            StoreError::Sealed(format!("re-sealing webhook endpoint {}: {e}", r.id))
        };
        let secret = keys
            .reseal(&r.secret_sealed, &secret_aad(r.id))
            .map_err(fail)?
            .unwrap_or_else(|| r.secret_sealed.clone());
        let previous = match &r.previous_secret_sealed {
            Some(p) => Some(
                keys.reseal(p, &previous_aad(r.id))
                    .map_err(fail)?
                    .unwrap_or_else(|| p.clone()),
            ),
            None => None,
        };
        sqlx::query!(
            "UPDATE webhook_endpoints SET secret_sealed = $2, previous_secret_sealed = $3 WHERE id = $1",
            r.id,
            secret,
            previous,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(rows.len() as u64)
}
