//! Candidates: the organisation's people, with the profile a recruiter
//! typed or a resume parse filled in. Fields a recruiter edited by hand
//! (`edited_fields`) are theirs: a parse never overwrites them.
//!
//! Email and phone are sealed at rest (`seal`), each bound to its row and
//! column, with a blind index for finding a candidate by either (see
//! [`Sealer`]). Everything else is plain, so names and skills stay
//! searchable.

use chrono::{DateTime, Utc};
use seal::Keyring;
use serde::Serialize;
use sqlx::{types::Json, PgConnection, PgExecutor};
use uuid::Uuid;

use super::{StoreError, StoreResult};
use extraction::contact::to_e164;
use extraction::{EducationItem, ExperienceItem};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CandidateView)]
pub struct Candidate {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// `erased-<id>@erased.invalid` once the candidate is erased; null for
    /// a candidate whose resume had no email address (`needs_email`).
    pub email: Option<String>,
    /// No email address yet (their resume had none): they cannot be
    /// invited or emailed until one is added (PATCH).
    pub needs_email: bool,
    /// As printed on the resume or typed by a recruiter.
    pub phone: Option<String>,
    /// `phone` in E.164 (`+442079460958`), by its printed country code or
    /// else the candidate's location; null when it cannot be told.
    pub phone_e164: Option<String>,
    pub linkedin_url: Option<String>,
    pub github_url: Option<String>,
    pub portfolio_url: Option<String>,
    pub location: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub skills: Vec<String>,
    #[schema(value_type = Vec<ExperienceItem>)]
    pub experience: Json<Vec<ExperienceItem>>,
    #[schema(value_type = Vec<EducationItem>)]
    pub education: Json<Vec<EducationItem>>,
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

/// A candidate row as stored: email and phone sealed (or, until
/// `reseal_personal_data` has run after the upgrade, plain in `legacy_*`).
struct Row {
    id: Uuid,
    first_name: String,
    last_name: String,
    email_sealed: Option<Vec<u8>>,
    legacy_email: Option<String>,
    phone_sealed: Option<Vec<u8>>,
    legacy_phone: Option<String>,
    erased: bool,
    linkedin_url: Option<String>,
    github_url: Option<String>,
    portfolio_url: Option<String>,
    location: Option<String>,
    headline: Option<String>,
    summary: Option<String>,
    skills: Vec<String>,
    experience: Json<Vec<ExperienceItem>>,
    education: Json<Vec<EducationItem>>,
    certifications: Vec<String>,
    total_years_experience: Option<f32>,
    parsed_resume_id: Option<Uuid>,
    parser_version: Option<String>,
    parsed_at: Option<DateTime<Utc>>,
    edited_fields: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn open(self, keys: &Keyring) -> StoreResult<Candidate> {
        let (email, phone) = open_contact(
            keys,
            self.id,
            Contact {
                email_sealed: self.email_sealed.as_deref(),
                legacy_email: self.legacy_email,
                phone_sealed: self.phone_sealed.as_deref(),
                legacy_phone: self.legacy_phone,
            },
        )?;
        let phone_e164 = phone
            .as_deref()
            .and_then(|p| to_e164(p, self.location.as_deref()));
        Ok(Candidate {
            id: self.id,
            first_name: self.first_name,
            last_name: self.last_name,
            needs_email: email.is_none() && !self.erased,
            email: email.or_else(|| self.erased.then(|| erased_email(self.id))),
            phone,
            phone_e164,
            linkedin_url: self.linkedin_url,
            github_url: self.github_url,
            portfolio_url: self.portfolio_url,
            location: self.location,
            headline: self.headline,
            summary: self.summary,
            skills: self.skills,
            experience: self.experience,
            education: self.education,
            certifications: self.certifications,
            total_years_experience: self.total_years_experience,
            parsed_resume_id: self.parsed_resume_id,
            parser_version: self.parser_version,
            parsed_at: self.parsed_at,
            edited_fields: self.edited_fields,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A candidate's stored contact columns, for [`open_contact`].
pub struct Contact<'a> {
    pub email_sealed: Option<&'a [u8]>,
    pub legacy_email: Option<String>,
    pub phone_sealed: Option<&'a [u8]>,
    pub legacy_phone: Option<String>,
}

/// A candidate's email and phone in plain, from their stored columns (for
/// the other stores that read them beside their own rows). No email: the
/// candidate has none yet, or was erased.
pub fn open_contact(
    keys: &Keyring,
    id: Uuid,
    c: Contact<'_>,
) -> StoreResult<(Option<String>, Option<String>)> {
    let unseal = |what: &str, e: seal::OpenError| {
        StoreError::Sealed(format!("the candidate's {what} cannot be opened: {e}"))
    };
    let email = match (c.email_sealed, c.legacy_email) {
        (Some(sealed), _) => Some(
            keys.open_str(sealed, &email_aad(id))
                .map_err(|e| unseal("email", e))?,
        ),
        (None, legacy) => legacy,
    };
    let phone = match (c.phone_sealed, c.legacy_phone) {
        (Some(sealed), _) => Some(
            keys.open_str(sealed, &phone_aad(id))
                .map_err(|e| unseal("phone", e))?,
        ),
        (None, legacy) => legacy,
    };
    Ok((email, phone))
}

/// What an erased candidate's email reads as.
pub fn erased_email(id: Uuid) -> String {
    format!("erased-{id}@erased.invalid")
}

pub(crate) fn email_aad(id: Uuid) -> Vec<u8> {
    format!("candidates.email:{id}").into_bytes()
}

pub(crate) fn phone_aad(id: Uuid) -> Vec<u8> {
    format!("candidates.phone:{id}").into_bytes()
}

/// What an email is indexed by: trimmed and lower-cased.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// What a phone number is indexed by: its digits (so `+44 20 7946 0958`
/// and `+442079460958` are one number). None with fewer than five.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 5).then_some(digits)
}

/// Seals a candidate's email and phone for their row, with the blind
/// indexes that find them.
pub struct Sealer<'k> {
    pub keys: &'k Keyring,
}

/// A sealed value and its blind index.
pub struct SealedField {
    pub sealed: Vec<u8>,
    pub index: Vec<u8>,
}

impl Sealer<'_> {
    pub fn email(&self, id: Uuid, email: &str) -> SealedField {
        SealedField {
            sealed: self.keys.seal_str(email, &email_aad(id)),
            index: self.email_index(email),
        }
    }

