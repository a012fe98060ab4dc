//! Ranking a job role's applicants for a shortlist: resume-to-requirements
//! fit, the interview score where there is one, with the reasons and
//! concerns behind each place. Deterministic: the same applicants in the
//! same order give the same ranking.
//!
//! Fit (0–1) is `0.6 · required skills matched / required + 0.2 · preferred
//! matched / preferred + 0.2 · min(1, years / minimum years)` (a part with
//! nothing asked counts in full). Tiers: A ≥ 0.8, B ≥ 0.6, C ≥ 0.35, D
//! below. The score (0–100) is the mean of fit and interview score for an
//! interviewed candidate, the fit alone otherwise (and marked so). A medium
//! or high integrity risk flags the candidate for review: flagged
//! candidates rank after everyone else, whatever their fit, and are never
//! shortlisted without a human looking first.

use std::collections::BTreeSet;

use extraction::JobRequirements;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use uuid::Uuid;

use crate::Risk;

/// One application as the ranking sees it.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub application_id: Uuid,
    /// Canonical skill names (the taxonomy's).
    pub skills: Vec<String>,
    pub total_years: Option<f64>,
    pub interview: Option<InterviewResult>,
}

/// What the ranking uses of a scored interview.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterviewResult {
    /// 0–100.
    pub overall: f64,
    pub risk: Risk,
}

/// Resume fit tier.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    utoipa::ToSchema,
)]
pub enum Tier {
    A,
    B,
    C,
    D,
}

impl Tier {
    pub fn of(fit: f64) -> Tier {
        match fit {
            f if f >= 0.8 => Tier::A,
            f if f >= 0.6 => Tier::B,
            f if f >= 0.35 => Tier::C,
            _ => Tier::D,
        }
    }
}

/// An applicant's place in the ranking, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ranked {
    pub application_id: Uuid,
    /// 1-based.
    pub rank: usize,
    /// 0–100: the mean of fit and interview score, or the fit alone.
    pub score: f64,
    /// Resume-to-requirements fit, 0–1 (three decimals).
    pub fit: f64,
    pub tier: Tier,
    pub required_matched: Vec<String>,
    pub required_missing: Vec<String>,
    pub preferred_matched: Vec<String>,
    pub total_years: Option<f64>,
    /// The interview's overall score; None when not interviewed.
    pub interview_score: Option<f64>,
    pub interviewed: bool,
    /// A medium or high integrity risk: a human reviews before this
    /// candidate moves on.
    pub flag_for_review: bool,
    pub reasons: Vec<String>,
    pub concerns: Vec<String>,
}

/// Ranks `applicants` against `req`, best first.
pub fn rank(req: &JobRequirements, applicants: Vec<Applicant>) -> Vec<Ranked> {
    let required = canonical(&req.required_skills);
    let preferred = canonical(&req.preferred_skills);
    let min_years = req.min_years_experience.filter(|y| *y > 0.0);
    let mut ranked: Vec<(usize, Ranked)> = applicants
        .into_iter()
        .enumerate()
        .map(|(i, a)| (i, assess(a, &required, &preferred, min_years)))
        .collect();
    ranked.sort_by(|(ia, a), (ib, b)| {
        a.flag_for_review
            .cmp(&b.flag_for_review)
            .then(b.score.total_cmp(&a.score))
            .then(b.fit.total_cmp(&a.fit))
            .then(ia.cmp(ib))
    });
    ranked
        .into_iter()
        .enumerate()
        .map(|(place, (_, mut r))| {
            r.rank = place + 1;
            r
        })
        .collect()
}

/// Skill names as listed (first spelling kept), compared without case.
fn canonical(skills: &[String]) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    skills
        .iter()
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| {
            let key = s.trim().to_lowercase();
            seen.insert(key.clone()).then(|| (key, s.trim().to_owned()))
        })
        .collect()
}

