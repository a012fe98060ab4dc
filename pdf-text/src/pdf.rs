//! PDF text through pdfium. The library is bound once per process; pdfium
//! serialises every call behind one lock, so parallelism comes from worker
//! processes. Within a process every job's PDF goes to one thread that owns
//! pdfium ([`extract_on_pdfium_thread`]): the same lock taken from several
//! threads costs about 30% of pdfium's throughput in handoffs (measured in
//! BENCHMARKS.md). Nothing in a PDF runs: no form environment (and so no
//! JavaScript) is ever set up.

use std::{
    panic::AssertUnwindSafe,
    path::PathBuf,
    sync::{mpsc, OnceLock},
};

use bytes::Bytes;
use tokio::sync::oneshot;

use pdfium_render::prelude::*;

use documents::{ExtractError, Limits};

use crate::{
    layout::{self, COLUMN_GAP_EM},
    ocr::PageImage,
};

static PDFIUM: OnceLock<Result<Pdfium, String>> = OnceLock::new();

/// Where libpdfium is: `PDFIUM_LIB_PATH`, else `vendor/pdfium/libpdfium.so`
/// (placed there by `scripts/pdfium.sh`) in the working directory or above.
pub fn library_path() -> PathBuf {
    if let Ok(p) = std::env::var("PDFIUM_LIB_PATH") {
        return PathBuf::from(p);
    }
    let mut dir = std::env::current_dir().unwrap_or_default();
    loop {
        let candidate = dir.join("vendor/pdfium/libpdfium.so");
        if candidate.exists() || !dir.pop() {
            return candidate;
        }
    }
}

/// The process's pdfium, bound on first use.
pub fn pdfium() -> Result<&'static Pdfium, String> {
    PDFIUM
        .get_or_init(|| {
            let path = library_path();
            Pdfium::bind_to_library(&path)
                .map(Pdfium::new)
                .map_err(|e| format!("cannot load pdfium from {}: {e} (run scripts/pdfium.sh or set PDFIUM_LIB_PATH)", path.display()))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Extracts text page by page, refusing documents over the page cap before
/// reading any page and stopping as soon as the text cap is passed.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<(String, usize), ExtractError> {
    let pdfium = pdfium().map_err(ExtractError::Unavailable)?;
    // A file cut short has no end-of-file marker; pdfium may rebuild part of
    // it, but a silently partial resume is worse than a clear refusal.
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(ExtractError::CorruptPdf);
    }
    let doc = pdfium
        .load_pdf_from_byte_slice(bytes, None)
        .map_err(|e| match e {
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
                ExtractError::PasswordProtected
            }
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::SecurityError) => {
                ExtractError::PasswordProtected
            }
            _ => ExtractError::CorruptPdf,
        })?;
    let pages = doc.pages();
    let count = pages.len() as usize;
    if count == 0 {
        return Err(ExtractError::CorruptPdf);
    }
    // Over the page cap, only the first `max_pages` are looked at (to tell a
    // text dump from a long document) and the file is refused either way.
    let mut text = String::new();
    for (index, page) in pages.iter().take(limits.max_pages).enumerate() {
        let page_text = page_text(
            &page.text().map_err(|_| ExtractError::CorruptPdf)?,
            index == 0,
        );
        if text.len() + page_text.len() > limits.max_text_bytes {
            return Err(ExtractError::TextTooLarge {
                max_bytes: limits.max_text_bytes,
            });
        }
        text.push_str(&page_text);
        // Link targets that are not printed (a "LinkedIn" label linking to
        // the profile): kept after the page's text so the URL is not lost.
        for link in page.links().iter().take(200) {
            if let Some(PdfAction::Uri(action)) = link.action() {
                if let Ok(uri) = action.uri() {
                    if uri.len() <= 2048 && !text.contains(&uri) {
                        text.push('\n');
                        text.push_str(&uri);
                    }
                }
            }
        }
        text.push_str("\n\u{c}\n");
    }
    if count > limits.max_pages {
        return Err(ExtractError::TooManyPages {
            pages: count,
            max: limits.max_pages,
        });
    }
    Ok((text, count))
}

