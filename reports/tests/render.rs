//! A rendered report read back by pdfium (the worker's own reader): every
//! section's facts are in its text, names with diacritics survive, and a
//! long report breaks onto more pages.

use assessment::{
    shortlist::{rank, Applicant, InterviewResult},
    DimensionScore, Integrity, InterviewScore, Risk,
};
use extraction::JobRequirements;
use reports::{render, Report};

fn report(dimensions: usize) -> Report {
    let req = JobRequirements {
        required_skills: vec!["Go".into(), "PostgreSQL".into(), "AWS".into()],
        preferred_skills: vec!["Redis".into()],
        min_years_experience: Some(5.0),
        ..JobRequirements::default()
    };
    let matched = rank(
        &req,
        vec![Applicant {
            application_id: uuid_like(),
            skills: vec!["Go".into(), "PostgreSQL".into(), "Redis".into()],
            total_years: Some(6.2),
            interview: Some(InterviewResult {
                overall: 41.5,
                risk: Risk::Medium,
            }),
        }],
    )
    .remove(0);
    let score = InterviewScore {
        overall: 41.5,
        dimensions: (0..dimensions)
            .map(|i| DimensionScore {
                name: format!("Dimension {i}"),
                weight: 1.0,
                score: 40,
                evidence: "Short answers with few specifics.".into(),
                quotes: vec!["We check if the seat is free before we save.".into()],
            })
            .collect(),
        summary: "Scored 42/100 over 8 answered questions.".into(),
        feedback: "Give fuller answers.".into(),
        integrity: Integrity {
            risk: Risk::Medium,
            reasons: vec![
                "long pauses before answers: median latency 37 s from question to answer".into(),
            ],
            median_answer_latency_ms: Some(37_000),
        },
    };
    Report {
        candidate_name: "Łukasz Wiśniewski".into(),
        email: Some("lukasz@example.pl".into()),
        phone: Some("+48 555 010 203".into()),
        location: Some("Kraków".into()),
        headline: Some("Backend engineer".into()),
        skills: vec!["Go".into(), "PostgreSQL".into(), "Redis".into()],
        total_years: Some(6.2),
        role_title: "Senior Backend Engineer (Go)".into(),
        stage: "interview".into(),
        matched: Some(matched),
        interview: Some((score, "builtin-1".into())),
        generated: "generated 2026-11-30".into(),
    }
}

fn uuid_like() -> uuid::Uuid {
    uuid::Uuid::from_u128(7)
}

#[test]
fn the_report_reads_back_with_every_section() {
    let pdf = render(&report(5)).unwrap();
    let read = pdf_text::extract(&pdf, &documents::Limits::default()).unwrap();
    let text = read.text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Łukasz Wiśniewski",
        "Kraków",
        "Senior Backend Engineer (Go)",
        "Required skills matched: Go, PostgreSQL",
        "Required skills missing: AWS",
        "Overall score 41.5 / 100",
        "Dimension 4 — 40 / 100",
        "We check if the seat is free before we save.",
        "Integrity risk: medium",
        "median latency 37 s",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in: {text}");
    }
    assert_eq!(read.pages, 1);
}

#[test]
fn a_long_report_breaks_onto_more_pages() {
    let pdf = render(&report(30)).unwrap();
    let read = pdf_text::extract(&pdf, &documents::Limits::default()).unwrap();
    assert!(read.pages >= 2, "{} pages", read.pages);
    assert!(read.text.contains("Dimension 29"));
}
