//! Interview questions drafted from a job role: technical ones from its
//! required and preferred skills, behavioural (STAR) ones from its
//! competencies, situational ones from its responsibilities; each with a
//! difficulty, the rubric dimension it probes and a short model answer.
//! Deterministic. The drafts are for a recruiter to approve, edit, reorder
//! or reject.

use extraction::JobRequirements;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{interview::Family, rubric::RubricDimension};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    Technical,
    Behavioural,
    Situational,
}

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
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    fn easier(self) -> Difficulty {
        match self {
            Difficulty::Hard => Difficulty::Medium,
            _ => Difficulty::Easy,
        }
    }
}

/// A drafted question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub kind: QuestionKind,
    pub text: String,
    pub difficulty: Difficulty,
    /// The rubric dimension the question probes.
    pub dimension: String,
    /// What a strong answer contains, for the interviewer and the scorer.
    pub model_answer: String,
    /// The skill, competency or responsibility it comes from.
    pub topic: String,
}

/// Questions as a model is asked to draft them (the tool's parameters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftedQuestions {
    pub questions: Vec<Question>,
}

/// Most questions one draft may have.
pub const MAX_QUESTIONS: usize = 30;

/// Checks drafted questions: 1–30, each with text (at most 2,000
/// characters), a model answer and topic, and a dimension of the rubric
/// (names compared without case; the rubric's spelling is kept).
pub fn check_drafts(
    mut drafted: Vec<Question>,
    rubric: &[RubricDimension],
) -> Result<Vec<Question>, String> {
    let rubric = &*crate::rubric::or_default(rubric);
    if drafted.is_empty() || drafted.len() > MAX_QUESTIONS {
        return Err(format!(
            "1 to {MAX_QUESTIONS} questions, not {}",
            drafted.len()
        ));
    }
    for (i, q) in drafted.iter_mut().enumerate() {
        q.text = q.text.trim().to_owned();
        if q.text.is_empty() || q.text.chars().count() > 2_000 {
            return Err(format!(
                "question {} needs a text of 1 to 2000 characters",
                i + 1
            ));
        }
        if q.model_answer.trim().is_empty() {
            return Err(format!("question {} has no model answer", i + 1));
        }
        match rubric
            .iter()
            .find(|d| d.name.trim().eq_ignore_ascii_case(q.dimension.trim()))
        {
            Some(d) => q.dimension = d.name.clone(),
            None => {
                return Err(format!(
                    "question {} probes a dimension not in the rubric",
                    i + 1
                ))
            }
        }
    }
    Ok(drafted)
}

const MAX_REQUIRED: usize = 6;
const MAX_PREFERRED: usize = 3;
const MAX_COMPETENCIES: usize = 4;
const MAX_RESPONSIBILITIES: usize = 3;

