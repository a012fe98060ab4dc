//! The built-in interviewer: walks a role's approved questions in order,
//! asks one follow-up when an answer is thin (short, or hedged and
//! evasive), and closes the interview when the set is done. Pure: the next
//! turn follows from the questions and the transcript so far.

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

const FOLLOW_UPS: &[&str] = &[
    "Could you give me a concrete example from your own work?",
    "What exactly did you do yourself there, and why that way?",
    "What would you do differently next time, and why?",
];

/// The next turn after `transcript` (whose candidate turns are the
/// answers), for an interview over `questions`.
pub fn next_turn(questions: &[Question], transcript: &[Turn], first_name: Option<&str>) -> Next {
    let is_candidate = |t: &Turn| t.speaker.trim().eq_ignore_ascii_case("candidate");
    // The last question asked: the interviewer turn that carries it.
    let asked = transcript.iter().enumerate().rev().find_map(|(at, t)| {
        if is_candidate(t) {
            return None;
        }
        questions
            .iter()
            .rposition(|q| t.content.contains(q.text.as_str()))
            .map(|index| (at, index))
    });
    let Some((at, index)) = asked else {
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
    let followed_up = since.iter().any(|t| !is_candidate(t));
    let answer: Vec<&str> = since
        .iter()
        .filter(|t| is_candidate(t))
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
    fn no_questions_closes_at_once() {
        assert!(matches!(next_turn(&[], &[], None), Next::Close { .. }));
    }
}
