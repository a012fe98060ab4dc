//! Line preparation and small text helpers shared by the resume and job
//! description readers: whitespace clean-up, page furniture removal, wrapped
//! line joining, bullets, section headings and accent folding.

/// Longest line (in bytes) the structural passes look at; longer lines are
/// cut at a character boundary (skills are still matched on the full text).
pub const MAX_LINE_BYTES: usize = 4000;

/// A prepared line.
#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    /// 0-based page number (pages are separated by form feeds).
    pub page: usize,
    /// Printed as the first page's title (largest), marked by the PDF
    /// reader with a leading [`TITLE_MARK`].
    pub title: bool,
}

/// What the PDF reader puts before a line printed as the page's title
/// (Markdown's first-level heading).
pub const TITLE_MARK: &str = "# ";

/// Cuts `s` to at most `max` bytes at a character boundary.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Collapses every run of whitespace (and control characters) into one
/// space, or into one tab where the run holds a tab (a column gap: the
/// PDF reader's for words set far apart on a line, a DOCX tab stop or
/// table cell), and trims the ends.
pub fn clean_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Option<char> = None;
    for c in s.chars() {
        if c.is_whitespace()
            || c.is_control()
            || c == '\u{200b}'
            || c == '\u{feff}'
            || c == '\u{ad}'
        {
            if !out.is_empty() && pending != Some('\t') {
                pending = Some(if c == '\t' { '\t' } else { ' ' });
            }
            continue;
        }
        if let Some(p) = pending.take() {
            out.push(p);
        }
        out.push(c);
    }
    out
}

/// Splits raw extracted text into clean, non-empty lines with page numbers.
pub fn raw_lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut page = 0usize;
    for raw in text.split(['\n', '\r']) {
        let mut seg_start = 0;
        // A form feed inside a line starts a new page.
        for (i, c) in raw.char_indices() {
            if c == '\u{c}' {
                push_line(&mut out, &raw[seg_start..i], page);
                page += 1;
                seg_start = i + c.len_utf8();
            }
        }
        push_line(&mut out, &raw[seg_start..], page);
    }
    out
}

fn push_line(out: &mut Vec<Line>, raw: &str, page: usize) {
    let raw = clip(raw, MAX_LINE_BYTES);
    let (raw, title) = match raw.trim_start().strip_prefix(TITLE_MARK) {
        Some(rest) if page == 0 => (rest, true),
        _ => (raw, false),
    };
    let t = clean_spaces(raw);
    if !t.is_empty() {
        out.push(Line {
            text: t,
            page,
            title,
        });
    }
}

/// Whether a line is page furniture: "Page 2 of 4", "Seite 1 von 2",
/// "Resume 1/1", a bare page number.
pub fn is_page_marker(line: &str) -> bool {
    let f = fold(line);
    let words: Vec<&str> = f
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 12 {
        return false;
    }
    if words.len() == 1 && words[0].len() <= 3 && words[0].chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    let n = words.len();
    let num = |w: &str| !w.is_empty() && w.len() <= 3 && w.chars().all(|c| c.is_ascii_digit());
    // "... page 2 of 4" / "... pagina 1 de 2" / "... seite 1 von 3"
    if n >= 4
        && num(words[n - 1])
        && num(words[n - 3])
        && matches!(words[n - 2], "of" | "de" | "von" | "sur" | "di")
    {
        return matches!(words[n - 4], "page" | "pagina" | "seite" | "p" | "pag");
    }
    if n >= 2 && num(words[n - 1]) && matches!(words[n - 2], "page" | "pagina" | "seite") {
        return true;
    }
    // "Name – Resume 1/1", "CV 2/3"
    if n >= 3 && num(words[n - 1]) && num(words[n - 2]) && line.contains('/') {
        return matches!(
            words[n - 3],
            "resume" | "cv" | "vitae" | "lebenslauf" | "page"
        );
    }
    false
}

