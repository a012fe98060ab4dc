//! The built-in interviewer: walks a role's approved questions in order,
//! asks one follow-up when an answer is thin (short, or hedged and
//! evasive), and closes the interview when the set is done. Pure: the next
//! turn follows from the questions and the transcript so far.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{interview::is_thin_answer, questions::Question, Turn};

/// The interviewer's next turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Asks question `index` (0-based) of the set.
    Ask { text: String, index: usize },
    /// Asks the candidate to go deeper on question `index`.
    FollowUp { text: String, index: usize },
    /// Ends the interview.
    Close { text: String },
}

impl Next {
    pub fn text(&self) -> &str {
        match self {
            Next::Ask { text, .. } | Next::FollowUp { text, .. } | Next::Close { text } => text,
        }
    }
}

/// Where an interview stands: the last question asked (0-based) and
/// whether it was followed up since.
fn progress(questions: &[Question], transcript: &[Turn]) -> Option<(usize, usize, bool)> {
    let (at, index) = transcript.iter().enumerate().rev().find_map(|(at, t)| {
        if t.is_candidate() {
            return None;
        }
        questions
            .iter()
            .rposition(|q| t.content.contains(q.text.as_str()))
            .map(|index| (at, index))
    })?;
    let followed_up = transcript[at + 1..].iter().any(|t| !t.is_candidate());
    Some((at, index, followed_up))
}

/// What a model is asked to say next (the tool's parameters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelTurn {
    pub kind: TurnKind,
    /// The approved question's number (1-based) being asked or followed
    /// up; null when closing.
    pub question_number: Option<u32>,
    /// What the interviewer says: at most 600 characters; a question turn
    /// contains the approved question word for word.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TurnKind {
    Question,
    FollowUp,
    Closing,
}

/// Longest interviewer turn a model may say.
pub const MAX_TURN_CHARS: usize = 600;

/// Checks a model's turn against the interview's script: the next approved
/// question (asked word for word), one follow-up at most per question, and
/// closing only after the last question. Errors name the rule, not text.
pub fn check_turn(
    m: ModelTurn,
    questions: &[Question],
    transcript: &[Turn],
) -> Result<Next, String> {
    let text = m.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > MAX_TURN_CHARS {
        return Err(format!("the turn must be 1 to {MAX_TURN_CHARS} characters"));
    }
    let progress = progress(questions, transcript);
    let next_index = progress.map_or(0, |(_, i, _)| i + 1);
    let number = m.question_number.map(|n| n as usize);
    match m.kind {
        TurnKind::Question => {
            let Some(q) = questions.get(next_index) else {
                return Err("every question was asked: close the interview".into());
            };
            if number != Some(next_index + 1) {
                return Err(format!("the next question is number {}", next_index + 1));
            }
            if !text.contains(q.text.as_str()) {
                return Err(format!(
                    "question {} must be asked word for word",
                    next_index + 1
                ));
            }
            Ok(Next::Ask {
                text,
                index: next_index,
            })
        }
        TurnKind::FollowUp => match progress {
            Some((_, index, false)) if number == Some(index + 1) => {
                Ok(Next::FollowUp { text, index })
            }
            Some((_, index, false)) => Err(format!("a follow-up is on question {}", index + 1)),
            Some((_, _, true)) => Err("the question was already followed up: move on".into()),
            None => Err("no question was asked yet".into()),
        },
        TurnKind::Closing if next_index >= questions.len() => Ok(Next::Close { text }),
        TurnKind::Closing => Err(format!(
            "question {} of {} has not been asked yet",
            next_index + 1,
            questions.len()
        )),
    }
}

const FOLLOW_UPS: &[&str] = &[
    "Could you give me a concrete example from your own work?",
    "What exactly did you do yourself there, and why that way?",
    "What would you do differently next time, and why?",
];

/// The next turn after `transcript` (whose candidate turns are the
/// answers), for an interview over `questions`.
pub fn next_turn(questions: &[Question], transcript: &[Turn], first_name: Option<&str>) -> Next {
    // The last question asked: the interviewer turn that carries it.
    let Some((at, index, followed_up)) = progress(questions, transcript) else {
        let Some(first) = questions.first() else {
            return Next::Close {
                text: "Thank you for joining. There are no questions for this interview yet; we will be in touch.".into(),
            };
        };
        let hello = match first_name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("Hello {name}, thank you for joining."),
            None => "Hello, thank you for joining.".to_owned(),
        };
        return Next::Ask {
            text: format!(
                "{hello} I will ask you {} questions; take your time with each. First: {}",
                questions.len(),
                first.text
            ),
            index: 0,
        };
    };
    let since = &transcript[at + 1..];
    let answer: Vec<&str> = since
        .iter()
        .filter(|t| t.is_candidate())
        .map(|t| t.content.as_str())
        .collect();
    if !followed_up && is_thin_answer(&answer.join(" ")) {
        return Next::FollowUp {
            text: format!("Thank you. {}", FOLLOW_UPS[index % FOLLOW_UPS.len()]),
            index,
        };
    }
    match questions.get(index + 1) {
        Some(q) => Next::Ask {
            text: format!("Thank you. Next question: {}", q.text),
            index: index + 1,
        },
        None => Next::Close {
            text: "Thank you, that was the last question. We will review your answers and get back to you soon.".into(),
        },
    }
}