    /// None for no phone. Sealed as given (printed or typed), indexed by
    /// its E.164 form when that is known (so `020 7946 0958` printed in
    /// London and `+44 20 7946 0958` are one number), else by its digits;
    /// a number without enough digits to index is still sealed, under an
    /// index of its raw text.
    pub fn phone(&self, id: Uuid, phone: Option<&str>, e164: Option<&str>) -> Option<SealedField> {
        let phone = phone?;
        Some(SealedField {
            sealed: self.keys.seal_str(phone, &phone_aad(id)),
            index: self
                .phone_index(e164.unwrap_or(phone))
                .unwrap_or_else(|| self.keys.blind_index("candidates.phone.raw", phone.trim())),
        })
    }

    pub fn email_index(&self, email: &str) -> Vec<u8> {
        self.keys.blind_index("candidates.email", &email_key(email))
    }

    pub fn phone_index(&self, phone: &str) -> Option<Vec<u8>> {
        phone_key(phone).map(|k| self.keys.blind_index("candidates.phone", &k))
    }
}

/// A candidate typed in by a recruiter (validated by the caller).
#[derive(Debug)]
pub struct NewCandidate<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub linkedin_url: Option<&'a str>,
    pub github_url: Option<&'a str>,
    pub portfolio_url: Option<&'a str>,
    pub location: Option<&'a str>,
    pub headline: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub skills: &'a [String],
    pub experience: &'a [ExperienceItem],
    pub education: &'a [EducationItem],
    pub certifications: &'a [String],
}

