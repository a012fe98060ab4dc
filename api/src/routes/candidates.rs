//! Candidate profiles of an organisation.

use axum::{extract::State, http::StatusCode};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use recruiting::store::candidates::{self, CandidateChanges, NewCandidate};

use crate::{
    audit,
    auth::{OrgCtx, Perm},
    error::{ApiError, ErrorBody},
    extract::{Json, Path, Query},
    routes::{double_option, Page, PageQuery},
    validate, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, update, delete))
}

pub use extraction::{EducationItem as EducationEntry, ExperienceItem as ExperienceEntry};
pub type CandidateView = candidates::Candidate;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCandidate {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub first_name: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub last_name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 6–20 digits, with spaces, `+`, `-`, `(`, `)` or `.` between.
    #[schema(max_length = 40, pattern = r"^[ +\-().]*(?:[0-9][ +\-().]*){6,20}$")]
    pub phone: Option<String>,
    #[schema(format = "uri", pattern = r"^https?://")]
    pub linkedin_url: Option<String>,
    #[schema(format = "uri", pattern = r"^https?://")]
    pub github_url: Option<String>,
    #[schema(format = "uri", pattern = r"^https?://")]
    pub portfolio_url: Option<String>,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub location: Option<String>,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub headline: Option<String>,
    #[schema(max_length = 10000)]
    pub summary: Option<String>,
    #[serde(default)]
    #[schema(max_items = 500)]
    pub skills: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub experience: Vec<ExperienceEntry>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub education: Vec<EducationEntry>,
    #[serde(default)]
    #[schema(max_items = 500)]
    pub certifications: Vec<String>,
}

macro_rules! nullable {
    ($($name:ident),*) => {
        /// Changes to a candidate: absent fields stay, `null` clears.
        #[derive(Debug, Deserialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct UpdateCandidate {
            #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
            pub first_name: Option<String>,
            #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
            pub last_name: Option<String>,
            #[schema(format = Email, max_length = 254)]
            pub email: Option<String>,
            $(
                #[serde(default, deserialize_with = "double_option")]
                #[schema(value_type = Option<String>)]
                pub $name: Option<Option<String>>,
            )*
            pub skills: Option<Vec<String>>,
            pub experience: Option<Vec<ExperienceEntry>>,
            pub education: Option<Vec<EducationEntry>>,
            pub certifications: Option<Vec<String>>,
        }
    };
}
nullable!(
    phone,
    linkedin_url,
    github_url,
    portfolio_url,
    location,
    headline,
    summary
);

struct Fields<'a> {
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    urls: [(&'static str, Option<&'a str>); 3],
    short: [(&'static str, Option<&'a str>); 2],
    summary: Option<&'a str>,
    skills: Option<&'a [String]>,
    experience: Option<&'a [ExperienceEntry]>,
    education: Option<&'a [EducationEntry]>,
    certifications: Option<&'a [String]>,
}