/// The page's text in reading order, with a tab where the words of one
/// line are set a column gap apart ([`COLUMN_GAP_EM`]): "Senior Product
/// Manager⇥June 2022 – present", "Thamesbank Digital Ltd⇥London". pdfium
/// itself joins them with one space, which loses where a title ends and a
/// date or a place begins. The order is pdfium's (the order the page was
/// drawn in) unless [`layout::reorder`] finds two columns drawn row by row
/// across each other. On the first page (`title_page`), the lines printed
/// largest (the person's name, as a rule) are marked as the page's title
/// with a leading "# ", as in Markdown ([`layout::title_runs`]).
pub fn page_text(text: &PdfPageText, title_page: bool) -> String {
    let chars = text.chars();
    let n = chars.len();
    let is_space = |c: Option<char>| matches!(c, Some(' ' | '\u{a0}'));
    let mut out = String::with_capacity(n + 16);
    let mut runs: Vec<layout::Run> = Vec::new();
    // Where each run starts in `out`.
    let mut starts: Vec<usize> = Vec::new();
    // The open run: its start in `out`, first and last glyph, box so far.
    let mut open: Option<(usize, usize, usize, Bounds)> = None;
    // The glyph just before (no space or line break between).
    let mut prev: Option<Bounds> = None;
    let mut close = |out: &mut String,
                     open: &mut Option<(usize, usize, usize, Bounds)>,
                     runs: &mut Vec<layout::Run>| {
        if let Some((start, first, last, b)) = open.take() {
            let end = out.trim_end_matches([' ', '\t']).len().max(start);
            if let Some(words) = letter_spaced(&chars, &out[start..end], first, last) {
                let tail = out.split_off(end);
                out.truncate(start);
                out.push_str(&words);
                out.push_str(&tail);
            }
            let end = out.trim_end_matches([' ', '\t']).len().max(start);
            let size = chars
                .get(first)
                .map_or(b.top - b.bottom, |c| c.scaled_font_size().value);
            runs.push(layout::Run {
                text: out[start..end].to_string(),
                left: b.left,
                right: b.right,
                top: b.top,
                bottom: b.bottom,
                size,
            });
            starts.push(start);
        }
    };
    // Spaces seen since the last glyph.
    let mut spaced = false;
    for i in 0..n {
        let Ok(ch) = chars.get(i) else {
            continue;
        };
        let c = ch.unicode_char();
        if matches!(c, Some('\r' | '\n')) {
            close(&mut out, &mut open, &mut runs);
            if spaced {
                out.push(' ');
            }
            (prev, spaced) = (None, false);
            out.push(c.unwrap_or('\n'));
            continue;
        }
        if is_space(c) {
            spaced = true;
            continue;
        }
        let b = ch
            .loose_bounds()
            .ok()
            .map(Bounds::from)
            .or(prev)
            .unwrap_or(Bounds::EMPTY);
        let sep = match prev {
            Some(p) => p.separator(&b, spaced),
            None if spaced => Some(' '),
            None => None,
        };
        if let Some(sep) = sep {
            if sep != ' ' {
                close(&mut out, &mut open, &mut runs);
            }
            out.push(sep);
        }
        match &mut open {
            Some((_, _, last, run)) => {
                *last = i;
                run.extend(&b);
            }
            None => open = Some((out.len(), i, i, b)),
        }
        out.push(c.unwrap_or('\u{fffd}'));
        (prev, spaced) = (Some(b), false);
    }
    if spaced {
        out.push(' ');
    }
    close(&mut out, &mut open, &mut runs);
    if title_page {
        for k in layout::title_runs(&runs).into_iter().rev() {
            let start = starts[k];
            if out[..start].ends_with(['\n', '\r']) || start == 0 {
                out.insert_str(start, layout::TITLE_MARK);
                runs[k].text.insert_str(0, layout::TITLE_MARK);
            }
        }
    }
    layout::reorder(&runs).unwrap_or(out)
}

