//! Quality of the built-in engine over the fixture corpus
//! (tests/fixtures/resumes): every resume is read with the real document
//! reader and parsed, every job description is read, and every field is
//! compared, exactly, with what the engine returns today.
//!
//! Today's results are the ground truth beside each fixture, except where
//! [`KNOWN_MISSES`] records what the engine returns instead; the fields a
//! job description's ground truth lacks are in [`JD_TODAY`]. So a regression
//! fails, and so does an improvement, until its expectation is changed on
//! purpose. A fixture that is missing, or one in the corpus that is not
//! listed here, fails too.
//!
//! `cargo test -p extraction --test engine_quality -- --nocapture` prints a
//! per-file table and the aggregate figures.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use extraction::dates::{covered_months, Ym};
use extraction::{extract_requirements, parse_resume};
use extraction::{EducationItem, ExperienceItem, ResumeProfile};
use serde_json::Value;

/// Every resume of the corpus that has a text layer, with its ground truth.
/// (The scanned resume is refused by the reader: tests/extract.rs.)
const RESUMES: &[(&str, &str)] = &[
    ("resume_01.pdf", "resume_01.json"),
    ("resume_02.pdf", "resume_02.json"),
    ("resume_03.pdf", "resume_03.json"),
    ("resume_04.pdf", "resume_04.json"),
    ("resume_05.pdf", "resume_05.json"),
    ("resume_06.pdf", "resume_06.json"),
    ("resume_07.pdf", "resume_07.json"),
    ("resume_08.pdf", "resume_08.json"),
    ("resume_09.pdf", "resume_09.json"),
    ("resume_10.pdf", "resume_10.json"),
    ("resume_11.pdf", "resume_11.json"),
    ("resume_12.pdf", "resume_12.json"),
    ("bad/resume.docx", "bad/resume.docx.json"),
    (
        "bad/owner_password_only.pdf",
        "bad/owner_password_only.json",
    ),
    (
        "bad/resume_with_javascript.pdf",
        "bad/resume_with_javascript.json",
    ),
];

/// Job descriptions: `jobs/<id>.txt` with ground truth `jobs/<id>.json`.
const JOBS: &[&str] = &["jd_01", "jd_02", "jd_03"];

/// Where today's engine differs from a fixture's ground truth: (fixture,
/// JSON pointer into its ground truth, today's value as JSON). Every entry
/// is a known miss, with a comment saying what is missed and why. An entry
/// whose value equals the ground truth fails the test (remove it).
///
/// Empty: on every field asserted below, today's results equal the ground
/// truth.
const KNOWN_MISSES: &[(&str, &str, &str)] = &[];

/// What the engine reads from each job description beyond the ground truth
/// (which has skills, minimum years and seniority only), as it reads it
/// today.
struct JdToday {
    id: &'static str,
    education: Option<&'static str>,
    certifications: &'static [&'static str],
    competencies: &'static [&'static str],
    responsibilities: &'static [&'static str],
}

const JD_TODAY: &[JdToday] = &[
    JdToday {
        id: "jd_01",
        education: None,
        certifications: &[],
        competencies: &[
            "Ownership",
            "Mentoring",
            "Code review",
            "Reliability mindset",
        ],
        responsibilities: &[
            "Design, build and operate Go services for payments, refunds and payouts.",
            "Own data models and query performance in PostgreSQL.",
            "Run services on Kubernetes in AWS, packaged with Docker, with sensible alerts and runbooks.",
            "Take part in a humane on-call rotation (one week in six) and in blameless incident reviews.",
            "Review code and help grow mid-level engineers.",
        ],
    },
    JdToday {
        id: "jd_02",
        education: None,
        certifications: &[],
        competencies: &["Collaboration", "Reliability mindset"],
        responsibilities: &[
            "Build and maintain batch and streaming pipelines.",
            "Write clean, tested Python and SQL.",
            "Operate our Apache Spark jobs and Airflow DAGs; improve reliability and cost.",
            "Work with analysts on data modeling for the new claims mart.",
        ],
    },
    JdToday {
        id: "jd_03",
        education: None,
        certifications: &[],
        // "Care about semantic HTML/CSS and performance ..." is not read as
        // Attention to detail any more: that came from a cue copied from
        // this line ("care about"), not from the competency vocabulary.
        competencies: &["Collaboration"],
        responsibilities: &[
            "Build features across our web app with React and TypeScript.",
            "Care about semantic HTML/CSS and performance on cheap school laptops.",
            "Pair with designers (we work in Figma) and with backend engineers on our GraphQL API.",
        ],
    },
];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/resumes")
}

