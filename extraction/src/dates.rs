//! Dates and date ranges as printed in resumes: month names in English,
//! Spanish, German, French, Portuguese and Italian, numeric forms
//! (`MM/YYYY`, `MM.YYYY`, `YYYY.MM`, `YYYY-MM`), two-digit years (`Jan '20`),
//! years alone, and words for "present" in the same languages.

/// A year and month (1..=12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ym {
    pub year: i32,
    pub month: u32,
}

impl Ym {
    pub fn new(year: i32, month: u32) -> Option<Ym> {
        ((1900..=2100).contains(&year) && (1..=12).contains(&month)).then_some(Ym { year, month })
    }

    /// Months since year 0.
    pub fn index(self) -> i64 {
        self.year as i64 * 12 + self.month as i64 - 1
    }

    pub fn fmt(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// Parses `YYYY-MM` (as `as_of` is given).
    pub fn parse(s: &str) -> Option<Ym> {
        let s = s.trim();
        let (y, m) = s.split_once('-')?;
        Ym::new(
            y.trim().parse().ok()?,
            m.trim().get(..2).unwrap_or(m.trim()).parse().ok()?,
        )
    }
}

/// The end of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Date(Ym),
    Current,
}

/// A date range found in a line, with its byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub start: Ym,
    pub end: End,
    pub span: (usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Word(String),
    Digits(String),
    /// Two digit groups joined by `.`, `/` or `-`.
    Compound(String, char, String),
    /// `'20`
    Year2(u32),
    Dash,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`' | '´')
}

fn lex(s: &str) -> Vec<Tok> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let n = chars.len();
    let byte_at = |k: usize| if k < n { chars[k].0 } else { s.len() };
    let mut toks = Vec::new();
    let mut i = 0;
    while i < n {
        let (b, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() {
            let mut j = i;
            let mut w = String::new();
            while j < n {
                let cj = chars[j].1;
                if cj.is_alphabetic() {
                    for l in cj.to_lowercase() {
                        w.push(l);
                    }
                    j += 1;
                } else if is_apostrophe(cj) && j + 1 < n && chars[j + 1].1.is_alphabetic() {
                    w.push('\'');
                    j += 1;
                } else {
                    break;
                }
            }
            toks.push(Tok {
                kind: Kind::Word(w),
                start: b,
                end: byte_at(j),
            });
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < n && chars[j].1.is_ascii_digit() {
                j += 1;
            }
            let a: String = s[b..byte_at(j)].chars().take(12).collect();
            if j + 1 < n && matches!(chars[j].1, '.' | '/' | '-') && chars[j + 1].1.is_ascii_digit()
            {
                let sep = chars[j].1;
                let mut k = j + 1;
                while k < n && chars[k].1.is_ascii_digit() {
                    k += 1;
                }
                let bb: String = s[byte_at(j + 1)..byte_at(k)].chars().take(12).collect();
                toks.push(Tok {
                    kind: Kind::Compound(a, sep, bb),
                    start: b,
                    end: byte_at(k),
                });
                i = k;
            } else {
                toks.push(Tok {
                    kind: Kind::Digits(a),
                    start: b,
                    end: byte_at(j),
                });
                i = j;
            }
        } else if is_apostrophe(c)
            && i + 2 < n + 1
            && i + 2 <= n
            && chars.get(i + 1).is_some_and(|x| x.1.is_ascii_digit())
            && chars.get(i + 2).is_some_and(|x| x.1.is_ascii_digit())
            && !chars.get(i + 3).is_some_and(|x| x.1.is_ascii_digit())
        {
            let y =
                (chars[i + 1].1 as u32 - '0' as u32) * 10 + (chars[i + 2].1 as u32 - '0' as u32);
            toks.push(Tok {
                kind: Kind::Year2(y),
                start: b,
                end: byte_at(i + 3),
            });
            i += 3;
        } else if matches!(
            c,
            '–' | '—'
                | '-'
                | '‒'
                | '―'
                | '~'
                | '−'
                | '→'
                | '⟶'
                | '➔'
                | '➝'
                | '⇒'
                | '►'
                | '▸'
        ) {
            toks.push(Tok {
                kind: Kind::Dash,
                start: b,
                end: byte_at(i + 1),
            });
            i += 1;
        } else {
            toks.push(Tok {
                kind: Kind::Punct(c),
                start: b,
                end: byte_at(i + 1),
            });
            i += 1;
        }
    }
    toks
}

/// Month number of a month name or abbreviation (lowercase, no dot).
pub fn month_of(w: &str) -> Option<u32> {
    let m = match w {
        "january" | "jan" | "enero" | "ene" | "januar" | "jänner" | "janner" | "janvier"
        | "janv" | "janeiro" | "gennaio" | "gen" => 1,
        "february" | "feb" | "febrero" | "februar" | "février" | "fevrier" | "févr" | "fevr"
        | "fév" | "fev" | "fevereiro" | "febbraio" => 2,
        "march" | "mar" | "marzo" | "märz" | "marz" | "mär" | "mrz" | "mars" | "março"
        | "marco" => 3,
        "april" | "apr" | "abril" | "abr" | "avril" | "avr" | "aprile" => 4,
        "may" | "mayo" | "mai" | "maio" | "maggio" | "mag" => 5,
        "june" | "jun" | "junio" | "juni" | "juin" | "junho" | "giugno" | "giu" => 6,
        "july" | "jul" | "julio" | "juli" | "juillet" | "juil" | "julho" | "luglio" | "lug" => 7,
        "august" | "aug" | "agosto" | "ago" | "août" | "aout" | "ago." => 8,
        "september" | "sep" | "sept" | "septiembre" | "setiembre" | "septembre" | "setembro"
        | "settembre" | "set" => 9,
        "october" | "oct" | "octubre" | "oktober" | "okt" | "octobre" | "outubro" | "out"
        | "ottobre" | "ott" => 10,
        "november" | "nov" | "noviembre" | "novembre" | "novembro" => 11,
        "december" | "dec" | "diciembre" | "dic" | "dezember" | "dez" | "décembre" | "decembre"
        | "déc" | "dezembro" | "dicembre" => 12,
        _ => return None,
    };
    Some(m)
}

fn is_present_word(w: &str) -> bool {
    matches!(
        w,
        "present"
            | "current"
            | "currently"
            | "now"
            | "today"
            | "ongoing"
            | "date"
            | "actualidad"
            | "actual"
            | "presente"
            | "hoy"
            | "heute"
            | "jetzt"
            | "aktuell"
            | "derzeit"
            | "dato"
            | "aujourd'hui"
            | "aujourd’hui"
            | "présent"
            | "maintenant"
            | "atualmente"
            | "atual"
            | "oggi"
            | "momento"
            | "hoje"
    )
}

/// Words between the two ends of a range.
fn is_range_word(w: &str) -> bool {
    matches!(
        w,
        "to" | "till"
            | "until"
            | "through"
            | "hasta"
            | "a"
            | "al"
            | "bis"
            | "au"
            | "à"
            | "até"
            | "ate"
            | "thru"
    )
}

fn year4(s: &str) -> Option<i32> {
    if s.len() == 4 {
        let y: i32 = s.parse().ok()?;
        (1950..=2100).contains(&y).then_some(y)
    } else {
        None
    }
}

fn month2(s: &str) -> Option<u32> {
    if s.len() <= 2 {
        let m: u32 = s.parse().ok()?;
        (1..=12).contains(&m).then_some(m)
    } else {
        None
    }
}

fn year2(y: u32) -> i32 {
    if y <= 50 {
        2000 + y as i32
    } else {
        1900 + y as i32
    }
}

/// One date at token `i`: (year, month if printed, next token index).
fn date_at(t: &[Tok], i: usize) -> Option<(i32, Option<u32>, usize)> {
    match &t.get(i)?.kind {
        Kind::Word(w) => {
            let m = month_of(w)?;
            let mut j = i + 1;
            // "Jan. 2020", "fev/2022".
            if matches!(t.get(j).map(|x| &x.kind), Some(Kind::Punct('.' | '/'))) {
                j += 1;
            }
            if matches!(t.get(j).map(|x| &x.kind), Some(Kind::Word(x)) if x == "de" || x == "del" || x == "of")
            {
                j += 1;
            }
            match &t.get(j)?.kind {
                Kind::Digits(d) => Some((year4(d)?, Some(m), j + 1)),
                Kind::Year2(y) => Some((year2(*y), Some(m), j + 1)),
                _ => None,
            }
        }
        Kind::Compound(a, sep, b) => {
            if let (Some(y), Some(m)) = (year4(a), month2(b)) {
                if b.len() == 2 {
                    return Some((y, Some(m), i + 1));
                }
            }
            if let (Some(m), Some(y)) = (month2(a), year4(b)) {
                return Some((y, Some(m), i + 1));
            }
            // `15.03.2020`-style full dates are not expected; `2012/2016`
            // is handled by the range reader.
            let _ = sep;
            None
        }
        Kind::Digits(d) => Some((year4(d)?, None, i + 1)),
        Kind::Year2(_) => None,
        _ => None,
    }
}

/// A "present" marker at token `i` ("present", "to date", "à ce jour", "en
/// cours", "bis heute"); returns the next token index.
fn present_at(t: &[Tok], i: usize) -> Option<usize> {
    let w = |k: usize| match t.get(k).map(|x| &x.kind) {
        Some(Kind::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let first = w(i)?;
    if is_present_word(first) {
        return Some(i + 1);
    }
    match (first, w(i + 1)) {
        ("en", Some("cours"))
        | ("ce", Some("jour"))
        | ("el", Some("momento"))
        | ("la", Some("fecha")) => Some(i + 2),
        ("till", Some("date")) | ("the", Some("present")) => Some(i + 2),
        ("la", Some("actualidad")) | ("o", Some("presente")) => Some(i + 2),
        _ => None,
    }
}

/// Every date range in a line, left to right.
pub fn find_ranges(line: &str) -> Vec<DateRange> {
    let t = lex(line);
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if let Some((r, next)) = range_at(&t, i) {
            out.push(r);
            i = next;
        } else {
            i += 1;
        }
    }
    out
}

fn range_at(t: &[Tok], i: usize) -> Option<(DateRange, usize)> {
    // "since 2020" / "desde 2020" / "seit 2020" / "depuis 2020"
    if let Some(Kind::Word(w)) = t.get(i).map(|x| &x.kind) {
        if matches!(
            w.as_str(),
            "since" | "desde" | "seit" | "depuis" | "dal" | "dall'"
        ) {
            let (y, m, next) = date_at(t, i + 1)?;
            let start = Ym::new(y, m.unwrap_or(1))?;
            return Some((
                DateRange {
                    start,
                    end: End::Current,
                    span: (t[i].start, t[next - 1].end),
                },
                next,
            ));
        }
    }
    // `2012/2016` or `2012-2016` as one token.
    if let Some(Kind::Compound(a, _, b)) = t.get(i).map(|x| &x.kind) {
        if let (Some(y1), Some(y2)) = (year4(a), year4(b)) {
            if y2 >= y1 {
                let r = DateRange {
                    start: Ym::new(y1, 1)?,
                    end: End::Date(Ym::new(y2, 12)?),
                    span: (t[i].start, t[i].end),
                };
                return Some((r, i + 1));
            }
        }
    }
    let (y1, m1, mut j) = date_at(t, i)?;
    // The separator: a dash and/or a range word.
    let mut saw_sep = false;
    loop {
        match t.get(j).map(|x| &x.kind) {
            Some(Kind::Dash) => {
                saw_sep = true;
                j += 1;
            }
            Some(Kind::Word(w)) if is_range_word(w) => {
                saw_sep = true;
                j += 1;
            }
            _ => break,
        }
        if j > i + 8 {
            return None;
        }
    }
    if !saw_sep {
        return None;
    }
    let start = Ym::new(y1, m1.unwrap_or(1))?;
    if let Some(next) = present_at(t, j) {
        return Some((
            DateRange {
                start,
                end: End::Current,
                span: (t[i].start, t[next - 1].end),
            },
            next,
        ));
    }
    let (y2, m2, next) = date_at(t, j)?;
    // A year alone must pair with a year alone or a dated end.
    let end = Ym::new(y2, m2.unwrap_or(12))?;
    if end < start || (m1.is_none() && m2.is_some() && y2 < y1) {
        return None;
    }
    Some((
        DateRange {
            start,
            end: End::Date(end),
            span: (t[i].start, t[next - 1].end),
        },
        next,
    ))
}

/// Four-digit years (1950..=2100) printed in a line, in order.
pub fn years_in(line: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for tok in lex(line) {
        match tok.kind {
            Kind::Digits(d) => out.extend(year4(&d)),
            Kind::Compound(a, _, b) => {
                out.extend(year4(&a));
                out.extend(year4(&b));
            }
            _ => {}
        }
    }
    out
}

/// Whether the line holds any date (a month with a year, or a numeric
/// month/year) — used to keep date-looking numbers out of phone numbers.
pub fn has_month_date(line: &str) -> bool {
    let t = lex(line);
    (0..t.len()).any(|i| matches!(date_at(&t, i), Some((_, Some(_), _))))
}

/// Months covered by at least one range (start and end months inclusive,
/// current ranges through `as_of`; overlaps and back-to-back ranges merged).
pub fn covered_months(ranges: &[(Ym, Option<Ym>)], as_of: Option<Ym>) -> i64 {
    let cap = as_of.map(|a| a.index());
    let mut spans: Vec<(i64, i64)> = ranges
        .iter()
        .filter_map(|(s, e)| {
            let start = s.index();
            let mut end = match e {
                Some(e) => e.index(),
                None => cap?,
            };
            if let Some(c) = cap {
                end = end.min(c);
            }
            (end >= start).then_some((start, end))
        })
        .collect();
    spans.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(i64, i64)> = None;
    for (s, e) in spans {
        match cur {
            Some((cs, ce)) if s <= ce + 1 => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs + 1;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        total += ce - cs + 1;
    }
    total
}

/// Months in years, one decimal (ties to even, as most tools print them).
pub fn months_to_years(months: i64) -> f64 {
    ((months as f64 / 12.0) * 10.0).round_ties_even() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(line: &str) -> Option<(String, Option<String>)> {
        let x = find_ranges(line).into_iter().next()?;
        Some((
            x.start.fmt(),
            match x.end {
                End::Date(d) => Some(d.fmt()),
                End::Current => None,
            },
        ))
    }

    fn s(a: &str, b: Option<&str>) -> Option<(String, Option<String>)> {
        Some((a.to_string(), b.map(str::to_string)))
    }

    #[test]
    fn english_month_names() {
        assert_eq!(
            r("Senior Engineer, Acme — Lagos Feb 2021 – Present"),
            s("2021-02", None)
        );
        assert_eq!(
            r("March 2021 - April 2023 (2 years 2 months)"),
            s("2021-03", Some("2023-04"))
        );
        assert_eq!(
            r("February 2018 to April 2021"),
            s("2018-02", Some("2021-04"))
        );
        assert_eq!(r("Sep '22 – now"), s("2022-09", None));
        assert_eq!(r("Jan ’20 – Aug ’22"), s("2020-01", Some("2022-08")));
        assert_eq!(
            r("(June 2018 – August 2019)"),
            s("2018-06", Some("2019-08"))
        );
    }

    #[test]
    fn other_languages() {
        assert_eq!(r("ene. 2020 – actualidad"), s("2020-01", None));
        assert_eq!(r("abr. 2019 – dic. 2021"), s("2019-04", Some("2021-12")));
        assert_eq!(r("Mär 2019 – heute"), s("2019-03", None));
        assert_eq!(r("Okt. 2015 bis Feb. 2017"), s("2015-10", Some("2017-02")));
        assert_eq!(r("2019-03 → 2021-07"), s("2019-03", Some("2021-07")));
        assert_eq!(r("2022-05 → present"), s("2022-05", None));
        assert_eq!(r("fev/2022 – atual"), s("2022-02", None));
        assert_eq!(r("set 2018 - fev 2022"), s("2018-09", Some("2022-02")));
        assert_eq!(r("janv. 2018 – aujourd'hui"), s("2018-01", None));
        assert_eq!(r("févr. 2016 – déc. 2017"), s("2016-02", Some("2017-12")));
        assert_eq!(r("enero de 2019 a la actualidad"), s("2019-01", None));
        assert_eq!(r("mars 2020 – en cours"), s("2020-03", None));
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(r("12/2021 – present"), s("2021-12", None));
        assert_eq!(r("03.2022 – present, Kraków"), s("2022-03", None));
        assert_eq!(r("2022.07 – Present"), s("2022-07", None));
        assert_eq!(r("2019.03 – 2022.06"), s("2019-03", Some("2022-06")));
        assert_eq!(r("2019-10 – 2022-03"), s("2019-10", Some("2022-03")));
        assert_eq!(r("08/2021 - Present"), s("2021-08", None));
        assert_eq!(r("2012 – 2016"), s("2012-01", Some("2016-12")));
        assert_eq!(r("(2012–2015)"), s("2012-01", Some("2015-12")));
        assert_eq!(r("since 2020"), s("2020-01", None));
        assert_eq!(r("+49 30 5557 2291"), None);
        assert_eq!(r("PostgreSQL 11 to 15 upgrade"), None);
    }

    #[test]
    fn month_merging() {
        let ym = |s: &str| Ym::parse(s).unwrap();
        // Back-to-back and overlapping positions merge; current runs to as_of.
        let ranges = vec![
            (ym("2021-02"), None),
            (ym("2018-06"), Some(ym("2021-01"))),
            (ym("2016-09"), Some(ym("2018-05"))),
            (ym("2017-01"), Some(ym("2017-06"))),
        ];
        assert_eq!(covered_months(&ranges, Some(ym("2026-11"))), 123);
        assert_eq!(months_to_years(123), 10.2);
        // A gap is not counted.
        let gap = vec![
            (ym("2020-01"), Some(ym("2020-12"))),
            (ym("2022-01"), Some(ym("2022-06"))),
        ];
        assert_eq!(covered_months(&gap, None), 18);
        assert_eq!(covered_months(&[], None), 0);
    }
}
