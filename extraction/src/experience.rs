//! Work history: every non-bullet line in the experience section that holds
//! a date range anchors one position; its title and company come from the
//! rest of that line, or from the short header lines right above it, or
//! (tables, "date then title" layouts) from the short lines right below.

use super::contact::{is_org, is_title_word, title_score};
use super::dates::{find_ranges, DateRange, End};
use super::text::{fold, is_bullet, trim_field, Line};

#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub title: String,
    pub company: String,
    pub range: DateRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bullet,
    Anchor,
    /// A wrapped continuation of a bullet or paragraph.
    Cont,
    /// A long line of prose.
    Prose,
    /// A short line: a header candidate.
    Short,
    /// A table's column header ("Period Company Position").
    TableHeader,
}

/// A table's column names (folded) for the role…
const ROLE_COLUMNS: &[&str] = &[
    "position",
    "role",
    "title",
    "cargo",
    "puesto",
    "funktion",
    "poste",
    "funcao",
    "funcion",
    "fonction",
    "rolle",
    "designation",
];
/// …for the employer…
const COMPANY_COLUMNS: &[&str] = &[
    "company",
    "employer",
    "organisation",
    "organization",
    "empresa",
    "firma",
    "unternehmen",
    "arbeitgeber",
    "entreprise",
    "employeur",
    "azienda",
    "organizacao",
    "organizacion",
];
/// …and for the rest.
const OTHER_COLUMNS: &[&str] = &[
    "period",
    "dates",
    "date",
    "years",
    "year",
    "responsibilities",
    "location",
    "duration",
    "degree",
    "institution",
    "school",
    "university",
    "description",
    "achievements",
    "from",
    "to",
    "periodo",
    "zeitraum",
    "periode",
    "datas",
    "fechas",
];

pub fn is_table_header(t: &str) -> bool {
    let f = fold(t);
    let words: Vec<&str> = f.split_whitespace().collect();
    words.len() >= 2
        && words.iter().all(|w| {
            ROLE_COLUMNS.contains(w) || COMPANY_COLUMNS.contains(w) || OTHER_COLUMNS.contains(w)
        })
}

/// Whether a line has a separator that header lines use between title,
/// company and place.
fn has_separator(t: &str) -> bool {
    [" — ", " – ", " - ", " | ", " · ", " @ ", " at "]
        .iter()
        .any(|s| t.contains(s))
        || t.match_indices(", ")
            .any(|(i, _)| t[i + 2..].chars().next().is_some_and(char::is_uppercase))
}

const LEGAL_SUFFIXES: &[&str] = &[
    "ltd",
    "inc",
    "llc",
    "llp",
    "gmbh",
    "s.a",
    "sa",
    "s.l",
    "sl",
    "ag",
    "plc",
    "co",
    "corp",
    "limited",
    "s.a.s",
    "sas",
    "bv",
    "b.v",
    "nv",
    "n.v",
    "oy",
    "ab",
    "kk",
    "k.k",
    "pvt",
    "pvt. ltd",
    "pty",
    "pty ltd",
    "s.r.l",
    "srl",
    "spa",
    "s.p.a",
    "sarl",
    "gmbh & co. kg",
    "kg",
    "se",
    "as",
    "a/s",
    "aps",
    "oü",
    "sp. z o.o",
    "ltda",
    "lda",
    "s.a. de c.v",
    "kft",
    "zrt",
    "nyrt",
    "bt",
    "jsc",
    "pte",
    "pte ltd",
    "sdn bhd",
    "bhd",
    "s.l.u",
    "slu",
    "s.r.o",
    "sro",
    "a.s",
    "e.v",
    "ug",
    "eireli",
    "s/a",
    "ltd.",
    "k.k.",
    "g.k",
    "co., ltd",
    "oyj",
];

fn is_legal_suffix(p: &str) -> bool {
    let f = fold(p);
    LEGAL_SUFFIXES.contains(&f.trim_end_matches('.'))
}