/// A recruiter's changes: None leaves a field; for the optional text
/// fields Some(None) clears. Every field named becomes the recruiter's
/// (`edited_fields`).
#[derive(Debug, Default)]
pub struct CandidateChanges<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<Option<&'a str>>,
    pub linkedin_url: Option<Option<&'a str>>,
    pub github_url: Option<Option<&'a str>>,
    pub portfolio_url: Option<Option<&'a str>>,
    pub location: Option<Option<&'a str>>,
    pub headline: Option<Option<&'a str>>,
    pub summary: Option<Option<&'a str>>,
    pub skills: Option<&'a [String]>,
    pub experience: Option<&'a [ExperienceItem]>,
    pub education: Option<&'a [EducationItem]>,
    pub certifications: Option<&'a [String]>,
}

impl CandidateChanges<'_> {
    /// The fields these changes name.
    pub fn named(&self) -> Vec<&'static str> {
        [
            ("first_name", self.first_name.is_some()),
            ("last_name", self.last_name.is_some()),
            ("email", self.email.is_some()),
            ("phone", self.phone.is_some()),
            ("linkedin_url", self.linkedin_url.is_some()),
            ("github_url", self.github_url.is_some()),
            ("portfolio_url", self.portfolio_url.is_some()),
            ("location", self.location.is_some()),
            ("headline", self.headline.is_some()),
            ("summary", self.summary.is_some()),
            ("skills", self.skills.is_some()),
            ("experience", self.experience.is_some()),
            ("education", self.education.is_some()),
            ("certifications", self.certifications.is_some()),
        ]
        .into_iter()
        .filter_map(|(f, set)| set.then_some(f))
        .collect()
    }
}

/// Which candidates to list: newest first, ids below `before`.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    /// Part of the name, or a whole email or phone number.
    pub search: Option<&'a str>,
    /// Has this skill (case-insensitive).
    pub skill: Option<&'a str>,
    /// Has no email address yet (true), or has one (false).
    pub needs_email: Option<bool>,
    pub before: Option<Uuid>,
    pub limit: i64,
}

pub async fn create(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    c: &NewCandidate<'_>,
) -> StoreResult<Candidate> {
    let id = Uuid::now_v7();
    let sealer = Sealer { keys };
    let email = sealer.email(id, c.email);
    let e164 = c.phone.and_then(|p| to_e164(p, c.location));
    let phone = sealer.phone(id, c.phone, e164.as_deref());
    let (phone_sealed, phone_index) = phone.map(|p| (p.sealed, p.index)).unzip();
    sqlx::query_as!(
        Row,
        r#"INSERT INTO candidates (id, organisation_id, first_name, last_name, email_sealed, email_index,
                                   phone_sealed, phone_index, linkedin_url, github_url, portfolio_url, location,
                                   headline, summary, skills, experience, education, certifications)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
           RETURNING id, first_name, last_name, email_sealed, legacy_email, phone_sealed, legacy_phone, erased_at IS NOT NULL AS "erased!", linkedin_url,
                  github_url, portfolio_url, location, headline, summary, skills,
                  experience AS "experience: Json<Vec<ExperienceItem>>",
                  education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                  parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at"#,
        id,
        org,
        c.first_name,
        c.last_name,
        email.sealed,
        email.index,
        phone_sealed,
        phone_index,
        c.linkedin_url,
        c.github_url,
        c.portfolio_url,
        c.location,
        c.headline,
        c.summary,
        c.skills,
        Json(c.experience) as _,
        Json(c.education) as _,
        c.certifications,
    )
    .fetch_one(conn)
    .await?
    .open(keys)
}

