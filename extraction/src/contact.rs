//! Contact details: e-mail, phone (as printed and E.164), profile URLs,
//! name, location and headline.

use phonenumber::{country::Id, Mode};

use super::dates;
use super::taxonomy::TAXONOMY;
use super::text::{fold, heading, is_cjk, Line, Section};

// ---------------------------------------------------------------- e-mail

fn email_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn email_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// The first e-mail address in the text.
pub fn find_email(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(off) = text[from..].find('@') {
        let at = from + off;
        from = at + 1;
        let mut s = at;
        while s > 0 && email_local(b[s - 1]) && at - s < 64 {
            s -= 1;
        }
        let mut e = at + 1;
        while e < b.len() && email_domain(b[e]) && e - at < 255 {
            e += 1;
        }
        let local = text[s..at].trim_start_matches('.');
        let domain = text[at + 1..e].trim_end_matches(['.', '-']);
        if local.is_empty() || !domain.contains('.') {
            continue;
        }
        let tld = domain.rsplit('.').next().unwrap_or("");
        if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        return Some(format!("{local}@{domain}"));
    }
    None
}

// ---------------------------------------------------------------- URLs

fn url_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (i, c) in text[start..].char_indices() {
        if i > 512 {
            break;
        }
        if c.is_whitespace()
            || matches!(
                c,
                '|' | ',' | ';' | '(' | ')' | '<' | '>' | '"' | '\'' | '·' | '•' | '▪'
            )
        {
            break;
        }
        end = start + i + c.len_utf8();
    }
    end
}

/// LinkedIn profile URL, normalised.
pub fn find_linkedin(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(off) = lower[from..].find("linkedin.com/") {
        let p = from + off;
        from = p + 1;
        let after = p + "linkedin.com/".len();
        let end = url_end(text, after);
        let path = &text[after..end];
        let lower = path.to_ascii_lowercase();
        let rest = if lower.starts_with("in/") {
            &path[3..]
        } else if lower.starts_with("pub/") {
            &path[4..]
        } else {
            continue;
        };
        let slug = rest
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("")
            .trim_end_matches(['.', ',']);
        if slug.is_empty() {
            continue;
        }
        return Some(format!("https://www.linkedin.com/in/{slug}"));
    }
    None
}

/// A LinkedIn URL whose slug ran past a narrow column's edge onto the
/// next line ("linkedin.com/in/mcarmenruiz" / "delatorre"): the slug with
/// the next line joined, when that line is one lower-case word the
/// person's name spells ("…Ruiz de la Torre"). Anything else on the next
/// line (a skill, a city) is not part of the URL.
pub fn complete_wrapped_slug(text: &str, url: &str, name: &str) -> Option<String> {
    let slug = url.rsplit('/').next()?;
    let lower = text.to_ascii_lowercase();
    let needle = format!("/{}", slug.to_ascii_lowercase());
    let name: String = fold(name).chars().filter(|c| c.is_alphanumeric()).collect();
    let mut from = 0;
    while let Some(off) = lower[from..].find(&needle) {
        let end = from + off + needle.len();
        from = end;
        let rest = text[end..].trim_start_matches(['\r', ' ']);
        let Some(rest) = rest.strip_prefix('\n') else {
            continue;
        };
        let next = rest.lines().next().unwrap_or("").trim();
        let piece: String = next.chars().filter(|&c| c != '-').collect();
        if piece.len() >= 3
            && next
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && name.contains(&piece)
        {
            return Some(format!("{url}{next}"));
        }
    }
    None
}

/// GitHub profile URL, normalised to the user.
pub fn find_github(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(off) = lower[from..].find("github.com/") {
        let p = from + off;
        from = p + 1;
        let before = text[..p].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
            continue;
        }
        let after = p + "github.com/".len();
        let user: String = text[after..]
            .chars()
            .take(40)
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if user.is_empty() || user.len() > 39 {
            continue;
        }
        return Some(format!("https://github.com/{user}"));
    }
    None
}

/// A personal site: the first http(s) or www. URL that is not a LinkedIn or
/// GitHub profile.
pub fn find_portfolio(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<usize> = None;
    for pat in ["https://", "http://", "www."] {
        let mut from = 0;
        while let Some(off) = lower[from..].find(pat) {
            let p = from + off;
            from = p + pat.len();
            if pat == "www." && p >= 3 && lower[..p].ends_with("://") {
                continue;
            }
            if lower[..p]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '@')
            {
                continue;
            }
            let end = url_end(text, p);
            let url = &lower[p..end];
            if url.contains("linkedin.com")
                || url.contains("github.com")
                || !url[pat.len()..].contains('.')
            {
                continue;
            }
            if best.is_none_or(|b| p < b) {
                best = Some(p);
            }
            break;
        }
    }
    let p = best?;
    let end = url_end(text, p);
    let url = text[p..end].trim_end_matches(['.', ',', '/', ')']);
    if url.to_ascii_lowercase().starts_with("www.") {
        Some(format!("https://{url}"))
    } else {
        Some(url.to_string())
    }
}

