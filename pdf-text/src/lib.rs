//! An upload's text, as workers read it: PDFs through pdfium (on one
//! thread per process, [`pdf`]), DOCX through `documents`. Only processes
//! that read documents link this crate (and so pdfium); the API does not.

pub mod layout;
pub mod ocr;
pub mod pdf;

use std::{future::Future, pin::Pin};

use bytes::Bytes;
use documents::{docx, sniff, DocKind, ExtractError, Extracted, Limits};

/// [`read`] as the service job kinds call.
#[derive(Debug, Clone, Copy, Default)]
pub struct PdfiumReader;

impl documents::Reader for PdfiumReader {
    fn read(
        &self,
        bytes: Bytes,
        limits: Limits,
    ) -> Pin<Box<dyn Future<Output = Result<Extracted, ExtractError>> + Send>> {
        Box::pin(read(bytes, limits))
    }
}

/// Extracts the text of a document on the calling thread (blocking: for
/// tools and tests; jobs use [`read`]). Scanned PDFs are refused here:
/// OCR is [`read`]'s.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let kind = sniff(bytes)?;
    let (text, pages) = match kind {
        DocKind::Pdf => pdf::extract(bytes, limits)?,
        DocKind::Docx => (docx::extract(bytes, limits)?, 1),
    };
    Extracted::checked(kind, text, pages)
}

/// Extracts the text of a document off the async runtime: PDFs on the
/// process's pdfium thread, DOCX on a blocking thread. A PDF without a
/// text layer is rendered and read by OCR ([`ocr`]) unless
/// `limits.ocr_max_pages` is 0.
pub async fn read(bytes: Bytes, limits: Limits) -> Result<Extracted, ExtractError> {
    let kind = sniff(&bytes)?;
    let (text, pages) = match kind {
        DocKind::Pdf => {
            let (text, pages) = pdf::extract_on_pdfium_thread(bytes.clone(), limits).await?;
            return match Extracted::checked(kind, text, pages) {
                Err(ExtractError::NoText) if limits.ocr_max_pages > 0 => {
                    scanned(bytes, limits).await
                }
                other => other,
            };
        }
        DocKind::Docx => tokio::task::spawn_blocking(move || docx::extract(&bytes, &limits))
            .await
            .map_err(|_| ExtractError::Unavailable("the Word reader crashed on this file".into()))
            .and_then(|r| r.map(|text| (text, 1)))?,
    };
    Extracted::checked(kind, text, pages)
}

/// An image-only PDF, read by OCR ([`ocr`]).
async fn scanned(bytes: Bytes, limits: Limits) -> Result<Extracted, ExtractError> {
    let images = pdf::render_on_pdfium_thread(bytes, limits).await?;
    let (text, report) = ocr::read(&images, limits.ocr_timeout).await?;
    Ok(Extracted {
        kind: DocKind::Pdf,
        text,
        pages: images.len(),
        ocr: Some(report),
    })
}
