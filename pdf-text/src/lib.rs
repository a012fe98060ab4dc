//! An upload's text, as workers read it: PDFs through pdfium (on one
//! thread per process, [`pdf`]), DOCX through `documents`. Only processes
//! that read documents link this crate (and so pdfium); the API does not.

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
/// tools and tests; jobs use [`read`]).
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let kind = sniff(bytes)?;
    let (text, pages) = match kind {
        DocKind::Pdf => pdf::extract(bytes, limits)?,
        DocKind::Docx => (docx::extract(bytes, limits)?, 1),
    };
    Extracted::checked(kind, text, pages)
}

/// Extracts the text of a document off the async runtime: PDFs on the
/// process's pdfium thread, DOCX on a blocking thread.
pub async fn read(bytes: Bytes, limits: Limits) -> Result<Extracted, ExtractError> {
    let kind = sniff(&bytes)?;
    let (text, pages) = match kind {
        DocKind::Pdf => pdf::extract_on_pdfium_thread(bytes, limits).await?,
        DocKind::Docx => tokio::task::spawn_blocking(move || docx::extract(&bytes, &limits))
            .await
            .map_err(|_| ExtractError::Unavailable("the Word reader crashed on this file".into()))
            .and_then(|r| r.map(|text| (text, 1)))?,
    };
    Extracted::checked(kind, text, pages)
}
