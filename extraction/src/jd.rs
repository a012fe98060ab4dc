//! Job descriptions: which skills are required and which are a plus (by the
//! section or sentence they appear in), minimum years, seniority, education,
//! certifications, responsibilities and competencies.

use super::taxonomy::TAXONOMY;
use super::text::{fold, is_bullet, raw_lines, strip_bullet};
use crate::JobRequirements;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Title,
    Intro,
    Required,
    Preferred,
    Responsibilities,
    Other,
}

const PREFERRED: &[&str] = &[
    "nice to have",
    "nice-to-have",
    "preferred",
    "bonus",
    "a plus",
    "desirable",
    "good to have",
    "would be great",
    "extra points",
    "deseable",
    "valorable",
    "se valorara",
    "wunschenswert",
    "von vorteil",
    "atout",
    "un plus",
    "ideally",
    "pluspunkte",
    "plus points",
    "optional",
    "not required",
    "even better",
    "great to have",
    "would be a plus",
    "is a plus",
];
const RESPONSIBILITIES: &[&str] = &[
    "what you will do",
    "what you'll do",
    "responsibilities",
    "you will",
    "you'll",
    "your role",
    "the role",
    "day to day",
    "day-to-day",
    "tasks",
    "duties",
    "responsabilidades",
    "funciones",
    "aufgaben",
    "missions",
    "in this role",
    "what you'll be doing",
    "your impact",
    "what you will be doing",
    "your mission",
    "tu rol",
    "vos missions",
    "le poste",
];
const REQUIRED: &[&str] = &[
    "requirement",
    "requirements",
    "required",
    "must have",
    "must-have",
    "what you bring",
    "looking for",
    "you have",
    "you bring",
    "qualifications",
    "qualification",
    "who you are",
    "what you need",
    "about you",
    "minimum",
    "your profile",
    "requisitos",
    "anforderungen",
    "profil",
    "we expect",
    "skills",
    "experience",
    "what we expect",
    "competencias",
    "we need",
    "you are",
    "you'll need",
    "you will need",
    "essential",
    "must",
    "perfil",
    "qualifikationen",
    "ce que nous recherchons",
    "what we're looking for",
];
const OTHER: &[&str] = &[
    "about us",
    "what we offer",
    "benefits",
    "the team",
    "perks",
    "we offer",
    "about the company",
    "why join",
    "compensation",
    "salary",
    "how to apply",
    "our offer",
    "about",
    "company",
    "who we are",
    "our team",
    "beneficios",
    "wir bieten",
    "avantages",
    "culture",
    "location",
];

