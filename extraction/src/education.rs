//! Education entries (degree, level, field, institution, end year) and
//! certifications.

use super::dates::{find_ranges, years_in};
use super::text::{fold, is_bullet, strip_bullet, trim_field, Line};
use crate::EducationItem;

/// Longest entry or certification assembled from wrapped lines.
const MAX_ITEM_BYTES: usize = 1000;

const PHD: &[&str] = &[
    "phd",
    "ph.d",
    "ph.d.",
    "doctorate",
    "doctor",
    "doctorado",
    "doktor",
    "dr.",
    "doctorat",
    "dphil",
    "d.phil",
    "doutorado",
    "dottorato",
];
const MASTER: &[&str] = &[
    "master",
    "masters",
    "master's",
    "msc",
    "m.sc",
    "m.sc.",
    "ms",
    "m.s.",
    "m.a.",
    "mba",
    "meng",
    "m.eng",
    "m.eng.",
    "mfa",
    "maestria",
    "magister",
    "mestrado",
    "m.tech",
    "mtech",
    "m.tech.",
    "mres",
    "llm",
    "m.phil",
    "mphil",
    "diplom-ingenieur",
    "dipl.-ing.",
    "laurea magistrale",
];
const BACHELOR: &[&str] = &[
    "bachelor",
    "bachelors",
    "bachelor's",
    "bsc",
    "b.sc",
    "b.sc.",
    "bs",
    "b.s.",
    "ba",
    "b.a.",
    "beng",
    "b.eng",
    "b.eng.",
    "btech",
    "b.tech",
    "b.tech.",
    "b.e.",
    "bba",
    "b.b.a.",
    "licenciatura",
    "licenciado",
    "grado",
    "bacharelado",
    "licence",
    "laurea",
    "inzynier",
    "undergraduate",
    "bcom",
    "b.com",
    "b.com.",
    "bca",
    "llb",
];
const BOOTCAMP: &[&str] = &["bootcamp", "boot camp", "nanodegree", "immersive"];
const OTHER: &[&str] = &[
    "diploma",
    "associate",
    "certificate",
    "high school",
    "abitur",
    "bachillerato",
    "baccalaureat",
    "a-levels",
    "gcse",
    "hnd",
    "fachinformatiker",
    "tecnico superior",
];

const INSTITUTION_WORDS: &[&str] = &[
    "university",
    "universidad",
    "universitat",
    "universite",
    "universidade",
    "universita",
    "college",
    "institute",
    "instituto",
    "institut",
    "school",
    "escuela",
    "hochschule",
    "academy",
    "academia",
    "polytechnic",
    "politecnico",
    "politecnica",
    "fachhochschule",
    "ecole",
    "iit",
    "mit",
    "eth",
    "epfl",
    "polytechnique",
    "conservatory",
    "bootcamp",
    "universiteit",
];

fn words(t: &str) -> Vec<String> {
    let f = fold(t);
    f.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '/' | '·' | '|' | ';'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The level a degree phrase names.
pub fn degree_level(t: &str) -> Option<&'static str> {
    let ws = words(t);
    let f = fold(t);
    let has = |list: &[&str]| {
        ws.iter()
            .any(|w| list.contains(&w.as_str()) || list.contains(&w.trim_end_matches(['.', ':'])))
            || list.iter().any(|p| p.contains(' ') && f.contains(p))
    };
    if has(PHD) {
        Some("phd")
    } else if has(MASTER) {
        Some("master")
    } else if has(BACHELOR) {
        Some("bachelor")
    } else if has(BOOTCAMP) {
        Some("bootcamp")
    } else if has(OTHER) {
        Some("other")
    } else {
        None
    }
}

fn is_institution(t: &str) -> bool {
    words(t)
        .iter()
        .any(|w| INSTITUTION_WORDS.contains(&w.as_str()))
}

