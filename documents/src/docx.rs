//! DOCX text, read through the zip crate with the archive's declared and
//! actual inflated sizes capped, so a zip bomb costs no more than the cap.
//!
//! What a reader of the page sees, in order: the page headers (where
//! contact details often live; each distinct one once), the body, then the
//! footers. Tables are read row by row: a row whose cells are one line
//! each becomes one line, cells separated by tabs (a "title | company |
//! dates" row reads like an entry's header); otherwise each cell's lines in
//! turn. Text boxes are read where they are anchored, once (a drawing's
//! `mc:Fallback` copy of the same text is skipped).

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
    let mut headers = Vec::new();
    let mut footers = Vec::new();
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| ExtractError::CorruptDocx)?;
        declared = declared.saturating_add(entry.size());
        let name = entry.name();
        if name.starts_with("word/header") && name.ends_with(".xml") {
            headers.push(name.to_owned());
        } else if name.starts_with("word/footer") && name.ends_with(".xml") {
            footers.push(name.to_owned());
        }
    }
    if declared > limits.max_unzipped_bytes {
        return Err(ExtractError::DocxTooLarge {
            max_bytes: limits.max_unzipped_bytes,
        });
    }
    headers.sort();
    footers.sort();
    let mut budget = Budget {
        inflated: limits.max_unzipped_bytes,
        text: limits.max_text_bytes,
    };
    let mut out = String::new();
    // Headers and footers repeat (first page, odd, even): each text once.
    let mut seen: Vec<String> = Vec::new();
    for name in &headers {
        once(&mut archive, name, &mut budget, &mut seen, &mut out)?;
    }
    let body = inflate(&mut archive, DOCUMENT, &mut budget)?;
    let text = read_part(&body, budget.text.saturating_sub(out.len()))?;
    out.push_str(&text);
    for name in &footers {
        once(&mut archive, name, &mut budget, &mut seen, &mut out)?;
    }
    if out.len() > limits.max_text_bytes {
        return Err(ExtractError::TextTooLarge {
            max_bytes: limits.max_text_bytes,
        });
    }
    Ok(out)
}

/// Appends the text of the part `name` unless the same text came before.
fn once(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget,
    seen: &mut Vec<String>,
    out: &mut String,
) -> Result<(), ExtractError> {
    let xml = inflate(archive, name, budget)?;
    let text = read_part(&xml, budget.text.saturating_sub(out.len()))?;
    let trimmed = text.trim();
    if !trimmed.is_empty() && !seen.iter().any(|s| s == trimmed) {
        seen.push(trimmed.to_owned());
        out.push_str(trimmed);
        out.push('\n');
    }
    Ok(())
}

/// What reading may still cost: bytes to inflate, bytes of text.
struct Budget {
    inflated: u64,
    text: usize,
}

/// A part's bytes, counted against the inflation budget (declared sizes
/// can lie, so what is actually inflated is capped too).
fn inflate(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget,
) -> Result<Vec<u8>, ExtractError> {
    let too_large = ExtractError::DocxTooLarge {
        max_bytes: budget.inflated,
    };
    let entry = archive
        .by_name(name)
        .map_err(|_| ExtractError::CorruptDocx)?;
    let mut xml = Vec::new();
    entry
        .take(budget.inflated + 1)
        .read_to_end(&mut xml)
        .map_err(|_| ExtractError::CorruptDocx)?;
    if xml.len() as u64 > budget.inflated {
        return Err(too_large);
    }
    budget.inflated -= xml.len() as u64;
    Ok(xml)
}

/// Where text goes while a table is read.
enum Frame {
    Row(Vec<String>),
    Cell(String),
}

