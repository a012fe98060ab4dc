//! The built-in interview scorer.
//!
//! A transcript is cut into exchanges: an interviewer turn and the
//! candidate's turns until the next one. The candidate's last turn is the
//! answer; earlier ones are stalls ("one second", "could you repeat"), as
//! is a last turn that only asks for the question again. The wrap-up
//! ("any questions for us?") is not scored.
//!
//! Each answer gets generic signals: depth (words), specifics (skills of
//! the taxonomy, numbers, technical identifiers), reasoning (because, if,
//! otherwise, rather than, …), ownership (I, we, our), concrete events,
//! hedging and evasion (not sure, I don't remember, someone else did it,
//! trailing off), and recited text (enumerations, definitions, stock
//! phrases — knowledge, not evidence of the candidate's own work, so it
//! counts for little). A rubric dimension is scored from the family of
//! signals its name (or description) asks for; the overall score is the
//! weighted mean of the dimensions.
//!
//! Integrity signals: the median answer latency (question start to the
//! start of the candidate's last turn before the next question, as the
//! fixtures define it), answers that read like prepared text, and answers
//! that turn vague when asked to go deeper into the candidate's own
//! previous answer.

use std::collections::BTreeSet;

use extraction::taxonomy::TAXONOMY;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rubric::RubricDimension;

/// One utterance of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// `candidate` for the candidate; anything else is the interviewer's side.
    pub speaker: String,
    pub content: String,
    /// Start of the utterance from the start of the call.
    pub start_ms: i64,
}

/// An interview's score against a rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterviewScore {
    /// The weighted mean of the dimension scores, 0–100.
    pub overall: f64,
    /// One per rubric dimension, in the rubric's order.
    pub dimensions: Vec<DimensionScore>,
    /// For the recruiter: the score, strongest and weakest dimensions, and
    /// integrity concerns.
    pub summary: String,
    /// For the candidate: constructive and specific, without integrity
    /// findings.
    pub feedback: String,
    pub integrity: Integrity,
}

impl InterviewScore {
    /// The score without anything the candidate said or anything written
    /// about them: the numbers, the dimensions and the integrity risk stay
    /// (for statistics after an erasure).
    pub fn anonymised(mut self) -> Self {
        for d in &mut self.dimensions {
            d.evidence.clear();
            d.quotes.clear();
        }
        self.summary.clear();
        self.feedback.clear();
        self.integrity.reasons.clear();
        self
    }
}

/// The score of one rubric dimension, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DimensionScore {
    /// The rubric dimension's name.
    pub name: String,
    /// The dimension's weight in the rubric.
    pub weight: f64,
    /// 0–100.
    pub score: u8,
    /// Why this score, in a sentence or two.
    pub evidence: String,
    /// Verbatim excerpts of the candidate's answers that support the score.
    pub quotes: Vec<String>,
}

/// How likely the interview was not the candidate's own work, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Integrity {
    pub risk: Risk,
    /// The signals behind the risk; empty when it is low.
    pub reasons: Vec<String>,
    /// Median over answered questions of the time from the question's
    /// start to the start of the candidate's last turn before the next one.
    pub median_answer_latency_ms: Option<i64>,
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
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// A score as a model is asked to give it (the tool's parameters): the
/// dimensions by name with their evidence, and its integrity reading. The
/// weights, the overall score and the answer latency are ours, from the
/// rubric and the transcript; see [`from_model`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelScore {
    /// One per rubric dimension, named exactly as in the rubric.
    pub dimensions: Vec<ModelDimension>,
    /// Two or three sentences for the recruiter.
    pub summary: String,
    /// Constructive feedback addressed to the candidate (no integrity
    /// findings).
    pub feedback: String,
    /// How likely the answers were not the candidate's own.
    pub integrity_risk: Risk,
    /// The transcript signals behind the risk (empty when low).
    pub integrity_reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelDimension {
    /// The rubric dimension's name, exactly.
    pub name: String,
    /// 0–100.
    pub score: u8,
    /// Why this score, in a sentence or two.
    pub evidence: String,
    /// Up to three exact excerpts of the candidate's own words that
    /// support the score, copied character for character.
    pub quotes: Vec<String>,
}

/// Most quotes a dimension may carry.
pub const MAX_QUOTES: usize = 3;

