//! Document extraction over the fixture corpus: every resume reads, every
//! hostile file is refused with its reason (tests/fixtures/resumes).

use std::path::PathBuf;

use documents::{DocKind, ExtractError, Limits};
use pdf_text::extract;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/resumes")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn gt(name: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

#[test]
fn every_fixture_resume_yields_its_text() {
    let limits = Limits::default();
    for n in 1..=12 {
        let name = format!("resume_{n:02}.pdf");
        let truth = gt(&format!("resume_{n:02}.json"));
        let got = extract(&fixture(&name), &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.kind, DocKind::Pdf);
        assert_eq!(got.pages as u64, truth["pages"].as_u64().unwrap(), "{name}");
        let last = truth["last_name"].as_str().unwrap();
        assert!(
            got.text.to_lowercase().contains(&last.to_lowercase()),
            "{name}: `{last}` not in text"
        );
    }
    let docx = extract(&fixture("bad/resume.docx"), &limits).expect("docx");
    assert_eq!(docx.kind, DocKind::Docx);
    let truth = gt("bad/resume.docx.json");
    assert!(docx.text.contains(truth["email"].as_str().unwrap()));
    for ok in [
        "bad/owner_password_only.pdf",
        "bad/resume_with_javascript.pdf",
    ] {
        extract(&fixture(ok), &limits).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn hostile_files_are_refused_with_their_reason() {
    let limits = Limits::default();
    type Check = fn(&ExtractError) -> bool;
    let cases: &[(&str, Check)] = &[
        ("bad/empty.pdf", |e| *e == ExtractError::Empty),
        ("bad/resume_screenshot.pdf", |e| {
            matches!(e, ExtractError::Unsupported("PNG image"))
        }),
        // The blocking reader has no OCR (jobs read scans, see below).
        ("bad/scanned_resume.pdf", |e| *e == ExtractError::NoText),
        ("bad/noise_scan.pdf", |e| *e == ExtractError::NoText),
        ("bad/password_protected.pdf", |e| {
            *e == ExtractError::PasswordProtected
        }),
        ("bad/truncated.pdf", |e| *e == ExtractError::CorruptPdf),
        ("bad/header_then_garbage.pdf", |e| {
            *e == ExtractError::CorruptPdf
        }),
        ("bad/300_pages.pdf", |e| {
            matches!(e, ExtractError::TooManyPages { pages: 300, .. })
        }),
        ("bad/huge_text_5mb.pdf", |e| {
            matches!(e, ExtractError::TextTooLarge { .. })
        }),
    ];
    for (name, expected) in cases {
        let err = extract(&fixture(name), &limits).expect_err(name);
        assert!(expected(&err), "{name}: {err:?}");
        assert!(err.is_permanent());
        assert!(!err.to_string().is_empty());
    }
    // Every class in the corpus's expected.json is covered above or in the
    // accepted set.
    let expected = gt("bad/expected.json");
    for (file, _) in expected["files"].as_object().unwrap() {
        let name = format!("bad/{file}");
        assert!(
            cases.iter().any(|(n, _)| *n == name)
                || [
                    "bad/resume.docx",
                    "bad/owner_password_only.pdf",
                    "bad/resume_with_javascript.pdf"
                ]
                .contains(&name.as_str()),
            "{name} not covered"
        );
    }
}

#[test]
fn zip_bombs_and_non_word_zips_are_refused() {
    use std::io::Write;
    // A DOCX whose document.xml inflates far past the cap.
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("word/document.xml", opts).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..80 {
            z.write_all(&chunk).unwrap();
        }
        z.finish().unwrap();
    }
    let bomb = buf.into_inner();
    assert!(bomb.len() < 1 << 20, "compressed to {} bytes", bomb.len());
    let err = extract(&bomb, &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::DocxTooLarge { .. }), "{err:?}");

    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"hi").unwrap();
        z.finish().unwrap();
    }
    let err = extract(&buf.into_inner(), &Limits::default()).unwrap_err();
    assert!(matches!(err, ExtractError::Unsupported(_)), "{err:?}");
}