/// The text of one part (body, header or footer): `w:t` runs, a newline per
/// paragraph and line break, a tab per tab; tables row by row.
fn read_part(xml: &[u8], max_text: usize) -> Result<String, ExtractError> {
    let mut reader = Reader::from_reader(xml);
    let mut out = String::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut in_text = false;
    // Inside an `mc:Fallback` (a copy of what `mc:Choice` holds): depth.
    let mut skipping = 0usize;
    let mut buf = Vec::new();
    fn sink<'a>(out: &'a mut String, frames: &'a mut [Frame]) -> &'a mut String {
        match frames.iter_mut().rev().find_map(|f| match f {
            Frame::Cell(s) => Some(s),
            Frame::Row(_) => None,
        }) {
            Some(cell) => cell,
            None => out,
        }
    }
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| ExtractError::CorruptDocx)?;
        if skipping > 0 {
            match &event {
                Event::Start(e) if e.name().as_ref() == b"mc:Fallback" => skipping += 1,
                Event::End(e) if e.name().as_ref() == b"mc:Fallback" => skipping -= 1,
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
            continue;
        }
        match event {
            Event::Start(e) => match e.name().as_ref() {
                b"w:t" => in_text = true,
                b"mc:Fallback" => skipping = 1,
                b"w:tr" => frames.push(Frame::Row(Vec::new())),
                b"w:tc" => frames.push(Frame::Cell(String::new())),
                // A text box anchored inside a paragraph is a block of its
                // own, not more words of the paragraph around it.
                b"w:txbxContent" => line_break(sink(&mut out, &mut frames)),
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:txbxContent" => line_break(sink(&mut out, &mut frames)),
                b"w:p" => sink(&mut out, &mut frames).push('\n'),
                b"w:tc" => {
                    if let Some(Frame::Cell(text)) = frames.pop() {
                        if let Some(Frame::Row(cells)) = frames.last_mut() {
                            cells.push(text.trim().to_owned());
                        }
                    }
                }
                b"w:tr" => {
                    if let Some(Frame::Row(cells)) = frames.pop() {
                        let text = row_text(&cells);
                        sink(&mut out, &mut frames).push_str(&text);
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                b"w:tab" => sink(&mut out, &mut frames).push('\t'),
                b"w:br" | b"w:cr" => sink(&mut out, &mut frames).push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => {
                let s = t.unescape().map_err(|_| ExtractError::CorruptDocx)?;
                sink(&mut out, &mut frames).push_str(&s);
            }
            Event::Eof => break,
            _ => {}
        }
        let cells: usize = frames
            .iter()
            .map(|f| match f {
                Frame::Cell(s) => s.len(),
                Frame::Row(c) => c.iter().map(String::len).sum(),
            })
            .sum();
        if out.len() + cells > max_text {
            return Err(ExtractError::TextTooLarge {
                max_bytes: max_text,
            });
        }
        buf.clear();
    }
    Ok(out)
}

/// Ends the line unless it is ended already.
fn line_break(s: &mut String) {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
}

/// A table row as lines: one line, cells tab-separated, when every cell is
/// one line; else each cell's lines in turn.
fn row_text(cells: &[String]) -> String {
    let filled: Vec<&str> = cells
        .iter()
        .map(String::as_str)
        .filter(|c| !c.is_empty())
        .collect();
    if filled.is_empty() {
        return String::new();
    }
    if filled.iter().all(|c| !c.contains('\n')) {
        return format!("{}\n", filled.join("\t"));
    }
    let mut out = String::new();
    for cell in filled {
        out.push_str(cell);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn docx(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        for (name, xml) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(xml.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        buf.into_inner()
    }

    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn p(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    fn cell(paras: &[&str]) -> String {
        format!(
            "<w:tc>{}</w:tc>",
            paras.iter().map(|t| p(t)).collect::<String>()
        )
    }

    #[test]
    fn a_text_box_inside_a_paragraph_is_a_block_of_its_own() {
        let body = format!(
            "<w:document {NS}><w:body>\
             <w:p><w:r><w:t>Yousef al-Hashimi</w:t></w:r><w:r><w:drawing><w:txbxContent>{}{}</w:txbxContent></w:drawing></w:r>\
             <w:r><w:t>Cloud Engineer</w:t></w:r></w:p>\
             </w:body></w:document>",
            p("CONTACT"),
            p("Dubai"),
        );
        let text = extract(&docx(&[("word/document.xml", &body)]), &Limits::default()).unwrap();
        assert_eq!(text, "Yousef al-Hashimi\nCONTACT\nDubai\nCloud Engineer\n");
    }

    #[test]
    fn headers_tables_and_text_boxes_are_read_in_order_and_once() {
        let header = format!(
            "<w:hdr {NS}>{}{}</w:hdr>",
            p("Ana Petrovic"),
            p("ana@example.com · +381 64 555 0172")
        );
        let body = format!(
            "<w:document {NS}><w:body>{}<w:tbl>\
               <w:tr>{}{}{}</w:tr>\
               <w:tr>{}{}</w:tr>\
             </w:tbl>\
             <w:p><w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent>{}</w:txbxContent></w:drawing></mc:Choice>\
               <mc:Fallback><w:pict><w:txbxContent>{}</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>\
             </w:body></w:document>",
            p("EXPERIENCE"),
            cell(&["Data Analyst"]),
            cell(&["Acme d.o.o."]),
            cell(&["2019-03 – 2021-07"]),
            cell(&["2021"]),
            cell(&["Built dashboards", "Ran the ETL"]),
            p("Skills: SQL, Python"),
            p("Skills: SQL, Python"),
        );
        let bytes = docx(&[
            ("word/document.xml", &body),
            ("word/header1.xml", &header),
            ("word/header2.xml", &header),
            (
                "word/footer1.xml",
                &format!("<w:ftr {NS}>{}</w:ftr>", p("Page 1")),
            ),
        ]);
        let text = extract(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            text,
            "Ana Petrovic\nana@example.com · +381 64 555 0172\n\
             EXPERIENCE\n\
             Data Analyst\tAcme d.o.o.\t2019-03 – 2021-07\n\
             2021\nBuilt dashboards\nRan the ETL\n\
             Skills: SQL, Python\n\n\
             Page 1\n"
        );
    }

    #[test]
    fn text_beyond_the_cap_is_refused_in_any_part() {
        let big = "x".repeat(2_000);
        let bytes = docx(&[
            (
                "word/document.xml",
                &format!(
                    "<w:document {NS}><w:body>{}</w:body></w:document>",
                    p("short")
                ),
            ),
            (
                "word/header1.xml",
                &format!("<w:hdr {NS}>{}</w:hdr>", p(&big)),
            ),
        ]);
        let limits = Limits {
            max_text_bytes: 1_000,
            ..Limits::default()
        };
        assert_eq!(
            extract(&bytes, &limits),
            Err(ExtractError::TextTooLarge { max_bytes: 1_000 })
        );
    }
}