/// Candidates by the filter. A search matches part of the name, or the
/// whole email (any case) or phone number (its digits): email and phone
/// are sealed, so only an exact value can be looked up.
pub async fn list<'e>(
    db: impl PgExecutor<'e>,
    keys: &Keyring,
    org: Uuid,
    f: &Filter<'_>,
) -> StoreResult<Vec<Candidate>> {
    let sealer = Sealer { keys };
    let search = f.search.map(str::trim).filter(|q| !q.is_empty());
    let email_index = search.map(|q| sealer.email_index(q));
    let phone_index =
        search.and_then(|q| sealer.phone_index(&to_e164(q, None).unwrap_or_else(|| q.to_owned())));
    sqlx::query_as!(
        Row,
        r#"SELECT id, first_name, last_name, email_sealed, legacy_email, phone_sealed, legacy_phone, erased_at IS NOT NULL AS "erased!", linkedin_url,
                  github_url, portfolio_url, location, headline, summary, skills,
                  experience AS "experience: Json<Vec<ExperienceItem>>",
                  education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                  parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at
           FROM candidates
           WHERE organisation_id = $1
             AND ($2::text IS NULL OR (first_name || ' ' || last_name) ILIKE '%' || $2 || '%'
                  OR email_index = $6 OR phone_index = $7)
             AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM unnest(skills) s WHERE lower(s) = lower($3)))
             AND ($4::uuid IS NULL OR id < $4)
             AND ($8::bool IS NULL OR $8 = (email_index IS NULL AND legacy_email IS NULL AND erased_at IS NULL))
           ORDER BY id DESC LIMIT $5"#,
        org,
        search,
        f.skill,
        f.before,
        f.limit,
        email_index,
        phone_index,
        f.needs_email,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| r.open(keys))
    .collect()
}

pub async fn get<'e>(
    db: impl PgExecutor<'e>,
    keys: &Keyring,
    org: Uuid,
    id: Uuid,
) -> StoreResult<Candidate> {
    sqlx::query_as!(
        Row,
        r#"SELECT id, first_name, last_name, email_sealed, legacy_email, phone_sealed, legacy_phone, erased_at IS NOT NULL AS "erased!", linkedin_url,
                  github_url, portfolio_url, location, headline, summary, skills,
                  experience AS "experience: Json<Vec<ExperienceItem>>",
                  education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                  parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at
           FROM candidates WHERE id = $1 AND organisation_id = $2"#,
        id,
        org,
    )
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("candidate"))?
    .open(keys)
}

pub async fn exists<'e>(db: impl PgExecutor<'e>, org: Uuid, id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM candidates WHERE id = $1 AND organisation_id = $2) AS "exists!""#,
        id,
        org,
    )
    .fetch_one(db)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    keys: &Keyring,
    org: Uuid,
    id: Uuid,
    c: &CandidateChanges<'_>,
) -> StoreResult<Candidate> {
    let named = c.named();
    let sealer = Sealer { keys };
    let email = c.email.map(|e| sealer.email(id, e));
    let (email_sealed, email_index) = email.map(|e| (e.sealed, e.index)).unzip();
    // Indexed by the location the change names, else the stored one.
    let location = match c.location {
        Some(l) => l.map(str::to_owned),
        None if c.phone.flatten().is_some() => location_of(&mut *conn, org, id).await?,
        None => None,
    };
    let phone = c.phone.flatten().and_then(|p| {
        let e164 = to_e164(p, location.as_deref());
        sealer.phone(id, Some(p), e164.as_deref())
    });
    let (phone_sealed, phone_index) = phone.map(|p| (p.sealed, p.index)).unzip();
    sqlx::query_as!(
        Row,
        r#"UPDATE candidates SET
               first_name = COALESCE($3, first_name), last_name = COALESCE($4, last_name),
               email_sealed = COALESCE($5, email_sealed), email_index = COALESCE($6, email_index),
               legacy_email = CASE WHEN $5::bytea IS NULL THEN legacy_email END,
               phone_sealed = CASE WHEN $7 THEN $8 ELSE phone_sealed END,
               phone_index = CASE WHEN $7 THEN $9 ELSE phone_index END,
               legacy_phone = CASE WHEN $7 THEN NULL ELSE legacy_phone END,
               linkedin_url = CASE WHEN $10 THEN $11 ELSE linkedin_url END,
               github_url = CASE WHEN $12 THEN $13 ELSE github_url END,
               portfolio_url = CASE WHEN $14 THEN $15 ELSE portfolio_url END,
               location = CASE WHEN $16 THEN $17 ELSE location END,
               headline = CASE WHEN $18 THEN $19 ELSE headline END,
               summary = CASE WHEN $20 THEN $21 ELSE summary END,
               skills = COALESCE($22, skills), experience = COALESCE($23, experience),
               education = COALESCE($24, education), certifications = COALESCE($25, certifications),
               edited_fields = ARRAY(SELECT DISTINCT f FROM unnest(edited_fields || $26::text[]) AS f ORDER BY f)
           WHERE id = $1 AND organisation_id = $2
           RETURNING id, first_name, last_name, email_sealed, legacy_email, phone_sealed, legacy_phone, erased_at IS NOT NULL AS "erased!", linkedin_url,
                  github_url, portfolio_url, location, headline, summary, skills,
                  experience AS "experience: Json<Vec<ExperienceItem>>",
                  education AS "education: Json<Vec<EducationItem>>", certifications, total_years_experience,
                  parsed_resume_id, parser_version, parsed_at, edited_fields, created_at, updated_at"#,
        id,
        org,
        c.first_name,
        c.last_name,
        email_sealed,
        email_index,
        c.phone.is_some(),
        phone_sealed,
        phone_index,
        c.linkedin_url.is_some(),
        c.linkedin_url.flatten(),
        c.github_url.is_some(),
        c.github_url.flatten(),
        c.portfolio_url.is_some(),
        c.portfolio_url.flatten(),
        c.location.is_some(),
        c.location.flatten(),
        c.headline.is_some(),
        c.headline.flatten(),
        c.summary.is_some(),
        c.summary.flatten(),
        c.skills,
        c.experience.map(Json) as _,
        c.education.map(Json) as _,
        c.certifications,
        &named as &[&str],
    )
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("candidate"))?
    .open(keys)
}

