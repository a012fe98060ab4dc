//! Quality of the shortlist ranking over the fixture corpus
//! (tests/fixtures/resumes/rankings.json): the 12 resumes are read and
//! parsed the way workers do, each job description's requirements are
//! extracted by the built-in engine, and the ranking is checked against
//! the expected tiers and skill matches; for the job with transcripts, the
//! interviews are scored and the interview ranking checked.
//!
//! `cargo test -p assessment --test rankings -- --nocapture` prints every
//! figure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use assessment::{
    rubric::default_rubric,
    score_interview,
    shortlist::{rank, Applicant, InterviewResult, Ranked, Tier},
    Turn,
};
use serde_json::Value;
use uuid::Uuid;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/resumes")
}

fn json(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir().join(path)).unwrap()).unwrap()
}

/// Each fixture resume's skills and years, as the pipeline reads them.
fn profiles() -> BTreeMap<String, (Vec<String>, Option<f64>)> {
    let limits = documents::Limits::default();
    (1..=12)
        .map(|n| {
            let file = format!("resume_{n:02}.pdf");
            let bytes = std::fs::read(dir().join(&file)).unwrap();
            let text = pdf_text::extract(&bytes, &limits).unwrap().text;
            let as_of = json(&format!("resume_{n:02}.json"))["as_of"]
                .as_str()
                .unwrap()
                .to_owned();
            let p = extraction::parse_resume(&text, &as_of);
            (file, (p.skills, p.total_years_experience))
        })
        .collect()
}

fn transcript(file: &str) -> Vec<Turn> {
    json(&format!("transcripts/{file}"))
        .as_array()
        .unwrap()
        .iter()
        .map(|t| Turn {
            speaker: t["speaker"].as_str().unwrap().to_owned(),
            content: t["content"].as_str().unwrap().to_owned(),
            start_ms: t["start_ms"].as_i64().unwrap(),
        })
        .collect()
}

fn tier(s: &str) -> Tier {
    match s {
        "A" => Tier::A,
        "B" => Tier::B,
        "C" => Tier::C,
        _ => Tier::D,
    }
}

fn tier_gap(a: Tier, b: Tier) -> i32 {
    (a as i32 - b as i32).abs()
}

#[test]
fn rankings_keep_every_resume_within_a_tier_and_match_the_required_skills() {
    let profiles = profiles();
    let ids: BTreeMap<Uuid, String> = profiles
        .keys()
        .enumerate()
        .map(|(i, f)| (Uuid::from_u128(i as u128 + 1), f.clone()))
        .collect();
    let file_of = |r: &Ranked| ids[&r.application_id].clone();
    let expected = json("rankings.json");
    let mut failures = Vec::new();
    for (job, truth) in expected.as_object().unwrap() {
        let text = std::fs::read_to_string(dir().join(format!("jobs/{job}.txt"))).unwrap();
        let req = extraction::extract_requirements(&text);
        let applicants = |with_interviews: bool| -> Vec<Applicant> {
            ids.iter()
                .map(|(id, file)| {
                    let (skills, years) = profiles[file].clone();
                    let interview = with_interviews
                        .then(|| {
                            truth["interview_ranking"]
                                .as_array()?
                                .iter()
                                .find(|i| i["candidate"] == file.as_str())
                        })
                        .flatten()
                        .map(|i| {
                            let role_skills =
                                [req.required_skills.clone(), req.preferred_skills.clone()]
                                    .concat();
                            let s = score_interview(
                                &transcript(i["transcript"].as_str().unwrap()),
                                &default_rubric(),
                                &role_skills,
                            );
                            InterviewResult {
                                overall: s.overall,
                                risk: s.integrity.risk,
                            }
                        });
                    Applicant {
                        application_id: *id,
                        skills,
                        total_years: years,
                        interview,
                    }
                })
                .collect()
        };

        // The resume ranking.
        let ranked = rank(&req, applicants(false));
        println!(
            "{job}: required {:?}, preferred {:?}, min years {:?}",
            req.required_skills, req.preferred_skills, req.min_years_experience
        );
        let truth_of = |file: &str| {
            truth["ranking"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["resume"] == file)
                .unwrap()
                .clone()
        };
        for r in &ranked {
            let file = file_of(r);
            let t = truth_of(&file);
            let want = tier(t["tier"].as_str().unwrap());
            println!(
                "  {:>2}. {file} fit {:.3} (expected {:.3}) tier {:?} (expected {want:?}) required {:?}",
                r.rank, r.fit, t["fit"].as_f64().unwrap(), r.tier, r.required_matched
            );
            if tier_gap(r.tier, want) >= 2 {
                failures.push(format!(
                    "{job}: {file} is tier {:?}, expected {want:?}",
                    r.tier
                ));
            }
            let want_required: BTreeSet<String> = t["required_matched"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_lowercase())
                .collect();
            let got: BTreeSet<String> = r
                .required_matched
                .iter()
                .map(|s| s.to_lowercase())
                .collect();
            if got != want_required {
                failures.push(format!(
                    "{job}: {file} matches required {got:?}, expected {want_required:?}"
                ));
            }
        }
        // The fixtures' intended checks on places.
        let expected_tier = |r: &Ranked| tier(truth_of(&file_of(r))["tier"].as_str().unwrap());
        if expected_tier(&ranked[0]) != Tier::A {
            failures.push(format!(
                "{job}: the top candidate {} is not tier A",
                file_of(&ranked[0])
            ));
        }
        for (i, hi) in ranked.iter().enumerate() {
            for lo in &ranked[..i] {
                let (above, below) = (expected_tier(lo), expected_tier(hi));
                let must_be_below = matches!(
                    (below, above),
                    (Tier::A, Tier::C | Tier::D) | (Tier::B, Tier::D)
                );
                if must_be_below {
                    failures.push(format!(
                        "{job}: {} (tier {below:?}) ranks below {} (tier {above:?})",
                        file_of(hi),
                        file_of(lo)
                    ));
                }
            }
        }

        // With interviews: interviewed candidates in the expected order, a
        // cheating-suspected one flagged and below the others.
        if let Some(order) = truth["interview_ranking"].as_array() {
            let ranked = rank(&req, applicants(true));
            let interviewed: Vec<(String, bool)> = ranked
                .iter()
                .filter(|r| r.interviewed)
                .map(|r| (file_of(r), r.flag_for_review))
                .collect();
            let want: Vec<(String, bool)> = order
                .iter()
                .map(|i| {
                    (
                        i["candidate"].as_str().unwrap().to_owned(),
                        i["flag_for_review"].as_bool().unwrap(),
                    )
                })
                .collect();
            println!("  interviewed, best first: {interviewed:?}");
            if interviewed != want {
                failures.push(format!(
                    "{job}: interview ranking {interviewed:?}, expected {want:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