/// Prepares resume lines: page markers removed, running headers and
/// footers repeated on several pages said once at the end, and lines that
/// end in a connector ("—", "|", ",") joined with the next one.
pub fn prepare(text: &str) -> Vec<Line> {
    let lines = raw_lines(text);
    let pages = lines.last().map(|l| l.page + 1).unwrap_or(0);
    // Running headers/footers: the same short line near page boundaries of
    // several pages.
    let mut furniture: std::collections::HashSet<String> = std::collections::HashSet::new();
    if pages > 1 {
        let mut near: std::collections::HashMap<&str, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, l) in lines.iter().enumerate() {
            let first = i == 0 || lines[i - 1].page != l.page;
            let near_top = (0..3).any(|k| i < k + 1 || lines[i - k - 1].page != l.page) || first;
            let near_bottom =
                (0..3).any(|k| i + k + 1 >= lines.len() || lines[i + k + 1].page != l.page);
            if (near_top || near_bottom) && l.text.len() <= 120 {
                near.entry(l.text.as_str()).or_default().push(l.page);
            }
        }
        for (t, mut ps) in near {
            ps.dedup();
            if ps.len() >= 2 {
                furniture.insert(t.to_string());
            }
        }
    }
    // A running header or footer is said once, at the end (the body's own
    // header comes first): it often holds the only contact details
    // ("Name · email · phone" on every page).
    let mut once: Vec<Line> = Vec::new();
    let mut kept: Vec<Line> = Vec::with_capacity(lines.len());
    for l in lines {
        if is_page_marker(&l.text) {
            continue;
        }
        if furniture.contains(&l.text) {
            if !once.iter().any(|o| o.text == l.text) {
                once.push(l);
            }
            continue;
        }
        kept.push(l);
    }
    kept.extend(once);
    join_broken_dates(join_connectors(kept))
}

/// A date range broken over short lines (a narrow date column: "March" /
/// "2021 –" / "Present", or "fev/2022 –" / "atual") is joined back into
/// one line, when the lines together hold one range and nothing else.
fn join_broken_dates(lines: Vec<Line>) -> Vec<Line> {
    let short = |l: &Line| {
        l.text.split_whitespace().count() <= 3 && l.text.len() <= 24 && !is_bullet(&l.text)
    };
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        // "Universidade Federal do Rio de" / "Janeiro": a wrapped name, not
        // a month.
        let wrapped = out.last().is_some_and(|p: &Line| {
            p.text
                .rsplit(' ')
                .next()
                .is_some_and(|w| w.len() <= 3 && w.chars().all(char::is_lowercase))
        });
        if short(l) && !wrapped && !whole_range(&l.text) {
            let mut joined = l.text.clone();
            let mut found = None;
            for k in 1..4 {
                let Some(next) = lines.get(i + k) else { break };
                if !short(next) || next.page != l.page {
                    break;
                }
                joined.push(' ');
                joined.push_str(&next.text);
                if whole_range(&joined) {
                    found = Some(k);
                    break;
                }
            }
            if let Some(k) = found {
                out.push(Line {
                    text: joined,
                    page: l.page,
                    title: l.title,
                });
                i += k + 1;
                continue;
            }
        }
        out.push(l.clone());
        i += 1;
    }
    out
}

/// Whether a line is one date range and nothing more.
fn whole_range(t: &str) -> bool {
    let ranges = crate::dates::find_ranges(t);
    let [r] = ranges.as_slice() else {
        return false;
    };
    let rest = format!("{}{}", &t[..r.span.0], &t[r.span.1..]);
    !rest.chars().any(char::is_alphanumeric)
}

/// Whether a line ends with a connector that says the text goes on.
fn ends_with_connector(s: &str) -> bool {
    let t = s.trim_end();
    if t.ends_with(" -") || t.ends_with(" –") || t.ends_with(" —") {
        return t.chars().any(|c| c.is_alphanumeric());
    }
    t.ends_with('—')
        || t.ends_with('|')
        || t.ends_with('·')
        || t.ends_with(',')
        || t.ends_with('&')
        || t.ends_with('–')
}

fn join_connectors(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut carry = false;
    for l in lines {
        if carry {
            if let Some(prev) = out.last_mut() {
                if !is_bullet(&l.text)
                    && heading(&l.text).is_none()
                    && prev.text.len() + l.text.len() < MAX_LINE_BYTES
                {
                    prev.text.push(' ');
                    prev.text.push_str(&l.text);
                    carry = ends_with_connector(&prev.text);
                    continue;
                }
            }
        }
        carry = ends_with_connector(&l.text);
        out.push(l);
    }
    out
}

const BULLETS: &[char] = &[
    '•', '●', '▪', '■', '◦', '‣', '›', '○', '∙', '*', '-', '–', '►', '➢', '✓', '✔', '▸', '◆', '◇',
    '□', '➤', '→', '·',
];

/// Whether a line starts with a bullet mark.
pub fn is_bullet(line: &str) -> bool {
    let mut it = line.chars();
    match (it.next(), it.next()) {
        (Some(c), Some(n)) => {
            BULLETS.contains(&c) && (n == ' ' || (c != '-' && c != '–' && c != '*' && c != '·'))
        }
        (Some(c), None) => BULLETS.contains(&c),
        _ => false,
    }
}

/// The line without its bullet mark.
pub fn strip_bullet(line: &str) -> &str {
    if is_bullet(line) {
        let mut it = line.char_indices();
        it.next();
        let rest = it.next().map(|(i, _)| &line[i..]).unwrap_or("");
        rest.trim_start()
    } else {
        line
    }
}