/// Text without date ranges, years and parentheses around them.
fn strip_years(t: &str) -> String {
    let mut s = t.to_string();
    for r in find_ranges(t).iter().rev() {
        s.replace_range(r.span.0..r.span.1, " ");
    }
    let cleaned: Vec<&str> = s
        .split_whitespace()
        .filter(|w| {
            let core = w.trim_matches(|c: char| !c.is_alphanumeric());
            !(core.len() == 4 && core.chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    let mut out = cleaned.join(" ");
    while out.contains("()") || out.contains("( )") {
        out = out.replace("( )", "").replace("()", "");
    }
    trim_field(out.trim())
        .trim_end_matches(['(', '·'])
        .trim()
        .to_string()
}

/// (degree, field of study) from a degree phrase.
fn split_degree(t: &str) -> (String, Option<String>) {
    for sep in [
        " in ",
        " en ",
        " em ",
        " im ",
        " of Science in ",
        ", ",
        " - ",
        " – ",
        " — ",
    ] {
        if let Some(p) = t.find(sep) {
            let (d, f) = (&t[..p], &t[p + sep.len()..]);
            if degree_level(d).is_some() && !f.trim().is_empty() {
                return (trim_field(d).to_string(), Some(trim_field(f).to_string()));
            }
        }
    }
    // "MSc Computer Science": an abbreviation then the field.
    let mut it = t.splitn(2, ' ');
    let first = it.next().unwrap_or("");
    if let Some(rest) = it.next() {
        if first.len() <= 6
            && degree_level(first).is_some()
            && !rest.to_ascii_lowercase().starts_with("of ")
        {
            return (first.to_string(), Some(rest.trim().to_string()));
        }
    }
    (t.trim().to_string(), None)
}

#[derive(Default)]
struct Draft {
    degree: Option<String>,
    institution: Option<String>,
    end_year: Option<i32>,
    expected: bool,
}

/// Words that mark a graduation still to come ("expected 2027",
/// "Abschluss voraussichtlich 2026", "previsto 2026", "in progress").
const EXPECTED: &[&str] = &[
    "expected",
    "exp.",
    "anticipated",
    "in progress",
    "ongoing",
    "currently enrolled",
    "prevista",
    "previsto",
    "previsión",
    "en curso",
    "em andamento",
    "em curso",
    "cursando",
    "voraussichtlich",
    "laufend",
    "en cours",
    "prévu",
];

/// `t` without the expected-graduation words, and whether it had one.
fn take_expected(t: &str) -> (String, bool) {
    let lower = t.to_lowercase();
    for word in EXPECTED {
        if let Some(at) = lower.find(word) {
            // Only at a word's start.
            let before = lower[..at].chars().next_back();
            if before.is_some_and(char::is_alphanumeric) {
                continue;
            }
            let mut out = t.to_owned();
            if out.is_char_boundary(at) && out.is_char_boundary(at + word.len()) {
                out.replace_range(at..at + word.len(), "");
            }
            let out = out
                .replace("()", "")
                .replace("( )", "")
                .trim_matches(|c: char| {
                    c.is_whitespace() || c == ',' || c == '–' || c == '-' || c == ':'
                })
                .to_owned();
            return (out, true);
        }
    }
    (t.to_owned(), false)
}

pub fn parse(lines: &[&Line]) -> Vec<EducationItem> {
    // Join wrapped degree lines ("Máster en Ciencia de" / "Datos").
    let mut joined: Vec<String> = Vec::new();
    let mut prev_degree_open = false;
    for l in lines {
        let t = strip_bullet(&l.text).trim();
        if t.is_empty() || super::experience::is_table_header(t) {
            continue;
        }
        let deg = degree_level(t).is_some();
        let inst = is_institution(t);
        let has_year = !years_in(t).is_empty();
        let lower_start = t.chars().next().is_some_and(char::is_lowercase);
        if let Some(last) = joined.last_mut().filter(|l| l.len() < MAX_ITEM_BYTES) {
            if (prev_degree_open && !deg && !inst && !has_year)
                || (lower_start && !is_bullet(&l.text))
            {
                last.push(' ');
                last.push_str(t);
                continue;
            }
        }
        prev_degree_open = deg && !inst;
        joined.push(t.to_string());
    }

    let mut out: Vec<EducationItem> = Vec::new();
    let mut cur = Draft::default();
    let flush = |d: &mut Draft, out: &mut Vec<EducationItem>| {
        let d = std::mem::take(d);
        if d.degree.is_none() && d.institution.is_none() {
            return;
        }
        let (degree, field) = match &d.degree {
            Some(t) => {
                let (dg, f) = split_degree(t);
                (Some(dg), f)
            }
            None => (None, None),
        };
        out.push(EducationItem {
            institution: d.institution.unwrap_or_default(),
            degree_level: d
                .degree
                .as_deref()
                .and_then(degree_level)
                .map(str::to_string),
            degree,
            field_of_study: field,
            end_year: d.end_year,
            expected: d.expected,
        });
    };
    for t in &joined {
        let (t, expected) = take_expected(t);
        let t = &t;
        let years = years_in(t);
        let body = strip_years(t);
        let deg = degree_level(&body).is_some();
        let inst = is_institution(&body);
        let (deg_text, inst_text) = if deg && inst {
            // "BSc in X, University of Y"
            let parts: Vec<&str> = body
                .split([',', '|', '·'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            let ip = parts.iter().position(|p| is_institution(p));
            match ip {
                Some(i) if parts.len() > 1 => {
                    let inst = parts[i..].join(", ");
                    let deg = parts[..i].join(", ");
                    if deg.is_empty() {
                        (Some(body.clone()), None)
                    } else {
                        (Some(deg), Some(inst))
                    }
                }
                _ => (None, Some(body.clone())),
            }
        } else if deg {
            (Some(body.clone()), None)
        } else if inst || (!body.is_empty() && cur.degree.is_some() && cur.institution.is_none()) {
            (None, Some(body.clone()))
        } else {
            (None, None)
        };
        if deg_text.is_some() && cur.degree.is_some()
            || inst_text.is_some() && cur.institution.is_some()
        {
            flush(&mut cur, &mut out);
        }
        if let Some(d) = deg_text {
            if !d.is_empty() {
                cur.degree = Some(d);
            }
        }
        if let Some(i) = inst_text {
            if !i.is_empty() {
                cur.institution = Some(i);
            }
        }
        cur.expected |= expected;
        if let Some(&y) = years.iter().max() {
            if cur.end_year.is_some() && cur.degree.is_some() && cur.institution.is_some() {
                // Years after a complete entry still belong to it.
                cur.end_year = Some(cur.end_year.unwrap_or(y).max(y));
            } else {
                cur.end_year = Some(y);
            }
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Certifications: one per item, wrapped lines joined, issuer (after " — ")
/// and years dropped.
pub fn certifications(lines: &[&str]) -> Vec<String> {
    let bulleted = lines.iter().any(|l| is_bullet(l));
    let mut items: Vec<String> = Vec::new();
    let mut open = false;
    for l in lines {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        let dash_cont = (t.starts_with("– ") || t.starts_with("— ")) && open;
        let new_item = if dash_cont {
            false
        } else if bulleted {
            is_bullet(t) || !open
        } else {
            let single = t.split_whitespace().count() <= 2
                && t.chars().next().is_some_and(char::is_uppercase);
            !(open && (t.chars().next().is_some_and(char::is_lowercase) || single))
        };
        let body = if dash_cont { t } else { strip_bullet(t) };
        if new_item || items.is_empty() {
            items.push(body.to_string());
        } else if let Some(last) = items.last_mut().filter(|l| l.len() < MAX_ITEM_BYTES) {
            last.push(' ');
            last.push_str(body);
        }
        let last = items.last().map(String::as_str).unwrap_or("");
        open = !(last.ends_with(')') || last.ends_with('.') || !years_in(last).is_empty());
    }
    items
        .into_iter()
        .map(|it| {
            let main = it.split(" — ").next().unwrap_or("").to_string();
            let main = main.split(" | ").next().unwrap_or("").to_string();
            let mut s = strip_years(&main);
            // Leading year ("2017 Professional Scrum ...") is gone; a
            // trailing "(issuer)" stays.
            s = s.trim().to_string();
            s
        })
        .filter(|s| s.chars().filter(|c| c.is_alphabetic()).count() >= 3 && s.len() < 200)
        // Contact details in a page footer are not certifications.
        .filter(|s| !s.contains('@') && !s.to_ascii_lowercase().contains("linkedin.com"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(t: &str) -> Vec<Line> {
        super::super::text::prepare(t)
    }

    #[test]
    fn a_graduation_still_to_come_is_marked_expected() {
        let ls = lines("MSc in Data Science\nUniversity of Porto, expected 2027\nBSc in Statistics\nUniversity of Belgrade, 2016 – 2020\nLicenciatura em Informática (em andamento)\nUniversidade de Lisboa, 2024 –\n");
        let refs: Vec<&Line> = ls.iter().collect();
        let ed = parse(&refs);
        let got: Vec<(&str, Option<i32>, bool)> = ed
            .iter()
            .map(|e| (e.institution.as_str(), e.end_year, e.expected))
            .collect();
        assert_eq!(
            got,
            [
                ("University of Porto", Some(2027), true),
                ("University of Belgrade", Some(2020), false),
                ("Universidade de Lisboa", Some(2024), true),
            ]
        );
    }

    #[test]
    fn degrees() {
        let ls = lines("Máster en Ciencia de\nDatos\nUniversidad de Granada\n2017 – 2018\nB.Sc. in Computer Science\nUniversity of Lagos, 2012 – 2016\n");
        let refs: Vec<&Line> = ls.iter().collect();
        let ed = parse(&refs);
        assert_eq!(ed.len(), 2);
        assert_eq!(ed[0].degree.as_deref(), Some("Máster"));
        assert_eq!(ed[0].field_of_study.as_deref(), Some("Ciencia de Datos"));
        assert_eq!(ed[0].degree_level.as_deref(), Some("master"));
        assert_eq!(ed[0].end_year, Some(2018));
        assert_eq!(ed[1].institution, "University of Lagos");
        assert_eq!(ed[1].degree_level.as_deref(), Some("bachelor"));
    }

    #[test]
    fn certs() {
        let c = certifications(&[
            "- Certified Kubernetes",
            "Administrator (CKA) — CNCF (2020)",
            "- AWS Certified Developer",
            "– Associate — Amazon Web Services (2019)",
        ]);
        assert_eq!(
            c,
            vec![
                "Certified Kubernetes Administrator (CKA)",
                "AWS Certified Developer – Associate"
            ]
        );
    }
}
