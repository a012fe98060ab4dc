//! Quality of the built-in engine over the fixture corpus
//! (tests/fixtures/resumes): every resume is extracted with the real
//! document reader, parsed, and compared with its ground truth. Prints a
//! per-file table and the totals, then asserts the quality floors.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jobs::ai::engine::{extract_requirements, parse_resume};
use jobs::ai::ResumeProfile;
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/resumes")
}

fn read(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Lowercase, common diacritics and combining marks removed, spaces
/// collapsed: "Zoë Lefèvre" ≈ "zoe lefevre".
fn fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let m = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
            'ł' => "l",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            '’' | '‘' => "'",
            '\u{300}'..='\u{36f}' => "",
            _ => {
                let lower: String = c.to_lowercase().collect();
                let folded = fold_lower(&lower);
                out.push_str(&folded);
                continue;
            }
        };
        out.push_str(m);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Upper-case accented letters lowercase into the table above.
fn fold_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        let m = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
            'ł' => 'l',
            'ñ' | 'ń' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
            'ś' | 'š' | 'ş' => 's',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
            'ź' | 'ż' | 'ž' => 'z',
            _ => c,
        };
        out.push(m);
    }
    out
}

/// Case- and punctuation-insensitive key for titles and company names.
fn key(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

#[derive(Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn add(&mut self, pred: &BTreeSet<String>, truth: &BTreeSet<String>) {
        self.tp += pred.intersection(truth).count();
        self.fp += pred.difference(truth).count();
        self.fn_ += truth.difference(pred).count();
    }

    fn f1(&self) -> f64 {
        let p = if self.tp + self.fp == 0 {
            0.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        };
        let r = if self.tp + self.fn_ == 0 {
            0.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        };
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            0.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }

    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            0.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

fn name_ok(p: &ResumeProfile, t: &Value) -> bool {
    let (Some(f), Some(l)) = (&p.first_name, &p.last_name) else {
        return false;
    };
    let mut variants = vec![(t["first_name"].clone(), t["last_name"].clone())];
    if let Some(vs) = t["accepted_name_variants"].as_array() {
        variants.extend(
            vs.iter()
                .map(|v| (v["first_name"].clone(), v["last_name"].clone())),
        );
    }
    variants.iter().any(|(vf, vl)| {
        vf.as_str().is_some_and(|vf| fold(vf) == fold(f))
            && vl.as_str().is_some_and(|vl| fold(vl) == fold(l))
    })
}