/// Lowercases and removes diacritics from common Latin letters.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char_into(c, &mut out);
    }
    out
}

pub fn fold_char_into(c: char, out: &mut String) {
    // Most resume text is ASCII: lowercase it without the tables below.
    if c.is_ascii() && c != '`' {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let mapped: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'Ç' | 'Ć' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę'
        | 'Ě' => "e",
        'ğ' | 'Ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Į' | 'İ' => {
            "i"
        }
        'ł' | 'ľ' | 'ĺ' | 'Ł' | 'Ľ' | 'Ĺ' => "l",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō'
        | 'Ő' => "o",
        'œ' | 'Œ' => "oe",
        'ř' | 'ŕ' | 'Ř' | 'Ŕ' => "r",
        'ś' | 'š' | 'ş' | 'ș' | 'Ś' | 'Š' | 'Ş' | 'Ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' | 'Ť' | 'Ţ' | 'Ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű'
        | 'Ų' => "u",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        'þ' | 'Þ' => "th",
        '’' | '‘' | 'ʼ' | '`' | '´' => "'",
        '\u{300}'..='\u{36f}' => "",
        _ => {
            for l in c.to_lowercase() {
                out.push(l);
            }
            return;
        }
    };
    out.push_str(mapped);
}

/// Resume sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Summary,
    Experience,
    Education,
    Skills,
    Certifications,
    Languages,
    Contact,
    Projects,
    Other,
}

const HEADINGS: &[(Section, &[&str])] = &[
    (
        Section::Summary,
        &[
            "summary",
            "professional summary",
            "profile",
            "professional profile",
            "about",
            "about me",
            "objective",
            "career objective",
            "personal statement",
            "overview",
            "executive summary",
            "career summary",
            "perfil",
            "perfil profesional",
            "resumen",
            "resumen profesional",
            "sobre mi",
            "acerca de mi",
            "profil",
            "profil professionnel",
            "zusammenfassung",
            "kurzprofil",
            "uber mich",
            "a propos",
            "a propos de moi",
            "resume",
            "perfil profissional",
            "resumo",
            "sommario",
            "profilo",
        ],
    ),
    (
        Section::Experience,
        &[
            "experience",
            "work experience",
            "professional experience",
            "employment",
            "employment history",
            "work history",
            "career history",
            "career",
            "relevant experience",
            "experience summary",
            "professional background",
            "experiencia",
            "experiencia profesional",
            "experiencia laboral",
            "trayectoria profesional",
            "berufserfahrung",
            "berufliche erfahrung",
            "berufspraxis",
            "erfahrung",
            "beruflicher werdegang",
            "werdegang",
            "experience professionnelle",
            "experiences professionnelles",
            "experiences",
            "parcours professionnel",
            "experiencia profissional",
            "esperienza professionale",
            "esperienze professionali",
            "esperienza lavorativa",
        ],
    ),
    (
        Section::Education,
        &[
            "education",
            "academic background",
            "education and training",
            "education & training",
            "academic qualifications",
            "educational background",
            "formacion",
            "formacion academica",
            "educacion",
            "estudios",
            "ausbildung",
            "bildung",
            "akademische ausbildung",
            "studium",
            "bildungsweg",
            "formation",
            "etudes",
            "parcours academique",
            "formacao",
            "formacao academica",
            "istruzione",
            "studies",
        ],
    ),
    (
        Section::Skills,
        &[
            "skills",
            "technical skills",
            "core skills",
            "key skills",
            "top skills",
            "core competencies",
            "competencies",
            "skills & tools",
            "skills and tools",
            "tools",
            "technologies",
            "tech stack",
            "technical expertise",
            "expertise",
            "skills summary",
            "areas of expertise",
            "skills & expertise",
            "competencias",
            "competencias tecnicas",
            "habilidades",
            "conocimientos",
            "aptitudes",
            "kenntnisse",
            "fahigkeiten",
            "fachkenntnisse",
            "it-kenntnisse",
            "kompetenzen",
            "competences",
            "competences techniques",
            "competencias e habilidades",
            "competenze",
            "tools & technologies",
            "tools and technologies",
        ],
    ),
    (
        Section::Certifications,
        &[
            "certifications",
            "certification",
            "certificates",
            "licenses & certifications",
            "licenses and certifications",
            "licences & certifications",
            "certifications & licenses",
            "courses & certifications",
            "courses and certifications",
            "certificaciones",
            "certificados",
            "zertifikate",
            "zertifizierungen",
            "certificats",
            "certificacoes",
            "certificazioni",
        ],
    ),
    (
        Section::Languages,
        &[
            "languages",
            "language skills",
            "idiomas",
            "sprachen",
            "sprachkenntnisse",
            "langues",
            "lingue",
            "linguas",
            "jezyki",
            "sprak",
        ],
    ),
    (
        Section::Contact,
        &[
            "contact",
            "contact information",
            "contact details",
            "contact info",
            "personal details",
            "personal information",
            "contacto",
            "datos de contacto",
            "datos personales",
            "kontakt",
            "kontaktdaten",
            "personliche daten",
            "coordonnees",
            "contato",
            "contatti",
        ],
    ),
    (
        Section::Projects,
        &[
            "projects",
            "personal projects",
            "side projects",
            "selected projects",
            "key projects",
            "open source",
            "proyectos",
            "projekte",
            "projets",
            "projetos",
            "progetti",
        ],
    ),
    (
        Section::Other,
        &[
            "awards",
            "honors",
            "honours",
            "awards & honors",
            "achievements",
            "publications",
            "talks",
            "presentations",
            "conference talks",
            "talks & publications",
            "volunteering",
            "volunteer experience",
            "volunteer",
            "interests",
            "hobbies",
            "references",
            "activities",
            "patents",
            "premios",
            "publicaciones",
            "intereses",
            "referencias",
            "voluntariado",
            "auszeichnungen",
            "veroffentlichungen",
            "interessen",
            "hobbys",
            "distinctions",
            "centres d'interet",
            "additional information",
            "courses",
            "training",
            "memberships",
            "affiliations",
            "cursos",
            "weiterbildung",
        ],
    ),
];