// ---------------------------------------------------------------- phone

const PHONE_LABELS: &[&str] = &[
    "phone",
    "tel",
    "telephone",
    "mobile",
    "cell",
    "mob",
    "telefono",
    "movil",
    "celular",
    "telefon",
    "handy",
    "portable",
    "tél",
    "tel.",
    "whatsapp",
];

fn phone_candidates(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_ok = i == 0
            || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.' || chars[i - 1] == '/');
        let starts = (c == '+'
            && chars
                .get(i + 1)
                .is_some_and(|d| d.is_ascii_digit() || *d == '('))
            || (c == '('
                && chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '+'))
            || c.is_ascii_digit();
        if !(starts && prev_ok) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut spaces = 0;
        while j < chars.len() && j - i < 40 {
            let d = chars[j];
            if d.is_ascii_digit() || matches!(d, '-' | '.' | '(' | ')') {
                spaces = 0;
            } else if d == ' ' {
                spaces += 1;
                if spaces > 1 {
                    break;
                }
            } else {
                break;
            }
            j += 1;
        }
        let mut cand: String = chars[i..j].iter().collect();
        // Trim trailing separators and an unbalanced parenthesis.
        loop {
            let t = cand.trim_end_matches([' ', '-', '.']).to_string();
            let t = if t.ends_with('(')
                || (t.ends_with(')') && t.matches('(').count() < t.matches(')').count())
            {
                t[..t.len() - 1].to_string()
            } else {
                t
            };
            if t == cand {
                break;
            }
            cand = t;
        }
        let next = chars.get(j).copied();
        let digits = cand.chars().filter(|c| c.is_ascii_digit()).count();
        if (7..=15).contains(&digits) && !next.is_some_and(|n| n.is_alphabetic() || n == '%') {
            out.push(cand);
        }
        i = j.max(i + 1);
    }
    out
}

/// The phone number as printed, with its E.164 form when it can be made.
pub fn find_phone(lines: &[Line], location: Option<&str>) -> Option<(String, Option<String>)> {
    let mut best: Option<(i32, usize, String)> = None;
    for (idx, l) in lines.iter().enumerate() {
        let t = &l.text;
        if !t.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let f = fold(t);
        let labelled = PHONE_LABELS.iter().any(|p| {
            f.split(|c: char| !c.is_alphanumeric() && c != '.')
                .any(|w| w == *p)
        });
        let contacty = t.contains('@') || t.contains('|') || t.contains('·') || labelled;
        for cand in phone_candidates(t) {
            let digits = cand.chars().filter(|c| c.is_ascii_digit()).count();
            let plus = cand.starts_with('+') || cand.starts_with("(+");
            if !plus && (dates::has_month_date(&cand) || !dates::find_ranges(&cand).is_empty()) {
                continue;
            }
            let groups = cand
                .split(|c: char| !c.is_ascii_digit())
                .filter(|g| !g.is_empty())
                .count();
            let mut score = 0;
            if plus {
                score += 6;
            }
            if cand.starts_with('(') {
                score += 2;
            }
            if labelled {
                score += 4;
            }
            if contacty {
                score += 2;
            }
            if digits >= 10 {
                score += 1;
            }
            if !plus && !labelled && !contacty {
                // A bare number in prose is most likely something else.
                if groups < 2 || digits < 10 {
                    continue;
                }
            }
            if best
                .as_ref()
                .is_none_or(|b| score > b.0 || (score == b.0 && idx < b.1))
            {
                best = Some((score, idx, cand));
            }
        }
    }
    let (_, _, printed) = best?;
    let e164 = to_e164(&printed, location);
    Some((printed, e164))
}