/// (matched, predicted, truth) positions.
fn experience_matches(p: &ResumeProfile, t: &Value) -> (usize, usize, usize, Vec<String>) {
    let truth: Vec<&Value> = t["experience"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut used = vec![false; truth.len()];
    let mut tp = 0;
    let mut misses = Vec::new();
    for e in &p.experience {
        let hit = truth.iter().enumerate().position(|(i, x)| {
            !used[i]
                && key(x["job_title"].as_str().unwrap_or("")) == key(&e.job_title)
                && key(x["company_name"].as_str().unwrap_or("")) == key(&e.company_name)
                && opt_str(&x["start_date"]) == e.start_date
                && opt_str(&x["end_date"]) == e.end_date
        });
        match hit {
            Some(i) => {
                used[i] = true;
                tp += 1;
            }
            None => misses.push(format!(
                "    got  {:?} @ {:?} {:?}..{:?}",
                e.job_title, e.company_name, e.start_date, e.end_date
            )),
        }
    }
    for (i, x) in truth.iter().enumerate() {
        if !used[i] {
            misses.push(format!(
                "    want {:?} @ {:?} {:?}..{:?}",
                x["job_title"].as_str().unwrap_or(""),
                x["company_name"].as_str().unwrap_or(""),
                opt_str(&x["start_date"]),
                opt_str(&x["end_date"])
            ));
        }
    }
    (tp, p.experience.len(), truth.len(), misses)
}

fn set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

#[test]
fn engine_quality_over_fixture_corpus() {
    let limits = jobs::docs::Limits::default();
    // (file, ground truth)
    let mut cases: Vec<(String, String)> = (1..=12)
        .map(|n| (format!("resume_{n:02}.pdf"), format!("resume_{n:02}.json")))
        .collect();
    for (file, truth) in [
        ("bad/resume.docx", "bad/resume.docx.json"),
        (
            "bad/owner_password_only.pdf",
            "bad/owner_password_only.json",
        ),
        (
            "bad/resume_with_javascript.pdf",
            "bad/resume_with_javascript.json",
        ),
    ] {
        // Only ground truths with the resume schema take part.
        if fixtures().join(truth).exists() {
            let t = json(truth);
            if t.get("first_name").is_some()
                && t.get("experience").is_some()
                && t.get("skills").is_some()
            {
                cases.push((file.to_string(), truth.to_string()));
            }
        }
    }

    let (mut email_ok, mut phone_ok, mut names_ok, mut linkedin_ok, mut years_ok) = (0, 0, 0, 0, 0);
    let mut skills = Counts::default();
    let mut exp = Counts::default();
    let mut slowest = Duration::ZERO;
    let mut details = Vec::new();
    println!(
        "{:<32} {:>5} {:>5} {:>5} {:>5} {:>13} {:>9} {:>11}",
        "file", "email", "phone", "name", "in", "skills P/R", "exp", "years"
    );
    for (file, truth_file) in &cases {
        let t = json(truth_file);
        let bytes = read(file);
        let text = jobs::docs::extract(&bytes, &limits)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .text;
        let as_of = t["as_of"].as_str().unwrap_or("2026-11");
        let started = Instant::now();
        let p = parse_resume(&text, as_of);
        slowest = slowest.max(started.elapsed());

        let e_ok = p.email == opt_str(&t["email"]);
        let ph_ok = p.phone_e164 == opt_str(&t["phone_e164"]);
        let n_ok = name_ok(&p, &t);
        let li_ok = p.linkedin_url == opt_str(&t["linkedin_url"]);
        let truth_skills = set(&t["skills"]);
        let pred_skills: BTreeSet<String> = p.skills.iter().cloned().collect();
        let mut c = Counts::default();
        c.add(&pred_skills, &truth_skills);
        skills.add(&pred_skills, &truth_skills);
        let (tp, np, nt, misses) = experience_matches(&p, &t);
        exp.tp += tp;
        exp.fp += np - tp;
        exp.fn_ += nt - tp;
        let ty = t["total_years_experience"].as_f64();
        let y_ok = matches!((p.total_years_experience, ty), (Some(a), Some(b)) if (a - b).abs() <= 1.0 + 1e-9);
        email_ok += e_ok as usize;
        phone_ok += ph_ok as usize;
        names_ok += n_ok as usize;
        linkedin_ok += li_ok as usize;
        years_ok += y_ok as usize;
        let mark = |b: bool| if b { "ok" } else { "MISS" };
        println!(
            "{:<32} {:>5} {:>5} {:>5} {:>5} {:>6.2}/{:<6.2} {:>3}/{}/{:<3} {:>5}/{:<5}",
            file,
            mark(e_ok),
            mark(ph_ok),
            mark(n_ok),
            mark(li_ok),
            c.precision(),
            c.recall(),
            tp,
            np,
            nt,
            p.total_years_experience
                .map(|y| format!("{y:.1}"))
                .unwrap_or_else(|| "-".into()),
            ty.map(|y| format!("{y:.1}")).unwrap_or_else(|| "-".into()),
        );
        let mut d = Vec::new();
        if !e_ok {
            d.push(format!("  email: got {:?}, want {:?}", p.email, t["email"]));
        }
        if !ph_ok {
            d.push(format!(
                "  phone: got {:?} / {:?}, want {:?}",
                p.phone, p.phone_e164, t["phone_e164"]
            ));
        }
        if !n_ok {
            d.push(format!(
                "  name: got {:?} {:?}, want {} {}",
                p.first_name, p.last_name, t["first_name"], t["last_name"]
            ));
        }
        if !li_ok {
            d.push(format!(
                "  linkedin: got {:?}, want {}",
                p.linkedin_url, t["linkedin_url"]
            ));
        }
        let extra: Vec<&String> = pred_skills.difference(&truth_skills).collect();
        let missing: Vec<&String> = truth_skills.difference(&pred_skills).collect();
        if !extra.is_empty() || !missing.is_empty() {
            d.push(format!("  skills: extra {extra:?}, missing {missing:?}"));
        }
        if !misses.is_empty() {
            d.push(format!("  experience:\n{}", misses.join("\n")));
        }
        if !d.is_empty() {
            details.push(format!("{file}\n{}", d.join("\n")));
        }
    }

    // Job descriptions.
    let mut req = Counts::default();
    let mut pref = Counts::default();
    let mut years_jd = 0;
    let mut jd_count = 0;
    for n in 1..=3 {
        let text = String::from_utf8(read(&format!("jobs/jd_{n:02}.txt"))).expect("utf-8");
        let t = json(&format!("jobs/jd_{n:02}.json"));
        let r = extract_requirements(&text);
        let pred_req: BTreeSet<String> = r.required_skills.iter().cloned().collect();
        let pred_pref: BTreeSet<String> = r.preferred_skills.iter().cloned().collect();
        let (truth_req, truth_pref) = (set(&t["required_skills"]), set(&t["preferred_skills"]));
        let mut c = Counts::default();
        c.add(&pred_req, &truth_req);
        req.add(&pred_req, &truth_req);
        pref.add(&pred_pref, &truth_pref);
        let y_ok = r.min_years_experience == t["min_years_experience"].as_f64();
        years_jd += y_ok as usize;
        jd_count += 1;
        println!(
            "jd_{n:02}: required F1 {:.2}, min years {:?} (want {}), seniority {:?} (want {})",
            c.f1(),
            r.min_years_experience,
            t["min_years_experience"],
            r.seniority,
            t["seniority"]
        );
        if c.fp + c.fn_ > 0 {
            details.push(format!(
                "jd_{n:02}\n  required: extra {:?}, missing {:?}",
                pred_req.difference(&truth_req).collect::<Vec<_>>(),
                truth_req.difference(&pred_req).collect::<Vec<_>>()
            ));
        }
    }

    if !details.is_empty() {
        println!("\nDifferences:\n{}", details.join("\n"));
    }
    let total = cases.len();
    let email = pct(email_ok, total);
    let phone = pct(phone_ok, total);
    let names = pct(names_ok, total);
    let linkedin = pct(linkedin_ok, total);
    let years = pct(years_ok, total);
    println!("\nTotals over {total} resumes:");
    println!("  email exact            {email:5.1}%  (floor 95%)");
    println!("  phone E.164            {phone:5.1}%  (floor 90%)");
    println!("  first + last name      {names:5.1}%  (floor 90%)");
    println!("  LinkedIn URL           {linkedin:5.1}%  (floor 90%)");
    println!(
        "  skills F1 (micro)      {:.3}   (P {:.3}, R {:.3}; floor 0.85)",
        skills.f1(),
        skills.precision(),
        skills.recall()
    );
    println!(
        "  experience F1 (micro)  {:.3}   (P {:.3}, R {:.3}; floor 0.75)",
        exp.f1(),
        exp.precision(),
        exp.recall()
    );
    println!("  total years within ±1  {years:5.1}%  (floor 80%)");
    println!("  JD required F1 (micro) {:.3}   (floor 0.85)", req.f1());
    println!("  JD preferred F1        {:.3}", pref.f1());
    println!("  JD min years exact     {years_jd}/{jd_count}");
    println!("  slowest parse          {slowest:?}");

    assert!(email >= 95.0, "email {email:.1}% < 95%");
    assert!(phone >= 90.0, "phone {phone:.1}% < 90%");
    assert!(names >= 90.0, "names {names:.1}% < 90%");
    assert!(linkedin >= 90.0, "LinkedIn {linkedin:.1}% < 90%");
    assert!(skills.f1() >= 0.85, "skills F1 {:.3} < 0.85", skills.f1());
    assert!(exp.f1() >= 0.75, "experience F1 {:.3} < 0.75", exp.f1());
    assert!(years >= 80.0, "total years {years:.1}% < 80%");
    assert!(req.f1() >= 0.85, "JD required F1 {:.3} < 0.85", req.f1());
    // Unoptimised test builds are far slower than release; this only
    // catches runaway (super-linear) behaviour.
    assert!(
        slowest < Duration::from_millis(500),
        "slowest parse {slowest:?}"
    );
}