async fn location_of(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT location FROM candidates WHERE id = $1 AND organisation_id = $2",
        id,
        org
    )
    .fetch_optional(conn)
    .await?
    .flatten())
}

/// Deletes a candidate with their applications and interviews.
pub async fn delete(conn: &mut PgConnection, org: Uuid, id: Uuid) -> StoreResult<()> {
    let done = sqlx::query!(
        "DELETE FROM candidates WHERE id = $1 AND organisation_id = $2",
        id,
        org
    )
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("candidate"));
    }
    Ok(())
}

/// For key rotation and the upgrade from plaintext: re-seals up to `limit`
/// candidates whose email or phone is under another key than the current
/// one, or still in a `legacy_*` column (sealed and indexed then, the
/// plaintext cleared); returns how many. Rows are locked, so a batch
/// smaller than `limit` means none is left.
pub async fn reseal_batch(conn: &mut PgConnection, keys: &Keyring, limit: i64) -> StoreResult<u64> {
    let rows = sqlx::query!(
        r#"SELECT id, email_sealed, legacy_email, phone_sealed, legacy_phone, location FROM candidates
           WHERE legacy_email IS NOT NULL OR legacy_phone IS NOT NULL
              OR convert_from(substring(email_sealed from 3 for get_byte(email_sealed, 1)), 'UTF8') <> $1
              OR convert_from(substring(phone_sealed from 3 for get_byte(phone_sealed, 1)), 'UTF8') <> $1
           ORDER BY id LIMIT $2 FOR UPDATE"#,
        keys.current_id(),
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let sealer = Sealer { keys };
    for r in &rows {
        let (email, phone) = open_contact(
            keys,
            r.id,
            Contact {
                email_sealed: r.email_sealed.as_deref(),
                legacy_email: r.legacy_email.clone(),
                phone_sealed: r.phone_sealed.as_deref(),
                legacy_phone: r.legacy_phone.clone(),
            },
        )?;
        let email = email.map(|e| sealer.email(r.id, &e));
        let (email_sealed, email_index) = email.map(|e| (e.sealed, e.index)).unzip();
        let e164 = phone
            .as_deref()
            .and_then(|p| to_e164(p, r.location.as_deref()));
        let phone = sealer.phone(r.id, phone.as_deref(), e164.as_deref());
        let (phone_sealed, phone_index) = phone.map(|p| (p.sealed, p.index)).unzip();
        sqlx::query!(
            "UPDATE candidates SET email_sealed = $2, email_index = $3, phone_sealed = $4, phone_index = $5,
                    legacy_email = NULL, legacy_phone = NULL
             WHERE id = $1",
            r.id,
            email_sealed,
            email_index,
            phone_sealed,
            phone_index,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(rows.len() as u64)
}