/// Countries, by the names a location may use. The country's calling code
/// and trunk prefix come from libphonenumber's metadata (`phonenumber`).
const COUNTRIES: &[(&[&str], Id)] = &[
    (&["usa", "united states", "u.s.", "us"], Id::US),
    (&["canada"], Id::CA),
    (
        &[
            "uk",
            "united kingdom",
            "england",
            "scotland",
            "wales",
            "great britain",
            "london",
        ],
        Id::GB,
    ),
    (&["germany", "deutschland"], Id::DE),
    (&["france"], Id::FR),
    (&["spain", "espana"], Id::ES),
    (&["italy", "italia"], Id::IT),
    (&["netherlands", "nederland", "the netherlands"], Id::NL),
    (&["belgium", "belgique", "belgie"], Id::BE),
    (&["switzerland", "schweiz", "suisse"], Id::CH),
    (&["austria", "osterreich"], Id::AT),
    (&["ireland"], Id::IE),
    (&["portugal"], Id::PT),
    (&["poland", "polska"], Id::PL),
    (&["sweden", "sverige"], Id::SE),
    (&["norway", "norge"], Id::NO),
    (&["denmark", "danmark"], Id::DK),
    (&["finland", "suomi"], Id::FI),
    (&["india"], Id::IN),
    (&["china"], Id::CN),
    (&["japan"], Id::JP),
    (&["australia"], Id::AU),
    (&["new zealand"], Id::NZ),
    (&["brazil", "brasil"], Id::BR),
    (&["mexico"], Id::MX),
    (&["argentina"], Id::AR),
    (&["nigeria"], Id::NG),
    (&["south africa"], Id::ZA),
    (&["kenya"], Id::KE),
    (&["united arab emirates", "uae"], Id::AE),
    (&["singapore"], Id::SG),
    (&["israel"], Id::IL),
    (&["turkey", "turkiye"], Id::TR),
    (&["hungary", "magyarorszag"], Id::HU),
    (&["south korea", "korea", "republic of korea"], Id::KR),
    (&["vietnam", "viet nam"], Id::VN),
    (&["czech republic", "czechia"], Id::CZ),
    (&["greece"], Id::GR),
    (&["romania"], Id::RO),
    (&["chile"], Id::CL),
    (&["colombia"], Id::CO),
    (&["peru"], Id::PE),
    (&["egypt"], Id::EG),
    (&["saudi arabia"], Id::SA),
    (&["morocco", "maroc"], Id::MA),
    (&["philippines"], Id::PH),
    (&["indonesia"], Id::ID),
    (&["malaysia"], Id::MY),
    (&["thailand"], Id::TH),
    (&["hong kong"], Id::HK),
    (&["taiwan"], Id::TW),
    (&["ukraine"], Id::UA),
];

const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC",
];

/// Whether a phrase names a country or a US state ("Brazil", "CA").
pub fn is_country_or_state(s: &str) -> bool {
    let t = s.trim();
    US_STATES.contains(&t) || {
        let f = fold(t);
        COUNTRIES
            .iter()
            .any(|(names, _)| names.contains(&f.as_str()))
    }
}

fn country(location: &str) -> Option<Id> {
    let f = fold(location);
    let parts: Vec<&str> = f.split(',').map(str::trim).collect();
    // "San Francisco, CA"
    if let Some(last) = location.split(',').map(str::trim).next_back() {
        if US_STATES.contains(&last) {
            return Some(Id::US);
        }
    }
    for (names, id) in COUNTRIES {
        if parts.iter().any(|p| names.contains(p))
            || names.iter().any(|n| n.len() > 4 && f.contains(n))
        {
            return Some(*id);
        }
    }
    None
}

/// E.164 form of a domestic number by the country of the email's domain
/// ("0151 2345 6872" with an address at `….de`), when the location named
/// no country: the number must be a valid one there.
pub fn to_e164_by_domain(printed: &str, email: Option<&str>) -> Option<String> {
    let t = printed.trim();
    if t.starts_with('+') || t.starts_with("(+") || t.starts_with("00") {
        return None;
    }
    let tld = email?.rsplit('.').next()?.to_ascii_uppercase();
    let region: Id = match tld.as_str() {
        "UK" => Id::GB,
        t if t.len() == 2 => t.parse().ok()?,
        _ => return None,
    };
    let n = phonenumber::parse(Some(region), t).ok()?;
    phonenumber::is_valid(&n).then(|| n.format().mode(Mode::E164).to_string())
}

/// E.164 form of a printed number: the printed country code when there is
/// one, otherwise the country of the location. Parsed by `phonenumber`
/// (libphonenumber's rules and metadata, compiled in: offline and
/// deterministic), which also drops a trunk prefix, "+44 (0) 20 …" included.
pub fn to_e164(printed: &str, location: Option<&str>) -> Option<String> {
    let t = printed.trim();
    let intl = t.starts_with('+') || t.starts_with("(+");
    // "+44 (0) 7700 …": the trunk 0 in parentheses is not dialled.
    // libphonenumber drops it only where the rest is a number its metadata
    // knows, so not in reserved ranges (Ofcom's 07700 900…) that resumes
    // and fixtures print.
    let t = if intl {
        t.replacen("(0)", "", 1)
    } else {
        t.to_owned()
    };
    let t = t.as_str();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let region = location.and_then(country).or_else(|| {
        // "(415) 555-0132": the North American way of printing a number.
        (t.starts_with('(') && !t.starts_with("(+") && digits == 10).then_some(Id::US)
    });
    // "0049 30 …" with no country to say which international prefix is
    // dialled: 00, the one most of the world dials.
    let t = match (region, t.strip_prefix("00")) {
        (None, Some(rest)) => format!("+{rest}"),
        _ => t.to_owned(),
    };
    let n = phonenumber::parse(region, &t).ok()?;
    Some(n.format().mode(Mode::E164).to_string())
}

