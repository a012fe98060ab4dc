//! Reading resumes and job descriptions: text in, a structured profile
//! ([`ResumeProfile`]) or requirements ([`JobRequirements`]) out. Pure: no
//! I/O, no clock (the caller says what "now" is), so every job kind, tool
//! and test gets the same answer for the same text.
//!
//! This is the built-in, offline, deterministic engine: it reads resumes and job
//! descriptions with hand-written scanners (no regular expressions, no
//! models) and the skills taxonomy embedded at compile time. Phone numbers
//! are put in E.164 form with libphonenumber's rules and metadata, compiled
//! in (the `phonenumber` crate).
//!
//! Resume reading, in order:
//! 1. lines are cleaned, page furniture (page numbers, running headers and
//!    footers) removed and wrapped connector lines joined ([`text`]);
//! 2. section headings (English, Spanish, German, French, Portuguese,
//!    Italian) give every line its section;
//! 3. contact details, name, location and headline are found by pattern and
//!    layout ([`contact`]);
//! 4. skills are every taxonomy surface form found anywhere ([`taxonomy`]);
//! 5. positions are anchored on date ranges in the experience section
//!    ([`experience`], [`dates`]); education and certifications come from
//!    their sections ([`education`]);
//! 6. total experience is the months covered by at least one position.
//!
//! Every function is total: any input, however hostile, yields a (possibly
//! empty) result without panicking, in time linear in the input.

pub mod contact;
pub mod dates;
pub mod education;
pub mod experience;
pub mod jd;
pub mod languages;
pub mod names;
pub mod taxonomy;
pub mod text;

mod types;
use dates::{covered_months, months_to_years, End, Ym};
use text::{heading, inline_heading, Line, Section};
pub use types::*;

/// Recorded with every result; bumped whenever the same input can give a
/// different output (2: job-description competencies from a keyword
/// vocabulary instead of phrases copied from the fixtures; 3: E.164 phone
/// numbers by libphonenumber's metadata instead of a calling-code table).
pub const ENGINE_VERSION: &str = "builtin-3";

/// Loads what the engine otherwise loads on first use — the skills taxonomy
/// and libphonenumber's metadata (≈ 0.2 s of CPU in a release build) — so
/// that the first resume after a start does not pay for it.
pub fn warm() {
    std::sync::LazyLock::force(&taxonomy::TAXONOMY);
    let _ = contact::to_e164("+1 415 555 0132", None);
}

/// Most text looked at (bytes); the extractor already refuses far larger
/// documents.
const MAX_TEXT_BYTES: usize = 2_000_000;

/// Lines with the section each belongs to (`None` before any heading).
/// Headings with content on the same line are split in two.
fn sectioned(lines: Vec<Line>) -> (Vec<Line>, Vec<Option<Section>>) {
    let mut out = Vec::with_capacity(lines.len());
    let mut secs = Vec::with_capacity(lines.len());
    let mut cur: Option<Section> = None;
    for l in lines {
        if let Some(s) = heading(&l.text) {
            cur = Some(s);
            out.push(l);
            secs.push(None);
            continue;
        }
        if let Some((s, rest)) = inline_heading(&l.text) {
            cur = Some(s);
            let rest = rest.to_string();
            let page = l.page;
            out.push(l);
            secs.push(None);
            if !rest.is_empty() {
                out.push(Line {
                    text: rest,
                    page,
                    title: false,
                });
                secs.push(cur);
            }
            continue;
        }
        out.push(l);
        secs.push(cur);
    }
    (out, secs)
}

/// Whether the document reads as Spanish or Portuguese (two family names
/// are the custom there).
fn looks_iberian(text: &str) -> bool {
    let sample = text::fold(text::clip(text, 20_000));
    let count = |w: &str| sample.matches(w).count();
    let es = count(" y ")
        + count(" con ")
        + count(" para ")
        + count(" los ")
        + count(" las ")
        + count(" del ")
        + count(" com ")
        + count(" em ")
        + count(" dos ")
        + count(" das ")
        + count(" no ")
        + count(" na ");
    let en = count(" the ") + count(" and ") + count(" with ") + count(" for ") + count(" of ");
    es > en
}