/// A fixture's bytes; a missing fixture fails the test.
fn read(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The ground truth of `file` with today's known misses put in.
fn expected(file: &str, truth_file: &str) -> Value {
    let mut t = json(truth_file);
    for (_, pointer, today) in KNOWN_MISSES.iter().filter(|(f, _, _)| *f == file) {
        let today: Value = serde_json::from_str(today)
            .unwrap_or_else(|e| panic!("known miss {file} {pointer}: {e}"));
        let slot = t
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("known miss {file}: no {pointer} in {truth_file}"));
        assert_ne!(
            *slot, today,
            "known miss {file} {pointer} equals the ground truth: remove it"
        );
        *slot = today;
    }
    t
}

/// The corpus holds exactly the fixtures listed above: a new resume or job
/// description needs its expectations here before it counts.
fn assert_corpus_is_listed() {
    let names = |dir: &str, ext: &str| -> BTreeSet<String> {
        std::fs::read_dir(fixtures().join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(ext))
            .collect()
    };
    let pdfs: BTreeSet<String> = names(".", ".pdf");
    let listed: BTreeSet<String> = RESUMES
        .iter()
        .filter(|(f, _)| !f.contains('/'))
        .map(|(f, _)| f.to_string())
        .collect();
    assert_eq!(pdfs, listed, "resumes in the corpus vs RESUMES");
    // Hostile-upload files that must be parsed have a ground truth.
    let bad = json("bad/expected.json");
    let to_parse: BTreeSet<String> = bad["files"]
        .as_object()
        .expect("bad/expected.json: files")
        .iter()
        .filter(|(_, v)| v.get("ground_truth").is_some())
        .map(|(k, _)| format!("bad/{k}"))
        .collect();
    let listed: BTreeSet<String> = RESUMES
        .iter()
        .filter(|(f, _)| f.starts_with("bad/"))
        .map(|(f, _)| f.to_string())
        .collect();
    assert_eq!(
        to_parse, listed,
        "bad/expected.json ground truths vs RESUMES"
    );
    let jds: BTreeSet<String> = names("jobs", ".txt");
    let listed: BTreeSet<String> = JOBS.iter().map(|j| format!("{j}.txt")).collect();
    assert_eq!(jds, listed, "job descriptions in the corpus vs JOBS");
    let extras: BTreeSet<&str> = JD_TODAY.iter().map(|j| j.id).collect();
    assert_eq!(extras, JOBS.iter().copied().collect(), "JD_TODAY vs JOBS");
}

/// Differences between today's results and the expectations.
#[derive(Default)]
struct Diffs(Vec<String>);

impl Diffs {
    fn eq<A: PartialEq<B> + Debug, B: Debug>(&mut self, what: &str, got: A, want: B) -> bool {
        let same = got == want;
        if !same {
            self.0
                .push(format!("{what}:\n    got  {got:?}\n    want {want:?}"));
        }
        same
    }

    /// Lists of entries: the differing entries only, when the lengths agree.
    fn eq_list<T: PartialEq + Debug>(&mut self, what: &str, got: &[T], want: &[T]) {
        if got.len() != want.len() {
            self.eq(what, got, want);
            return;
        }
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            self.eq(&format!("{what}[{i}]"), g, w);
        }
    }
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn set(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

/// Ground truth as the engine's types. Annotations of the fixtures' own
/// (`expected`, on an education entry a reader is not expected to find)
/// are not fields of the profile, so they are dropped first.
fn from_truth<T: serde::de::DeserializeOwned>(v: &Value, what: &str) -> T {
    let mut v = v.clone();
    if let Some(items) = v.as_array_mut() {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            item.remove("expected");
        }
    }
    serde_json::from_value(v).unwrap_or_else(|e| panic!("ground truth {what}: {e}"))
}