// ---------------------------------------------------------------- name

/// Words that qualify a role noun in a job title (seniority, field, rank).
pub const TITLE_MODIFIERS: &[&str] = &[
    "internship",
    "principal",
    "staff",
    "senior",
    "junior",
    "freelance",
    "tecnico",
    "ingenieure",
    "ux",
    "ui",
    "product",
    "data",
    "software",
    "frontend",
    "backend",
    "full-stack",
    "fullstack",
    "mobile",
    "cloud",
    "platform",
    "security",
    "test",
    "automation",
    "machine",
    "learning",
    "research",
    "graduate",
    "part-time",
    "marketing",
    "sales",
    "support",
    "operations",
    "business",
    "systems",
    "network",
    "web",
    "design",
    "quality",
    "project",
    "program",
    "technical",
    "team",
    "de",
    "of",
    "in",
    "and",
    "&",
    "i",
    "ii",
    "iii",
    "iv",
    "datos",
    "daten",
    "donnees",
    "dados",
    "interaction",
    "visual",
    "infrastructure",
    "site",
    "reliability",
    "solutions",
    "application",
    "applications",
    "embedded",
    "hardware",
    "firmware",
    "game",
    "ios",
    "android",
    "java",
    "python",
    "go",
    "ml",
    "ai",
    "bi",
    "it",
    "hr",
    "customer",
    "success",
    "growth",
    "content",
    "digital",
    "financial",
    "finance",
    "legal",
    "clinical",
    "research",
    "general",
    "regional",
    "global",
    "deputy",
    "acting",
    "interim",
    "lead,",
    "mid-level",
    "middle",
];

/// A word that can stand in a job title: a role noun or a modifier.
pub fn is_title_word(w: &str) -> bool {
    ROLE_NOUNS.contains(&w) || TITLE_MODIFIERS.contains(&w)
}

/// Role nouns: a field holding one of these is a job title.
pub const ROLE_NOUNS: &[&str] = &[
    "engineer",
    "developer",
    "manager",
    "designer",
    "analyst",
    "scientist",
    "architect",
    "consultant",
    "lead",
    "intern",
    "director",
    "owner",
    "administrator",
    "specialist",
    "officer",
    "head",
    "president",
    "programmer",
    "tester",
    "coordinator",
    "assistant",
    "associate",
    "researcher",
    "technician",
    "cto",
    "ceo",
    "cfo",
    "vp",
    "founder",
    "co-founder",
    "cofounder",
    "trainee",
    "apprentice",
    "accountant",
    "advisor",
    "executive",
    "editor",
    "writer",
    "teacher",
    "professor",
    "lecturer",
    "fellow",
    "contractor",
    "freelancer",
    "recruiter",
    "representative",
    "supervisor",
    "ingeniero",
    "ingeniera",
    "desarrollador",
    "desarrolladora",
    "analista",
    "programador",
    "programadora",
    "jefe",
    "jefa",
    "directora",
    "gerente",
    "consultor",
    "consultora",
    "arquitecto",
    "arquitecta",
    "becario",
    "becaria",
    "disenador",
    "disenadora",
    "responsable",
    "entwickler",
    "entwicklerin",
    "ingenieur",
    "ingenieurin",
    "leiter",
    "leiterin",
    "berater",
    "beraterin",
    "werkstudent",
    "praktikant",
    "praktikantin",
    "geschaftsfuhrer",
    "developpeur",
    "developpeuse",
    "chef",
    "stagiaire",
    "chercheur",
    "concepteur",
    "desenvolvedor",
    "engenheiro",
    "estagiario",
    "gestor",
    "sviluppatore",
    "ingegnere",
    "tirocinante",
    "sre",
    "sdet",
    "devops",
    "qa",
    "partner",
    "testeur",
    "testeuse",
    "analyste",
    "consultante",
    "directeur",
    "directrice",
    "chargee",
    "engenheira",
    "desenvolvedora",
    "coordenador",
    "coordenadora",
    "coordinador",
    "coordinadora",
    "especialista",
    "lider",
    "cientista",
    "tecnica",
    "student",
    "chief",
];

