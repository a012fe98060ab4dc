//! One file per resource, each with its own `router()`.

pub mod admin;
pub mod api_keys;
pub mod applications;
pub mod audit_log;
pub mod auth;
pub mod calls;
pub mod candidates;
pub mod data_subjects;
pub mod health;
pub mod interview_invitations;
pub mod interviewer;
pub mod interviews;
pub mod job_roles;
pub mod jobs;
pub mod media;
pub mod meetings;
pub mod members;
pub mod metrics;
pub mod organisations;
pub mod provider_webhooks;
pub mod questions;
pub mod queues;
pub mod reports;
pub mod resumes;
pub mod schedules;
pub mod shortlists;
pub mod webhooks;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{error::ApiError, validate};

/// A page of a list, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<Uuid>,
}

/// `limit` and `cursor` of a list request.
#[derive(Debug, Clone, Copy)]
pub struct PageQuery {
    pub limit: i64,
    pub before: Option<Uuid>,
}

pub const MAX_PAGE: i64 = 200;

impl PageQuery {
    pub fn parse(
        limit: Option<i64>,
        cursor: Option<&str>,
        problems: &mut validate::Problems,
    ) -> Self {
        let limit = limit.unwrap_or(50);
        if !(1..=MAX_PAGE).contains(&limit) {
            problems.push(("limit".into(), format!("between 1 and {MAX_PAGE}")));
        }
        let before = match cursor {
            None | Some("") => None,
            Some(c) => match Uuid::parse_str(c) {
                Ok(id) => Some(id),
                Err(_) => {
                    problems.push((
                        "cursor".into(),
                        "not a cursor returned by this endpoint".into(),
                    ));
                    None
                }
            },
        };
        Self { limit, before }
    }

    /// Rows to fetch: one more than the page, to know if another follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    pub fn page<R, T>(
        &self,
        mut rows: Vec<R>,
        id: impl Fn(&R) -> Uuid,
        view: impl Fn(R) -> T,
    ) -> Page<T> {
        let next_cursor = if rows.len() as i64 > self.limit {
            rows.truncate(self.limit as usize);
            rows.last().map(&id)
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// Query parameters every list accepts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Paging {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub fn not_found(what: &'static str) -> ApiError {
    ApiError::NotFound(what)
}

/// For PATCH bodies: absent → `None` (leave as is), `null` → `Some(None)`
/// (clear), a value → `Some(Some(v))`.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