fn assess(
    a: Applicant,
    required: &[(String, String)],
    preferred: &[(String, String)],
    min_years: Option<f64>,
) -> Ranked {
    let has: BTreeSet<String> = a.skills.iter().map(|s| s.trim().to_lowercase()).collect();
    let split = |list: &[(String, String)]| -> (Vec<String>, Vec<String>) {
        let (hit, miss): (Vec<_>, Vec<_>) = list.iter().partition(|(k, _)| has.contains(k));
        (
            hit.into_iter().map(|(_, n)| n.clone()).collect(),
            miss.into_iter().map(|(_, n)| n.clone()).collect(),
        )
    };
    let (required_matched, required_missing) = split(required);
    let (preferred_matched, _) = split(preferred);
    let share = |hit: usize, of: usize| if of == 0 { 1.0 } else { hit as f64 / of as f64 };
    let years = a.total_years.filter(|y| y.is_finite() && *y >= 0.0);
    let years_part = match min_years {
        None => 1.0,
        Some(min) => (years.unwrap_or(0.0) / min).min(1.0),
    };
    let fit = 0.6 * share(required_matched.len(), required.len())
        + 0.2 * share(preferred_matched.len(), preferred.len())
        + 0.2 * years_part;
    let fit = (fit * 1000.0).round() / 1000.0;
    let tier = Tier::of(fit);

    let interview = a.interview.filter(|i| i.overall.is_finite());
    let score = match interview {
        Some(i) => (fit * 100.0 + i.overall.clamp(0.0, 100.0)) / 2.0,
        None => fit * 100.0,
    };
    let score = (score * 10.0).round() / 10.0;
    let flag_for_review = interview.is_some_and(|i| i.risk >= Risk::Medium);

    let mut reasons = Vec::new();
    let mut concerns = Vec::new();
    if !required.is_empty() {
        let line = format!(
            "{} of {} required skills",
            required_matched.len(),
            required.len()
        );
        if required_missing.is_empty() {
            reasons.push(line);
        } else {
            concerns.push(format!("missing required: {}", required_missing.join(", ")));
            if !required_matched.is_empty() {
                reasons.push(format!("{line}: {}", required_matched.join(", ")));
            }
        }
    }
    if !preferred_matched.is_empty() {
        reasons.push(format!(
            "{} of {} preferred skills: {}",
            preferred_matched.len(),
            preferred.len(),
            preferred_matched.join(", ")
        ));
    }
    match (years, min_years) {
        (Some(y), Some(min)) if y >= min => {
            reasons.push(format!("{y:.1} years of experience ({min} asked)"))
        }
        (Some(y), Some(min)) => concerns.push(format!("{y:.1} years of experience, {min} asked")),
        (None, Some(_)) => concerns.push("years of experience unknown".to_owned()),
        (Some(y), None) => reasons.push(format!("{y:.1} years of experience")),
        (None, None) => {}
    }
    match interview {
        Some(i) => {
            let line = format!("interview score {:.0}", i.overall);
            if i.overall >= 60.0 {
                reasons.push(line);
            } else {
                concerns.push(line);
            }
            if i.risk >= Risk::Medium {
                concerns.push(format!(
                    "integrity risk {} in the interview: review before moving on",
                    i.risk.as_str()
                ));
            }
        }
        None => concerns.push("not interviewed: ranked on the resume alone".to_owned()),
    }
    Ranked {
        application_id: a.application_id,
        rank: 0,
        score,
        fit,
        tier,
        required_matched,
        required_missing,
        preferred_matched,
        total_years: years,
        interview_score: interview.map(|i| i.overall),
        interviewed: interview.is_some(),
        flag_for_review,
        reasons,
        concerns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(required: &[&str], preferred: &[&str], years: Option<f64>) -> JobRequirements {
        JobRequirements {
            required_skills: required.iter().map(|s| s.to_string()).collect(),
            preferred_skills: preferred.iter().map(|s| s.to_string()).collect(),
            min_years_experience: years,
            ..JobRequirements::default()
        }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn applicant(
        n: u128,
        skills: &[&str],
        years: Option<f64>,
        interview: Option<(f64, Risk)>,
    ) -> Applicant {
        Applicant {
            application_id: id(n),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            total_years: years,
            interview: interview.map(|(overall, risk)| InterviewResult { overall, risk }),
        }
    }

    #[test]
    fn fit_follows_the_formula_and_interviews_count_half() {
        let r = req(&["Go", "PostgreSQL"], &["Redis", "Kafka"], Some(5.0));
        let ranked = rank(
            &r,
            vec![
                applicant(1, &["go", "PostgreSQL", "Redis"], Some(2.5), None),
                applicant(2, &["Go"], Some(10.0), Some((90.0, Risk::Low))),
            ],
        );
        let one = ranked.iter().find(|x| x.application_id == id(1)).unwrap();
        assert!((one.fit - (0.6 + 0.2 * 0.5 + 0.2 * 0.5)).abs() < 1e-9);
        assert_eq!(one.tier, Tier::A);
        assert!(!one.interviewed && one.concerns.iter().any(|c| c.contains("not interviewed")));
        let two = ranked.iter().find(|x| x.application_id == id(2)).unwrap();
        assert!((two.fit - 0.5).abs() < 1e-9);
        assert_eq!(two.score, 70.0);
        assert_eq!(two.required_missing, ["PostgreSQL"]);
        assert_eq!(ranked[0].application_id, id(1));
        assert_eq!((ranked[0].rank, ranked[1].rank), (1, 2));
    }

    #[test]
    fn a_risky_interview_ranks_last_whatever_the_fit_and_ties_keep_input_order() {
        let r = req(&["Go"], &[], None);
        let ranked = rank(
            &r,
            vec![
                applicant(1, &["Go"], None, Some((95.0, Risk::High))),
                applicant(2, &[], None, None),
                applicant(3, &[], None, None),
                applicant(4, &["Go"], None, Some((40.0, Risk::Low))),
            ],
        );
        let keys: Vec<Uuid> = ranked.iter().map(|x| x.application_id).collect();
        assert_eq!(keys, [id(4), id(2), id(3), id(1)]);
        assert!(ranked[3].flag_for_review);
    }

    #[test]
    fn nothing_asked_counts_in_full_and_odd_years_are_ignored() {
        let ranked = rank(
            &req(&[], &[], None),
            vec![
                applicant(1, &[], Some(f64::NAN), None),
                applicant(2, &[], Some(-3.0), None),
            ],
        );
        assert!(ranked
            .iter()
            .all(|x| x.fit == 1.0 && x.total_years.is_none()));
    }
}