/// Drafts questions for a role with these requirements and rubric (the
/// default rubric when empty).
pub fn generate(req: &JobRequirements, rubric: &[RubricDimension]) -> Vec<Question> {
    let rubric = &*crate::rubric::or_default(rubric);
    let level = match req.seniority.as_deref().map(str::to_lowercase).as_deref() {
        Some("senior" | "lead" | "staff" | "principal") => Difficulty::Hard,
        Some("junior" | "intern" | "entry" | "graduate") => Difficulty::Easy,
        _ => Difficulty::Medium,
    };
    let mut out = Vec::new();

    let technical = dimension(rubric, &[Family::Technical, Family::Experience]);
    let skills = distinct(&req.required_skills)
        .into_iter()
        .take(MAX_REQUIRED)
        .map(|s| (s, level))
        .chain(
            distinct(&req.preferred_skills)
                .into_iter()
                .filter(|p| {
                    !req.required_skills
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(p))
                })
                .take(MAX_PREFERRED)
                .map(|s| (s, level.easier())),
        );
    for (i, (skill, difficulty)) in skills.enumerate() {
        let text = match i % 3 {
            0 => format!("Describe a production system you built or ran with {skill}. What was the hardest problem you hit, and how did you solve it?"),
            1 => format!("What goes wrong with {skill} under load or at scale, and how have you found and fixed such a problem?"),
            _ => format!("How would you explain the main trade-offs of {skill} to a teammate choosing it for a new service?"),
        };
        let text = if difficulty == Difficulty::Hard {
            format!("{text} Be specific about failure modes and what you measured.")
        } else {
            text
        };
        out.push(Question {
            kind: QuestionKind::Technical,
            text,
            difficulty,
            dimension: technical.clone(),
            model_answer: format!(
                "A concrete system the candidate worked on with {skill} and their own part in it; a specific problem (correctness, performance or failure) with how it was found, measured and fixed; trade-offs named with reasons. Weak: definitions with no first-hand detail."
            ),
            topic: skill,
        });
    }

    let behavioural = dimension(rubric, &[Family::Culture, Family::Communication]);
    let mut competencies = distinct(&req.competencies);
    if competencies.is_empty() {
        competencies = vec!["Collaboration".to_owned(), "Ownership".to_owned()];
    }
    for c in competencies.into_iter().take(MAX_COMPETENCIES) {
        out.push(Question {
            kind: QuestionKind::Behavioural,
            text: format!(
                "Tell me about a time you {}. What was the situation, what did you do, and what was the result?",
                situation_for(&c)
            ),
            difficulty: Difficulty::Medium,
            dimension: behavioural.clone(),
            model_answer: "STAR: a specific situation and task, actions the candidate took themselves (not \"we\" throughout), a result with evidence, and what they learned. Weak: hypotheticals or a generic description of how they usually work.".to_owned(),
            topic: c,
        });
    }

    let situational = dimension(rubric, &[Family::ProblemSolving, Family::Technical]);
    for (i, r) in distinct(&req.responsibilities)
        .into_iter()
        .take(MAX_RESPONSIBILITIES)
        .enumerate()
    {
        let duty = as_clause(&r);
        if duty.split_whitespace().count() < 3 {
            continue;
        }
        let text = if i % 2 == 0 {
            format!("Suppose you join us and are asked to {duty}. How would you approach your first weeks, and what would you check first?")
        } else {
            format!("Part of this role is to {duty}. Something goes badly wrong there on a Friday afternoon: what do you do in the first hour, and afterwards?")
        };
        out.push(Question {
            kind: QuestionKind::Situational,
            text,
            difficulty: level,
            dimension: situational.clone(),
            model_answer: "Clarifies goals and constraints before acting; names the main risks; a plan in priority order with how progress and success are measured; communicates with the people affected. Weak: jumps to a tool or a rewrite without understanding the situation.".to_owned(),
            topic: r,
        });
    }
    out
}

