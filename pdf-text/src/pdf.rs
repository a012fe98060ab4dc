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
    for page in pages.iter().take(limits.max_pages) {
        let page_text = page.text().map_err(|_| ExtractError::CorruptPdf)?.all();
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

type Reply = Result<(String, usize), ExtractError>;

struct Request {
    bytes: Bytes,
    limits: Limits,
    reply: oneshot::Sender<Reply>,
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
    let sent = PDFIUM_THREAD
        .get_or_init(spawn_pdfium_thread)
        .send(Request {
            bytes,
            limits,
            reply,
        });
    if sent.is_err() {
        return Err(ExtractError::Unavailable(
            "the PDF reader thread has stopped".into(),
        ));
    }
    answer.await.map_err(|_| crashed())?
}

fn spawn_pdfium_thread() -> mpsc::Sender<Request> {
    let (tx, rx) = mpsc::channel::<Request>();
    std::thread::Builder::new()
        .name("pdfium".into())
        .spawn(move || {
            for req in rx {
                if req.reply.is_closed() {
                    continue;
                }
                // A panic in the bindings fails this file, not the thread.
                let out =
                    std::panic::catch_unwind(AssertUnwindSafe(|| extract(&req.bytes, &req.limits)))
                        .unwrap_or_else(|_| Err(crashed()));
                let _ = req.reply.send(out);
            }
        })
        .expect("spawn the pdfium thread");
    tx
}