/// The (folded) heading phrases of `section`.
pub fn headings(section: Section) -> &'static [&'static str] {
    HEADINGS
        .iter()
        .find(|(s, _)| *s == section)
        .map_or(&[], |(_, phrases)| phrases)
}

fn heading_phrase(folded: &str) -> Option<Section> {
    let t = folded.trim_matches(|c: char| c == ':' || c == ' ' || c == '|' || c == '.');
    if t.is_empty() {
        return None;
    }
    for (sec, phrases) in HEADINGS {
        if phrases.contains(&t) {
            return Some(*sec);
        }
    }
    None
}

/// A whole-line section heading.
pub fn heading(line: &str) -> Option<Section> {
    if line.len() > 60 || line.split_whitespace().count() > 5 {
        return None;
    }
    heading_phrase(&fold(line))
}

/// A section heading that starts a line with content after it: an all-caps
/// heading ("LANGUAGES German (native)") or a heading followed by " - ".
/// Returns the section and the content after the heading.
pub fn inline_heading(line: &str) -> Option<(Section, &str)> {
    let words: Vec<(usize, &str)> = word_spans(line);
    for n in (1..=3).rev() {
        if words.len() <= n {
            continue;
        }
        let end = words[n - 1].0 + words[n - 1].1.len();
        let head = &line[..end];
        let rest = line[end..].trim_start();
        let Some(sec) = heading_phrase(&fold(head)) else {
            continue;
        };
        let caps =
            head.chars().any(|c| c.is_alphabetic()) && !head.chars().any(|c| c.is_lowercase());
        if let Some(r) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("– ")) {
            return Some((sec, r));
        }
        if caps && !rest.is_empty() {
            return Some((sec, rest.trim_start_matches([':', ' '])));
        }
    }
    None
}

/// Whitespace-separated words with their byte offsets.
pub fn word_spans(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push((st, &s[st..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, &s[st..]));
    }
    out
}

/// Whether a character belongs to a CJK script (Han, Kana, Hangul).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff | 0x20000..=0x2ebef)
}

/// Trims separators and stray punctuation from both ends of a field.
pub fn trim_field(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | ':' | '|' | '·' | '•' | '—' | '–' | '-' | '/' | '(' | '@'
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_markers() {
        assert!(is_page_marker("Page 2 of 4"));
        assert!(is_page_marker("Amara Okonkwo – Resume 1/1"));
        assert!(is_page_marker("Seite 1 von 3"));
        assert!(!is_page_marker("Senior Engineer, Acme — Berlin"));
    }

    #[test]
    fn headings() {
        assert_eq!(heading("EXPERIENCE"), Some(Section::Experience));
        assert_eq!(heading("Formación académica"), Some(Section::Education));
        assert_eq!(heading("Berufserfahrung:"), Some(Section::Experience));
        assert_eq!(heading("Languages: Go, Python"), None);
        assert_eq!(
            inline_heading("LANGUAGES German (native)").map(|x| x.0),
            Some(Section::Languages)
        );
        assert_eq!(
            inline_heading("Certifications - CKA"),
            Some((Section::Certifications, "CKA"))
        );
    }

    #[test]
    fn joins_wrapped_connectors() {
        let l = prepare("Engineer, Acme —\nTokyo\n2020-01 –\nPresent\n");
        assert_eq!(l[0].text, "Engineer, Acme — Tokyo");
        assert_eq!(l[1].text, "2020-01 – Present");
    }
}
