//! CPU per page of reading a PDF's text: pdfium's flat text
//! (`PdfPageText::all`) against the reader's own (`pdf_text::page_text`,
//! which also marks column gaps), alternating in one process so that both
//! see the same machine. BENCHMARKS.md ("Reading the layout") has results.
//!
//! `cargo run --release -p pdf-text --example text_cost -- DIR...`

use std::time::{Duration, Instant};

/// Process CPU time (user + system) from /proc, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn main() {
    let pdfium = pdf_text::pdf::pdfium().expect("pdfium");
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        for e in std::fs::read_dir(&dir).expect("dir").flatten() {
            if e.path().extension().is_some_and(|x| x == "pdf") {
                files.push(std::fs::read(e.path()).expect("read"));
            }
        }
    }
    assert!(!files.is_empty(), "no PDFs given");
    let mut results: [(u64, f64); 2] = [(0, 0.0), (0, 0.0)];
    for round in 0..8 {
        let mode = round % 2;
        let (cpu0, t0) = (cpu_seconds(), Instant::now());
        let mut pages = 0u64;
        while t0.elapsed() < Duration::from_secs(3) {
            for bytes in &files {
                let doc = pdfium.load_pdf_from_byte_slice(bytes, None).expect("pdf");
                for page in doc.pages().iter() {
                    let text = page.text().expect("text");
                    let s = if mode == 0 {
                        text.all()
                    } else {
                        pdf_text::pdf::page_text(&text, true)
                    };
                    std::hint::black_box(s);
                    pages += 1;
                }
            }
        }
        results[mode].0 += pages;
        results[mode].1 += cpu_seconds() - cpu0;
    }
    for (name, (pages, cpu)) in ["pdfium all()", "page_text (layout)"].iter().zip(results) {
        println!(
            "{name:<26} {pages:>7} pages  {:>7.1} µs CPU/page",
            cpu * 1e6 / pages as f64
        );
    }
}
