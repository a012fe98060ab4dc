//! A candidate's report as a PDF: who they are, how their resume matches
//! the role's requirements, their interview scores with the evidence and
//! verbatim quotes, and the integrity notes a reviewer should see. Pure:
//! the caller gathers the facts, this lays them out on A4 pages with the
//! embedded DejaVu fonts (no system fonts, nothing fetched).

use std::io::{BufWriter, Cursor};

use assessment::{shortlist::Ranked, InterviewScore};
use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// What a report says.
#[derive(Debug, Clone)]
pub struct Report {
    pub candidate_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub headline: Option<String>,
    pub skills: Vec<String>,
    pub total_years: Option<f64>,
    pub role_title: String,
    pub stage: String,
    /// The resume against the role's requirements (None until they are
    /// extracted).
    pub matched: Option<Ranked>,
    /// The latest interview score, and its scorer.
    pub interview: Option<(InterviewScore, String)>,
    /// "Generated …" line (the caller's clock).
    pub generated: String,
}

#[derive(Debug, thiserror::Error)]
#[error("rendering the report: {0}")]
pub struct RenderError(String);

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 18.0;

/// Lays text out top to bottom, breaking lines and pages.
struct Writer {
    doc: PdfDocumentReference,
    layer: PdfLayerReference,
    regular: IndirectFontRef,
    bold: IndirectFontRef,
    y: f32,
    pages: usize,
}

impl Writer {
    fn line(&mut self, text: &str, size: f32, bold: bool) {
        let step = size * 0.45;
        if self.y - step < MARGIN {
            let (page, layer) = self.doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "text");
            self.layer = self.doc.get_page(page).get_layer(layer);
            self.y = PAGE_H - MARGIN;
            self.pages += 1;
        }
        self.y -= step;
        let font = if bold { &self.bold } else { &self.regular };
        self.layer
            .use_text(text, size, Mm(MARGIN), Mm(self.y), font);
    }

    /// A paragraph wrapped to the page width (by an average glyph width).
    fn para(&mut self, text: &str, size: f32) {
        let per_line = ((PAGE_W - 2.0 * MARGIN) / (size * 0.19)) as usize;
        for line in wrap(text, per_line.max(20)) {
            self.line(&line, size, false);
        }
    }

    fn heading(&mut self, text: &str) {
        self.gap(3.0);
        self.line(text, 13.0, true);
        self.gap(1.0);
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }
}

/// Words into lines of at most `width` characters (a longer word is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_owned();
        while word.chars().count() > width {
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text without control characters (a hostile name cannot break the page).
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Renders `r` as PDF bytes.
pub fn render(r: &Report) -> Result<Vec<u8>, RenderError> {
    let title = format!("Candidate report: {}", clean(&r.candidate_name));
    let (doc, page, layer) = PdfDocument::new(&title, Mm(PAGE_W), Mm(PAGE_H), "text");
    let err = |e: printpdf::Error| RenderError(e.to_string());
    let regular = doc.add_external_font(Cursor::new(REGULAR)).map_err(err)?;
    let bold = doc.add_external_font(Cursor::new(BOLD)).map_err(err)?;
    let layer = doc.get_page(page).get_layer(layer);
    let mut w = Writer {
        doc,
        layer,
        regular,
        bold,
        y: PAGE_H - MARGIN,
        pages: 1,
    };

    w.line(&clean(&r.candidate_name), 20.0, true);
    w.para(
        &format!(
            "{} · stage: {} · {}",
            clean(&r.role_title),
            clean(&r.stage),
            clean(&r.generated)
        ),
        9.0,
    );

    w.heading("Profile");
    let mut contact: Vec<String> = r.email.iter().map(|e| clean(e)).collect();
    contact.extend(r.phone.iter().map(|p| clean(p)));
    contact.extend(r.location.iter().map(|l| clean(l)));
    w.para(&contact.join(" · "), 10.0);
    if let Some(h) = &r.headline {
        w.para(&clean(h), 10.0);
    }
    if let Some(y) = r.total_years {
        w.para(&format!("Experience: {y:.1} years"), 10.0);
    }
    if !r.skills.is_empty() {
        w.para(&format!("Skills: {}", clean(&r.skills.join(", "))), 10.0);
    }

    w.heading("Requirement match");
    match &r.matched {
        Some(m) => {
            w.para(
                &format!("Fit {:.0}% (tier {:?})", m.fit * 100.0, m.tier),
                10.0,
            );
            if !m.required_matched.is_empty() {
                w.para(
                    &format!(
                        "Required skills matched: {}",
                        clean(&m.required_matched.join(", "))
                    ),
                    10.0,
                );
            }
            if !m.required_missing.is_empty() {
                w.para(
                    &format!(
                        "Required skills missing: {}",
                        clean(&m.required_missing.join(", "))
                    ),
                    10.0,
                );
            }
            if !m.preferred_matched.is_empty() {
                w.para(
                    &format!(
                        "Preferred skills matched: {}",
                        clean(&m.preferred_matched.join(", "))
                    ),
                    10.0,
                );
            }
        }
        None => w.para("The role's requirements have not been extracted yet.", 10.0),
    }

    w.heading("Interview");
    match &r.interview {
        Some((s, scorer)) => {
            w.para(
                &format!(
                    "Overall score {:.1} / 100 (scored by {})",
                    s.overall,
                    clean(scorer)
                ),
                10.0,
            );
            w.para(&clean(&s.summary), 10.0);
            for d in &s.dimensions {
                w.gap(1.5);
                w.line(
                    &format!(
                        "{} — {} / 100 (weight {})",
                        clean(&d.name),
                        d.score,
                        d.weight
                    ),
                    10.5,
                    true,
                );
                w.para(&clean(&d.evidence), 9.5);
                for q in &d.quotes {
                    w.para(&format!("“{}”", clean(q)), 9.5);
                }
            }
            w.heading("Integrity");
            w.para(
                &format!("Integrity risk: {}", s.integrity.risk.as_str()),
                10.0,
            );
            for reason in &s.integrity.reasons {
                w.para(&format!("• {}", clean(reason)), 9.5);
            }
            if let Some(ms) = s.integrity.median_answer_latency_ms {
                w.para(
                    &format!("Median answer latency: {:.1} s", ms as f64 / 1000.0),
                    9.5,
                );
            }
        }
        None => w.para("No scored interview yet.", 10.0),
    }
    let _ = w.pages;
    let mut out = BufWriter::new(Vec::new());
    w.doc.save(&mut out).map_err(err)?;
    out.into_inner().map_err(|e| RenderError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_cuts_only_overlong_ones() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert!(wrap("   ", 5).is_empty());
    }
}