/// Splits a header phrase into its fields (title, company, place, in the
/// order printed).
pub fn split_fields(s: &str) -> Vec<String> {
    let mut segs: Vec<String> = vec![s.to_string()];
    for sep in [" — ", " – ", " - ", " | ", " · ", " @ ", " at ", "\t"] {
        segs = segs
            .iter()
            .flat_map(|x| x.split(sep).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    // "Desarrolladora Backend en Cabify", "Entwickler bei SAP": a role, a
    // preposition, then a name.
    let segs: Vec<String> = segs
        .into_iter()
        .flat_map(|seg| {
            for prep in [" en ", " em ", " presso ", " chez ", " bei ", " w "] {
                if let Some(p) = seg.find(prep) {
                    let (l, r) = (&seg[..p], &seg[p + prep.len()..]);
                    if title_score(l) >= 3
                        && title_score(r) == 0
                        && r.chars().next().is_some_and(char::is_uppercase)
                    {
                        return vec![l.to_string(), r.to_string()];
                    }
                }
            }
            vec![seg]
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    let count = segs.len();
    for (si, seg) in segs.into_iter().enumerate() {
        // "Company · Porto", "Company⇥London": the last segment of several
        // is the place when it reads as one.
        if si + 1 == count && si > 0 && is_place(&seg, &out) {
            break;
        }
        let mut pieces: Vec<String> = Vec::new();
        for p in seg.split(", ") {
            let p = p.trim();
            if !pieces.is_empty() && is_legal_suffix(p) {
                let last = pieces.last_mut().expect("non-empty");
                last.push_str(", ");
                last.push_str(p);
            } else {
                pieces.push(p.to_string());
            }
        }
        // "Hangang Mobility Inc., Seoul", "Music Row Ticketing LLC,
        // Nashville, TN": places after the company.
        while pieces.len() >= 2 && is_place(&pieces[pieces.len() - 1], &pieces[..pieces.len() - 1])
        {
            pieces.pop();
        }
        for p in pieces {
            let t = trim_field(&p);
            if !t.is_empty() {
                out.push(t.to_string());
            }
        }
    }
    out
}

/// Whether a field after `before` names a place: a country or US state,
/// or one to three capitalised words (no role, no legal form) following a
/// company (a legal form or an organisation word in it).
fn is_place(field: &str, before: &[String]) -> bool {
    let t = trim_field(field);
    if t.is_empty() || t.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    if super::contact::is_country_or_state(t) {
        return true;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.is_empty() || words.len() > 3 || title_score(t) > 0 || company_like(t) {
        return false;
    }
    let capitalised = words.iter().all(|w| {
        w.chars().next().is_some_and(char::is_uppercase)
            || matches!(
                fold(w).as_str(),
                "de" | "do" | "da" | "del" | "am" | "upon" | "sur"
            )
    });
    capitalised
        && before
            .last()
            .is_some_and(|b| title_score(b) < 3 && company_like(b))
}

/// Picks (title, company) from fields.
fn assign(fields: &[String]) -> (String, String) {
    match fields.len() {
        0 => (String::new(), String::new()),
        1 => {
            if title_score(&fields[0]) >= 3 {
                (fields[0].clone(), String::new())
            } else {
                (String::new(), fields[0].clone())
            }
        }
        _ => {
            let scores: Vec<i32> = fields
                .iter()
                .map(|f| title_score(f) - if has_legal(f) { 5 } else { 0 })
                .collect();
            let mut ti = 0;
            for (i, s) in scores.iter().enumerate() {
                if *s > scores[ti] {
                    ti = i;
                }
            }
            let ci = if ti == 0 { 1 } else { 0 };
            (fields[ti].clone(), fields[ci].clone())
        }
    }
}

/// Whether a field reads as a company: a legal form or an organisation
/// word in it.
fn company_like(f: &str) -> bool {
    has_legal(f) || is_org(f)
}

pub(crate) fn has_legal(f: &str) -> bool {
    let fl = fold(f);
    fl.split([' ', ','])
        .any(|w| !w.is_empty() && LEGAL_SUFFIXES.contains(&w.trim_end_matches('.')))
}

fn starts_lower(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit() || matches!(c, '(' | '&' | '+'))
}

/// The remainder of an anchor line once the dates (and a place or a
/// duration after them) are removed.
fn remainder(line: &str, r: &DateRange) -> String {
    let before = &line[..r.span.0];
    let mut after = line[r.span.1..].trim_start();
    // "(3 years 7 months)" / "· 2 yrs"
    if after.starts_with('(') {
        if let Some(close) = after.find(')') {
            if after[..close].chars().any(|c| c.is_ascii_digit()) || close <= 1 {
                after = after[close + 1..].trim_start();
            }
        }
    } else if after.starts_with(')') {
        after = after[1..].trim_start();
    }
    // "03.2022 – present, Kraków": a place after the dates.
    if after.starts_with(',') {
        after = "";
    }
    let before = trim_field(before);
    let after = trim_field(after);
    match (before.is_empty(), after.is_empty()) {
        (false, false) => format!("{before} — {after}"),
        (false, true) => before.to_string(),
        (true, false) => after.to_string(),
        (true, true) => String::new(),
    }
}

/// Title and company from a table cell group: title words at the end,
/// a one-word place before them, the company first.
fn from_table_group(lines: &[&str]) -> Option<(String, String)> {
    let is_title_line = |t: &str| {
        let f = fold(t);
        let words: Vec<&str> = f.split_whitespace().collect();
        !words.is_empty()
            && words
                .iter()
                .all(|w| is_title_word(w.trim_matches(|c: char| !c.is_alphanumeric())))
    };
    let mut k = lines.len();
    while k > 0 && is_title_line(lines[k - 1]) {
        k -= 1;
    }
    if k == lines.len() || k == 0 {
        return None;
    }
    let title = lines[k..].join(" ");
    if title_score(&title) < 3 {
        return None;
    }
    let mut rest: Vec<&str> = lines[..k].to_vec();
    if rest.len() >= 2 {
        let last = rest[rest.len() - 1];
        if last.split_whitespace().count() == 1 && !is_legal_suffix(last) {
            rest.pop();
        }
    }
    Some((title, rest.join(" ")))
}

pub fn parse(lines: &[&Line]) -> Vec<Position> {
    let n = lines.len();
    let ranges: Vec<Option<DateRange>> = lines
        .iter()
        .map(|l| {
            if is_bullet(&l.text) || l.text.len() > 200 {
                None
            } else {
                find_ranges(&l.text).into_iter().next()
            }
        })
        .collect();
    // Typical bullet line width: a bullet shorter than most ended naturally.
    let mut widths: Vec<usize> = lines
        .iter()
        .filter(|l| is_bullet(&l.text))
        .map(|l| l.text.chars().count())
        .collect();
    widths.sort_unstable();
    let wide = widths
        .get(widths.len().saturating_sub(1) * 9 / 10)
        .copied()
        .unwrap_or(80)
        .max(30);
    let mut kinds: Vec<Kind> = Vec::with_capacity(n);
    for i in 0..n {
        let t = lines[i].text.as_str();
        let k = if is_bullet(t) {
            Kind::Bullet
        } else if ranges[i].is_some() {
            Kind::Anchor
        } else if is_table_header(t) {
            Kind::TableHeader
        } else {
            let prev = if i > 0 {
                Some((kinds[i - 1], lines[i - 1].text.as_str()))
            } else {
                None
            };
            let after_text = matches!(prev, Some((Kind::Bullet | Kind::Cont | Kind::Prose, _)));
            let prev_full = prev.is_some_and(|(_, p)| {
                p.chars().count() * 4 >= wide * 3 && !p.ends_with(['.', '!', '?', ':', ';'])
            });
            if after_text && (starts_lower(t) || (prev_full && !has_separator(t))) {
                Kind::Cont
            } else if t.chars().count() > 95
                || (t.ends_with('.') && t.split_whitespace().count() > 6)
                || (t.ends_with('.')
                    && t.split_whitespace().count() >= 4
                    && !has_legal(t)
                    && title_score(t) < 3)
            {
                Kind::Prose
            } else {
                Kind::Short
            }
        };
        kinds.push(k);
    }

    // A table whose header row puts the company after the role ("Período |
    // Cargo | Empresa"): each row's company cell comes after its title
    // and bullets, before the next row's dates.
    let company_last = (0..n)
        .find(|&i| kinds[i] == Kind::TableHeader)
        .is_some_and(|i| {
            let f = fold(&lines[i].text);
            let col = |names: &[&str]| f.split_whitespace().position(|w| names.contains(&w));
            let (role, company) = (col(ROLE_COLUMNS), col(COMPANY_COLUMNS));
            matches!((role, company), (Some(r), Some(c)) if c > r)
        });
    let anchors: Vec<usize> = (0..n).filter(|&i| kinds[i] == Kind::Anchor).collect();
    let mut used = vec![false; n];
    let mut out: Vec<Position> = Vec::new();
    for a in 0..n {
        let Some(r) = ranges[a] else { continue };
        if kinds[a] != Kind::Anchor {
            continue;
        }
        used[a] = true;
        let rem = remainder(&lines[a].text, &r);
        let mut rem_fields = split_fields(&rem);
        // "Company — City" beside the dates: the title is on a line nearby.
        let nearby = (a > 0 && kinds[a - 1] == Kind::Short && !used[a - 1])
            || (a + 1 < n && kinds[a + 1] == Kind::Short && !used[a + 1]);
        let named_org = rem_fields.iter().skip(1).any(|f| company_like(f));
        if rem_fields.len() >= 2 && title_score(&rem) < 1 && nearby && !named_org {
            rem_fields.truncate(1);
        }
        // Header lines above.
        let mut prev: Vec<usize> = Vec::new();
        let mut j = a;
        while j > 0 && prev.len() < 3 {
            j -= 1;
            if kinds[j] != Kind::Short || used[j] {
                break;
            }
            prev.push(j);
        }
        prev.reverse();
        // Short lines below.
        let mut next: Vec<usize> = Vec::new();
        let mut j = a + 1;
        while j < n && next.len() < 6 && kinds[j] == Kind::Short && !used[j] {
            next.push(j);
            j += 1;
        }
        let text = |i: usize| lines[i].text.as_str();
        let (title, company) = if rem_fields.len() >= 2 {
            assign(&rem_fields)
        } else if rem_fields.len() == 1 {
            // The title's line: above the dates, or below them when that
            // one reads as a title and the one above does not.
            let below_is_title = next.first().is_some_and(|&i| title_score(text(i)) >= 3)
                && prev.last().is_none_or(|&i| title_score(text(i)) < 3);
            let other = if below_is_title {
                next.first().copied()
            } else {
                prev.last().copied().or_else(|| next.first().copied())
            };
            match other {
                Some(o) => {
                    used[o] = true;
                    let mut fields = split_fields(text(o));
                    if o < a {
                        fields.truncate(2);
                        fields.extend(rem_fields.clone());
                        // Company line above a title: order by role words.
                        let (t, c) = assign(&fields);
                        (t, c)
                    } else {
                        let mut all = rem_fields.clone();
                        all.push(fields.first().cloned().unwrap_or_default());
                        assign(&all)
                    }
                }
                None => assign(&rem_fields),
            }
        } else if !prev.is_empty() {
            let last = *prev.last().expect("non-empty");
            let last_fields = split_fields(text(last));
            if last_fields.len() >= 2 || prev.len() == 1 {
                used[last] = true;
                assign(&last_fields)
            } else {
                let first = prev[prev.len() - 2];
                used[first] = true;
                used[last] = true;
                let mut fields = split_fields(text(first));
                fields.extend(last_fields);
                assign(&fields)
            }
        } else if !next.is_empty() {
            let group: Vec<&str> = next.iter().map(|&i| text(i)).collect();
            let got = from_table_group(&group).unwrap_or_else(|| {
                let mut fields = split_fields(group[0]);
                if fields.len() < 2 {
                    if let Some(g) = group.get(1) {
                        fields.extend(split_fields(g));
                    }
                }
                assign(&fields)
            });
            for &i in &next {
                used[i] = true;
            }
            got
        } else {
            (String::new(), String::new())
        };
        if title.is_empty() && company.is_empty() {
            continue;
        }
        let (mut title, mut company) = (title, company);
        // "Title — Company" wrapped before the company's legal form
        // ("… — Guadalquivir Energía" / "Renovable S.A., Sevilla").
        if rem_fields.len() >= 2 && !company.is_empty() && !has_legal(&company) {
            if let Some(&i) = next.first().filter(|&&i| i == a + 1 && !used[i]) {
                let cont = split_fields(text(i)).into_iter().next().unwrap_or_default();
                // "Denver, CO" is a place, not a company's "Co.".
                let state = text(i)
                    .rsplit_once(", ")
                    .is_some_and(|(_, p)| super::contact::is_country_or_state(p));
                if !state
                    && has_legal(&cont)
                    && title_score(&cont) < 3
                    && cont.chars().next().is_some_and(char::is_uppercase)
                {
                    used[i] = true;
                    company = format!("{company} {cont}");
                }
            }
        }
        if company_last && company.is_empty() {
            let end = anchors.iter().copied().find(|&b| b > a).unwrap_or(n);
            if let Some(i) = (a + 1..end)
                .rev()
                .find(|&i| kinds[i] == Kind::Short && !used[i] && title_score(text(i)) < 3)
            {
                used[i] = true;
                company = split_fields(text(i)).into_iter().next().unwrap_or_default();
            }
        }
        // An employer line above the dates, the title below them.
        if title.is_empty() {
            if let Some(&i) = next
                .iter()
                .find(|&&i| !used[i] && title_score(text(i)) >= 3)
            {
                used[i] = true;
                title = split_fields(text(i)).into_iter().next().unwrap_or_default();
            }
        }
        // Several roles under one employer line: the later ones have
        // no company of their own.
        if company.is_empty() && !title.is_empty() {
            if let Some(last) = out.last() {
                company = last.company.clone();
            }
        }
        let pos = Position {
            title,
            company,
            range: r,
        };
        if !out.contains(&pos) {
            out.push(pos);
        }
    }
    out
}

/// End of a position as `(end, is_current)`.
pub fn end_of(r: &DateRange) -> (Option<String>, bool) {
    match r.end {
        End::Date(d) => (Some(d.fmt()), false),
        End::Current => (None, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<(String, String, String, Option<String>)> {
        let lines = super::super::text::prepare(text);
        let refs: Vec<&Line> = lines.iter().collect();
        parse(&refs)
            .into_iter()
            .map(|p| {
                let (e, _) = end_of(&p.range);
                (p.title, p.company, p.range.start.fmt(), e)
            })
            .collect()
    }

    #[test]
    fn header_layouts() {
        let got = run(
            "Senior Engineer, Acme Ltd — Lagos Feb 2021 – Present\n• Built things\n\
                       Globex GmbH — Backend Developer\n03.2018 – 01.2021, Berlin\nI wrote code.\n",
        );
        assert_eq!(
            got[0],
            (
                "Senior Engineer".into(),
                "Acme Ltd".into(),
                "2021-02".into(),
                None
            )
        );
        assert_eq!(
            got[1],
            (
                "Backend Developer".into(),
                "Globex GmbH".into(),
                "2018-03".into(),
                Some("2021-01".into())
            )
        );
    }

    #[test]
    fn a_table_header_with_the_company_last_puts_each_rows_company_after_its_bullets() {
        let got = run("Período\tCargo\tEmpresa\nmar 2022 - atual\nGerente de Produto Sênior\n\
                       Responsável pelo produto de Pix parcelado em todo o país.\nIpiranga Pagamentos S.A.\n\
                       set 2018 - fev 2022\nGerente de Produto\nPaulista Seguros Ltda.\n");
        assert_eq!(
            got,
            [
                (
                    "Gerente de Produto Sênior".into(),
                    "Ipiranga Pagamentos S.A.".into(),
                    "2022-03".into(),
                    None
                ),
                (
                    "Gerente de Produto".into(),
                    "Paulista Seguros Ltda.".into(),
                    "2018-09".into(),
                    Some("2022-02".into())
                ),
            ]
        );
    }

    #[test]
    fn date_first_and_tables() {
        let got = run("10.2021 – present Senior Product Manager\nInitech GmbH, Berlin\n• Ran tests\n\
                       2018.07 –\n2018.12\nXuanwu Data\nStudio\nNanjing\nSoftware\nEngineer\nIntern\n• Built tools\n");
        assert_eq!(got[0].0, "Senior Product Manager");
        assert_eq!(got[0].1, "Initech GmbH");
        assert_eq!(
            got[1],
            (
                "Software Engineer Intern".into(),
                "Xuanwu Data Studio".into(),
                "2018-07".into(),
                Some("2018-12".into())
            )
        );
    }
}