fn check(f: Fields<'_>) -> Result<(), ApiError> {
    let mut p = Vec::new();
    for (name, v) in [("first_name", f.first_name), ("last_name", f.last_name)] {
        if let Some(v) = v {
            validate::check(&mut p, name, validate::text(v, 200));
        }
    }
    if let Some(e) = f.email {
        validate::check(&mut p, "email", validate::email(e));
    }
    if let Some(ph) = f.phone {
        let digits = ph.chars().filter(char::is_ascii_digit).count();
        let ok = (6..=20).contains(&digits)
            && ph
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            && ph.len() <= 40;
        if !ok {
            p.push(("phone".into(), "not a phone number".into()));
        }
    }
    for (name, v) in f.urls {
        if let Some(v) = v {
            validate::check(&mut p, name, validate::http_url(v));
        }
    }
    for (name, v) in f.short {
        if let Some(v) = v {
            validate::check(&mut p, name, validate::text(v, 300));
        }
    }
    if let Some(s) = f.summary {
        validate::check(&mut p, "summary", validate::max_len(s, 10_000));
    }
    for (name, list) in [("skills", f.skills), ("certifications", f.certifications)] {
        if let Some(list) = list {
            if list.len() > 500 {
                p.push((name.into(), "at most 500 entries".into()));
            }
            for (i, s) in list.iter().enumerate() {
                validate::check(&mut p, &format!("{name}[{i}]"), validate::text(s, 200));
            }
        }
    }
    if let Some(exp) = f.experience {
        if exp.len() > 100 {
            p.push(("experience".into(), "at most 100 entries".into()));
        }
        for (i, e) in exp.iter().enumerate() {
            validate::check(
                &mut p,
                &format!("experience[{i}].job_title"),
                validate::text(&e.job_title, 200),
            );
            validate::check(
                &mut p,
                &format!("experience[{i}].company_name"),
                validate::text(&e.company_name, 200),
            );
            for (field, d) in [("start_date", &e.start_date), ("end_date", &e.end_date)] {
                if d.as_deref().is_some_and(|d| !extraction::is_year_month(d)) {
                    p.push((format!("experience[{i}].{field}"), "YYYY-MM".into()));
                }
            }
            if let (Some(s), Some(e2)) = (&e.start_date, &e.end_date) {
                if extraction::is_year_month(s) && extraction::is_year_month(e2) && e2 < s {
                    p.push((
                        format!("experience[{i}].end_date"),
                        "before start_date".into(),
                    ));
                }
            }
        }
    }
    if let Some(edu) = f.education {
        if edu.len() > 50 {
            p.push(("education".into(), "at most 50 entries".into()));
        }
        for (i, e) in edu.iter().enumerate() {
            validate::check(
                &mut p,
                &format!("education[{i}].institution"),
                validate::text(&e.institution, 300),
            );
            if e.end_year.is_some_and(|y| !(1900..=2100).contains(&y)) {
                p.push((
                    format!("education[{i}].end_year"),
                    "a year between 1900 and 2100".into(),
                ));
            }
        }
    }
    validate::finish(p)
}

