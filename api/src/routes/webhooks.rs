//! Outbound webhooks, for an organisation's owners and admins: register
//! endpoints for events, see each delivery (status, attempts, the
//! endpoint's last answer) and replay one. Deliveries are `deliver_webhook`
//! jobs ([`job_kinds::deliver_webhook`] says how they are signed and
//! retried).

use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use job_kinds::deliver_webhook;
use recruiting::store::webhooks::{
    self, Delivery, DeliveryStatus, Endpoint, EndpointPatch, EventType, NewEndpoint,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::{
    audit,
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, update, remove))
        .routes(routes!(rotate_secret))
        .routes(routes!(deliveries))
        .routes(routes!(delivery))
        .routes(routes!(replay))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    /// The signing secret (`whsec_…`), shown only now: the base64 after
    /// `whsec_` is the HMAC-SHA256 key of `webhook-signature`.
    pub secret: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointRequest {
    /// `https://` (plain `http://` and private addresses only where the
    /// platform allows them, for development).
    #[schema(max_length = 2000)]
    pub url: String,
    /// What the endpoint receives.
    #[schema(min_items = 1)]
    pub events: Vec<EventType>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
    /// Default true.
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointUpdate {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1)]
    pub events: Option<Vec<EventType>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// A disabled endpoint receives nothing new; its pending deliveries fail
    /// (replay them once it is enabled again).
    pub enabled: Option<bool>,
}

fn check_url(problems: &mut validate::Problems, url: &str, allow_private: bool) {
    if let Some(problem) = deliver_webhook::url_problem(url, allow_private) {
        problems.push(("url".into(), problem));
    }
}

fn check_events(problems: &mut validate::Problems, events: &[EventType]) {
    if events.is_empty() {
        let all: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
        problems.push((
            "events".into(),
            format!("one or more of: {}", all.join(", ")),
        ));
    }
}

/// Registers a webhook endpoint (owners and admins). The answer holds its
/// signing secret, shown only this once.
#[utoipa::path(post, path = "/webhook-endpoints", tag = "webhooks", security(("bearer" = [])),
    request_body = EndpointRequest,
    responses((status = 201, body = CreatedEndpoint), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(req): Json<EndpointRequest>,
) -> Result<(StatusCode, axum::Json<CreatedEndpoint>), ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    let url = req.url.trim();
    check_url(&mut problems, url, state.webhooks_allow_private);
    check_events(&mut problems, &req.events);
    validate::check(
        &mut problems,
        "description",
        validate::max_len(&req.description, 500),
    );
    validate::finish(problems)?;
    let mut tx = state.pool.begin().await?;
    let (endpoint, secret) = webhooks::create(
        &mut tx,
        &state.postbox.keys,
        ctx.org_id,
        NewEndpoint {
            url,
            description: req.description.trim(),
            events: &req.events,
            enabled: req.enabled.unwrap_or(true),
            created_by: ctx.user_id(),
        },
    )
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "webhook_endpoint.created",
        "webhook_endpoint",
        endpoint.id,
        json!({ "events": endpoint.events, "enabled": endpoint.enabled }),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedEndpoint { endpoint, secret }),
    ))
}

/// The organisation's webhook endpoints (never their secrets).
#[utoipa::path(get, path = "/webhook-endpoints", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = Vec<Endpoint>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<axum::Json<Vec<Endpoint>>, ApiError> {
    ctx.require(Perm::Manage)?;
    Ok(axum::Json(webhooks::list(&state.pool, ctx.org_id).await?))
}

/// One webhook endpoint.
#[utoipa::path(get, path = "/webhook-endpoints/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Endpoint), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Endpoint>, ApiError> {
    ctx.require(Perm::Manage)?;
    Ok(axum::Json(
        webhooks::get(&state.pool, ctx.org_id, id).await?,
    ))
}

