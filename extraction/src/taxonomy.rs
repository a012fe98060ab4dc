//! The skills taxonomy (canonical name → surface forms), embedded at compile
//! time, and a single-pass matcher over text.
//!
//! Matching is on token boundaries. A surface form matches case-insensitively
//! when it cannot be mistaken for an ordinary word: it has several words,
//! digits or symbols, or an inner capital ("PostgreSQL"). Plain words
//! ("Go", "Swift", "Spring", "Rust") match only as printed, with a few extra
//! guards for the most ambiguous ones.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

const TAXONOMY_JSON: &str = include_str!("../data/skills_taxonomy.json");

pub static TAXONOMY: LazyLock<Taxonomy> = LazyLock::new(|| Taxonomy::from_json(TAXONOMY_JSON));

#[derive(Debug)]
struct Alias {
    text: String,
    canon: usize,
    /// Case-insensitive (ASCII) comparison.
    ci: bool,
    /// Bytes before the first alphanumeric character (".NET" → 1).
    prefix: usize,
}

#[derive(Debug, Default)]
pub struct Taxonomy {
    pub canon: Vec<String>,
    aliases: Vec<Alias>,
    /// Lowercased first word of each alias → aliases.
    by_first: HashMap<String, Vec<usize>>,
}

/// A skill found in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub canon: usize,
    pub start: usize,
    pub end: usize,
}

fn case_insensitive(alias: &str) -> bool {
    if alias.chars().any(|c| !c.is_alphabetic()) {
        return true;
    }
    let mut prev_lower = false;
    for c in alias.chars() {
        if c.is_uppercase() && prev_lower {
            return true;
        }
        prev_lower = c.is_lowercase();
    }
    false
}

impl Taxonomy {
    pub fn from_json(json: &str) -> Taxonomy {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).unwrap_or_default();
        let mut t = Taxonomy::default();
        let mut names: Vec<(&String, &serde_json::Value)> = map.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        for (name, forms) in names {
            let idx = t.canon.len();
            t.canon.push(name.clone());
            let mut all: Vec<String> = vec![name.clone()];
            if let Some(arr) = forms.as_array() {
                all.extend(arr.iter().filter_map(|v| v.as_str()).map(str::to_string));
            }
            all.sort();
            all.dedup();
            for form in all {
                let form = form.trim().to_string();
                let Some(prefix) = form.find(|c: char| c.is_alphanumeric()) else {
                    continue;
                };
                let first: String = form[prefix..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect();
                let ai = t.aliases.len();
                t.aliases.push(Alias {
                    ci: case_insensitive(&form),
                    text: form,
                    canon: idx,
                    prefix,
                });
                t.by_first.entry(first).or_default().push(ai);
            }
        }
        t
    }

    /// Every surface form occurrence in `text` (whitespace runs in the text
    /// are treated as one space only if the caller collapsed them).
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        let bytes = text.as_bytes();
        let mut key = String::new();
        let mut iter = text.char_indices().peekable();
        let mut prev_alnum = false;
        while let Some((pos, c)) = iter.next() {
            let alnum = c.is_alphanumeric();
            if !alnum || prev_alnum {
                prev_alnum = alnum;
                continue;
            }
            prev_alnum = true;
            // A token starts at `pos`.
            key.clear();
            key.extend(c.to_lowercase());
            let mut end = pos + c.len_utf8();
            while let Some(&(p, d)) = iter.peek() {
                if !d.is_alphanumeric() {
                    break;
                }
                key.extend(d.to_lowercase());
                end = p + d.len_utf8();
                iter.next();
                if key.len() > 64 {
                    break;
                }
            }
            let _ = end;
            let Some(cands) = self.by_first.get(key.as_str()) else {
                continue;
            };
            for &ai in cands {
                let a = &self.aliases[ai];
                if pos < a.prefix {
                    continue;
                }
                let start = pos - a.prefix;
                let stop = start + a.text.len();
                let Some(slice) = text.get(start..stop) else {
                    continue;
                };
                let same = if a.ci {
                    slice.eq_ignore_ascii_case(&a.text)
                } else {
                    slice == a.text
                };
                if !same || !boundaries_ok(text, bytes, start, stop, &a.text) {
                    continue;
                }
                if !guards_ok(&a.text, &text[stop..]) {
                    continue;
                }
                hits.push(Hit {
                    canon: a.canon,
                    start,
                    end: stop,
                });
            }
        }
        hits
    }

    /// Canonical names of every skill mentioned in `text`, sorted.
    pub fn skills_in(&self, text: &str) -> BTreeSet<String> {
        let collapsed = collapse_ws(text);
        self.find(&collapsed)
            .into_iter()
            .map(|h| self.canon[h.canon].clone())
            .collect()
    }
}

