//! Scanned (image-only) PDFs read by OCR: pages rendered by pdfium in grey
//! at 300 dpi (or the scan's own resolution when finer, up to 450), read
//! by Tesseract (`tesseract`, Debian's `tesseract-ocr`) as a separate
//! process with one thread, a page at a time. Each page is read with
//! automatic page segmentation and, when that reads it poorly, as one
//! uniform block of text and as sparse text; the mode that reads the most
//! words confidently wins. A page budget and a time limit for the whole
//! document keep a hostile scan from holding a worker (the process is
//! killed when the limit passes), and a page that is mostly dark (a
//! photograph, noise) is not handed to Tesseract at all.

use std::{process::Stdio, time::Duration};

use documents::{ExtractError, OcrReport};
use tokio::io::AsyncWriteExt;

/// A page rendered for OCR: 8-bit grey, row by row.
pub struct PageImage {
    pub width: u32,
    pub height: u32,
    pub dpi: u32,
    pub gray: Vec<u8>,
}

impl PageImage {
    /// As a binary PGM file, which Tesseract reads from its standard input,
    /// despeckled: a 3×3 median removes the specks of a photocopied or
    /// faxed page, which Tesseract otherwise reads as stray marks inside
    /// words (an email address broken in two), and keeps strokes.
    pub fn pgm(&self) -> Vec<u8> {
        let mut out = format!("P5\n{} {}\n255\n", self.width, self.height).into_bytes();
        out.extend_from_slice(&median3(
            &self.gray,
            self.width as usize,
            self.height as usize,
        ));
        out
    }
}

/// A 3×3 median filter (edges copied).
fn median3(px: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut out = px.to_vec();
    if w < 3 || h < 3 || px.len() < w * h {
        return out;
    }
    for y in 1..h - 1 {
        let (up, row, down) = (
            &px[(y - 1) * w..y * w],
            &px[y * w..(y + 1) * w],
            &px[(y + 1) * w..(y + 2) * w],
        );
        for x in 1..w - 1 {
            // Blank paper is most of a page: a window all white stays white.
            if up[x - 1]
                & up[x]
                & up[x + 1]
                & row[x - 1]
                & row[x]
                & row[x + 1]
                & down[x - 1]
                & down[x]
                & down[x + 1]
                == 255
            {
                continue;
            }
            let mut win = [
                up[x - 1],
                up[x],
                up[x + 1],
                row[x - 1],
                row[x],
                row[x + 1],
                down[x - 1],
                down[x],
                down[x + 1],
            ];
            win.sort_unstable();
            out[y * w + x] = win[4];
        }
    }
    out
}

/// Page segmentation modes tried, in order: automatic, one uniform block,
/// sparse text.
const MODES: [u8; 3] = [3, 6, 11];

/// A page read well enough that no other mode is tried.
const GOOD_ENOUGH: f32 = 85.0;

/// Below this mean confidence (or with almost no words) a document has no
/// readable text.
const UNREADABLE: f32 = 40.0;

/// Whether `tesseract` can be run.
pub async fn available() -> bool {
    tokio::process::Command::new("tesseract")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// One mode's reading of a page.
struct Reading {
    text: String,
    words: usize,
    confidence_sum: f32,
    psm: u8,
}

impl Reading {
    fn mean(&self) -> f32 {
        if self.words == 0 {
            0.0
        } else {
            self.confidence_sum / self.words as f32
        }
    }

    /// Confident words: what picks the best mode.
    fn score(&self) -> f32 {
        self.confidence_sum
    }
}

/// Reads `pages` within `limit`; the text (pages separated by form feeds)
/// and how it went.
pub async fn read(
    pages: &[PageImage],
    limit: Duration,
) -> Result<(String, OcrReport), ExtractError> {
    let started = tokio::time::Instant::now();
    let mut text = String::new();
    let (mut words, mut sum) = (0usize, 0f32);
    let mut modes = Vec::new();
    for page in pages {
        if !looks_like_text(page) {
            // A photograph or noise: Tesseract would spend its whole
            // budget on it and read nothing.
            modes.push(0);
            text.push_str("\n\u{c}\n");
            continue;
        }
        let mut best: Option<Reading> = None;
        for psm in MODES {
            let left = limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(ExtractError::OcrTimeout {
                    secs: limit.as_secs(),
                });
            }
            let reading = tesseract(page, psm, left).await.map_err(|e| match e {
                ExtractError::OcrTimeout { .. } => ExtractError::OcrTimeout {
                    secs: limit.as_secs(),
                },
                other => other,
            })?;
            let better = best.as_ref().is_none_or(|b| reading.score() > b.score());
            if better {
                best = Some(reading);
            }
            if best.as_ref().is_some_and(|b| b.mean() >= GOOD_ENOUGH) {
                break;
            }
        }
        let best = best.expect("one mode was tried");
        words += best.words;
        sum += best.confidence_sum;
        modes.push(best.psm);
        text.push_str(&best.text);
        text.push_str("\n\u{c}\n");
    }
    let mean = if words == 0 { 0.0 } else { sum / words as f32 };
    let alnum = text.chars().filter(|c| c.is_alphanumeric()).count();
    if alnum < 20 || mean < UNREADABLE {
        return Err(ExtractError::NoReadableText);
    }
    Ok((
        text,
        OcrReport {
            pages: pages.len(),
            words,
            mean_confidence: (mean * 10.0).round() / 10.0,
            page_segmentation_modes: modes,
        },
    ))
}