/// German-style compounds that end in a role noun ("Softwareentwickler",
/// "Projektleiterin", "Datenbankadministrator").
fn is_role_compound(w: &str) -> bool {
    const TAILS: &[&str] = &[
        "entwickler",
        "entwicklerin",
        "ingenieur",
        "ingenieurin",
        "leiter",
        "leiterin",
        "berater",
        "beraterin",
        "manager",
        "managerin",
        "engineer",
        "developer",
        "administrator",
        "architekt",
        "architektin",
        "analyst",
        "analystin",
        "designer",
        "designerin",
        "referent",
        "referentin",
        "spezialist",
        "spezialistin",
    ];
    w.chars().count() >= 9
        && TAILS
            .iter()
            .any(|t| w.len() > t.len() + 2 && w.ends_with(t))
}

/// How strongly a phrase reads as a job title (role nouns count most).
pub fn title_score(s: &str) -> i32 {
    let f = fold(s);
    let mut score = 0;
    for w in f.split(|c: char| !c.is_alphanumeric() && c != '-') {
        if w.is_empty() {
            continue;
        }
        if ROLE_NOUNS.contains(&w) || is_role_compound(w) {
            score += 3;
        } else if TITLE_MODIFIERS.contains(&w) {
            score += 1;
        }
    }
    score
}

const ORG_WORDS: &[&str] = &[
    "university",
    "universidad",
    "universitat",
    "universite",
    "universidade",
    "universita",
    "college",
    "institute",
    "instituto",
    "institut",
    "school",
    "escuela",
    "hochschule",
    "academy",
    "academia",
    "ltd",
    "inc",
    "gmbh",
    "llc",
    "corp",
    "corporation",
    "company",
    "group",
    "systems",
    "technologies",
    "solutions",
    "services",
    "studio",
    "bank",
    "ag",
    "s.a.",
    "sa",
    "plc",
    "foundation",
    "association",
    "banque",
    "banco",
    "grupo",
    "gruppe",
    "groupe",
    "hospital",
    "council",
    "agency",
    "agentur",
    "studios",
    "labs",
    "consulting",
    "partners",
    "holdings",
    "ministry",
    "trust",
    "society",
];

/// Whether a phrase names an organisation: one of its words is an
/// organisation's (university, bank, group, GmbH…).
pub(crate) fn is_org(s: &str) -> bool {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| ORG_WORDS.contains(&w))
}

