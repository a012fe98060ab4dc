//! Structured results of the AI jobs. Every engine produces these shapes.

use serde::{Deserialize, Serialize};

/// A resume, parsed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResumeProfile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
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
    /// Months covered by at least one position (overlaps merged), in years,
    /// one decimal.
    pub total_years_experience: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExperienceItem {
    pub job_title: String,
    pub company_name: String,
    /// `YYYY-MM`.
    pub start_date: Option<String>,
    /// `YYYY-MM`; None while current.
    pub end_date: Option<String>,
    pub is_current: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EducationItem {
    pub institution: String,
    pub degree: Option<String>,
    /// bachelor | master | phd | bootcamp | other
    pub degree_level: Option<String>,
    pub field_of_study: Option<String>,
    pub end_year: Option<i32>,
}

/// A job description, read for what it asks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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

/// A `YYYY-MM` date, as experience entries carry them.
pub fn is_year_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}