/// Adds a candidate to the organisation.
#[utoipa::path(post, path = "/candidates", tag = "candidates", security(("bearer" = [])), request_body = CreateCandidate,
    responses((status = 201, body = CandidateView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Json(r): Json<CreateCandidate>,
) -> Result<(StatusCode, axum::Json<CandidateView>), ApiError> {
    ctx.require(Perm::Write)?;
    check(Fields {
        first_name: Some(&r.first_name),
        last_name: Some(&r.last_name),
        email: Some(&r.email),
        phone: r.phone.as_deref(),
        urls: [
            ("linkedin_url", r.linkedin_url.as_deref()),
            ("github_url", r.github_url.as_deref()),
            ("portfolio_url", r.portfolio_url.as_deref()),
        ],
        short: [
            ("location", r.location.as_deref()),
            ("headline", r.headline.as_deref()),
        ],
        summary: r.summary.as_deref(),
        skills: Some(&r.skills),
        experience: Some(&r.experience),
        education: Some(&r.education),
        certifications: Some(&r.certifications),
    })?;
    let mut tx = state.pool.begin().await?;
    let row = candidates::create(
        &mut tx,
        &state.postbox.keys,
        ctx.org_id,
        &NewCandidate {
            first_name: r.first_name.trim(),
            last_name: r.last_name.trim(),
            email: r.email.trim(),
            phone: r.phone.as_deref(),
            linkedin_url: r.linkedin_url.as_deref(),
            github_url: r.github_url.as_deref(),
            portfolio_url: r.portfolio_url.as_deref(),
            location: r.location.as_deref(),
            headline: r.headline.as_deref(),
            summary: r.summary.as_deref(),
            skills: &r.skills,
            experience: &r.experience,
            education: &r.education,
            certifications: &r.certifications,
        },
    )
    .await?;
    let id = row.id;
    audit::org(
        &mut tx,
        &ctx,
        "candidate.created",
        "candidate",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListCandidates {
    /// Matches part of the name, or a whole email (any case) or phone number
    /// (its digits): email and phone are stored sealed, so only an exact
    /// value can be looked up.
    pub q: Option<String>,
    /// Candidates with this skill (exact, case-insensitive).
    pub skill: Option<String>,
    /// `true`: only candidates without an email address yet (their resume
    /// had none); `false`: only those with one.
    pub needs_email: Option<bool>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Candidates, newest first.
#[utoipa::path(get, path = "/candidates", tag = "candidates", security(("bearer" = [])), params(ListCandidates),
    responses((status = 200, body = Page<CandidateView>), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Query(q): Query<ListCandidates>,
) -> Result<axum::Json<Page<CandidateView>>, ApiError> {
    ctx.require(Perm::Read)?;
    let mut problems = Vec::new();
    let page = PageQuery::parse(q.limit, q.cursor.as_deref(), &mut problems);
    validate::finish(problems)?;
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter = candidates::Filter {
        search,
        skill: q.skill.as_deref(),
        needs_email: q.needs_email,
        before: page.before,
        limit: page.fetch(),
    };
    let rows = candidates::list(&state.pool, &state.postbox.keys, ctx.org_id, &filter).await?;
    Ok(axum::Json(page.page(rows, |r| r.id, |r| r)))
}

/// One candidate.
#[utoipa::path(get, path = "/candidates/{id}", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CandidateView), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<CandidateView>, ApiError> {
    ctx.require(Perm::Read)?;
    Ok(axum::Json(
        candidates::get(&state.pool, &state.postbox.keys, ctx.org_id, id).await?,
    ))
}

/// Changes a candidate.
#[utoipa::path(patch, path = "/candidates/{id}", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateCandidate,
    responses((status = 200, body = CandidateView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
    Json(r): Json<UpdateCandidate>,
) -> Result<axum::Json<CandidateView>, ApiError> {
    ctx.require(Perm::Write)?;
    let inner =
        |o: &Option<Option<String>>| o.as_ref().and_then(|v| v.as_deref()).map(str::to_owned);
    let (phone, li, gh, pf, loc, hl, sum) = (
        inner(&r.phone),
        inner(&r.linkedin_url),
        inner(&r.github_url),
        inner(&r.portfolio_url),
        inner(&r.location),
        inner(&r.headline),
        inner(&r.summary),
    );
    check(Fields {
        first_name: r.first_name.as_deref(),
        last_name: r.last_name.as_deref(),
        email: r.email.as_deref(),
        phone: phone.as_deref(),
        urls: [
            ("linkedin_url", li.as_deref()),
            ("github_url", gh.as_deref()),
            ("portfolio_url", pf.as_deref()),
        ],
        short: [("location", loc.as_deref()), ("headline", hl.as_deref())],
        summary: sum.as_deref(),
        skills: r.skills.as_deref(),
        experience: r.experience.as_deref(),
        education: r.education.as_deref(),
        certifications: r.certifications.as_deref(),
    })?;
    fn text(o: &Option<Option<String>>) -> Option<Option<&str>> {
        o.as_ref().map(|v| v.as_deref())
    }
    let changes = CandidateChanges {
        first_name: r.first_name.as_deref().map(str::trim),
        last_name: r.last_name.as_deref().map(str::trim),
        email: r.email.as_deref().map(str::trim),
        phone: text(&r.phone),
        linkedin_url: text(&r.linkedin_url),
        github_url: text(&r.github_url),
        portfolio_url: text(&r.portfolio_url),
        location: text(&r.location),
        headline: text(&r.headline),
        summary: text(&r.summary),
        skills: r.skills.as_deref(),
        experience: r.experience.as_deref(),
        education: r.education.as_deref(),
        certifications: r.certifications.as_deref(),
    };
    let mut tx = state.pool.begin().await?;
    let row = candidates::update(&mut tx, &state.postbox.keys, ctx.org_id, id, &changes).await?;
    audit::org(
        &mut tx,
        &ctx,
        "candidate.updated",
        "candidate",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

/// Deletes a candidate with their applications and interviews (data
/// deletion; audited).
#[utoipa::path(delete, path = "/candidates/{id}", tag = "candidates", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    ctx: OrgCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.require(Perm::Write)?;
    let mut tx = state.pool.begin().await?;
    candidates::delete(&mut tx, ctx.org_id, id).await?;
    audit::org(
        &mut tx,
        &ctx,
        "candidate.deleted",
        "candidate",
        id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
