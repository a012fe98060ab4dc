//! DOCX text: the paragraphs of `word/document.xml`, read through the zip
//! crate with the archive's declared and actual inflated sizes capped, so a
//! zip bomb costs no more than the cap.

use std::io::{Cursor, Read};

use quick_xml::{events::Event, Reader};

use crate::{ExtractError, Limits};

const DOCUMENT: &str = "word/document.xml";
const MAX_ENTRIES: usize = 2_000;

pub fn is_docx(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .map(|z| z.index_for_name(DOCUMENT).is_some())
        .unwrap_or(false)
}

pub fn extract(bytes: &[u8], limits: &Limits) -> Result<String, ExtractError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ExtractError::CorruptDocx)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ExtractError::DocxTooLarge {
            max_bytes: limits.max_unzipped_bytes,
        });
    }
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| ExtractError::CorruptDocx)?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.max_unzipped_bytes {
        return Err(ExtractError::DocxTooLarge {
            max_bytes: limits.max_unzipped_bytes,
        });
    }
    let entry = archive
        .by_name(DOCUMENT)
        .map_err(|_| ExtractError::CorruptDocx)?;
    // Declared sizes can lie: cap what is actually inflated too.
    let mut xml = Vec::new();
    entry
        .take(limits.max_unzipped_bytes + 1)
        .read_to_end(&mut xml)
        .map_err(|_| ExtractError::CorruptDocx)?;
    if xml.len() as u64 > limits.max_unzipped_bytes {
        return Err(ExtractError::DocxTooLarge {
            max_bytes: limits.max_unzipped_bytes,
        });
    }
    paragraphs(&xml, limits.max_text_bytes)
}

/// Text of `w:t` runs; a newline per paragraph and line break, a tab per tab.
fn paragraphs(xml: &[u8], max_text: usize) -> Result<String, ExtractError> {
    let mut reader = Reader::from_reader(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == b"w:t" => in_text = true,
            Ok(Event::End(e)) => match e.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:p" => out.push('\n'),
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.name().as_ref() {
                b"w:tab" => out.push('\t'),
                b"w:br" | b"w:cr" => out.push('\n'),
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => {
                let s = t.unescape().map_err(|_| ExtractError::CorruptDocx)?;
                out.push_str(&s);
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return Err(ExtractError::CorruptDocx),
        }
        if out.len() > max_text {
            return Err(ExtractError::TextTooLarge {
                max_bytes: max_text,
            });
        }
        buf.clear();
    }
    Ok(out)
}