/// A run printed letter-spaced ("C U R R I C U L U M  V I T A E": one
/// glyph per word as pdfium splits it) as its words ("CURRICULUM VITAE"),
/// split where the gap between two letters is clearly wider than the
/// spacing between the others. `None` for any other run.
fn letter_spaced(
    chars: &PdfPageTextChars,
    text: &str,
    first: usize,
    last: usize,
) -> Option<String> {
    // Kerning can close the spacing of a pair ("E D U C AT I O N").
    let tokens: Vec<usize> = text.split(' ').map(|t| t.chars().count()).collect();
    let single = tokens.iter().filter(|&&n| n == 1).count();
    if tokens.len() < 4 || tokens.iter().any(|&n| n > 2) || single * 4 < tokens.len() * 3 {
        return None;
    }
    let glyphs: Vec<(char, f32, f32)> = (first..=last)
        .filter_map(|i| {
            let ch = chars.get(i).ok()?;
            let c = ch.unicode_char().filter(|c| !c.is_whitespace())?;
            let b = ch.loose_bounds().ok()?;
            Some((c, b.left().value, b.right().value))
        })
        .collect();
    let gaps: Vec<f32> = glyphs.windows(2).map(|w| w[1].1 - w[0].2).collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f32::total_cmp);
    let median = *sorted.get(sorted.len() / 2)?;
    let mut words = String::new();
    for (k, &(c, _, _)) in glyphs.iter().enumerate() {
        if k > 0 && gaps[k - 1] > median * 1.6 + 0.5 {
            words.push(' ');
        }
        words.push(c);
    }
    Some(words)
}

/// A glyph's box (loose bounds: the font's ascent to descent), in points.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
}

impl Bounds {
    const EMPTY: Bounds = Bounds {
        left: 0.0,
        right: 0.0,
        top: 0.0,
        bottom: 0.0,
    };

    fn from(r: PdfRect) -> Self {
        Bounds {
            left: r.left().value,
            right: r.right().value,
            top: r.top().value,
            bottom: r.bottom().value,
        }
    }

    fn extend(&mut self, b: &Bounds) {
        self.left = self.left.min(b.left);
        self.right = self.right.max(b.right);
        self.top = self.top.max(b.top);
        self.bottom = self.bottom.min(b.bottom);
    }

    /// What goes between this glyph and the `next` (after a space in the
    /// text when `spaced`): a line break when `next` is on another line or
    /// back to the left (pdfium joined glyphs that do not follow on the
    /// page: another column, another line), a tab when it is a column gap
    /// to the right ([`COLUMN_GAP_EM`]), else the space or nothing.
    fn separator(&self, next: &Bounds, spaced: bool) -> Option<char> {
        let (h1, h2) = (self.top - self.bottom, next.top - next.bottom);
        if h1 <= 0.0 || h2 <= 0.0 {
            return spaced.then_some(' ');
        }
        let overlap = self.top.min(next.top) - self.bottom.max(next.bottom);
        if overlap < 0.5 * h1.min(h2) || next.left < self.left - 0.5 * h1.min(h2) {
            return Some('\n');
        }
        // A glyph's loose box is about 1.2 font sizes tall.
        if next.left - self.right > COLUMN_GAP_EM / 1.2 * h1.max(h2) {
            return Some('\t');
        }
        spaced.then_some(' ')
    }
}

/// Resolution pages are rendered at for OCR, unless the scan is finer.
const OCR_DPI: f32 = 300.0;
/// The finest rendering: beyond it OCR gains nothing and costs much.
const OCR_MAX_DPI: f32 = 450.0;
/// Most pixels on a rendered page's longer side (a hostile page size).
const OCR_MAX_SIDE: f32 = 6_000.0;

