//! Quality of the built-in scorer over the labelled fixture transcripts
//! (tests/fixtures/resumes/transcripts): each overall score lies in its
//! label's range, the strong interview outscores the weak one, a
//! cheating-suspected one is flagged medium or high with long pauses among
//! the reasons, and every quote is a verbatim part of the candidate's turns.
//!
//! `cargo test -p assessment --test transcripts -- --nocapture` prints
//! every figure.

use std::path::PathBuf;

use assessment::{score_interview, InterviewScore, Risk, Turn};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/resumes/transcripts")
}

fn transcript(name: &str) -> Vec<Turn> {
    let raw = std::fs::read(dir().join(format!("{name}.json"))).expect("fixture transcript");
    let turns: Vec<Value> = serde_json::from_slice(&raw).unwrap();
    turns
        .into_iter()
        .map(|t| Turn {
            speaker: t["speaker"].as_str().unwrap().to_owned(),
            content: t["content"].as_str().unwrap().to_owned(),
            start_ms: t["start_ms"].as_i64().unwrap(),
        })
        .collect()
}

/// The required skills of the transcripts' job description.
fn role_skills(job: &str) -> Vec<String> {
    let raw = std::fs::read(dir().join(format!("../jobs/{job}.json"))).expect("fixture job");
    let jd: Value = serde_json::from_slice(&raw).unwrap();
    ["required_skills", "preferred_skills"]
        .iter()
        .flat_map(|k| jd[k].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn print(name: &str, s: &InterviewScore) {
    println!(
        "{name}: overall {:.1}, integrity {:?} {:?}, median latency {:?} ms",
        s.overall, s.integrity.risk, s.integrity.reasons, s.integrity.median_answer_latency_ms
    );
    for d in &s.dimensions {
        println!("  {:<22} {:>3}  {}", d.name, d.score, d.evidence);
    }
}

#[test]
fn labelled_transcripts_score_in_their_ranges_with_verbatim_quotes() {
    let labels: Value =
        serde_json::from_slice(&std::fs::read(dir().join("labels.json")).unwrap()).unwrap();
    let labels = labels.as_object().unwrap();
    assert!(labels.len() >= 3, "the fixture labels are missing");
    let mut overall = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    for (name, label) in labels {
        let turns = transcript(name);
        let s = score_interview(&turns, &[], &role_skills(label["job"].as_str().unwrap()));
        print(name, &s);
        let range = label["expected_score_range"].as_array().unwrap();
        let (lo, hi) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
        if !(lo..=hi).contains(&s.overall) {
            failures.push(format!("{name}: overall {} outside {lo}–{hi}", s.overall));
        }
        for d in &s.dimensions {
            for q in &d.quotes {
                let verbatim = turns
                    .iter()
                    .any(|t| t.speaker == "candidate" && t.content.contains(q.as_str()));
                if !verbatim {
                    failures.push(format!(
                        "{name}: {} quotes text the candidate did not say",
                        d.name
                    ));
                }
            }
            if d.score >= 60 && d.quotes.is_empty() {
                failures.push(format!(
                    "{name}: {} scores {} without a quote",
                    d.name, d.score
                ));
            }
        }
        let suspected = label["quality"] == "cheating_suspected";
        if suspected {
            if s.integrity.risk == Risk::Low {
                failures.push(format!(
                    "{name}: cheating suspected but integrity risk is low"
                ));
            }
            if !s.integrity.reasons.iter().any(|r| r.contains("latency")) {
                failures.push(format!(
                    "{name}: latency is not among the integrity reasons"
                ));
            }
        } else if s.integrity.risk != Risk::Low {
            failures.push(format!(
                "{name}: integrity risk {:?} for an honest interview",
                s.integrity.risk
            ));
        }
        if let (Some(expected), Some(got)) = (
            label["median_answer_latency_ms"].as_i64(),
            s.integrity.median_answer_latency_ms,
        ) {
            if (expected - got).abs() > 1_500 {
                failures.push(format!(
                    "{name}: median latency {got} ms, labelled {expected} ms"
                ));
            }
        }
        overall.insert(label["quality"].as_str().unwrap().to_owned(), s.overall);
    }
    if let (Some(strong), Some(weak)) = (overall.get("strong"), overall.get("weak")) {
        if strong <= weak {
            failures.push(format!("strong {strong} does not outscore weak {weak}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
