//! Spoken languages: the items of a Languages section (or of a line
//! labelled "Languages:"), as printed with their level ("English (C1)",
//! "Español (nativo)"). An item counts only if it names a human language,
//! so a skills line labelled "Languages: Go, Python, SQL" gives nothing.

/// Human languages by the names resumes print them under: English names
/// and the languages' own (and Spanish, Portuguese, German and French
/// names for the common ones), lower case, without accents.
const NAMES: &[&str] = &[
    "afrikaans",
    "albanian",
    "amharic",
    "arabic",
    "arabe",
    "armenian",
    "azerbaijani",
    "basque",
    "belarusian",
    "bengali",
    "bosnian",
    "bulgarian",
    "burmese",
    "cantonese",
    "catalan",
    "catala",
    "chinese",
    "chino",
    "chinesisch",
    "chinois",
    "croatian",
    "czech",
    "danish",
    "dansk",
    "dutch",
    "nederlands",
    "english",
    "ingles",
    "englisch",
    "anglais",
    "estonian",
    "farsi",
    "persian",
    "filipino",
    "tagalog",
    "finnish",
    "suomi",
    "french",
    "frances",
    "francais",
    "franzosisch",
    "frances",
    "galician",
    "georgian",
    "german",
    "aleman",
    "alemao",
    "deutsch",
    "allemand",
    "greek",
    "gujarati",
    "hausa",
    "hebrew",
    "hindi",
    "hungarian",
    "magyar",
    "icelandic",
    "igbo",
    "indonesian",
    "bahasa",
    "irish",
    "gaeilge",
    "italian",
    "italiano",
    "italienisch",
    "italien",
    "japanese",
    "japones",
    "japanisch",
    "japonais",
    "kannada",
    "kazakh",
    "khmer",
    "korean",
    "coreano",
    "koreanisch",
    "coreen",
    "kurdish",
    "lao",
    "latvian",
    "lithuanian",
    "macedonian",
    "malay",
    "malayalam",
    "maltese",
    "mandarin",
    "marathi",
    "mongolian",
    "nepali",
    "norwegian",
    "norsk",
    "pashto",
    "polish",
    "polski",
    "polaco",
    "polnisch",
    "polonais",
    "portuguese",
    "portugues",
    "portugiesisch",
    "portugais",
    "punjabi",
    "romanian",
    "romana",
    "russian",
    "ruso",
    "russo",
    "russisch",
    "russe",
    "serbian",
    "srpski",
    "sinhala",
    "slovak",
    "slovenian",
    "somali",
    "spanish",
    "espanol",
    "espanhol",
    "spanisch",
    "espagnol",
    "swahili",
    "swedish",
    "svenska",
    "schwedisch",
    "tamil",
    "telugu",
    "thai",
    "turkish",
    "turkce",
    "ukrainian",
    "urdu",
    "uzbek",
    "vietnamese",
    "welsh",
    "cymraeg",
    "xhosa",
    "yoruba",
    "zulu",
    "sign",
];

/// Folds the accents of the letters resumes use, and lower-cases.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ę' => 'e',
            'ą' => 'a',
            other => other,
        })
        .collect()
}

/// Whether `item` starts with a human language's name.
fn names_a_language(item: &str) -> bool {
    let first: String = fold(item)
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect();
    NAMES.contains(&first.as_str())
}

/// Splits on commas, semicolons and bullets outside parentheses.
fn items(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in line.chars() {
        match c {
            '(' | '[' => {
                depth += 1;
                cur.push(c);
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            ',' | ';' | '·' | '■' | '|' | '•' | '/' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|i| {
            i.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .trim_matches(|c: char| c == '.' || c == '-' || c == '–' || c.is_whitespace())
                .to_owned()
        })
        .filter(|i| !i.is_empty())
        .collect()
}

/// `line` without a leading languages label (and its colon), if it has one.
fn unlabelled(line: &str) -> Option<&str> {
    let folded = fold(line);
    for label in crate::text::headings(crate::text::Section::Languages) {
        if folded.starts_with(label) {
            // Byte offsets differ after folding; count characters instead.
            let n = label.chars().count();
            let rest: String = line.chars().skip(n).collect();
            let start = line.len() - rest.len();
            let rest = line[start..].trim_start();
            let rest = rest.strip_prefix(':').unwrap_or(rest);
            return Some(rest.trim());
        }
    }
    None
}

/// The spoken languages in `section` (the lines of a Languages section)
/// and in any of `all` lines labelled with a languages label, once each,
/// in order.
pub fn parse(section: &[&str], all: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let labelled = all.iter().filter_map(|l| unlabelled(l));
    for line in section.iter().copied().chain(labelled) {
        let line = unlabelled(line).unwrap_or(line);
        for item in items(line) {
            if item.chars().count() > 60 || !names_a_language(&item) {
                continue;
            }
            let key: String = fold(&item)
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect();
            let seen = out.iter().any(|o| {
                fold(o)
                    .chars()
                    .take_while(|c| c.is_alphabetic())
                    .collect::<String>()
                    == key
            });
            if !seen {
                out.push(item);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_with_levels_as_printed() {
        assert_eq!(
            parse(&["Mandarin (native), English (CET-6, fluent)"], &[]),
            ["Mandarin (native)", "English (CET-6, fluent)"]
        );
        assert_eq!(
            parse(
                &[],
                &["LANGUAGES German (native); English (C2); Spanish (B1)"]
            ),
            ["German (native)", "English (C2)", "Spanish (B1)"]
        );
        assert_eq!(
            parse(&["Español (nativo)", "Inglés (C1)"], &[]),
            ["Español (nativo)", "Inglés (C1)"]
        );
    }

    #[test]
    fn programming_languages_are_not_spoken_ones() {
        assert!(parse(
            &[],
            &[
                "Languages: Go, Python, SQL",
                "Languages ■ Go ■ Java ■ Kotlin"
            ]
        )
        .is_empty());
    }
}