/// The name of the first rubric dimension of one of `families`, in order
/// of preference; else the rubric's heaviest dimension.
fn dimension(rubric: &[RubricDimension], families: &[Family]) -> String {
    families
        .iter()
        .find_map(|f| rubric.iter().find(|d| Family::of(d) == *f))
        .or_else(|| rubric.iter().max_by(|a, b| a.weight.total_cmp(&b.weight)))
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

/// Trimmed, non-empty, each once (ignoring case), in order.
fn distinct(items: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .filter(|s| {
            let key = s.to_lowercase();
            let new = !seen.contains(&key);
            seen.push(key);
            new
        })
        .map(str::to_owned)
        .collect()
}

/// "showed ownership" for a competency, with the common ones phrased as a
/// situation.
fn situation_for(competency: &str) -> String {
    let c = competency.to_lowercase();
    let known: &[(&str, &str)] = &[
        ("ownership", "took ownership of a problem nobody owned"),
        ("mentor", "helped a less experienced colleague grow"),
        (
            "code review",
            "gave or received difficult feedback in a code review",
        ),
        ("reliability", "prevented or handled a production incident"),
        (
            "collaborat",
            "worked through a disagreement with another team",
        ),
        (
            "communicat",
            "explained a complex technical problem to people outside your field",
        ),
        ("leadership", "led a piece of work without formal authority"),
        (
            "customer",
            "changed a plan because of what a customer needed",
        ),
        ("learning", "had to learn something new quickly to deliver"),
    ];
    known
        .iter()
        .find(|(k, _)| c.contains(k))
        .map(|(_, s)| (*s).to_owned())
        .unwrap_or_else(|| format!("showed {c}"))
}

/// A responsibility as a clause after "asked to": first letter lowered,
/// trailing punctuation dropped.
fn as_clause(responsibility: &str) -> String {
    let r = responsibility.trim().trim_end_matches(['.', ';', ':', '!']);
    let mut chars = r.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        Some(first) => std::iter::once(first).chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jd_01() -> JobRequirements {
        JobRequirements {
            required_skills: ["Go", "PostgreSQL", "Kubernetes", "Docker", "AWS"]
                .map(String::from)
                .to_vec(),
            preferred_skills: ["Apache Kafka", "gRPC", "Terraform", "Redis"]
                .map(String::from)
                .to_vec(),
            competencies: [
                "Ownership",
                "Mentoring",
                "Code review",
                "Reliability mindset",
            ]
            .map(String::from)
            .to_vec(),
            responsibilities: [
                "Design, build and operate Go services for payments, refunds and payouts.",
                "Own data models and query performance in PostgreSQL.",
                "Review code and help grow mid-level engineers.",
            ]
            .map(String::from)
            .to_vec(),
            seniority: Some("senior".into()),
            ..JobRequirements::default()
        }
    }

    #[test]
    fn every_skill_competency_and_responsibility_gets_a_question_on_the_right_dimension() {
        let qs = generate(&jd_01(), &[]);
        let count = |k| qs.iter().filter(|q| q.kind == k).count();
        assert_eq!(count(QuestionKind::Technical), 5 + 3);
        assert_eq!(count(QuestionKind::Behavioural), 4);
        assert_eq!(count(QuestionKind::Situational), 3);
        for q in &qs {
            assert!(
                q.text.contains(&q.topic) || q.kind != QuestionKind::Technical,
                "{q:?}"
            );
            assert!(!q.model_answer.is_empty());
        }
        let tech = qs.iter().find(|q| q.topic == "Go").unwrap();
        assert_eq!(
            (tech.difficulty, tech.dimension.as_str()),
            (Difficulty::Hard, "Technical Skills")
        );
        let preferred = qs.iter().find(|q| q.topic == "gRPC").unwrap();
        assert_eq!(
            preferred.difficulty,
            Difficulty::Medium,
            "preferred skills are a step easier"
        );
        let star = qs.iter().find(|q| q.topic == "Mentoring").unwrap();
        assert!(star
            .text
            .contains("helped a less experienced colleague grow"));
        assert_eq!(star.dimension, "Cultural Fit");
        let situational = qs
            .iter()
            .find(|q| q.kind == QuestionKind::Situational)
            .unwrap();
        assert!(
            situational
                .text
                .contains("asked to design, build and operate Go services"),
            "{}",
            situational.text
        );
        assert_eq!(situational.dimension, "Problem Solving");
        assert_eq!(generate(&jd_01(), &[]), qs, "deterministic");
    }

    #[test]
    fn drafts_are_checked_against_the_rubric() {
        let good = generate(&jd_01(), &[]);
        assert_eq!(check_drafts(good.clone(), &[]).unwrap(), good);
        let mut lower = good.clone();
        lower[0].dimension = "technical skills".into();
        assert_eq!(
            check_drafts(lower, &[]).unwrap()[0].dimension,
            "Technical Skills"
        );
        let mut bad = good.clone();
        bad[1].dimension = "Charm".into();
        assert!(check_drafts(bad, &[])
            .unwrap_err()
            .contains("question 2 probes a dimension"));
        let mut empty = good.clone();
        empty[0].text = "  ".into();
        assert!(check_drafts(empty, &[]).is_err());
        assert!(check_drafts(vec![], &[]).is_err());
    }

    #[test]
    fn a_custom_rubric_names_the_dimensions_and_empty_requirements_still_get_questions() {
        let rubric = vec![RubricDimension {
            name: "Go depth".into(),
            weight: 1.0,
            description: "technical knowledge".into(),
        }];
        let qs = generate(&jd_01(), &rubric);
        assert!(
            qs.iter().all(|q| q.dimension == "Go depth"),
            "one dimension probes all"
        );
        let qs = generate(&JobRequirements::default(), &[]);
        assert_eq!(qs.len(), 2, "two default behavioural questions");
        assert!(qs.iter().all(|q| q.kind == QuestionKind::Behavioural));
    }
}