/// Months covered by the engine's positions, by the engine's own month
/// arithmetic (what its total experience is made of).
fn engine_months(p: &ResumeProfile, as_of: &str) -> i64 {
    let ym = |s: &Option<String>| s.as_deref().and_then(Ym::parse);
    let ranges: Vec<(Ym, Option<Ym>)> = p
        .experience
        .iter()
        .filter_map(|e| Some((ym(&e.start_date)?, ym(&e.end_date))))
        .collect();
    covered_months(&ranges, Ym::parse(as_of))
}

/// Months of one position, start and end months inclusive, a current one
/// through `as_of` (the test's own arithmetic, for the printed table).
fn months_of(e: &ExperienceItem, as_of: &str) -> Option<i64> {
    let idx = |s: &str| -> Option<i64> {
        let (y, m) = s.split_once('-')?;
        Some(y.parse::<i64>().ok()? * 12 + m.parse::<i64>().ok()?)
    };
    let start = idx(e.start_date.as_deref()?)?;
    let end = idx(e.end_date.as_deref().unwrap_or(as_of))?;
    Some(end - start + 1)
}

// Aggregate figures (printed): lenient comparisons, as the corpus README
// suggests, so that they stay comparable with earlier runs.

/// Lowercase, common diacritics and combining marks removed, spaces
/// collapsed: "Zoë Lefèvre" ≈ "zoe lefevre".
fn fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
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
                out.push(c);
                continue;
            }
        };
        out.push_str(m);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Case- and punctuation-insensitive key for titles and company names.