/// A voice agent's instructions for one interview: the same conduct as the
/// text interviewer (the approved questions in order, one at a time, at
/// most one follow-up on a thin answer, nothing off-limits asked, no
/// verdict given), with the rubric the answers will be scored against so
/// the agent knows what a follow-up should draw out. Carries the
/// candidate's first name and nothing else about them.
pub fn voice_instructions(
    role_title: &str,
    first_name: &str,
    questions: &[Question],
    rubric: &[crate::rubric::RubricDimension],
) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "You are the interviewer for the role \"{}\", speaking with the candidate, {}, by voice.",
        role_title.trim(),
        first_name.trim()
    );
    s.push_str(
        "Greet them briefly, then ask the questions below in order, one at a time, in your own \
         natural words but without changing their meaning. When an answer is vague or very short, \
         ask one short follow-up about the same question, then move on. Do not ask about age, \
         family, health, religion, nationality, or any other protected characteristic; do not \
         give feedback on answers or hint at the outcome. If the candidate asks, say that the \
         recruiting team will be in touch. When every question has been answered, thank the \
         candidate and end the call.\n\nQuestions:\n",
    );
    for (i, q) in questions.iter().enumerate() {
        let _ = writeln!(s, "{}. {}", i + 1, q.text.trim());
    }
    if !rubric.is_empty() {
        s.push_str("\nThe answers are assessed on these dimensions (never read them out):\n");
        for d in rubric {
            match d.description.trim() {
                "" => {
                    let _ = writeln!(s, "- {}", d.name.trim());
                }
                desc => {
                    let _ = writeln!(s, "- {}: {}", d.name.trim(), desc);
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::{Difficulty, QuestionKind};

    fn q(text: &str) -> Question {
        Question {
            kind: QuestionKind::Technical,
            text: text.into(),
            difficulty: Difficulty::Medium,
            dimension: "Technical Skills".into(),
            model_answer: String::new(),
            topic: "Go".into(),
        }
    }

    fn said(speaker: &str, content: &str) -> Turn {
        Turn {
            speaker: speaker.into(),
            content: content.into(),
            start_ms: 0,
        }
    }

    #[test]
    fn walks_the_questions_follows_up_once_on_a_thin_answer_and_closes() {
        let qs = [
            q("How do you test Go services?"),
            q("Tell me about an incident."),
        ];
        let mut t = Vec::new();
        let step = |t: &mut Vec<Turn>, answer: Option<&str>| {
            if let Some(a) = answer {
                t.push(said("candidate", a));
            }
            let next = next_turn(&qs, t, Some("Amara"));
            t.push(said("interviewer", next.text()));
            next
        };
        let first = step(&mut t, None);
        assert!(matches!(first, Next::Ask { index: 0, .. }));
        assert!(first.text().starts_with("Hello Amara") && first.text().contains("2 questions"));
        let thin = step(&mut t, Some("I think unit tests, maybe."));
        assert!(matches!(thin, Next::FollowUp { index: 0, .. }), "{thin:?}");
        let after_follow_up = step(&mut t, Some("Not sure."));
        assert!(
            matches!(after_follow_up, Next::Ask { index: 1, .. }),
            "one follow-up only"
        );
        let full = "Last year a deploy took the checkout down for twelve minutes because a readiness probe hit the database; I rolled it back, then we made probes check only local state and added a disruption budget.";
        let close = step(&mut t, Some(full));
        assert!(matches!(close, Next::Close { .. }), "{close:?}");
    }

    #[test]
    fn a_models_turn_must_follow_the_script() {
        let qs = [
            q("How do you test Go services?"),
            q("Tell me about an incident."),
        ];
        let turn = |kind, n: Option<u32>, text: &str| ModelTurn {
            kind,
            question_number: n,
            text: text.into(),
        };
        let start: Vec<Turn> = vec![];
        assert!(matches!(
            check_turn(
                turn(
                    TurnKind::Question,
                    Some(1),
                    "Hi! How do you test Go services?"
                ),
                &qs,
                &start
            ),
            Ok(Next::Ask { index: 0, .. })
        ));
        for (t, says) in [
            (
                turn(TurnKind::Question, Some(1), "How do you write Go?"),
                "word for word",
            ),
            (
                turn(TurnKind::Question, Some(2), "Tell me about an incident."),
                "the next question is number 1",
            ),
            (
                turn(TurnKind::FollowUp, Some(1), "More?"),
                "no question was asked",
            ),
            (
                turn(TurnKind::Closing, None, "Bye."),
                "question 1 of 2 has not been asked",
            ),
            (
                turn(TurnKind::Question, Some(1), &"x".repeat(601)),
                "1 to 600 characters",
            ),
        ] {
            assert!(
                check_turn(t, &qs, &start).unwrap_err().contains(says),
                "{says}"
            );
        }
        let asked = vec![
            said("interviewer", "How do you test Go services?"),
            said("candidate", "Unit tests."),
        ];
        assert!(matches!(
            check_turn(
                turn(TurnKind::FollowUp, Some(1), "Could you say more?"),
                &qs,
                &asked
            ),
            Ok(Next::FollowUp { index: 0, .. })
        ));
        let mut followed = asked.clone();
        followed.extend([
            said("interviewer", "Could you say more?"),
            said("candidate", "Table tests."),
        ]);
        assert!(
            check_turn(turn(TurnKind::FollowUp, Some(1), "And?"), &qs, &followed)
                .unwrap_err()
                .contains("already followed up")
        );
        let mut done = followed.clone();
        done.extend([
            said("interviewer", "Next: Tell me about an incident."),
            said("candidate", "The outage."),
        ]);
        assert!(matches!(
            check_turn(
                turn(TurnKind::Closing, None, "Thanks, that's all."),
                &qs,
                &done
            ),
            Ok(Next::Close { .. })
        ));
        assert!(
            check_turn(turn(TurnKind::Question, Some(3), "Another?"), &qs, &done)
                .unwrap_err()
                .contains("close the interview")
        );
    }

    #[test]
    fn no_questions_closes_at_once() {
        assert!(matches!(next_turn(&[], &[], None), Next::Close { .. }));
    }
}