/// Checks a model's score against the rubric and the transcript and
/// completes it: every rubric dimension exactly once (names compared
/// without case), scores 0–100, at most three quotes each, and every quote
/// a verbatim part of one of the candidate's turns. Errors name what is
/// wrong, never the transcript's words (they are logged and shown).
pub fn from_model(
    m: ModelScore,
    turns: &[Turn],
    rubric: &[RubricDimension],
) -> Result<InterviewScore, String> {
    let said: Vec<&str> = turns
        .iter()
        .filter(|t| t.is_candidate())
        .map(|t| t.content.as_str())
        .collect();
    let mut dimensions = Vec::with_capacity(rubric.len());
    for d in rubric {
        let mut given = m
            .dimensions
            .iter()
            .filter(|g| g.name.trim().eq_ignore_ascii_case(d.name.trim()));
        let g = given
            .next()
            .ok_or_else(|| format!("dimension `{}` is missing", d.name))?;
        if given.next().is_some() {
            return Err(format!("dimension `{}` is scored twice", d.name));
        }
        if g.score > 100 {
            return Err(format!("dimension `{}` scores {} (0–100)", d.name, g.score));
        }
        if g.quotes.len() > MAX_QUOTES {
            return Err(format!(
                "dimension `{}` has more than {MAX_QUOTES} quotes",
                d.name
            ));
        }
        for (i, q) in g.quotes.iter().enumerate() {
            let q = q.trim();
            if q.is_empty() || !said.iter().any(|s| s.contains(q)) {
                return Err(format!(
                    "dimension `{}` quote {} is not the candidate's words verbatim",
                    d.name,
                    i + 1
                ));
            }
        }
        dimensions.push(DimensionScore {
            name: d.name.clone(),
            weight: d.weight,
            score: g.score,
            evidence: g.evidence.trim().to_owned(),
            quotes: g.quotes.iter().map(|q| q.trim().to_owned()).collect(),
        });
    }
    if let Some(extra) = m.dimensions.iter().find(|g| {
        !rubric
            .iter()
            .any(|d| g.name.trim().eq_ignore_ascii_case(d.name.trim()))
    }) {
        return Err(format!("dimension `{}` is not in the rubric", extra.name));
    }
    Ok(InterviewScore {
        overall: weighted_mean(&dimensions),
        dimensions,
        summary: m.summary.trim().to_owned(),
        feedback: m.feedback.trim().to_owned(),
        integrity: Integrity {
            risk: m.integrity_risk,
            reasons: m.integrity_reasons,
            median_answer_latency_ms: median_answer_latency(turns),
        },
    })
}

/// The median over answered questions of the time from the question's
/// start to the start of the candidate's last turn before the next one.
pub fn median_answer_latency(turns: &[Turn]) -> Option<i64> {
    let mut latencies: Vec<i64> = exchanges(turns)
        .iter()
        .filter_map(|e| {
            e.replies
                .last()
                .map(|t| (t.start_ms - e.question.start_ms).max(0))
        })
        .collect();
    median(&mut latencies)
}