fn key(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
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

    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// First and last name, or an accepted variant, after folding.
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

/// Positions matched by title and company (lenient) and dates (exact).
fn experience_tp(got: &[ExperienceItem], truth: &[ExperienceItem]) -> usize {
    let mut used = vec![false; truth.len()];
    let mut tp = 0;
    for e in got {
        let hit = truth.iter().enumerate().position(|(i, x)| {
            !used[i]
                && key(&x.job_title) == key(&e.job_title)
                && key(&x.company_name) == key(&e.company_name)
                && x.start_date == e.start_date
                && x.end_date == e.end_date
        });
        if let Some(i) = hit {
            used[i] = true;
            tp += 1;
        }
    }
    tp
}

#[derive(Default)]
struct Figures {
    resumes: usize,
    email: usize,
    phone: usize,
    name: usize,
    linkedin: usize,
    github: usize,
    location: usize,
    headline: usize,
    skills: Counts,
    experience: Counts,
    months: usize,
    education: Counts,
    certifications: Counts,
    jds: usize,
    required: Counts,
    preferred: Counts,
    jd_years: usize,
    seniority: usize,
    slowest: Duration,
}

fn check_resume(
    file: &str,
    truth_file: &str,
    diffs: &mut Diffs,
    fig: &mut Figures,
    limits: &documents::Limits,
) {
    let t = expected(file, truth_file);
    let text = pdf_text::extract(&read(file), limits)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .text;
    let as_of = t["as_of"]
        .as_str()
        .unwrap_or_else(|| panic!("{truth_file}: as_of"));
    let started = Instant::now();
    let p = parse_resume(&text, as_of);
    fig.slowest = fig.slowest.max(started.elapsed());

    let truth_exp: Vec<ExperienceItem> = from_truth(&t["experience"], "experience");
    let truth_edu: Vec<EducationItem> = from_truth(&t["education"], "education");
    let truth_skills = strings(&t["skills"]);
    let truth_certs = strings(&t["certifications"]);
    let want_months = t["total_months_experience"]
        .as_i64()
        .unwrap_or_else(|| panic!("{truth_file}: total_months_experience"));
    let got_months = engine_months(&p, as_of);

    let mut d = Diffs::default();
    d.eq("first_name", &p.first_name, &opt_str(&t["first_name"]));
    d.eq("last_name", &p.last_name, &opt_str(&t["last_name"]));
    let email = d.eq("email", &p.email, &opt_str(&t["email"]));
    d.eq("phone", &p.phone, &opt_str(&t["phone"]));
    let phone = d.eq("phone_e164", &p.phone_e164, &opt_str(&t["phone_e164"]));
    let linkedin = d.eq(
        "linkedin_url",
        &p.linkedin_url,
        &opt_str(&t["linkedin_url"]),
    );
    let github = d.eq("github_url", &p.github_url, &opt_str(&t["github_url"]));
    d.eq(
        "portfolio_url",
        &p.portfolio_url,
        &opt_str(&t["portfolio_url"]),
    );
    let location = d.eq("location", &p.location, &opt_str(&t["location"]));
    let headline = d.eq("headline", &p.headline, &opt_str(&t["headline"]));
    d.eq("skills", &p.skills, &truth_skills);
    d.eq_list("experience", &p.experience, &truth_exp);
    let months = d.eq("total months of experience", got_months, want_months);
    d.eq(
        "total_years_experience",
        p.total_years_experience,
        t["total_years_experience"].as_f64(),
    );
    d.eq_list("education", &p.education, &truth_edu);
    d.eq("certifications", &p.certifications, &truth_certs);
    d.eq("languages", &p.languages, &strings(&t["languages"]));
    for x in d.0 {
        diffs.0.push(format!("{file} {x}"));
    }

    let n_ok = name_ok(&p, &t);
    let mut sk = Counts::default();
    sk.add(&set(&p.skills), &set(&truth_skills));
    let tp = experience_tp(&p.experience, &truth_exp);
    fig.resumes += 1;
    fig.email += email as usize;
    fig.phone += phone as usize;
    fig.name += n_ok as usize;
    fig.linkedin += linkedin as usize;
    fig.github += github as usize;
    fig.location += location as usize;
    fig.headline += headline as usize;
    fig.months += months as usize;
    fig.skills.add(&set(&p.skills), &set(&truth_skills));
    fig.experience.tp += tp;
    fig.experience.fp += p.experience.len() - tp;
    fig.experience.fn_ += truth_exp.len() - tp;
    let edu_key = |e: &EducationItem| format!("{e:?}");
    fig.education.add(
        &p.education.iter().map(edu_key).collect(),
        &truth_edu.iter().map(edu_key).collect(),
    );
    fig.certifications
        .add(&set(&p.certifications), &set(&truth_certs));

    let mark = |b: bool| if b { "ok" } else { "MISS" };
    let per_position: Vec<String> = p
        .experience
        .iter()
        .map(|e| months_of(e, as_of).map_or("?".into(), |m| m.to_string()))
        .collect();
    println!(
        "{:<32} {:>5} {:>5} {:>5} {:>5} {:>6.2}/{:<6.2} {:>3}/{}/{:<3} {:>4}/{:<4} {}",
        file,
        mark(email),
        mark(phone),
        mark(n_ok),
        mark(linkedin),
        sk.precision(),
        sk.recall(),
        tp,
        p.experience.len(),
        truth_exp.len(),
        got_months,
        want_months,
        per_position.join("+"),
    );
}

fn check_jd(id: &str, diffs: &mut Diffs, fig: &mut Figures) {
    let text = String::from_utf8(read(&format!("jobs/{id}.txt"))).expect("utf-8");
    let t = expected(id, &format!("jobs/{id}.json"));
    let today = JD_TODAY
        .iter()
        .find(|j| j.id == id)
        .unwrap_or_else(|| panic!("{id}: not in JD_TODAY"));
    let r = extract_requirements(&text);

    let (want_req, want_pref) = (
        strings(&t["required_skills"]),
        strings(&t["preferred_skills"]),
    );
    let mut d = Diffs::default();
    // Skills are compared as sets (their order carries no meaning), once each.
    d.eq("required_skills", &set(&r.required_skills), &set(&want_req));
    d.eq(
        "preferred_skills",
        &set(&r.preferred_skills),
        &set(&want_pref),
    );
    d.eq(
        "skills listed once",
        r.required_skills.len() + r.preferred_skills.len(),
        set(&[r.required_skills.clone(), r.preferred_skills.clone()].concat()).len(),
    );
    let years = d.eq(
        "min_years_experience",
        r.min_years_experience,
        t["min_years_experience"].as_f64(),
    );
    let seniority = d.eq("seniority", &r.seniority, &opt_str(&t["seniority"]));
    d.eq("education", r.education.as_deref(), today.education);
    d.eq(
        "certifications",
        r.certifications.as_slice(),
        today.certifications,
    );
    d.eq(
        "competencies",
        r.competencies.as_slice(),
        today.competencies,
    );
    d.eq(
        "responsibilities",
        r.responsibilities.as_slice(),
        today.responsibilities,
    );
    for x in d.0 {
        diffs.0.push(format!("{id} {x}"));
    }

    let mut req = Counts::default();
    req.add(&set(&r.required_skills), &set(&want_req));
    fig.jds += 1;
    fig.required.add(&set(&r.required_skills), &set(&want_req));
    fig.preferred
        .add(&set(&r.preferred_skills), &set(&want_pref));
    fig.jd_years += years as usize;
    fig.seniority += seniority as usize;
    println!(
        "{id}: required F1 {:.2}, min years {:?} (want {}), seniority {:?} (want {}), competencies {:?}",
        req.f1(),
        r.min_years_experience,
        t["min_years_experience"],
        r.seniority,
        t["seniority"],
        r.competencies,
    );
}

#[test]
fn engine_quality_over_fixture_corpus() {
    assert_corpus_is_listed();
    let limits = documents::Limits::default();
    let mut diffs = Diffs::default();
    let mut fig = Figures::default();
    // What the engine loads once per process (the worker does it at start)
    // is not part of any one parse's time.
    let started = Instant::now();
    extraction::warm();
    let warm = started.elapsed();
    println!(
        "{:<32} {:>5} {:>5} {:>5} {:>5} {:>13} {:>9} {:>9} per position",
        "file", "email", "phone", "name", "in", "skills P/R", "exp", "months"
    );
    for (file, truth_file) in RESUMES {
        check_resume(file, truth_file, &mut diffs, &mut fig, &limits);
    }
    for id in JOBS {
        check_jd(id, &mut diffs, &mut fig);
    }

    let n = fig.resumes;
    let pct = |k: usize| format!("{k:>2}/{n} {:5.1}%", 100.0 * ratio(k, n));
    let prf = |c: &Counts| {
        format!(
            "{:.3}   (P {:.3}, R {:.3})",
            c.f1(),
            c.precision(),
            c.recall()
        )
    };
    println!("\nTotals over {n} resumes:");
    println!("  email exact             {}", pct(fig.email));
    println!("  phone E.164             {}", pct(fig.phone));
    println!("  first + last name       {}", pct(fig.name));
    println!("  LinkedIn URL            {}", pct(fig.linkedin));
    println!("  GitHub URL              {}", pct(fig.github));
    println!("  location exact          {}", pct(fig.location));
    println!("  headline exact          {}", pct(fig.headline));
    println!("  skills F1 (micro)       {}", prf(&fig.skills));
    println!("  experience F1 (micro)   {}", prf(&fig.experience));
    println!("  total months exact      {}", pct(fig.months));
    println!("  education F1 (entries)  {}", prf(&fig.education));
    println!("  certifications F1       {}", prf(&fig.certifications));
    println!("Totals over {} job descriptions:", fig.jds);
    println!("  required F1 (micro)     {}", prf(&fig.required));
    println!("  preferred F1 (micro)    {}", prf(&fig.preferred));
    println!("  min years exact         {}/{}", fig.jd_years, fig.jds);
    println!("  seniority exact         {}/{}", fig.seniority, fig.jds);
    println!("  slowest parse           {:?}", fig.slowest);
    println!("  engine warm-up (once)   {warm:?}");

    assert!(
        diffs.0.is_empty(),
        "{} difference(s) from today's expected results (a regression, or an \
         improvement: then change the expectation on purpose):\n{}",
        diffs.0.len(),
        diffs.0.join("\n")
    );
    // Unoptimised test builds are far slower than release; this only
    // catches runaway (super-linear) behaviour.
    assert!(
        fig.slowest < Duration::from_millis(500),
        "slowest parse {:?}",
        fig.slowest
    );
}

// ------------------------------------------------------------ new layouts

/// The figures the goals are stated in, over one set of resumes.
#[derive(Default)]
struct Goals {
    resumes: usize,
    name: usize,
    email: usize,
    phone: usize,
    linkedin: usize,
    /// Total years within ±1 of the ground truth.
    years: usize,
    experience: Counts,
    skills: Counts,
}

impl Goals {
    fn share(&self, k: usize) -> f64 {
        ratio(k, self.resumes)
    }

    /// (name, experience F1, years ±1, skills F1, email, phone, LinkedIn).
    fn figures(&self) -> [f64; 7] {
        [
            self.share(self.name),
            self.experience.f1(),
            self.share(self.years),
            self.skills.f1(),
            self.share(self.email),
            self.share(self.phone),
            self.share(self.linkedin),
        ]
    }
}

const GOAL_NAMES: [&str; 7] = [
    "first + last name",
    "experience F1",
    "years within ±1",
    "skills F1",
    "email exact",
    "phone E.164",
    "LinkedIn URL",
];

/// The goals on resumes the project has never seen.
const GOALS: [f64; 7] = [0.95, 0.90, 0.90, 0.95, 0.98, 0.98, 0.98];

/// What each set scores today at least (a drop below fails; raise them as
/// the engine improves): today's corpus, the tuned set, the held-out set.
const FLOORS: [(&str, [f64; 7]); 3] = [
    ("corpus", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    ("tuned", [1.0, 1.0, 1.0, 0.99, 1.0, 1.0, 1.0]),
    ("heldout", [0.87, 0.82, 1.0, 0.99, 1.0, 1.0, 1.0]),
];

/// The new fixtures of one set (`wild/<set>/*.json`, each naming its
/// document), sorted.
fn wild(set: &str) -> Vec<(String, String)> {
    let dir = format!("wild/{set}");
    let mut out: Vec<(String, String)> = std::fs::read_dir(fixtures().join(&dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .map(|n| {
            let truth = format!("{dir}/{n}");
            let file = json(&truth)["file"]
                .as_str()
                .unwrap_or_else(|| panic!("{truth}: file"))
                .to_owned();
            (format!("{dir}/{file}"), truth)
        })
        .collect();
    out.sort();
    out
}

/// Scores one resume against its ground truth; `show` prints what was
/// missed (never for the held-out set).
fn score(file: &str, truth_file: &str, g: &mut Goals, show: bool, limits: &documents::Limits) {
    let t = json(truth_file);
    let text = pdf_text::extract(&read(file), limits)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .text;
    let as_of = t["as_of"].as_str().unwrap_or("2026-12");
    let p = parse_resume(&text, as_of);
    let truth_exp: Vec<ExperienceItem> = from_truth(&t["experience"], "experience");
    let truth_skills = strings(&t["skills"]);
    let name = name_ok(&p, &t);
    let email = p.email == opt_str(&t["email"]);
    let phone = p.phone_e164 == opt_str(&t["phone_e164"]);
    let linkedin = p.linkedin_url == opt_str(&t["linkedin_url"]);
    let want_years = t["total_years_experience"].as_f64().unwrap_or(0.0);
    let years = (p.total_years_experience.unwrap_or(0.0) - want_years).abs() <= 1.0 + 1e-9;
    let tp = experience_tp(&p.experience, &truth_exp);
    let mut sk = Counts::default();
    sk.add(&set(&p.skills), &set(&truth_skills));
    g.resumes += 1;
    g.name += name as usize;
    g.email += email as usize;
    g.phone += phone as usize;
    g.linkedin += linkedin as usize;
    g.years += years as usize;
    g.experience.tp += tp;
    g.experience.fp += p.experience.len() - tp;
    g.experience.fn_ += truth_exp.len() - tp;
    g.skills.add(&set(&p.skills), &set(&truth_skills));
    if !show {
        return;
    }
    let mark = |b: bool| if b { "ok" } else { "MISS" };
    println!(
        "{:<28} name {:<4} email {:<4} phone {:<4} in {:<4} years {:<4} ({:?} want {want_years}) exp {tp}/{}/{} skills P {:.2} R {:.2}",
        file,
        mark(name),
        mark(email),
        mark(phone),
        mark(linkedin),
        mark(years),
        p.total_years_experience,
        p.experience.len(),
        truth_exp.len(),
        sk.precision(),
        sk.recall(),
    );
    if std::env::var_os("TALENTI_QUALITY_DETAIL").is_none() {
        return;
    }
    if !name {
        println!(
            "    name: got {:?} {:?}, want {} {}",
            p.first_name, p.last_name, t["first_name"], t["last_name"]
        );
    }
    for (what, ok, got, want) in [
        (
            "email",
            email,
            format!("{:?}", p.email),
            t["email"].to_string(),
        ),
        (
            "phone",
            phone,
            format!("{:?}", p.phone_e164),
            t["phone_e164"].to_string(),
        ),
        (
            "linkedin",
            linkedin,
            format!("{:?}", p.linkedin_url),
            t["linkedin_url"].to_string(),
        ),
    ] {
        if !ok {
            println!("    {what}: got {got}, want {want}");
        }
    }
    if tp < truth_exp.len() || tp < p.experience.len() {
        for e in &p.experience {
            println!(
                "    got  {:?} | {:?} | {:?} – {:?}",
                e.job_title, e.company_name, e.start_date, e.end_date
            );
        }
        for e in &truth_exp {
            println!(
                "    want {:?} | {:?} | {:?} – {:?}",
                e.job_title, e.company_name, e.start_date, e.end_date
            );
        }
    }
    let (got, want) = (set(&p.skills), set(&truth_skills));
    let extra: Vec<_> = got.difference(&want).collect();
    let missed: Vec<_> = want.difference(&got).collect();
    if !extra.is_empty() || !missed.is_empty() {
        println!("    skills: extra {extra:?}, missed {missed:?}");
    }
}

/// The new fixtures (`wild/`): layouts, date styles and name traditions
/// the corpus lacks, made with other tools (HTML printed by Chromium,
/// python-docx) by their own generators (`tests/fixtures-src/wild`).
/// `tuned` is what the rules were written against; `heldout` was never
/// looked at while writing them, so only its aggregate figures are
/// printed. Set `TALENTI_QUALITY_DETAIL=1` for what the tuned set misses.
#[test]
fn engine_quality_over_new_layouts() {
    let limits = documents::Limits::default();
    extraction::warm();
    let corpus: Vec<(String, String)> = RESUMES
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    let sets = [
        ("corpus", corpus, false),
        ("tuned", wild("tuned"), true),
        ("heldout", wild("heldout"), false),
    ];
    let mut scored = Vec::new();
    for (name, files, show) in sets {
        let mut g = Goals::default();
        for (file, truth) in &files {
            score(file, truth, &mut g, show, &limits);
        }
        scored.push((name, g));
    }
    println!(
        "\n{:<20} {:>10} {:>10} {:>10} {:>6}",
        "", "corpus", "tuned", "held-out", "goal"
    );
    println!(
        "{:<20} {:>10} {:>10} {:>10}",
        "resumes", scored[0].1.resumes, scored[1].1.resumes, scored[2].1.resumes
    );
    let figures: Vec<[f64; 7]> = scored.iter().map(|(_, g)| g.figures()).collect();
    for (i, what) in GOAL_NAMES.iter().enumerate() {
        println!(
            "{what:<20} {:>10.3} {:>10.3} {:>10.3} {:>6.2}",
            figures[0][i], figures[1][i], figures[2][i], GOALS[i]
        );
    }
    assert!(scored[1].1.resumes >= 15 && scored[2].1.resumes >= 15);
    let mut drops = Vec::new();
    for ((set, floor), got) in FLOORS.iter().zip(&figures) {
        for (i, what) in GOAL_NAMES.iter().enumerate() {
            if got[i] + 1e-9 < floor[i] {
                drops.push(format!("{set} {what}: {:.3} < {:.3}", got[i], floor[i]));
            }
        }
    }
    assert!(drops.is_empty(), "below the floors: {drops:?}");
}
