//! Extractors whose rejections are [`ApiError`]s, so malformed input gets the
//! API's error shape instead of axum's plain text.
//!
//! They are also the one place that refuses what Postgres text cannot hold:
//! a NUL character (`\u0000`) anywhere in a JSON body (422 naming the
//! field), a query parameter (400 naming it) or a path. Without this every
//! route that stores or searches a string would answer 500.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

const NUL_PROBLEM: &str = "must not contain the NUL character (\\u0000)";

/// A JSON body: syntax, content type and size as `axum::Json` checks them,
/// then no NUL in any string or key, then the target type (a mismatch is a
/// 422 naming the field).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<Value>::from_request(req, state).await?;
        // Every body of ours is an object; serde would otherwise map an
        // array onto a struct's fields by position (`["Acme"]` → a name).
        if !value.is_object() {
            return Err(ApiError::field("body", "must be a JSON object"));
        }
        if let Some(field) = nul_in(&value, &mut String::new()) {
            return Err(ApiError::field(&field, NUL_PROBLEM));
        }
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|e| {
                let path = e.path().to_string();
                let problem = e.into_inner().to_string();
                // `missing field `x``/`unknown field `x``: name x itself.
                let named = ["missing field `", "unknown field `"]
                    .iter()
                    .find_map(|p| problem.strip_prefix(p))
                    .and_then(|rest| rest.split('`').next());
                let field = match (path.as_str(), named) {
                    (".", Some(name)) => name.to_owned(),
                    (".", None) => "body".to_owned(),
                    (path, Some(name)) => format!("{path}.{name}"),
                    (path, None) => path.to_owned(),
                };
                ApiError::field(&field, problem)
            })
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The dotted path of the first string or key holding a NUL, if any.
fn nul_in(value: &Value, path: &mut String) -> Option<String> {
    let here = |path: &String| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.clone()
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(here(path)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = nul_in(v, path);
            path.truncate(len);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&k.replace('\0', "\\u0000"));
            let found = if k.contains('\0') {
                Some(path.clone())
            } else {
                nul_in(v, path)
            };
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

/// Query parameters; a NUL in any name or value is a 400 naming it.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(query) = parts.uri.query() {
            if let Some((name, _)) = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, v)| k.contains('\0') || v.contains('\0'))
            {
                return Err(ApiError::BadRequest(format!(
                    "query parameter `{}` {NUL_PROBLEM}",
                    name.replace('\0', "\\u0000")
                )));
            }
        }
        let axum::extract::Query(v) =
            axum::extract::Query::from_request_parts(parts, state).await?;
        Ok(Query(v))
    }
}

/// Path parameters; a NUL in the path is a 400.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.path().contains("%00") {
            return Err(ApiError::BadRequest(format!("the path {NUL_PROBLEM}")));
        }
        let axum::extract::Path(v) = axum::extract::Path::from_request_parts(parts, state).await?;
        Ok(Path(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_field_holding_a_nul() {
        let v = json!({ "title": "ok", "rubric": [{ "name": "a" }, { "name": "b\u{0}" }] });
        assert_eq!(
            nul_in(&v, &mut String::new()).as_deref(),
            Some("rubric[1].name")
        );
        assert_eq!(
            nul_in(&json!("x\u{0}"), &mut String::new()).as_deref(),
            Some("body")
        );
        assert_eq!(
            nul_in(&json!({ "k\u{0}": 1 }), &mut String::new()).as_deref(),
            Some("k\\u0000")
        );
        assert_eq!(
            nul_in(&json!({ "a": ["x", 1, null] }), &mut String::new()),
            None
        );
    }
}
