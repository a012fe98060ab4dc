//! Candidate profiles of an organisation.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

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

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperienceEntry {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub job_title: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub company_name: String,
    /// `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub start_date: Option<String>,
    /// `YYYY-MM`, not before `start_date`; null while current.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub end_date: Option<String>,
    #[serde(default)]
    pub is_current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EducationEntry {
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub institution: String,
    pub degree: Option<String>,
    /// bachelor, master, phd, bootcamp, other.
    pub degree_level: Option<String>,
    pub field_of_study: Option<String>,
    #[schema(minimum = 1900, maximum = 2100)]
    pub end_year: Option<i32>,
}

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CandidateView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub linkedin_url: Option<String>,
    pub github_url: Option<String>,
    pub portfolio_url: Option<String>,
    pub location: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub skills: Vec<String>,
    #[sqlx(json)]
    pub experience: Vec<ExperienceEntry>,
    #[sqlx(json)]
    pub education: Vec<EducationEntry>,
    pub certifications: Vec<String>,
    /// From the last resume parse.
    pub total_years_experience: Option<f32>,
    /// The resume the parsed fields came from (`GET /resumes/{id}` has the
    /// whole parse), its engine, and when it ran.
    pub parsed_resume_id: Option<Uuid>,
    pub parser_version: Option<String>,
    pub parsed_at: Option<DateTime<Utc>>,
    /// Fields a recruiter edited by hand; a re-parse leaves them alone.
    pub edited_fields: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, first_name, last_name, email, phone, linkedin_url, github_url, portfolio_url, location, \
                       headline, summary, skills, experience, education, certifications, total_years_experience, \
                       parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at";

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
                if d.as_deref().is_some_and(|d| !jobs::ai::is_year_month(d)) {
                    p.push((format!("experience[{i}].{field}"), "YYYY-MM".into()));
                }
            }
            if let (Some(s), Some(e2)) = (&e.start_date, &e.end_date) {
                if jobs::ai::is_year_month(s) && jobs::ai::is_year_month(e2) && e2 < s {
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
    let id = Uuid::now_v7();
    let mut tx = state.pool.begin().await?;
    let row: CandidateView = sqlx::query_as(&format!(
        "INSERT INTO candidates (id, organisation_id, first_name, last_name, email, phone, linkedin_url, github_url,
                                 portfolio_url, location, headline, summary, skills, experience, education,
                                 certifications)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(ctx.org_id)
    .bind(r.first_name.trim())
    .bind(r.last_name.trim())
    .bind(r.email.trim())
    .bind(&r.phone)
    .bind(&r.linkedin_url)
    .bind(&r.github_url)
    .bind(&r.portfolio_url)
    .bind(&r.location)
    .bind(&r.headline)
    .bind(&r.summary)
    .bind(&r.skills)
    .bind(sqlx::types::Json(&r.experience))
    .bind(sqlx::types::Json(&r.education))
    .bind(&r.certifications)
    .fetch_one(&mut *tx)
    .await?;
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
    /// Matches name or email.
    pub q: Option<String>,
    /// Candidates with this skill (exact, case-insensitive).
    pub skill: Option<String>,
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
    let rows: Vec<CandidateView> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM candidates
         WHERE organisation_id = $1
           AND ($2::text IS NULL OR (first_name || ' ' || last_name || ' ' || email) ILIKE '%' || $2 || '%')
           AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM unnest(skills) s WHERE lower(s) = lower($3)))
           AND ($4::uuid IS NULL OR id < $4)
         ORDER BY id DESC LIMIT $5"
    ))
    .bind(ctx.org_id)
    .bind(search)
    .bind(&q.skill)
    .bind(page.before)
    .bind(page.fetch())
    .fetch_all(&state.pool)
    .await?;
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
    crate::routes::find_in_org::<CandidateView>(
        &state.pool,
        "candidates",
        COLUMNS,
        id,
        ctx.org_id,
        "candidate",
    )
    .await
    .map(axum::Json)
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
    // Every field named in the request is now the recruiter's.
    let edited: Vec<&str> = [
        ("first_name", r.first_name.is_some()),
        ("last_name", r.last_name.is_some()),
        ("email", r.email.is_some()),
        ("phone", r.phone.is_some()),
        ("linkedin_url", r.linkedin_url.is_some()),
        ("github_url", r.github_url.is_some()),
        ("portfolio_url", r.portfolio_url.is_some()),
        ("location", r.location.is_some()),
        ("headline", r.headline.is_some()),
        ("summary", r.summary.is_some()),
        ("skills", r.skills.is_some()),
        ("experience", r.experience.is_some()),
        ("education", r.education.is_some()),
        ("certifications", r.certifications.is_some()),
    ]
    .into_iter()
    .filter_map(|(f, set)| set.then_some(f))
    .collect();
    let mut tx = state.pool.begin().await?;
    let row: Option<CandidateView> = sqlx::query_as(&format!(
        "UPDATE candidates SET
             first_name = COALESCE($3, first_name), last_name = COALESCE($4, last_name), email = COALESCE($5, email),
             phone = CASE WHEN $6 THEN $7 ELSE phone END,
             linkedin_url = CASE WHEN $8 THEN $9 ELSE linkedin_url END,
             github_url = CASE WHEN $10 THEN $11 ELSE github_url END,
             portfolio_url = CASE WHEN $12 THEN $13 ELSE portfolio_url END,
             location = CASE WHEN $14 THEN $15 ELSE location END,
             headline = CASE WHEN $16 THEN $17 ELSE headline END,
             summary = CASE WHEN $18 THEN $19 ELSE summary END,
             skills = COALESCE($20, skills), experience = COALESCE($21, experience),
             education = COALESCE($22, education), certifications = COALESCE($23, certifications),
             edited_fields = ARRAY(SELECT DISTINCT f FROM unnest(edited_fields || $24::text[]) AS f ORDER BY f)
         WHERE id = $1 AND organisation_id = $2 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(ctx.org_id)
    .bind(r.first_name.as_deref().map(str::trim))
    .bind(r.last_name.as_deref().map(str::trim))
    .bind(r.email.as_deref().map(str::trim))
    .bind(r.phone.is_some())
    .bind(phone)
    .bind(r.linkedin_url.is_some())
    .bind(li)
    .bind(r.github_url.is_some())
    .bind(gh)
    .bind(r.portfolio_url.is_some())
    .bind(pf)
    .bind(r.location.is_some())
    .bind(loc)
    .bind(r.headline.is_some())
    .bind(hl)
    .bind(r.summary.is_some())
    .bind(sum)
    .bind(&r.skills)
    .bind(r.experience.as_ref().map(sqlx::types::Json))
    .bind(r.education.as_ref().map(sqlx::types::Json))
    .bind(&r.certifications)
    .bind(&edited)
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or(ApiError::NotFound("candidate"))?;
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
    let done = sqlx::query("DELETE FROM candidates WHERE id = $1 AND organisation_id = $2")
        .bind(id)
        .bind(ctx.org_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound("candidate"));
    }
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