/// Normalises a name word: all-caps words get title case ("WANG" → "Wang").
fn name_case(w: &str) -> String {
    if crate::names::all_caps(w) {
        let mut out = String::new();
        let mut start = true;
        for c in w.chars() {
            if c.is_alphabetic() {
                if start {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                start = false;
            } else {
                out.push(c);
                start = matches!(c, '-' | '\'' | '’');
            }
        }
        out
    } else {
        w.to_string()
    }
}

/// The words of a line as printed, if it is shaped like a person's name
/// (a label glued before it and a suffix after it dropped).
fn name_words(line: &str) -> Option<Vec<String>> {
    let mut s = line.trim();
    let f = fold(s);
    for prefix in [
        "curriculum vitae",
        "curriculo",
        "curriculum",
        "resume",
        "cv",
        "lebenslauf",
        "name:",
        "nombre:",
        "nom:",
        "nome:",
    ] {
        if f.starts_with(prefix) && f.len() > prefix.len() {
            let cut = s
                .char_indices()
                .nth(prefix.chars().count())
                .map(|(i, _)| i)
                .unwrap_or(s.len());
            // The label glued to the name in another type ("CVJean-Luc",
            // "LebenslaufKatharina"): a capital then a small letter.
            let mut after = s[cut..].chars();
            let glued = matches!(
                (after.next(), after.next()),
                (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase()
            );
            if glued || s[cut..].starts_with([' ', ':', '-', '–', '—', '|']) {
                s = s[cut..].trim_start_matches([' ', ':', '-', '–', '—', '|']);
            }
            break;
        }
    }
    // Drop parenthesised parts and words in CJK scripts (native-script names).
    let mut kept = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = (depth - 1).max(0),
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    // With the native script gone, so is what stood between it and the
    // Latin ("山田 太郎 / Taro Yamada").
    let native = kept.chars().any(is_cjk);
    let all: Vec<&str> = kept
        .split_whitespace()
        .filter(|w| !w.chars().any(is_cjk))
        .filter(|w| !(native && matches!(*w, "/" | "|" | "·" | "-" | "–" | "—")))
        .collect();
    let words = crate::names::without_suffix(&all);
    if kept.len() > 70 || words.len() < 2 || words.len() > 8 {
        return None;
    }
    let mut caps = 0;
    for w in &words {
        let fw = fold(w);
        if crate::names::is_particle_or_joiner(&fw) {
            continue;
        }
        if !w
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
        {
            return None;
        }
        // "al-Rashid", "d'Angelo": a particle glued to a capitalised name.
        let core = match w.split_once(['-', '\'', '’']) {
            Some((head, tail)) if crate::names::is_particle(head) || fold(head) == "d" => tail,
            _ => w,
        };
        if !core.chars().next()?.is_uppercase() {
            return None;
        }
        if ORG_WORDS.contains(&fw.trim_end_matches('.')) || ROLE_NOUNS.contains(&fw.as_str()) {
            return None;
        }
        caps += 1;
    }
    if !(2..=5).contains(&caps) {
        return None;
    }
    Some(words.iter().map(|w| w.to_string()).collect())
}

/// Splits name words (as printed) into first and last name, in the usual
/// case ("NGUYEN" → "Nguyen"): see [`crate::names`].
fn split_name(words: &[String], ev: &crate::names::Evidence) -> (String, String) {
    let ws: Vec<&str> = words.iter().map(String::as_str).collect();
    let (given, family) = crate::names::split(&ws, ev);
    let cased = |part: &str| part.split(' ').map(name_case).collect::<Vec<_>>().join(" ");
    (cased(&given), cased(&family))
}

fn is_contact_line(t: &str) -> bool {
    let f = t.to_ascii_lowercase();
    t.contains('@')
        || f.contains("linkedin.com")
        || f.contains("github.com")
        || f.contains("http")
        || t.chars().filter(|c| c.is_ascii_digit()).count() >= 7
}

/// Finds the person's name: (first, last, line index). A name may be
/// wrapped over up to four short lines (a narrow sidebar); the email's
/// local part and the LinkedIn slug are evidence for which line it is and
/// how it splits ([`crate::names`]).
pub fn find_name(
    lines: &[Line],
    email: Option<&str>,
    linkedin: Option<&str>,
    iberian: bool,
) -> Option<(String, String, usize)> {
    let ev = crate::names::Evidence::new(email, linkedin, iberian);
    let mut section: Option<Section> = None;
    let mut best: Option<(i32, usize, Vec<String>)> = None;
    let mut consider = |i: usize, text: &str, section: Option<Section>, next: Option<&Line>| {
        // "Curtis L. Haywood, Jr.", "Jane Smith, PhD": the comma only
        // before a suffix.
        let bare = match text.rsplit_once(',') {
            Some((head, tail))
                if crate::names::SUFFIXES
                    .contains(&fold(tail).trim_matches(|c: char| !c.is_alphanumeric())) =>
            {
                head
            }
            _ => text,
        };
        let Some(words) = name_words(bare) else {
            return;
        };
        if !TAXONOMY.find(text).is_empty() || bare.contains(',') {
            return;
        }
        let mut score = 1;
        // Printed largest on the first page.
        if lines[i].title {
            score += 4;
        }
        if i < 2 {
            score += 3;
        } else if i < 6 {
            score += 1;
        }
        if matches!(
            section,
            Some(Section::Experience | Section::Education | Section::Projects | Section::Skills)
        ) {
            score -= 3;
        }
        if let Some(next) = next {
            if heading(&next.text).is_none()
                && !is_contact_line(&next.text)
                && title_score(&next.text) >= 3
            {
                score += 4;
            }
        }
        let hits = words.iter().filter(|w| ev.mentions(w)).count();
        if hits > 0 {
            score += 3 + hits as i32;
        }
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, i, words));
        }
    };
    for (i, l) in lines.iter().enumerate().take(400) {
        if let Some(s) = heading(&l.text) {
            section = Some(s);
            continue;
        }
        consider(i, &l.text, section, lines.get(i + 1));
        if i < 12 || l.title {
            // "Fiona MacLeod    Cloud Security Engineer": the name, then
            // the title on the same line (a page header's tab stops).
            // The split leaving the most title-like rest ("Cloud Security
            // Engineer", not "Engineer").
            let words: Vec<&str> = l.text.split_whitespace().collect();
            let rest_of = |p: usize| {
                words[p..]
                    .join(" ")
                    .trim_start_matches(['|', '-', '–', '—', '·', ','])
                    .trim()
                    .to_owned()
            };
            let split = (2..words.len().min(6))
                .map(|p| (title_score(&rest_of(p)), p))
                .filter(|(score, _)| *score >= 3)
                .max_by_key(|(score, p)| (*score, std::cmp::Reverse(*p)));
            if let Some((_, p)) = split {
                let title = Line {
                    text: rest_of(p),
                    page: l.page,
                    title: false,
                };
                consider(i, &words[..p].join(" "), section, Some(&title));
            }
            // A name wrapped over short lines at the top of the page or of
            // a sidebar: "María del" / "Carmen" / "Ruiz de la" / "Torre".
            let short = |l: &Line| {
                l.text.split_whitespace().count() <= 3
                    && heading(&l.text).is_none()
                    && !is_contact_line(&l.text)
            };
            let mut joined = l.text.clone();
            for span in 1..4 {
                let Some(more) = lines.get(i + span) else {
                    break;
                };
                if !short(&lines[i + span - 1]) || !short(more) {
                    break;
                }
                joined.push(' ');
                joined.push_str(&more.text);
                consider(i, &joined, section, lines.get(i + span + 1));
            }
        }
    }
    let (score, idx, words) = best?;
    if score < 2 {
        return None;
    }
    let (first, last) = split_name(&words, &ev);
    Some((first, last, idx))
}