/// Text with every whitespace run replaced by one space (so multi-word
/// surface forms match across line breaks).
pub fn collapse_ws(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{c}' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

fn boundaries_ok(text: &str, bytes: &[u8], start: usize, stop: usize, alias: &str) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[stop..].chars().next();
    let alias_first_alnum = alias.chars().next().is_some_and(char::is_alphanumeric);
    let alias_last_alnum = alias.chars().next_back().is_some_and(char::is_alphanumeric);
    if let Some(b) = before {
        // ".NET" in "example.net" is a domain, not the platform.
        if b.is_alphanumeric() || b == '_' {
            return false;
        }
        // "foo.Bar": a dotted name continues.
        if alias_first_alnum
            && b == '.'
            && start >= 2
            && text[..start - 1]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        {
            return false;
        }
    }
    // A one-letter language is not the end of "Objective-C", the start of
    // "C-level" or the real's sign "R$".
    if alias.chars().count() == 1 && (before == Some('-') || matches!(after, Some('-' | '$'))) {
        return false;
    }
    if let Some(a) = after {
        if alias_last_alnum && (a.is_alphanumeric() || a == '_' || a == '+' || a == '#') {
            return false;
        }
        // "Node.js" is not "Node"; "Vue.js" is matched by its own form.
        if alias_last_alnum
            && a == '.'
            && bytes
                .get(stop + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return false;
        }
    }
    true
}

/// Extra rules for forms that are also ordinary words.
fn guards_ok(alias: &str, rest: &str) -> bool {
    let next_word = || {
        rest.trim_start_matches([' ', '\u{a0}'])
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    match alias {
        // "Go-to", "Go live", "go to market".
        "Go" => {
            if rest.starts_with('-') || rest.starts_with('\'') || rest.starts_with('’') {
                return false;
            }
            !matches!(
                next_word().as_str(),
                "to" | "live"
                    | "ahead"
                    | "back"
                    | "through"
                    | "beyond"
                    | "get"
                    | "further"
                    | "out"
                    | "off"
                    | "up"
                    | "down"
                    | "away"
                    | "green"
                    | "wrong"
                    | "big"
                    | "fish"
            )
        }
        // "Spring 2020", "Spring semester".
        "Spring" => {
            let w = next_word();
            !(w.chars().next().is_some_and(|c| c.is_ascii_digit())
                || matches!(w.as_str(), "semester" | "term" | "break"))
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skills(t: &str) -> Vec<String> {
        TAXONOMY.skills_in(t).into_iter().collect()
    }

    #[test]
    fn taxonomy_loads() {
        assert!(TAXONOMY.canon.len() > 100);
    }

    #[test]
    fn boundaries_and_case() {
        assert_eq!(
            skills("JavaScript and TypeScript"),
            vec!["JavaScript", "TypeScript"]
        );
        assert!(!skills("JavaScript").contains(&"Java".to_string()));
        assert_eq!(
            skills("Built services in Go and Python."),
            vec!["Go", "Python"]
        );
        assert!(skills("our go-to tool; Go-live in May; go to market").is_empty());
        assert!(skills("Let's go").is_empty());
        assert_eq!(skills("Node.js gateway"), vec!["Node.js"]);
        assert_eq!(skills("postgresql and KUBERNETES"), vec!["PostgreSQL"]);
        assert_eq!(skills("C++ and C# and Embedded C"), vec!["C", "C#", "C++"]);
        assert_eq!(
            skills("Swift, Objective-C; R$ 1,2 bi"),
            vec!["Objective-C", "Swift"]
        );
        assert_eq!(skills("C, R and C-level talks"), vec!["C", "R"]);
        assert_eq!(skills("Spring\nBoot"), vec!["Spring Boot"]);
        assert!(skills("Spring 2020 semester").is_empty());
        assert!(skills("a swift response, rusty").is_empty());
        assert_eq!(skills("Redis-backed"), vec!["Redis"]);
        assert_eq!(skills("ASP.NET Core"), vec![".NET"]);
        assert!(skills("https://jane.example.net").is_empty());
    }
}
