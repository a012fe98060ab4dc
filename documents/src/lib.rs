//! Uploaded documents: what type a file is, by content (magic bytes, never
//! its name); the limits that keep a hostile file from costing more than an
//! ordinary resume, and the refusals in a recruiter's words; DOCX text
//! through its XML. PDF text needs pdfium and lives in the `pdf-text` crate,
//! so the API can check an upload without linking it.

pub mod docx;

use std::{future::Future, pin::Pin};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Document types we accept, decided by content, never by name or header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Pdf,
    Docx,
}

impl DocKind {
    pub fn content_type(self) -> &'static str {
        match self {
            DocKind::Pdf => "application/pdf",
            DocKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Docx => "docx",
        }
    }
}

/// Limits on what a document may cost to read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_pages: usize,
    /// Extracted text beyond this is refused (keyword stuffing, dumps).
    pub max_text_bytes: usize,
    /// DOCX: most bytes the archive may inflate to.
    pub max_unzipped_bytes: u64,
    /// Scanned PDFs: most pages read by OCR (0: OCR off). An image-only
    /// document with more pages is refused.
    pub ocr_max_pages: usize,
    /// Scanned PDFs: longest OCR of one document.
    pub ocr_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pages: 50,
            max_text_bytes: 1_000_000,
            max_unzipped_bytes: 50 * 1024 * 1024,
            ocr_max_pages: 5,
            ocr_timeout: std::time::Duration::from_secs(90),
        }
    }
}

/// Why a document cannot be read, in words a recruiter understands. All of
/// these are permanent: retrying the same file gives the same answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the file is empty")]
    Empty,
    #[error("unsupported file type ({0}); upload a PDF or a Word (.docx) document")]
    Unsupported(&'static str),
    #[error("the PDF is damaged or incomplete and cannot be read")]
    CorruptPdf,
    #[error("the PDF is password-protected; upload a version without a password")]
    PasswordProtected,
    #[error("the document has no extractable text (it looks scanned or image-only); upload a text-based PDF or a .docx")]
    NoText,
    #[error("the document is scanned (image-only) and OCR found no readable text in it; upload a clearer scan, a text-based PDF or a .docx")]
    NoReadableText,
    #[error("the document is scanned (image-only) and has {pages} pages; scanned resumes may have at most {max}")]
    TooManyScannedPages { pages: usize, max: usize },
    #[error(
        "reading the scanned document took more than {secs} s; upload a text-based PDF or a .docx"
    )]
    OcrTimeout { secs: u64 },
    #[error("the document has {pages} pages; resumes may have at most {max}")]
    TooManyPages { pages: usize, max: usize },
    #[error("the document contains more than {max_bytes} bytes of text, far more than a resume")]
    TextTooLarge { max_bytes: usize },
    #[error("the Word document is damaged and cannot be read")]
    CorruptDocx,
    #[error(
        "the Word document expands to more than {max_bytes} bytes; it is not an ordinary resume"
    )]
    DocxTooLarge { max_bytes: u64 },
    /// Our side, not the file's: the PDF engine could not be loaded.
    #[error("document reader unavailable: {0}")]
    Unavailable(String),
}

impl ExtractError {
    /// Whether retrying the same file could succeed.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, ExtractError::Unavailable(_))
    }
}

/// Reads an upload's text off the async runtime. `pdf-text` implements it
/// with pdfium; job kinds receive it as a service, so the processes that
/// only enqueue them (the API) never link pdfium.
pub trait Reader: Send + Sync {
    fn read(
        &self,
        bytes: Bytes,
        limits: Limits,
    ) -> Pin<Box<dyn Future<Output = Result<Extracted, ExtractError>> + Send>>;
}

/// What the magic bytes say. DOCX is a ZIP with `word/document.xml`.
pub fn sniff(bytes: &[u8]) -> Result<DocKind, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    // PDF: `%PDF-` within the first KiB (some writers prepend junk).
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok(DocKind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return if docx::is_docx(bytes) {
            Ok(DocKind::Docx)
        } else {
            Err(ExtractError::Unsupported(
                "a ZIP archive that is not a Word document",
            ))
        };
    }
    Err(ExtractError::Unsupported(describe(bytes)))
}

fn describe(bytes: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"\xD0\xCF\x11\xE0", "legacy Office document (.doc)"),
        (b"{\\rtf", "RTF document"),
    ];
    SIGNATURES
        .iter()
        .find(|(sig, _)| bytes.starts_with(sig))
        .map(|(_, name)| *name)
        .unwrap_or("not a PDF or Word document")
}

/// Extracted text.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub kind: DocKind,
    pub text: String,
    pub pages: usize,
    /// Set when the text was read by OCR (a scanned document).
    pub ocr: Option<OcrReport>,
}

/// How a scanned document's OCR went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcrReport {
    pub pages: usize,
    /// Words read.
    pub words: usize,
    /// Tesseract's mean word confidence, 0–100.
    pub mean_confidence: f32,
    /// The page segmentation mode that read each page best.
    pub page_segmentation_modes: Vec<u8>,
}

impl Extracted {
    /// The text a reader found, refused if it has too little to be a
    /// resume (a scanned or image-only document).
    pub fn checked(kind: DocKind, text: String, pages: usize) -> Result<Self, ExtractError> {
        if text.chars().filter(|c| c.is_alphanumeric()).count() < 20 {
            return Err(ExtractError::NoText);
        }
        Ok(Extracted {
            kind,
            text,
            pages,
            ocr: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b""), Err(ExtractError::Empty));
        assert_eq!(sniff(b"%PDF-1.7\n..."), Ok(DocKind::Pdf));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n...."),
            Err(ExtractError::Unsupported("PNG image"))
        );
        assert!(matches!(
            sniff(b"hello world"),
            Err(ExtractError::Unsupported(_))
        ));
    }
}