/// The weights' mean of the dimension scores, one decimal.
fn weighted_mean(dimensions: &[DimensionScore]) -> f64 {
    let total: f64 = dimensions.iter().map(|d| d.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mean = dimensions
        .iter()
        .map(|d| d.weight * f64::from(d.score))
        .sum::<f64>()
        / total;
    (mean * 10.0).round() / 10.0
}

/// An answer too short or too hedged to judge: under 20 words, or hedging
/// or evading in under 40.
pub(crate) fn is_thin_answer(text: &str) -> bool {
    let n = normalise(text);
    let words = n.split_whitespace().count();
    words < 20 || (words < 40 && count_phrases(&n, HEDGES) + text.matches("...").count() > 0)
}

/// Median latency above which pauses are an integrity signal.
const SLOW_ANSWER_MS: i64 = 20_000;

/// Scores a transcript against `rubric` (the default rubric when empty).
/// `role_skills` are the job role's skills: naming them counts as a
/// specific. Total: any transcript, however odd, gets a score.
pub fn score_interview(
    turns: &[Turn],
    rubric: &[RubricDimension],
    role_skills: &[String],
) -> InterviewScore {
    let rubric = &*crate::rubric::or_default(rubric);
    let role_skills: BTreeSet<String> = role_skills.iter().map(|s| s.to_lowercase()).collect();
    let exchanges = exchanges(turns);
    let answers: Vec<Answer> = exchanges
        .iter()
        .map(|e| Answer::read(e, &role_skills))
        .collect();

    let elaboration_failures = elaboration_failures(&answers);
    let recited = answers.iter().filter(|a| a.recited).count();
    let stalls: usize = answers.iter().map(|a| a.stalls).sum();
    let median_latency = median_answer_latency(turns);

    let dimensions: Vec<DimensionScore> = rubric
        .iter()
        .map(|d| score_dimension(d, &answers))
        .collect();
    let overall = weighted_mean(&dimensions);

    let mut reasons = Vec::new();
    let mut signals = 0;
    if let Some(ms) = median_latency.filter(|ms| *ms > SLOW_ANSWER_MS) {
        signals += 1;
        reasons.push(format!(
            "long pauses before answers: median latency {} s from question to answer",
            (ms + 500) / 1000
        ));
    }
    if recited >= 2 {
        signals += 1;
        reasons.push(format!(
            "{recited} of {} answers read like prepared text (enumerations, definitions, stock phrases)",
            answers.len()
        ));
    }
    if elaboration_failures > 0 {
        signals += 1;
        reasons.push(format!(
            "could not elaborate on own answers: {elaboration_failures} follow-up(s) answered vaguely or evasively"
        ));
    }
    if stalls >= 3 {
        reasons.push(format!(
            "{stalls} stalls before answering (asking for time or a repeat, technical trouble)"
        ));
    }
    let risk = match signals {
        0 if stalls >= 3 => Risk::Medium,
        0 => Risk::Low,
        1 => Risk::Medium,
        _ => Risk::High,
    };
    let integrity = Integrity {
        risk,
        reasons,
        median_answer_latency_ms: median_latency,
    };
    let summary = summary(overall, &dimensions, &answers, &integrity);
    let feedback = feedback(&answers);
    InterviewScore {
        overall,
        dimensions,
        summary,
        feedback,
        integrity,
    }
}

/// An interviewer turn and the candidate turns that follow it.
struct Exchange<'a> {
    question: &'a Turn,
    replies: Vec<&'a Turn>,
}

impl Turn {
    /// Whether the candidate said it (speaker `candidate`, any case);
    /// everything else is the interviewer's side.
    pub fn is_candidate(&self) -> bool {
        self.speaker.trim().eq_ignore_ascii_case("candidate")
    }
}

/// The scored exchanges, in order (the wrap-up and candidate turns before
/// the first question are left out).
fn exchanges(turns: &[Turn]) -> Vec<Exchange<'_>> {
    let mut out: Vec<Exchange> = Vec::new();
    for t in turns {
        if t.is_candidate() {
            if let Some(e) = out.last_mut() {
                e.replies.push(t);
            }
        } else {
            out.push(Exchange {
                question: t,
                replies: Vec::new(),
            });
        }
    }
    out.retain(|e| !is_wrap_up(&e.question.content));
    out
}

fn is_wrap_up(question: &str) -> bool {
    let q = normalise(question);
    q.contains(" any questions ") || q.contains(" anything you d like to ask ")
}

/// What one answer shows.
struct Answer<'a> {
    /// The answer proper (the candidate's last turn), if any.
    text: Option<&'a str>,
    words: usize,
    specifics: usize,
    reasons: usize,
    ownership: usize,
    collaboration: usize,
    events: usize,
    /// Hedges and evasions in every turn of the exchange.
    hedges: usize,
    recited: bool,
    stalls: usize,
}