fn contains_any(f: &str, list: &[&str]) -> bool {
    list.iter().any(|p| {
        f.match_indices(p).any(|(i, _)| {
            let before = f[..i].chars().next_back();
            let after = f[i + p.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

fn heading_class(line: &str) -> Option<Class> {
    let f = fold(line);
    let f = f.trim_end_matches([':', '.']).trim();
    if contains_any(f, PREFERRED) {
        Some(Class::Preferred)
    } else if contains_any(f, RESPONSIBILITIES) {
        Some(Class::Responsibilities)
    } else if contains_any(f, OTHER) && !contains_any(f, &["looking for", "must", "require"]) {
        Some(Class::Other)
    } else if contains_any(f, REQUIRED) {
        Some(Class::Required)
    } else {
        None
    }
}

fn looks_like_heading(line: &str, next_is_bullet: bool) -> bool {
    let t = line.trim();
    if is_bullet(t) || t.len() > 70 {
        return false;
    }
    let words = t.split_whitespace().count();
    words <= 8 && (t.ends_with(':') || (!t.ends_with('.') && (next_is_bullet || words <= 5)))
}

fn number_word(w: &str) -> Option<f64> {
    let n = match w {
        "one" | "uno" | "un" | "eins" | "ein" => 1,
        "two" | "dos" | "zwei" | "deux" => 2,
        "three" | "tres" | "drei" | "trois" => 3,
        "four" | "cuatro" | "vier" | "quatre" => 4,
        "five" | "cinco" | "funf" | "cinq" => 5,
        "six" | "seis" | "sechs" => 6,
        "seven" | "siete" | "sieben" | "sept" => 7,
        "eight" | "ocho" | "acht" | "huit" => 8,
        "nine" | "nueve" | "neun" | "neuf" => 9,
        "ten" | "diez" | "zehn" | "dix" => 10,
        _ => return None,
    };
    Some(n as f64)
}

/// "5+ years", "at least 3 years", "minimum of 4 years", "3-5 years".
pub fn years_in_line(line: &str) -> Option<f64> {
    let f = fold(line);
    let toks: Vec<&str> = f
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ';' | ':'))
        .filter(|t| !t.is_empty())
        .collect();
    for (i, t) in toks.iter().enumerate() {
        let core = t.trim_end_matches('+');
        let first = core.split(['-', '–', '/']).next().unwrap_or("");
        let n =
            if !first.is_empty() && first.len() <= 2 && first.chars().all(|c| c.is_ascii_digit()) {
                first.parse::<f64>().ok()
            } else {
                number_word(core)
            };
        let Some(n) = n else { continue };
        if n <= 0.0 || n > 30.0 {
            continue;
        }
        let unit = toks.iter().skip(i + 1).take(3).any(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            matches!(
                w,
                "years"
                    | "year"
                    | "yrs"
                    | "yr"
                    | "anos"
                    | "ano"
                    | "jahre"
                    | "jahren"
                    | "ans"
                    | "anni"
                    | "annees"
            )
        });
        // "+ years" must follow directly or after "of"/"+".
        let direct = toks.get(i + 1).is_some_and(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            matches!(
                w,
                "years"
                    | "year"
                    | "yrs"
                    | "yr"
                    | "anos"
                    | "ano"
                    | "jahre"
                    | "jahren"
                    | "ans"
                    | "anni"
                    | "annees"
            )
        }) || toks.get(i + 1).is_some_and(|w| *w == "+" || *w == "or");
        if unit && direct {
            return Some(n);
        }
    }
    None
}

/// A sign of a competency in one line of a job description, matched on the
/// line's folded words (punctuation and hyphens split words: "on-call" is
/// `on call`; apostrophes do not: "you'll").
#[derive(Debug, Clone, Copy)]
enum Cue {
    /// A word starting with this stem ("mentor": mentoring, mentorship).
    Stem(&'static str),
    /// These words in a row.
    Words(&'static [&'static str]),
    /// The line (bullet mark removed) starts with this word: the
    /// imperative of a responsibility ("Own the payments API").
    Lead(&'static str),
    /// One of the first words, then one of the second at most that many
    /// words after it ("grow mid-level engineers", "work with analysts").
    Near(&'static [&'static str], &'static [&'static str], usize),
}

use Cue::{Lead, Near, Stem, Words};

/// Colleagues one works with, mentors or leads.
const PEOPLE: &[&str] = &[
    "engineers",
    "engineer",
    "developers",
    "developer",
    "designers",
    "analysts",
    "scientists",
    "researchers",
    "managers",
    "stakeholders",
    "colleagues",
    "teammates",
    "juniors",
    "people",
];

/// The competency vocabulary: general signs of each competency, none
/// tied to one job description's wording.
const COMPETENCIES: &[(&str, &[Cue])] = &[
    ("Communication", &[Stem("communicat")]),
    (
        "Collaboration",
        &[
            Stem("collaborat"),
            Words(&["cross", "functional"]),
            Words(&["pair", "programming"]),
            // "work with analysts", "pair with designers", "partner with
            // product managers": working with people, not with a tool.
            Near(&["with"], PEOPLE, 3),
        ],
    ),
    (
        "Ownership",
        &[
            Stem("ownership"),
            Stem("accountab"),
            Lead("own"),
            Words(&["owning"]),
            Words(&["will", "own"]),
            Words(&["you'll", "own"]),
        ],
    ),
    (
        "Mentoring",
        &[
            Stem("mentor"),
            Stem("coach"),
            Near(
                // Not "develop" or "support": "develop tools for developers".
                &["grow", "growing", "upskill", "upskilling"],
                &[
                    "junior",
                    "juniors",
                    "engineers",
                    "developers",
                    "colleagues",
                    "teammates",
                ],
                3,
            ),
        ],
    ),
    (
        "Leadership",
        &[
            Stem("leadership"),
            Near(
                &["lead", "leading", "manage", "managing"],
                &["team", "teams", "squad", "squads", "engineers", "people"],
                3,
            ),
        ],
    ),
    (
        "Problem solving",
        &[
            Words(&["problem", "solving"]),
            Words(&["problem", "solver"]),
            Stem("troubleshoot"),
            Words(&["root", "cause"]),
        ],
    ),
    (
        "Code review",
        &[
            Near(
                &["code", "pull", "merge"],
                &["review", "reviews", "reviewing"],
                2,
            ),
            Near(&["review", "reviewing"], &["code", "pull", "prs"], 2),
        ],
    ),
    (
        "Attention to detail",
        &[
            Words(&["attention", "to", "detail"]),
            Words(&["detail", "oriented"]),
            Words(&["eye", "for", "detail"]),
            Stem("meticulous"),
        ],
    ),
    (
        "Reliability mindset",
        &[
            Stem("reliabilit"),
            Words(&["on", "call"]),
            Stem("incident"),
            Stem("postmortem"),
            Words(&["post", "mortem"]),
            Words(&["blameless"]),
            Words(&["slo"]),
            Words(&["slos"]),
        ],
    ),
    ("Teamwork", &[Stem("teamwork"), Words(&["team", "player"])]),
    (
        "Autonomy",
        &[
            Stem("autonom"),
            Words(&["independently"]),
            Words(&["self", "directed"]),
            Words(&["self", "starter"]),
        ],
    ),
];

/// Folded words of a line, for [`Cue`]s.
fn cue_words(line: &str) -> Vec<String> {
    fold(strip_bullet(line.trim()))
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn cue_in(cue: Cue, ws: &[String]) -> bool {
    match cue {
        Stem(s) => ws.iter().any(|w| w.starts_with(s)),
        Words(seq) => ws
            .windows(seq.len())
            .any(|win| win.iter().zip(seq).all(|(w, s)| w == s)),
        Lead(w) => ws.first().is_some_and(|f| f == w),
        Near(first, then, within) => ws.iter().enumerate().any(|(i, w)| {
            first.contains(&w.as_str())
                && ws[i + 1..]
                    .iter()
                    .take(within)
                    .any(|x| then.contains(&x.as_str()))
        }),
    }
}

/// Competencies a job description asks for, in vocabulary order.
pub fn competencies(text: &str) -> Vec<String> {
    let lines: Vec<Vec<String>> = raw_lines(text).iter().map(|l| cue_words(&l.text)).collect();
    COMPETENCIES
        .iter()
        .filter(|(_, cues)| cues.iter().any(|&c| lines.iter().any(|ws| cue_in(c, ws))))
        .map(|(name, _)| name.to_string())
        .collect()
}

pub fn extract(text: &str) -> JobRequirements {
    let lines = raw_lines(text);
    let n = lines.len();
    let mut classes: Vec<Class> = Vec::with_capacity(n);
    let mut headings = vec![false; n];
    let mut cur = Class::Intro;
    for i in 0..n {
        let t = lines[i].text.as_str();
        if i == 0 {
            classes.push(Class::Title);
            continue;
        }
        let next_is_bullet = lines.get(i + 1).is_some_and(|l| is_bullet(&l.text));
        if looks_like_heading(t, next_is_bullet) {
            if let Some(c) = heading_class(t) {
                cur = c;
                headings[i] = true;
            } else if next_is_bullet {
                cur = Class::Other;
                headings[i] = true;
            }
        }
        classes.push(cur);
    }

    let mut required: Vec<String> = Vec::new();
    let mut preferred: Vec<String> = Vec::new();
    let mut years_req: Option<f64> = None;
    let mut years_any: Option<f64> = None;
    let mut responsibilities = Vec::new();
    let mut certifications = Vec::new();
    for i in 0..n {
        let t = lines[i].text.as_str();
        let f = fold(t);
        let marked_pref = contains_any(&f, PREFERRED);
        let class = classes[i];
        let to_required = !marked_pref && matches!(class, Class::Required | Class::Title);
        for h in TAXONOMY.find(t) {
            let name = TAXONOMY.canon[h.canon].clone();
            if to_required {
                if !required.contains(&name) {
                    required.push(name);
                }
            } else if !preferred.contains(&name) {
                preferred.push(name);
            }
        }
        if let Some(y) = years_in_line(t) {
            if class == Class::Required && years_req.is_none() {
                years_req = Some(y);
            }
            if years_any.is_none() {
                years_any = Some(y);
            }
        }
        if class == Class::Responsibilities && !headings[i] {
            let item = strip_bullet(t).trim();
            if !item.is_empty() {
                responsibilities.push(item.to_string());
            }
        }
        if matches!(class, Class::Required | Class::Preferred)
            && !headings[i]
            && (f.contains("certif") || f.contains("zertifi"))
        {
            certifications.push(strip_bullet(t).trim().trim_end_matches('.').to_string());
        }
    }
    // Mentions that span a line break.
    for name in TAXONOMY.skills_in(text) {
        if !required.contains(&name) && !preferred.contains(&name) {
            preferred.push(name);
        }
    }
    preferred.retain(|p| !required.contains(p));

    let min_years = years_req.or(years_any);
    let folded = fold(text);
    let title = lines.first().map(|l| fold(&l.text)).unwrap_or_default();
    let tw: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let seniority = if tw.iter().any(|w| {
        matches!(
            *w,
            "intern" | "internship" | "trainee" | "praktikant" | "becario" | "stagiaire"
        )
    }) {
        Some("intern")
    } else if tw
        .iter()
        .any(|w| matches!(*w, "junior" | "jr" | "entry" | "graduate"))
    {
        Some("junior")
    } else if tw.iter().any(|w| matches!(*w, "principal")) {
        Some("principal")
    } else if tw.iter().any(|w| matches!(*w, "staff")) {
        Some("staff")
    } else if tw.iter().any(|w| matches!(*w, "head" | "director" | "vp")) {
        Some("director")
    } else if tw.iter().any(|w| matches!(*w, "senior" | "sr" | "lead"))
        || min_years.is_some_and(|y| y >= 6.0)
    {
        Some("senior")
    } else if !tw.is_empty() {
        Some("mid")
    } else {
        None
    };
    let education = if contains_any(&folded, &["phd", "ph.d", "doctorate", "doctoral"]) {
        Some("phd")
    } else if contains_any(
        &folded,
        &["master's", "masters degree", "master degree", "msc", "m.sc"],
    ) {
        Some("master")
    } else if contains_any(
        &folded,
        &[
            "bachelor",
            "bachelor's",
            "bsc",
            "b.sc",
            "degree in",
            "university degree",
            "cs degree",
        ],
    ) {
        Some("bachelor")
    } else {
        None
    };
    let competencies = competencies(text);
    JobRequirements {
        required_skills: required,
        preferred_skills: preferred,
        min_years_experience: min_years,
        education: education.map(str::to_string),
        certifications,
        responsibilities,
        competencies,
        seniority: seniority.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        assert_eq!(
            years_in_line("- 5+ years of professional backend development."),
            Some(5.0)
        );
        assert_eq!(
            years_in_line("* At least 3 years working as a data engineer"),
            Some(3.0)
        );
        assert_eq!(years_in_line("a minimum of 4 years in QA"), Some(4.0));
        assert_eq!(years_in_line("3-5 years of experience"), Some(3.0));
        assert_eq!(years_in_line("25 days of holiday"), None);
    }

    #[test]
    fn competencies_by_vocabulary() {
        let c = |t: &str| competencies(t);
        assert_eq!(
            c("- You'll own the billing service end to end."),
            vec!["Ownership"]
        );
        assert_eq!(
            c("* Partner closely with product managers and designers."),
            vec!["Collaboration"]
        );
        assert_eq!(c("Help upskill our junior engineers"), vec!["Mentoring"]);
        assert_eq!(c("Lead a small team of four"), vec!["Leadership"]);
        assert_eq!(
            c("Reviewing pull requests is part of the job"),
            vec!["Code review"]
        );
        assert_eq!(
            c("Join the on-call rotation and keep our SLOs green"),
            vec!["Reliability mindset"]
        );
        assert_eq!(
            c("A detail-oriented, self-directed communicator"),
            vec!["Communication", "Attention to detail", "Autonomy"]
        );
        // Not signs of a competency by themselves.
        for t in [
            "Take part in sprint planning.",
            "Care about performance.",
            "Work with Kafka and Redis every day.",
            "Bring your own laptop; known issues are shown below.",
            "Develop tools for our developers.",
            "Fix slow queries.",
            "We serve 9,000 independent online shops.",
        ] {
            assert!(c(t).is_empty(), "{t}: {:?}", c(t));
        }
    }

    #[test]
    fn required_vs_preferred() {
        let jd = "Backend Engineer\n\nRequirements\n- Strong Python and SQL.\n- Docker is a plus.\n\nNice to have\n- Kafka.\n";
        let r = extract(jd);
        assert_eq!(r.required_skills, vec!["Python", "SQL"]);
        assert_eq!(r.preferred_skills, vec!["Docker", "Apache Kafka"]);
    }
}