/// Parses resume text. `as_of` is "YYYY-MM": current positions count through it.
pub fn parse_resume(text: &str, as_of: &str) -> ResumeProfile {
    let text = text::clip(text, MAX_TEXT_BYTES);
    let as_of = Ym::parse(as_of);
    let (lines, secs) = sectioned(text::prepare(text));
    let in_section = |want: Section| -> Vec<&Line> {
        lines
            .iter()
            .zip(&secs)
            .filter(|(_, s)| **s == Some(want))
            .map(|(l, _)| l)
            .collect()
    };

    let email = contact::find_email(text);
    let linkedin_url = contact::find_linkedin(text);
    let (first_name, last_name, name_idx) = match contact::find_name(
        &lines,
        email.as_deref(),
        linkedin_url.as_deref(),
        looks_iberian(text),
    ) {
        Some((f, l, i)) => (Some(f), Some(l), Some(i)),
        None => (None, None, None),
    };
    let linkedin_url = match (&linkedin_url, &first_name, &last_name) {
        (Some(url), Some(first), Some(last)) => {
            contact::complete_wrapped_slug(text, url, &format!("{first} {last}")).or(linkedin_url)
        }
        _ => linkedin_url,
    };
    let location = contact::find_location(&lines, name_idx);
    let phone = contact::find_phone(&lines, location.as_deref()).map(|(printed, e164)| {
        let e164 = e164.or_else(|| contact::to_e164_by_domain(&printed, email.as_deref()));
        (printed, e164)
    });
    let headline = contact::find_headline(&lines, name_idx);
    let summary = {
        let s: Vec<&str> = in_section(Section::Summary)
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        let joined = s.join(" ");
        (!joined.is_empty()).then(|| text::clip(&joined, 2000).to_string())
    };

    let skills: Vec<String> = taxonomy::TAXONOMY.skills_in(text).into_iter().collect();

    let mut exp_lines = in_section(Section::Experience);
    if exp_lines
        .iter()
        .all(|l| dates::find_ranges(&l.text).is_empty())
    {
        // No experience heading: look everywhere but the sections that
        // hold other dated items.
        exp_lines = lines
            .iter()
            .zip(&secs)
            .filter(|(l, s)| {
                heading(&l.text).is_none()
                    && !matches!(
                        s,
                        Some(
                            Section::Education
                                | Section::Certifications
                                | Section::Languages
                                | Section::Projects
                                | Section::Other
                                | Section::Skills
                        )
                    )
            })
            .map(|(l, _)| l)
            .collect();
    }
    let positions = experience::parse(&exp_lines);
    let experience: Vec<ExperienceItem> = positions
        .iter()
        .map(|p| {
            let (end_date, is_current) = experience::end_of(&p.range);
            ExperienceItem {
                job_title: p.title.clone(),
                company_name: p.company.clone(),
                start_date: Some(p.range.start.fmt()),
                end_date,
                is_current,
            }
        })
        .collect();
    let total_years_experience = (!positions.is_empty()).then(|| {
        let ranges: Vec<(Ym, Option<Ym>)> = positions
            .iter()
            .map(|p| {
                (
                    p.range.start,
                    match p.range.end {
                        End::Date(d) => Some(d),
                        End::Current => None,
                    },
                )
            })
            .collect();
        months_to_years(covered_months(&ranges, as_of))
    });

    let education: Vec<EducationItem> = education::parse(&in_section(Section::Education));
    let cert_lines: Vec<&str> = in_section(Section::Certifications)
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    let certifications = education::certifications(&cert_lines);
    let language_lines: Vec<&str> = in_section(Section::Languages)
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    let all_lines: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let languages = languages::parse(&language_lines, &all_lines);

    ResumeProfile {
        first_name,
        last_name,
        email,
        phone: phone.as_ref().map(|p| p.0.clone()),
        phone_e164: phone.and_then(|p| p.1),
        linkedin_url,
        github_url: contact::find_github(text),
        portfolio_url: contact::find_portfolio(text),
        location,
        headline,
        summary,
        skills,
        experience,
        education,
        certifications,
        languages,
        total_years_experience,
        ocr: None,
    }
}

/// Reads a job description's requirements.
pub fn extract_requirements(text: &str) -> JobRequirements {
    jd::extract(text::clip(text, MAX_TEXT_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_inputs_do_not_panic() {
        let long = "a".repeat(300_000);
        let mixed = "€".repeat(10_000) + "\u{c}\n\u{0}\u{feff}'20 – – Jan '\n@@@ +++ ((((";
        let dates = "2020 – 2021 ".repeat(5_000);
        for t in [
            "",
            " ",
            "\n\n\u{c}\n",
            long.as_str(),
            mixed.as_str(),
            dates.as_str(),
            "é\u{301}@x.y",
            "+",
        ] {
            let p = parse_resume(t, "2026-11");
            let _ = extract_requirements(t);
            if t.is_empty() {
                assert_eq!(p, ResumeProfile::default());
            }
        }
        let _ = parse_resume(
            "Name Surname\nExperience\nEngineer, Acme — Jan 2020 – Present",
            "garbage",
        );
    }

    #[test]
    fn adversarial_inputs_stay_linear() {
        let patterns = [
            "https://linkedin.com/",
            "github.com/a",
            "www.",
            "a@b.co ",
            "+1 555 ",
            "Jan 2020 – ",
            "((((",
            "Go-to Go ",
            "Education\nb\n",
            "Certifications\n- x\n",
            "• ",
            ".NET ",
        ];
        for p in patterns {
            let text = p.repeat(200_000 / p.len());
            let started = std::time::Instant::now();
            let _ = parse_resume(&text, "2026-11");
            let _ = extract_requirements(&text);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{p:?}: {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn small_resume() {
        let t = "Jane Doe\nBackend Engineer\nBerlin, Germany | +49 30 1234 5678 | jane.doe@example.de | \
                 linkedin.com/in/jane-doe/\nExperience\nBackend Engineer, Acme GmbH — Berlin Jan 2020 – Present\n\
                 • Built Go services on Kubernetes\nDeveloper, Initech AG — Hamburg 03/2017 – 12/2019\n";
        let p = parse_resume(t, "2020-12");
        assert_eq!(p.first_name.as_deref(), Some("Jane"));
        assert_eq!(p.last_name.as_deref(), Some("Doe"));
        assert_eq!(p.phone_e164.as_deref(), Some("+493012345678"));
        assert_eq!(p.location.as_deref(), Some("Berlin, Germany"));
        assert_eq!(
            p.linkedin_url.as_deref(),
            Some("https://www.linkedin.com/in/jane-doe")
        );
        assert_eq!(p.skills, vec!["Go", "Kubernetes"]);
        assert_eq!(p.experience.len(), 2);
        assert_eq!(p.experience[1].company_name, "Initech AG");
        // 2017-03..2019-12 (34) + 2020-01..2020-12 (12), back to back.
        assert_eq!(p.total_years_experience, Some(3.8));
    }
}