impl<'a> Answer<'a> {
    fn read(e: &Exchange<'a>, role_skills: &BTreeSet<String>) -> Self {
        let last = e.replies.last();
        let mut stalls = e.replies.len().saturating_sub(1);
        let text = match last {
            Some(t) if is_clarification(&t.content) => {
                stalls += 1;
                None
            }
            Some(t) => Some(t.content.as_str()),
            None => None,
        };
        let hedges: usize = e
            .replies
            .iter()
            .map(|t| {
                count_phrases(&normalise(&t.content), HEDGES) + t.content.matches("...").count()
            })
            .sum();
        let Some(text) = text else {
            return Self {
                text: None,
                words: 0,
                specifics: 0,
                reasons: 0,
                ownership: 0,
                collaboration: 0,
                events: 0,
                hedges,
                recited: false,
                stalls,
            };
        };
        let norm = normalise(text);
        let words = norm.split_whitespace().count();
        Self {
            text: Some(text),
            words,
            specifics: specifics(text, role_skills),
            reasons: count_phrases(&norm, REASONING),
            ownership: count_words(&norm, FIRST_PERSON),
            collaboration: count_phrases(&norm, COLLABORATION),
            events: count_phrases(&norm, EVENTS)
                + usize::from(text.chars().any(|c| c.is_ascii_digit())),
            hedges,
            recited: words >= 25 && is_recited(text, &norm),
            stalls,
        }
    }

    /// 0–1 per signal; recited text counts for a third.
    fn signals(&self) -> Signals {
        if self.text.is_none() {
            return Signals::default();
        }
        let own = if self.recited { 0.35 } else { 1.0 };
        let clamp = |x: f64| x.clamp(0.0, 1.0);
        Signals {
            depth: clamp((self.words as f64 - 5.0) / 45.0) * own,
            specificity: clamp(self.specifics as f64 / 4.0) * own,
            reasoning: clamp(self.reasons as f64 / 2.0) * own,
            ownership: clamp(self.ownership as f64 / 3.0) * own,
            collaboration: clamp(self.collaboration as f64 / 2.0) * own,
            events: clamp(self.events as f64 / 2.0) * own,
            candour: 1.0 - clamp(self.hedges as f64 * 0.25),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Signals {
    depth: f64,
    specificity: f64,
    reasoning: f64,
    ownership: f64,
    collaboration: f64,
    events: f64,
    /// 1 without hedges or evasions.
    candour: f64,
}

/// What a rubric dimension measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Technical,
    Communication,
    ProblemSolving,
    Culture,
    Experience,
    General,
}

const FAMILY_WORDS: &[(Family, &[&str])] = &[
    (
        Family::Communication,
        &[
            "communication",
            "communicat",
            "clarity",
            "articulat",
            "presentation",
            "explain",
        ],
    ),
    (
        Family::ProblemSolving,
        &[
            "problem",
            "solving",
            "analytic",
            "reasoning",
            "debug",
            "troubleshoot",
            "critical thinking",
        ],
    ),
    (
        Family::Culture,
        &[
            "cultur",
            "fit",
            "team",
            "collaborat",
            "values",
            "ownership",
            "attitude",
            "leadership",
        ],
    ),
    (
        Family::Experience,
        &[
            "experience",
            "relevan",
            "background",
            "domain",
            "seniority",
            "track record",
        ],
    ),
    (
        Family::Technical,
        &[
            "technical",
            "technolog",
            "skill",
            "knowledge",
            "coding",
            "code",
            "engineering",
            "architecture",
            "design",
            "expertise",
        ],
    ),
];

impl Family {
    pub(crate) fn of(d: &RubricDimension) -> Family {
        for text in [&d.name, &d.description] {
            let t = text.to_lowercase();
            if let Some((f, _)) = FAMILY_WORDS
                .iter()
                .find(|(_, words)| words.iter().any(|w| t.contains(w)))
            {
                return *f;
            }
        }
        Family::General
    }

    /// How an answer does on this family, 0–1: the signals' weighted sum,
    /// discounted for hedging, on a concave scale (`1 − (1 − v)²`), so an
    /// answer strong on most signals scores near the top and a thin one
    /// stays low.
    fn value(self, s: &Signals) -> f64 {
        let v = self.raw(s);
        1.0 - (1.0 - v) * (1.0 - v)
    }

    fn raw(self, s: &Signals) -> f64 {
        let v = match self {
            Family::Technical => 0.45 * s.specificity + 0.30 * s.depth + 0.25 * s.reasoning,
            Family::Communication => 0.50 * s.depth + 0.25 * s.reasoning + 0.25 * s.specificity,
            Family::ProblemSolving => 0.55 * s.reasoning + 0.25 * s.specificity + 0.20 * s.depth,
            Family::Culture => 0.35 * s.ownership + 0.35 * s.collaboration + 0.30 * s.depth,
            Family::Experience => 0.35 * s.ownership + 0.35 * s.events + 0.30 * s.specificity,
            Family::General => {
                return [
                    Family::Technical,
                    Family::Communication,
                    Family::ProblemSolving,
                    Family::Culture,
                    Family::Experience,
                ]
                .iter()
                .map(|f| f.raw(s))
                .sum::<f64>()
                    / 5.0
            }
        };
        v * s.candour
    }

    fn strength(self) -> &'static str {
        match self {
            Family::Technical => "named specific technologies, numbers and mechanisms",
            Family::Communication => "answered fully and to the point",
            Family::ProblemSolving => "reasoned through causes, trade-offs and failure cases",
            Family::Culture => "spoke of ownership, the team and what was learned",
            Family::Experience => "described concrete events from their own work",
            Family::General => "gave full, specific, reasoned answers",
        }
    }
}

fn score_dimension(d: &RubricDimension, answers: &[Answer]) -> DimensionScore {
    let family = Family::of(d);
    let values: Vec<f64> = answers.iter().map(|a| family.value(&a.signals())).collect();
    let mean = if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    };
    let score = (mean * 100.0).round().clamp(0.0, 100.0) as u8;

