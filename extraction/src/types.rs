//! Structured results of the AI jobs. Every engine produces these shapes.
//!
//! An OpenAI-compatible provider is sent the JSON schema of these types
//! (derived by `schemars`, doc comments as descriptions), so what a model is
//! asked for is what is parsed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A resume, parsed.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
pub struct ResumeProfile {
    // Required though nullable (a model says null rather than leaves a key
    // out): `required` alone would drop the null.
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub first_name: Option<String>,
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub last_name: Option<String>,
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub email: Option<String>,
    /// As printed.
    pub phone: Option<String>,
    /// E.164 (`+2348035550142`) when the number could be normalised.
    pub phone_e164: Option<String>,
    /// Normalised: https, www.linkedin.com, no trailing slash.
    pub linkedin_url: Option<String>,
    pub github_url: Option<String>,
    pub portfolio_url: Option<String>,
    pub location: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    /// Canonical skill names (the taxonomy's), sorted, unique.
    pub skills: Vec<String>,
    /// Most recent first, as in the document.
    pub experience: Vec<ExperienceItem>,
    pub education: Vec<EducationItem>,
    pub certifications: Vec<String>,
    /// Spoken languages, as printed with their level ("English (C1)").
    #[serde(default)]
    pub languages: Vec<String>,
    /// Months covered by at least one position (overlaps merged), in years,
    /// one decimal.
    pub total_years_experience: Option<f64>,
    /// Set when the document was scanned and its text read by OCR: how
    /// well it read (the platform's note, not asked of a model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub ocr: Option<OcrNote>,
}

/// How the OCR of a scanned resume went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct OcrNote {
    /// Pages read.
    pub pages: usize,
    /// Words read.
    pub words: usize,
    /// Tesseract's mean word confidence, 0–100.
    pub mean_confidence: f32,
}

/// A position held: what the parser reads, what is stored on the candidate
/// and what the API shows and accepts.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
#[schemars(transform = model_states_is_current)]
pub struct ExperienceItem {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub job_title: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub company_name: String,
    /// `YYYY-MM`.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub start_date: Option<String>,
    /// `YYYY-MM`, not before `start_date`; null while current.
    #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub end_date: Option<String>,
    /// Absent in an API request: false. A model is asked to say
    /// (`model_states_is_current`).
    #[serde(default)]
    pub is_current: bool,
}

/// A qualification: what the parser reads, what is stored on the candidate
/// and what the API shows and accepts.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct EducationItem {
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub institution: String,
    pub degree: Option<String>,
    /// bachelor | master | phd | bootcamp | other
    #[schemars(extend("enum" = ["bachelor", "master", "phd", "bootcamp", "other", null]))]
    pub degree_level: Option<String>,
    pub field_of_study: Option<String>,
    #[schema(minimum = 1900, maximum = 2100)]
    pub end_year: Option<i32>,
    /// The graduation is still to come (`end_year` is when it is expected).
    #[serde(default)]
    pub expected: bool,
}

/// A job description, read for what it asks.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
pub struct JobRequirements {
    /// Canonical skill names.
    pub required_skills: Vec<String>,
    pub preferred_skills: Vec<String>,
    pub min_years_experience: Option<f64>,
    /// e.g. "bachelor" when a degree is asked for.
    pub education: Option<String>,
    pub certifications: Vec<String>,
    pub responsibilities: Vec<String>,
    pub competencies: Vec<String>,
    pub seniority: Option<String>,
}

/// The schema a model is sent requires `is_current`, which the API lets a
/// client leave out (its serde default makes schemars leave it optional).
fn model_states_is_current(schema: &mut schemars::Schema) {
    if let Some(required) = schema
        .get_mut("required")
        .and_then(serde_json::Value::as_array_mut)
    {
        if !required.iter().any(|r| r == "is_current") {
            required.push("is_current".into());
        }
    }
}

/// A `YYYY-MM` date, as experience entries carry them.
pub fn is_year_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}