/// Renders the pages of an image-only PDF for OCR, in grey, at 300 dpi or
/// the resolution of the page's finest image when that is higher (up to
/// 450), at most [`OCR_MAX_SIDE`] pixels on a side. More pages than
/// `limits.ocr_max_pages` are refused before any is rendered.
pub fn render_for_ocr(bytes: &[u8], limits: &Limits) -> Result<Vec<PageImage>, ExtractError> {
    let pdfium = pdfium().map_err(ExtractError::Unavailable)?;
    let doc = pdfium
        .load_pdf_from_byte_slice(bytes, None)
        .map_err(|_| ExtractError::CorruptPdf)?;
    let pages = doc.pages();
    let count = pages.len() as usize;
    if count > limits.ocr_max_pages {
        return Err(ExtractError::TooManyScannedPages {
            pages: count,
            max: limits.ocr_max_pages,
        });
    }
    let mut out = Vec::with_capacity(count);
    for page in pages.iter() {
        let scan_dpi = page
            .objects()
            .iter()
            .filter_map(|o| o.as_image_object().and_then(|i| i.horizontal_dpi().ok()))
            .fold(0f32, f32::max);
        let dpi = if scan_dpi.is_finite() && scan_dpi > OCR_DPI {
            scan_dpi.min(OCR_MAX_DPI)
        } else {
            OCR_DPI
        };
        let (w, h) = (page.width().value, page.height().value);
        let longer = w.max(h).max(1.0);
        let scale = (dpi / 72.0).min(OCR_MAX_SIDE / longer);
        // Rendered as BGRx (pdfium's grey bitmaps come out blank for
        // images), then reduced to grey.
        let config = PdfRenderConfig::new()
            .scale_page_by_factor(scale)
            .use_grayscale_rendering(true)
            .render_form_data(false)
            .render_annotations(false);
        let bitmap = page
            .render_with_config(&config)
            .map_err(|_| ExtractError::CorruptPdf)?;
        let (width, height) = (bitmap.width() as u32, bitmap.height() as u32);
        let raw = bitmap.as_raw_bytes();
        let stride = raw.len() / (height.max(1) as usize);
        let mut gray = Vec::with_capacity(width as usize * height as usize);
        for row in raw.chunks(stride).take(height as usize) {
            for px in row.chunks_exact(4).take(width as usize) {
                // ITU-R BT.601 luma of B, G, R.
                let luma = (29 * px[0] as u32 + 150 * px[1] as u32 + 77 * px[2] as u32) >> 8;
                gray.push(luma as u8);
            }
        }
        out.push(PageImage {
            width,
            height,
            dpi: (scale * 72.0).round() as u32,
            gray,
        });
    }
    Ok(out)
}

type Reply = Result<(String, usize), ExtractError>;

/// Work for the pdfium thread.
enum Request {
    Extract {
        bytes: Bytes,
        limits: Limits,
        reply: oneshot::Sender<Reply>,
    },
    Render {
        bytes: Bytes,
        limits: Limits,
        reply: oneshot::Sender<Result<Vec<PageImage>, ExtractError>>,
    },
}

static PDFIUM_THREAD: OnceLock<mpsc::Sender<Request>> = OnceLock::new();

fn crashed() -> ExtractError {
    ExtractError::Unavailable("the PDF reader crashed on this file".into())
}

/// [`extract`] on the process's pdfium thread, awaited without holding a
/// runtime or blocking thread. Requests are served in arrival order; one
/// whose caller has gone (a job timed out or was cancelled) is skipped.
pub async fn extract_on_pdfium_thread(bytes: Bytes, limits: Limits) -> Reply {
    let (reply, answer) = oneshot::channel();
    send(Request::Extract {
        bytes,
        limits,
        reply,
    })?;
    answer.await.map_err(|_| crashed())?
}

/// [`render_for_ocr`] on the process's pdfium thread.
pub async fn render_on_pdfium_thread(
    bytes: Bytes,
    limits: Limits,
) -> Result<Vec<PageImage>, ExtractError> {
    let (reply, answer) = oneshot::channel();
    send(Request::Render {
        bytes,
        limits,
        reply,
    })?;
    answer.await.map_err(|_| crashed())?
}

fn send(request: Request) -> Result<(), ExtractError> {
    PDFIUM_THREAD
        .get_or_init(spawn_pdfium_thread)
        .send(request)
        .map_err(|_| ExtractError::Unavailable("the PDF reader thread has stopped".into()))
}

fn spawn_pdfium_thread() -> mpsc::Sender<Request> {
    let (tx, rx) = mpsc::channel::<Request>();
    std::thread::Builder::new()
        .name("pdfium".into())
        .spawn(move || {
            for req in rx {
                match req {
                    Request::Extract {
                        bytes,
                        limits,
                        reply,
                    } => serve(reply, || extract(&bytes, &limits)),
                    Request::Render {
                        bytes,
                        limits,
                        reply,
                    } => serve(reply, || render_for_ocr(&bytes, &limits)),
                }
            }
        })
        .expect("spawn the pdfium thread");
    tx
}

/// Answers one request on the pdfium thread, unless its caller has gone;
/// a panic in the bindings fails this file, not the thread.
fn serve<T>(
    reply: oneshot::Sender<Result<T, ExtractError>>,
    work: impl FnOnce() -> Result<T, ExtractError>,
) {
    if reply.is_closed() {
        return;
    }
    let out = std::panic::catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| Err(crashed()));
    let _ = reply.send(out);
}