    // The two best answers on this dimension supply the quotes.
    let mut order: Vec<usize> = (0..answers.len())
        .filter(|&i| answers[i].text.is_some())
        .collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let quotes: Vec<String> = order
        .iter()
        .take(2)
        .filter_map(|&i| best_sentence(answers[i].text?))
        .collect();
    let strong = values.iter().filter(|v| **v >= 0.6).count();
    let weak = answers
        .iter()
        .zip(&values)
        .filter(|(a, v)| **v < 0.3 || a.hedges > 0)
        .count();
    let evidence = if answers.is_empty() {
        "no answers to score".to_owned()
    } else if strong > 0 {
        format!(
            "In {strong} of {} answers the candidate {}; {weak} were short, vague or hedged.",
            answers.len(),
            family.strength()
        )
    } else {
        format!(
            "No answer stood out: {weak} of {} were short, vague or hedged.",
            answers.len()
        )
    };
    DimensionScore {
        name: d.name.clone(),
        weight: d.weight,
        score,
        evidence,
        quotes,
    }
}

/// Follow-ups to a long (or recited) answer that came back vague: the
/// candidate could not go deeper into what they had just said.
fn elaboration_failures(answers: &[Answer]) -> usize {
    answers
        .windows(2)
        .filter(|w| {
            let (prev, this) = (&w[0], &w[1]);
            let prev_long = prev.words >= 35 || prev.recited;
            let vague = this.hedges > 0
                && (this.recited || this.text.is_none() || this.words * 2 < prev.words);
            prev_long && vague
        })
        .count()
}

fn summary(overall: f64, dims: &[DimensionScore], answers: &[Answer], i: &Integrity) -> String {
    let answered = answers.iter().filter(|a| a.text.is_some()).count();
    let mut s = format!("Scored {overall:.0}/100 over {answered} answered questions.");
    if let (Some(best), Some(worst)) = (
        dims.iter().max_by_key(|d| d.score),
        dims.iter().min_by_key(|d| d.score),
    ) {
        if best.score != worst.score {
            s.push_str(&format!(
                " Strongest: {} ({}); weakest: {} ({}).",
                best.name, best.score, worst.name, worst.score
            ));
        }
    }
    if i.risk != Risk::Low {
        s.push_str(&format!(
            " Integrity risk {}: {}.",
            i.risk.as_str(),
            i.reasons.join("; ")
        ));
    }
    s
}