// ---------------------------------------------------------------- location

const LOCATION_LABELS: &[&str] = &[
    "address",
    "location",
    "based in",
    "lives in",
    "city",
    "adresse",
    "direccion",
    "ubicacion",
    "residencia",
    "wohnort",
    "ort",
    "anschrift",
    "localisation",
    "endereco",
    "localizacao",
    "indirizzo",
];

/// Whether a phrase looks like "City, Region/Country".
fn location_like(seg: &str) -> bool {
    let s = seg.trim();
    if s.is_empty()
        || s.len() > 60
        || s.chars()
            .any(|c| c.is_ascii_digit() || c == '@' || c == '/')
    {
        return false;
    }
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return false;
    }
    let words = s.split_whitespace().count();
    if words > 7 {
        return false;
    }
    if parts
        .iter()
        .any(|p| !p.chars().next().is_some_and(char::is_uppercase))
    {
        return false;
    }
    if title_score(s) >= 3 || !TAXONOMY.find(s).is_empty() || crate::experience::has_legal(s) {
        return false;
    }
    !is_org(s)
}

fn segments(line: &str) -> Vec<&str> {
    line.split(['|', '·', '•', '▪', '\t'])
        .flat_map(|p| p.split(" – "))
        .flat_map(|p| p.split(" — "))
        .flat_map(|p| p.split(" - "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn strip_label<'a>(seg: &'a str, labels: &[&str]) -> Option<&'a str> {
    let f = fold(seg);
    for l in labels {
        if f.starts_with(l) && f.len() > l.len() {
            let rest_f = &f[l.len()..];
            // "Position: …", "Position …", or the label in a column of its
            // own ("Position⇥…").
            if rest_f.starts_with([' ', ':', '\t']) {
                // Same number of chars in the original (fold keeps ASCII labels).
                let cut = seg.char_indices().nth(l.chars().count()).map(|(i, _)| i)?;
                return Some(seg[cut..].trim_start_matches([' ', ':', '\t']).trim());
            }
        }
    }
    None
}

/// The person's location, from contact lines, the header and contact section.
pub fn find_location(lines: &[Line], name_idx: Option<usize>) -> Option<String> {
    // Labelled first.
    for l in lines.iter().take(200) {
        if let Some(v) = strip_label(&l.text, LOCATION_LABELS) {
            if !v.is_empty() && v.len() < 80 && !v.contains('@') {
                return Some(v.to_string());
            }
        }
    }
    // Segments of lines that carry other contact details.
    for l in lines {
        if is_contact_line(&l.text) {
            for seg in segments(&l.text) {
                if location_like(seg) {
                    return Some(seg.to_string());
                }
            }
        }
    }
    // The header (before the first section) and contact sections.
    let mut section: Option<Section> = None;
    for (i, l) in lines.iter().enumerate().take(300) {
        if let Some(s) = heading(&l.text) {
            section = Some(s);
            continue;
        }
        let header = section.is_none() || name_idx.is_some_and(|n| i > n && i <= n + 3);
        if header || section == Some(Section::Contact) {
            for seg in segments(&l.text) {
                if location_like(seg) {
                    return Some(seg.to_string());
                }
            }
        }
    }
    None
}

const HEADLINE_LABELS: &[&str] = &[
    "position",
    "title",
    "headline",
    "role",
    "puesto",
    "cargo",
    "poste",
    "position:",
];

/// The headline: the line under the name, or a labelled position.
pub fn find_headline(lines: &[Line], name_idx: Option<usize>) -> Option<String> {
    for l in lines.iter().take(40) {
        if let Some(v) = strip_label(&l.text, HEADLINE_LABELS) {
            if title_score(v) >= 3 {
                return Some(v.to_string());
            }
        }
    }
    let n = name_idx?;
    for l in lines.iter().skip(n + 1).take(2) {
        let t = l.text.trim();
        if t.chars().all(|c| is_cjk(c) || c.is_whitespace()) {
            continue;
        }
        if heading(t).is_some() || is_contact_line(t) || location_like(t) {
            return None;
        }
        return Some(t.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert_eq!(
            to_e164("+234 803 555 0142", None).as_deref(),
            Some("+2348035550142")
        );
        assert_eq!(
            to_e164_by_domain("0151 2345 6872", Some("j.m@example.de")).as_deref(),
            Some("+4915123456872")
        );
        assert_eq!(
            to_e164_by_domain("0151 2345 6872", Some("j@example.com")),
            None
        );
        assert_eq!(
            to_e164("+81 90-5555-0123", None).as_deref(),
            Some("+819055550123")
        );
        assert_eq!(
            to_e164("+44 (0) 7700 900461", None).as_deref(),
            Some("+447700900461")
        );
        assert_eq!(
            to_e164("(415) 555-0132", Some("San Francisco, CA")).as_deref(),
            Some("+14155550132")
        );
        assert_eq!(
            to_e164("415.555.0132", Some("Austin, TX")).as_deref(),
            Some("+14155550132")
        );
        assert_eq!(
            to_e164("07700 900461", Some("Manchester, UK")).as_deref(),
            Some("+447700900461")
        );
        assert_eq!(
            to_e164("0049 30 5557 2291", None).as_deref(),
            Some("+493055572291")
        );
        assert_eq!(to_e164("555 0132", None), None);
    }

    #[test]
    fn phones_in_lines() {
        let lines: Vec<Line> = [
            "Jan 2020 – 02/2019 - 07/2021",
            "Lagos | +234 803 555 0142 | a@example.com",
        ]
        .iter()
        .map(|t| Line {
            text: t.to_string(),
            page: 0,
            title: false,
        })
        .collect();
        let (p, e) = find_phone(&lines, None).unwrap();
        assert_eq!(p, "+234 803 555 0142");
        assert_eq!(e.as_deref(), Some("+2348035550142"));
    }

    #[test]
    fn a_slug_wrapped_in_a_sidebar_is_joined_only_with_a_piece_of_the_name() {
        let url = "https://www.linkedin.com/in/mcarmenruiz";
        let name = "María del Carmen Ruiz de la Torre";
        let t = "mcarmen@example.es\nlinkedin.com/in/mcarmenruiz\ndelatorre\nSKILLS";
        assert_eq!(
            complete_wrapped_slug(t, url, name).as_deref(),
            Some("https://www.linkedin.com/in/mcarmenruizdelatorre")
        );
        let t = "linkedin.com/in/mcarmenruiz\npython\nsql";
        assert_eq!(complete_wrapped_slug(t, url, name), None);
        let t = "linkedin.com/in/mcarmenruiz | delatorre";
        assert_eq!(complete_wrapped_slug(t, url, name), None);
    }

    #[test]
    fn urls_and_email() {
        let t = "x | linkedin.com/in/jane-doe/ | github.com/jdoe | https://jane.example.dev/ | jane.doe@example.co.uk.";
        assert_eq!(
            find_linkedin(t).as_deref(),
            Some("https://www.linkedin.com/in/jane-doe")
        );
        assert_eq!(find_github(t).as_deref(), Some("https://github.com/jdoe"));
        assert_eq!(
            find_portfolio(t).as_deref(),
            Some("https://jane.example.dev")
        );
        assert_eq!(find_email(t).as_deref(), Some("jane.doe@example.co.uk"));
    }

    #[test]
    fn names() {
        use crate::names::Evidence;
        let none = Evidence::new(None, None, false);
        let w = name_words("Fang WANG 王芳").unwrap();
        assert_eq!(split_name(&w, &none), ("Fang".into(), "Wang".into()));
        let w = name_words("José Manuel Núñez Ortega").unwrap();
        assert_eq!(
            split_name(&w, &Evidence::new(None, None, true)),
            ("José Manuel".into(), "Núñez Ortega".into())
        );
        let w = name_words("Daniel O'Connor").unwrap();
        assert_eq!(split_name(&w, &none), ("Daniel".into(), "O'Connor".into()));
        let w = name_words("CV – Ahmed al-Rashid").unwrap();
        assert_eq!(split_name(&w, &none), ("Ahmed".into(), "al-Rashid".into()));
        let lines = crate::text::prepare("Jane Q. Smith, PhD\nData Scientist\n");
        assert_eq!(
            find_name(&lines, None, None, false),
            Some(("Jane Q.".into(), "Smith".into(), 0))
        );
        let w = name_words("Curriculum Vitae NGUYEN Van An").unwrap();
        assert_eq!(split_name(&w, &none), ("Van An".into(), "Nguyen".into()));
        assert!(name_words("Senior Backend Engineer").is_none());
        assert!(name_words("University of Lagos").is_none());
    }
}