#[tokio::test]
async fn a_scanned_resume_is_read_by_ocr_within_its_budget() {
    let scan = || bytes::Bytes::from(fixture("bad/scanned_resume.pdf"));
    let truth = gt("bad/scanned_resume.ocr_ground_truth.json");
    let got = pdf_text::read(scan(), Limits::default())
        .await
        .expect("the scan is read");
    let ocr = got.ocr.expect("read by OCR");
    assert!(ocr.mean_confidence > 80.0, "{ocr:?}");
    for field in ["first_name", "last_name", "email", "phone"] {
        let want = truth[field].as_str().unwrap();
        assert!(
            got.text.contains(want),
            "{field} `{want}` not read:\n{}",
            got.text
        );
    }
    // OCR off: a scan is refused as before.
    let off = Limits {
        ocr_max_pages: 0,
        ..Limits::default()
    };
    assert_eq!(
        pdf_text::read(scan(), off).await.unwrap_err(),
        ExtractError::NoText
    );
    // Out of time: refused, saying so.
    let hurried = Limits {
        ocr_timeout: std::time::Duration::from_millis(1),
        ..Limits::default()
    };
    assert!(matches!(
        pdf_text::read(scan(), hurried).await,
        Err(ExtractError::OcrTimeout { .. })
    ));
}

#[tokio::test]
async fn a_scan_with_nothing_readable_or_too_many_pages_is_refused_with_its_reason() {
    let noise = || bytes::Bytes::from(fixture("bad/noise_scan.pdf"));
    assert_eq!(
        pdf_text::read(noise(), Limits::default())
            .await
            .unwrap_err(),
        ExtractError::NoReadableText
    );
    let one_page = Limits {
        ocr_max_pages: 1,
        ..Limits::default()
    };
    assert_eq!(
        pdf_text::read(noise(), one_page).await.unwrap_err(),
        ExtractError::TooManyScannedPages { pages: 2, max: 1 }
    );
}

#[test]
#[ignore]
fn dump_languages() {
    for n in 1..=12 {
        let name = format!("resume_{n:02}.pdf");
        let got = extract(&fixture(&name), &Limits::default()).unwrap();
        let lower = got.text.to_lowercase();
        for key in ["languages", "idiomas", "sprachen", "języki", "språk"] {
            if let Some(i) = lower.find(key) {
                let snippet: String = got.text[i..].chars().take(160).collect();
                eprintln!("== {name}: {snippet:?}");
                break;
            }
        }
    }
}

/// Lines of a PDF's extracted text, trimmed.
fn lines_of(name: &str) -> Vec<String> {
    let got = extract(&fixture(name), &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    got.text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn a_page_drawn_bottom_to_top_across_a_sidebar_reads_column_by_column() {
    // t22: a right sidebar, every line drawn from the bottom of the page up.
    let lines = lines_of("wild/tuned/t22.pdf");
    let at = |s: &str| {
        lines
            .iter()
            .position(|l| l == s)
            .unwrap_or_else(|| panic!("no line `{s}` in {lines:#?}"))
    };
    assert_eq!(
        lines[0], "# Sanne van der Berg",
        "the name first, marked as the title"
    );
    assert!(at("Experience") < at("Polderdata B.V.\tUtrecht"));
    assert!(at("Polderdata B.V.\tUtrecht") < at("Senior SRE\t10/2022 - Present"));
    // The sidebar after the main column, not between its lines.
    assert!(at("Linux Systems Engineer\t09/2014 - 02/2019") < at("Contact"));
    assert!(at("Contact") < at("sanne.vanderberg@example.nl"));
}

#[test]
fn a_page_drawn_word_by_word_in_no_order_is_rebuilt_line_by_line() {
    // t21: one drawString per word, shuffled; a left sidebar.
    let lines = lines_of("wild/tuned/t21.pdf");
    for line in [
        "Hanbit Payments Co., Ltd. · Seoul",
        "• Introduced load testing with k6 before each release.",
        "seoyeon.choi@example.kr",
        "SUMMARY",
    ] {
        assert!(
            lines.iter().any(|l| l == line),
            "no line `{line}` in {lines:#?}"
        );
    }
    assert_eq!(lines[..2], ["# CHOI", "# Seo-yeon"]);
}
