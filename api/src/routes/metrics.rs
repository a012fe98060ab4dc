//! `GET /metrics` on the API's own port: the process's Prometheus text,
//! for a scraper holding `TALENTI_METRICS_TOKEN`. (Every process can also
//! serve its metrics on a listener of its own, `TALENTI_METRICS_ADDR`.)

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ErrorBody},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics of this process (text exposition format): job states
/// and ages per kind, counters and histograms of what it ran or enqueued.
/// With `Authorization: Bearer <TALENTI_METRICS_TOKEN>`; not served (404)
/// when no token is configured.
#[utoipa::path(get, path = "/metrics", tag = "health", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Some((handle, token)) = &state.metrics else {
        return Err(ApiError::Status {
            status: StatusCode::NOT_FOUND,
            code: "not_served",
            message: "metrics are not served on this port without TALENTI_METRICS_TOKEN".into(),
        });
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        return Err(ApiError::Status {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "the metrics token is required".into(),
        });
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response())
}