/// Advice for the candidate from their weakest habits (never integrity
/// findings).
fn feedback(answers: &[Answer]) -> String {
    let answered: Vec<&Answer> = answers.iter().filter(|a| a.text.is_some()).collect();
    if answered.is_empty() {
        return "We could not assess the interview: no answers were recorded.".to_owned();
    }
    let n = answered.len() as f64;
    let share = |f: &dyn Fn(&Answer) -> bool| answered.iter().filter(|a| f(a)).count() as f64 / n;
    let mut tips = Vec::new();
    if share(&|a| a.words < 25) > 0.4 {
        tips.push("Give fuller answers: the situation, what you did, and how it turned out.");
    }
    if share(&|a| a.hedges > 0) > 0.3 {
        tips.push("When you are unsure, reason aloud from what you know rather than guessing or moving on.");
    }
    if share(&|a| a.specifics < 2) > 0.4 {
        tips.push("Name the tools, numbers and mechanisms involved; specifics show depth.");
    }
    if share(&|a| a.reasons == 0) > 0.4 {
        tips.push("Explain why: the trade-offs you weighed and what could go wrong.");
    }
    if share(&|a| a.recited) > 0.2 {
        tips.push("Tie answers to your own work rather than general definitions.");
    }
    if tips.is_empty() {
        "Clear, specific and well-reasoned answers grounded in your own work; keep that style, and keep quantifying impact.".to_owned()
    } else {
        tips.join(" ")
    }
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let m = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2
    } else {
        v[m]
    })
}

/// The sentence of an answer with the most specifics and reasoning (at
/// least four words), verbatim, cut at 240 characters on a word boundary.
fn best_sentence(text: &str) -> Option<String> {
    let none = BTreeSet::new();
    sentences(text)
        .into_iter()
        .filter(|s| s.split_whitespace().count() >= 4)
        .enumerate()
        .max_by_key(|(i, s)| {
            let n = normalise(s);
            (
                specifics(s, &none) * 2 + count_phrases(&n, REASONING),
                std::cmp::Reverse(*i),
            )
        })
        .map(|(_, s)| clip_words(s, 240).to_owned())
}