/// Changes an endpoint's URL, events, description or whether it is enabled.
#[utoipa::path(patch, path = "/webhook-endpoints/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = EndpointUpdate,
    responses((status = 200, body = Endpoint), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(req): Json<EndpointUpdate>,
) -> Result<axum::Json<Endpoint>, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    let url = req.url.as_deref().map(str::trim);
    if let Some(url) = url {
        check_url(&mut problems, url, state.webhooks_allow_private);
    }
    if let Some(events) = &req.events {
        check_events(&mut problems, events);
    }
    if let Some(d) = &req.description {
        validate::check(&mut problems, "description", validate::max_len(d, 500));
    }
    validate::finish(problems)?;
    let mut tx = state.pool.begin().await?;
    let endpoint = webhooks::update(
        &mut *tx,
        ctx.org_id,
        id,
        EndpointPatch {
            url,
            description: req.description.as_deref().map(str::trim),
            events: req.events.as_deref(),
            enabled: req.enabled,
        },
    )
    .await?;
    audit::org(
        &mut tx,
        &ctx,
        "webhook_endpoint.updated",
        "webhook_endpoint",
        id,
        json!({ "url_changed": url.is_some(), "events": endpoint.events, "enabled": endpoint.enabled }),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(endpoint))
}

/// Removes an endpoint and its deliveries; pending ones are not sent.
#[utoipa::path(delete, path = "/webhook-endpoints/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut tx = state.pool.begin().await?;
    webhooks::delete(&mut *tx, ctx.org_id, id).await?;
    audit::org(
        &mut tx,
        &ctx,
        "webhook_endpoint.deleted",
        "webhook_endpoint",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives an endpoint a new signing secret, shown only now. For a day the
/// old secret signs too (two `v1,` signatures), so a receiver can switch
/// without refusing deliveries.
#[utoipa::path(post, path = "/webhook-endpoints/{id}/rotate-secret", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CreatedEndpoint), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn rotate_secret(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<CreatedEndpoint>, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut tx = state.pool.begin().await?;
    let (endpoint, secret) =
        webhooks::rotate_secret(&mut tx, &state.postbox.keys, ctx.org_id, id).await?;
    audit::org(
        &mut tx,
        &ctx,
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint",
        id,
        json!({ "previous_secret_expires_at": endpoint.previous_secret_expires_at }),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(CreatedEndpoint { endpoint, secret }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListDeliveries {
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An endpoint's deliveries, newest first.
#[utoipa::path(get, path = "/webhook-endpoints/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path), ListDeliveries),
    responses((status = 200, body = Page<Delivery>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn deliveries(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Query(q): Query<ListDeliveries>,
) -> Result<axum::Json<Page<Delivery>>, ApiError> {
    ctx.require(Perm::Manage)?;
    let mut problems = Vec::new();
    let page = PageQuery::parse(q.limit, q.cursor.as_deref(), &mut problems);
    validate::finish(problems)?;
    // An unknown endpoint is a 404, not an empty list.
    webhooks::get(&state.pool, ctx.org_id, id).await?;
    let rows = webhooks::deliveries(
        &state.pool,
        ctx.org_id,
        id,
        q.status,
        page.before,
        page.fetch(),
    )
    .await?;
    Ok(axum::Json(page.page(rows, |d| d.id, |d| d)))
}

/// One delivery: its body, status, attempts and the endpoint's last answer.
#[utoipa::path(get, path = "/webhook-endpoints/{id}/deliveries/{delivery_id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses((status = 200, body = Delivery), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn delivery(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path((id, delivery_id)): Path<(Uuid, Uuid)>,
) -> Result<axum::Json<Delivery>, ApiError> {
    ctx.require(Perm::Manage)?;
    Ok(axum::Json(
        webhooks::delivery(&state.pool, ctx.org_id, id, delivery_id).await?,
    ))
}

/// Sends a delivered or failed delivery again: the same body and
/// `webhook-id`, by a new job. 409 while it is pending.
#[utoipa::path(post, path = "/webhook-endpoints/{id}/deliveries/{delivery_id}/replay", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses((status = 202, body = Delivery), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn replay(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path((id, delivery_id)): Path<(Uuid, Uuid)>,
) -> Result<(StatusCode, axum::Json<Delivery>), ApiError> {
    ctx.require(Perm::Manage)?;
    let mut tx = state.pool.begin().await?;
    let delivery = deliver_webhook::replay(&mut tx, ctx.org_id, id, delivery_id).await?;
    audit::org(
        &mut tx,
        &ctx,
        "webhook_delivery.replayed",
        "webhook_delivery",
        delivery_id,
        json!({ "endpoint_id": id, "job_id": delivery.job_id }),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, axum::Json(delivery)))
}