/// Whether a page could be text: a printed page is mostly background of
/// one brightness (paper), so a page where no band of 51 grey levels holds
/// 60 % of the pixels (a photograph, noise) is not read. Sampled on every
/// 4th pixel of every 4th row.
fn looks_like_text(page: &PageImage) -> bool {
    let w = page.width as usize;
    let mut hist = [0usize; 256];
    let mut all = 0usize;
    for row in page.gray.chunks(w.max(1)).step_by(4) {
        for &px in row.iter().step_by(4) {
            hist[px as usize] += 1;
            all += 1;
        }
    }
    let band = (0..256usize)
        .map(|c| {
            hist[c.saturating_sub(25)..=(c + 25).min(255)]
                .iter()
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    all > 0 && band * 10 >= all * 6
}

/// Runs Tesseract on one page in one mode, killed after `limit`.
async fn tesseract(page: &PageImage, psm: u8, limit: Duration) -> Result<Reading, ExtractError> {
    let unavailable = |e: std::io::Error| {
        ExtractError::Unavailable(format!("cannot run tesseract (install tesseract-ocr): {e}"))
    };
    let mut child = tokio::process::Command::new("tesseract")
        .args(["stdin", "stdout", "-l", "eng", "--dpi"])
        .arg(page.dpi.to_string())
        .arg("--psm")
        .arg(psm.to_string())
        .arg("tsv")
        // One thread: workers scale by processes, and OpenMP's spinning
        // threads would cost more than they save on a shared machine.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(unavailable)?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let image = page.pgm();
    let run = async move {
        // Tesseract reads the whole image before it writes anything.
        stdin.write_all(&image).await?;
        drop(stdin);
        child.wait_with_output().await
    };
    let output = match tokio::time::timeout(limit, run).await {
        Ok(out) => out.map_err(unavailable)?,
        Err(_) => {
            return Err(ExtractError::OcrTimeout {
                secs: limit.as_secs(),
            })
        }
    };
    if !output.status.success() {
        return Err(ExtractError::Unavailable(format!(
            "tesseract failed on a page ({})",
            output.status
        )));
    }
    Ok(parse_tsv(&String::from_utf8_lossy(&output.stdout), psm))
}

/// Tesseract's TSV: a row per word with its block, paragraph and line and
/// its confidence. Words of a line are joined by spaces; a new paragraph
/// or block starts after a blank line.
fn parse_tsv(tsv: &str, psm: u8) -> Reading {
    let mut text = String::new();
    let (mut words, mut sum) = (0usize, 0f32);
    let mut last: Option<(u32, u32, u32)> = None;
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let word = cols[11].trim();
        let conf: f32 = cols[10].parse().unwrap_or(-1.0);
        if word.is_empty() || conf < 0.0 {
            continue;
        }
        let num = |i: usize| cols[i].parse::<u32>().unwrap_or(0);
        let at = (num(2), num(3), num(4));
        match last {
            Some(prev) if prev == at => text.push(' '),
            Some(prev) if (prev.0, prev.1) == (at.0, at.1) => text.push('\n'),
            Some(_) => text.push_str("\n\n"),
            None => {}
        }
        let new_line = last != Some(at);
        last = Some(at);
        // A bullet read as a stray sign starts many lines of a scan.
        let word = if new_line && matches!(word, "¢" | "«" | "°" | "©" | "®" | "»") {
            "•"
        } else {
            word
        };
        text.push_str(word);
        words += 1;
        sum += conf;
    }
    Reading {
        text,
        words,
        confidence_sum: sum,
        psm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_become_lines_and_paragraphs() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t96.5\tAna\n\
                   5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t93.5\tPetrovic\n\
                   5\t1\t1\t1\t2\t1\t0\t0\t10\t10\t90\tData\n\
                   5\t1\t2\t1\t1\t1\t0\t0\t10\t10\t80\tSkills\n\
                   5\t1\t2\t1\t1\t2\t0\t0\t10\t10\t-1\t\n";
        let r = parse_tsv(tsv, 3);
        assert_eq!(r.text, "Ana Petrovic\nData\n\nSkills");
        assert_eq!(r.words, 4);
        assert_eq!(r.mean(), 90.0);
    }
}