/// Sentences as slices of `text`, so quotes stay verbatim.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let boundary =
            matches!(c, '.' | '?' | '!') && bytes.get(end).is_none_or(|b| b.is_ascii_whitespace());
        if boundary {
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn clip_words(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    match s[..cut].rfind(char::is_whitespace) {
        Some(i) if i > 0 => s[..i].trim_end(),
        _ => &s[..cut],
    }
}

/// Lower case, apostrophes straightened, everything else that is not a
/// letter or digit a space; padded with spaces so that phrases match
/// whole words (` phrase `).
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(' ');
    for c in s.chars() {
        match c {
            '\'' | '’' => out.push('\''),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

fn count_phrases(norm: &str, phrases: &[&str]) -> usize {
    phrases
        .iter()
        .map(|p| norm.matches(&format!(" {p} ")).count())
        .sum()
}

fn count_words(norm: &str, words: &[&str]) -> usize {
    norm.split_whitespace()
        .filter(|w| words.contains(w))
        .count()
}

/// Distinct specifics: taxonomy skills, the role's skills, numbers and
/// technical identifiers (`pg_stat_statements`, `PodDisruptionBudget`,
/// `EXPLAIN`, `gRPC`).
fn specifics(text: &str, role_skills: &BTreeSet<String>) -> usize {
    let mut found: BTreeSet<String> = TAXONOMY
        .skills_in(text)
        .into_iter()
        .map(|s| s.to_lowercase())
        .collect();
    let bonus = found.iter().filter(|s| role_skills.contains(*s)).count();
    for raw in text.split_whitespace() {
        let token = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
        if token.is_empty() {
            continue;
        }
        let letters: Vec<char> = token.chars().collect();
        let is_number = letters.iter().any(|c| c.is_ascii_digit())
            || NUMBER_WORDS.contains(&token.to_lowercase().as_str());
        let identifier = token.contains('_')
            || (letters.len() >= 2
                && letters
                    .iter()
                    .all(|c| c.is_uppercase() || c.is_ascii_digit())
                && letters.iter().any(|c| c.is_uppercase()))
            || letters.iter().skip(1).any(|c| c.is_uppercase());
        if is_number || identifier {
            found.insert(token.to_lowercase());
        }
    }
    found.len() + bonus
}

/// A last turn that only asks for the question again.
fn is_clarification(text: &str) -> bool {
    let n = normalise(text);
    n.split_whitespace().count() <= 12 && count_phrases(&n, CLARIFICATION) > 0
}

/// Prepared text: enumerations, stock phrases, or an opening definition
/// ("Kafka is a distributed …") with no first person in it.
fn is_recited(text: &str, norm: &str) -> bool {
    if count_phrases(norm, RECITED) > 0 {
        return true;
    }
    let Some(first) = sentences(text).into_iter().next() else {
        return false;
    };
    let n = normalise(first);
    let words: Vec<&str> = n.split_whitespace().collect();
    let defines = (1..=4).any(|i| {
        words.get(i).is_some_and(|w| *w == "is" || *w == "are")
            && words.get(i + 1).is_some_and(|w| *w == "a" || *w == "an")
    });
    defines && count_words(&n, FIRST_PERSON) == 0
}

const NUMBER_WORDS: &[&str] = &[
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "percent",
    "twice",
    "dozen",
];

const REASONING: &[&str] = &[
    "because",
    "so that",
    "so we",
    "so the",
    "so it",
    "so you",
    "if",
    "otherwise",
    "instead",
    "rather than",
    "which means",
    "trade off",
    "tradeoff",
    "depends",
    "deciding factor",
    "the reason",
    "in order to",
    "unless",
    "whereas",
    "the important",
    "the key",
    "that way",
    "the risk",
    "the downside",
    "before blaming",
    "culprits",
];

const FIRST_PERSON: &[&str] = &[
    "i", "i'm", "i'd", "i've", "i'll", "we", "we're", "we've", "we'd", "our", "my", "us", "me",
];

const COLLABORATION: &[&str] = &[
    "team",
    "teams",
    "postmortem",
    "post mortem",
    "on call",
    "together",
    "learned",
    "learnt",
    "mentor",
    "mentored",
    "review",
    "reviews",
    "we fixed",
    "we decided",
    "rule",
    "colleague",
    "colleagues",
];

const EVENTS: &[&str] = &[
    "last year",
    "last month",
    "last quarter",
    "last week",
    "once",
    "during",
    "when we",
    "we fixed",
    "we moved",
    "we built",
    "we had",
    "we rolled",
    "incident",
    "outage",
    "at peak",
    "in production",
    "for us",
    "i own",
    "we own",
    "we do",
    "we keep",
];

const HEDGES: &[&str] = &[
    "not sure",
    "i think",
    "maybe",
    "don't remember",
    "do not remember",
    "don't know",
    "do not know",
    "no idea",
    "another person",
    "someone else",
    "other team",
    "ask the",
    "it's fine",
    "would be fine",
    "can we move",
    "next question",
    "hmm",
    "uh",
    "um",
    "i guess",
    "probably",
    "kind of",
    "sort of",
    "devops handles",
    "long time ago",
];

const CLARIFICATION: &[&str] = &[
    "repeat the question",
    "could you repeat",
    "can you repeat",
    "say that again",
    "what do you mean",
    "rephrase",
];

const RECITED: &[&str] = &[
    "firstly",
    "secondly",
    "thirdly",
    "furthermore",
    "moreover",
    "in conclusion",
    "to summarise",
    "to summarize",
    "industry standard",
    "best practice",
    "best practices",
    "capable of",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(speaker: &str, content: &str, start_s: i64) -> Turn {
        Turn {
            speaker: speaker.into(),
            content: content.into(),
            start_ms: start_s * 1000,
        }
    }

    #[test]
    fn quotes_are_verbatim_sentences_and_sentences_keep_their_text() {
        let text = "We used gRPC. Latency fell by 40 percent because we batched writes... Then ok!";
        assert_eq!(
            sentences(text),
            [
                "We used gRPC.",
                "Latency fell by 40 percent because we batched writes...",
                "Then ok!"
            ]
        );
        let q = best_sentence(text).unwrap();
        assert!(text.contains(&q), "{q}");
        assert_eq!(q, "Latency fell by 40 percent because we batched writes...");
    }

    #[test]
    fn any_transcript_gets_a_score_without_panicking() {
        for turns in [
            vec![],
            vec![turn("candidate", "Hello?", 0)],
            vec![turn("interviewer", "Tell me about Go.", 0)],
            vec![turn("Interviewer", "…", 0), turn("CANDIDATE", "", 1)],
            vec![
                turn("interviewer", "Q?", 5),
                turn("candidate", "Answer with ünïcödé and 日本語。", 2),
            ],
        ] {
            let s = score_interview(&turns, &[], &[]);
            assert_eq!(s.dimensions.len(), 5);
            assert!((0.0..=100.0).contains(&s.overall));
            for d in &s.dimensions {
                for q in &d.quotes {
                    assert!(turns.iter().any(|t| t.content.contains(q.as_str())));
                }
            }
        }
    }

    #[test]
    fn a_model_score_must_cover_the_rubric_and_quote_the_candidate_verbatim() {
        let turns = [
            turn("interviewer", "Why Kafka?", 0),
            turn(
                "candidate",
                "We needed replay after outages, so we moved to Kafka.",
                6,
            ),
        ];
        let rubric = vec![
            RubricDimension {
                name: "Technical".into(),
                weight: 3.0,
                description: String::new(),
            },
            RubricDimension {
                name: "Communication".into(),
                weight: 1.0,
                description: String::new(),
            },
        ];
        let dim = |name: &str, score: u8, quotes: &[&str]| ModelDimension {
            name: name.into(),
            score,
            evidence: "because".into(),
            quotes: quotes.iter().map(|q| q.to_string()).collect(),
        };
        let model = |dimensions| ModelScore {
            dimensions,
            summary: " Good. ".into(),
            feedback: "More detail.".into(),
            integrity_risk: Risk::Low,
            integrity_reasons: vec![],
        };
        let ok = from_model(
            model(vec![
                dim("technical", 80, &["so we moved to Kafka"]),
                dim("Communication", 40, &[]),
            ]),
            &turns,
            &rubric,
        )
        .unwrap();
        assert_eq!(ok.overall, 70.0, "the weighted mean is ours");
        assert_eq!(ok.dimensions[0].name, "Technical", "the rubric's spelling");
        assert_eq!(ok.integrity.median_answer_latency_ms, Some(6000));
        assert_eq!(ok.summary, "Good.");
        for (dims, says) in [
            (
                vec![
                    dim("Technical", 80, &["we moved to RabbitMQ"]),
                    dim("Communication", 40, &[]),
                ],
                "quote 1 is not",
            ),
            (
                vec![
                    dim("Technical", 80, &["Why Kafka?"]),
                    dim("Communication", 40, &[]),
                ],
                "quote 1 is not",
            ),
            (
                vec![dim("Technical", 80, &[])],
                "`Communication` is missing",
            ),
            (
                vec![
                    dim("Technical", 80, &[]),
                    dim("Communication", 40, &[]),
                    dim("Charm", 9, &[]),
                ],
                "`Charm` is not in the rubric",
            ),
            (
                vec![dim("Technical", 101, &[]), dim("Communication", 40, &[])],
                "scores 101",
            ),
            (
                vec![
                    dim("Technical", 1, &[]),
                    dim("TECHNICAL", 2, &[]),
                    dim("Communication", 40, &[]),
                ],
                "scored twice",
            ),
        ] {
            let err = from_model(model(dims), &turns, &rubric).unwrap_err();
            assert!(err.contains(says), "{err}");
            assert!(
                !err.contains("RabbitMQ") && !err.contains("Kafka"),
                "errors do not quote: {err}"
            );
        }
    }

    #[test]
    fn dimensions_follow_their_names_and_a_custom_rubric_keeps_its_weights() {
        let rubric = vec![
            RubricDimension {
                name: "Rust".into(),
                weight: 3.0,
                description: String::new(),
            },
            RubricDimension {
                name: "Clarity".into(),
                weight: 1.0,
                description: String::new(),
            },
        ];
        assert_eq!(Family::of(&rubric[0]), Family::General);
        assert_eq!(Family::of(&rubric[1]), Family::Communication);
        let turns = [
            turn("interviewer", "How do you avoid double charges?", 0),
            turn("candidate", "We store an idempotency key in PostgreSQL in the same transaction as the charge, because otherwise a retry after a timeout moves money twice.", 4),
        ];
        let s = score_interview(&turns, &rubric, &[]);
        let expected =
            (3.0 * f64::from(s.dimensions[0].score) + f64::from(s.dimensions[1].score)) / 4.0;
        assert!((s.overall - (expected * 10.0).round() / 10.0).abs() < 1e-9);
        assert_eq!(s.dimensions[0].weight, 3.0);
    }
}
