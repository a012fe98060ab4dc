//! Splitting a printed name into given and family names, by the evidence
//! the resume gives before any rule: capitalisation ("NGUYEN Van An",
//! "Fang WANG", "Ana Maria ROSA LIMA"), the email's local part and the
//! LinkedIn slug ("anamaria.rosalima" splits "Ana Maria Rosa Lima" 2 + 2),
//! particles that open a family name (de, van der, von, Ó, al-, Le, lower
//! case too), suffixes (Jr., III) that belong to neither, and the names
//! that are printed family-first (Chinese, Korean, Japanese, Vietnamese,
//! Hungarian) — then, failing all of those, the custom of the document's
//! language (two surnames in Spanish and Portuguese).

use crate::text::fold;

/// Words that open a family name (folded). "e" and "y" join two surnames
/// ("Ortega y Gasset") and never open one.
pub const PARTICLES: &[&str] = &[
    "de", "del", "della", "der", "den", "van", "von", "da", "das", "dos", "di", "du", "le", "la",
    "bin", "binti", "al", "el", "ter", "ten", "zu", "ibn", "ben", "mac", "st.", "o", "ni", "nic",
    "ua", "degli", "dei", "lo", "les", "vander", "vande", "af", "av",
];

/// Words that join two family names and never open one.
const JOINERS: &[&str] = &["y", "e"];

/// Suffixes after a name: kept out of both parts.
pub const SUFFIXES: &[&str] = &[
    "jr", "sr", "ii", "iii", "iv", "v", "jnr", "snr", "phd", "mba", "msc", "cpa", "pmp", "cfa",
    "md",
];

/// Family names commonly printed first (folded, without diacritics):
/// Chinese, Korean, Vietnamese, Japanese and Hungarian, the most frequent
/// of each. Only one signal among several: a name printed given-first
/// ("Yuki Tanaka") starts with a given name, which is not in this list.
const FAMILY_FIRST: &[&str] = &[
    // Chinese (pinyin) and Cantonese spellings.
    "wang",
    "li",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "gao",
    "lin",
    "luo",
    "zheng",
    "liang",
    "xie",
    "song",
    "tang",
    "han",
    "feng",
    "deng",
    "cao",
    "peng",
    "zeng",
    "xiao",
    "tian",
    "dong",
    "pan",
    "yuan",
    "cai",
    "jiang",
    "yu",
    "du",
    "ye",
    "cheng",
    "wei",
    "su",
    "lu",
    "ding",
    "ren",
    "shen",
    "yao",
    "chan",
    "cheung",
    "wong",
    "leung",
    "ho",
    "chow",
    "tsang",
    "kwok",
    "yeung", // Korean
    "kim",
    "lee",
    "yi",
    "park",
    "pak",
    "choi",
    "jung",
    "jeong",
    "kang",
    "cho",
    "jo",
    "yoon",
    "yun",
    "jang",
    "lim",
    "im",
    "shin",
    "oh",
    "seo",
    "kwon",
    "hwang",
    "ahn",
    "hong",
    "jeon",
    "ko",
    "moon",
    "baek",
    "nam", // Vietnamese
    "nguyen",
    "tran",
    "le",
    "pham",
    "hoang",
    "huynh",
    "phan",
    "vu",
    "vo",
    "dang",
    "bui",
    "do",
    "ngo",
    "duong",
    "ly",
    "trinh",
    "dinh",
    "mai",
    "truong", // Japanese
    "sato",
    "suzuki",
    "takahashi",
    "tanaka",
    "watanabe",
    "ito",
    "yamamoto",
    "nakamura",
    "kobayashi",
    "kato",
    "yoshida",
    "yamada",
    "sasaki",
    "yamaguchi",
    "matsumoto",
    "inoue",
    "kimura",
    "hayashi",
    "shimizu",
    "yamazaki",
    "mori",
    "abe",
    "ikeda",
    "hashimoto",
    "yamashita",
    "ishikawa",
    "nakajima",
    "maeda",
    "fujita",
    "ogawa",
    "goto",
    "okada",
    "hasegawa",
    "murakami",
    "kondo",
    "ishii",
    "saito",
    "sakamoto",
    "endo",
    "aoki",
    "fujii",
    "nishimura",
    "fukuda",
    "ota",
    "miura",
    "fujiwara",
    "okamoto",
    "matsuda",
    "nakagawa", // Hungarian
    "nagy",
    "kovacs",
    "toth",
    "szabo",
    "horvath",
    "varga",
    "kiss",
    "molnar",
    "nemeth",
    "farkas",
    "balogh",
    "papp",
    "takacs",
    "juhasz",
    "lakatos",
    "meszaros",
    "olah",
    "racz",
    "fekete",
    "szilagyi",
    "torok",
    "feher",
    "gal",
    "kis",
    "szucs",
    "kocsis",
    "orsos",
    "pinter",
    "fodor",
    "szalai",
    "sipos",
    "magyar",
    "lukacs",
    "gulyas",
    "biro",
    "kiraly",
    "katona",
    "balog",
    "boros",
    "fazekas",
    "kelemen",
    "orban",
    "somogyi",
    "vincze",
    "hegedus",
    "deak",
    "pap",
    "bakos",
    "vass",
    "halasz",
];

/// Given names that can follow "del"/"de los" inside a Spanish or
/// Portuguese given name ("María del Carmen", "María de los Ángeles").
const GIVEN_AFTER_PARTICLE: &[&str] = &[
    "carmen",
    "pilar",
    "rosario",
    "mar",
    "rocio",
    "socorro",
    "consuelo",
    "jesus",
    "angeles",
    "dolores",
    "mercedes",
    "remedios",
    "luz",
    "sol",
    "fatima",
    "lourdes",
    "montserrat",
    "nieves",
    "guadalupe",
    "castillo",
    "valle",
    "prado",
    "milagros",
    "pino",
];

/// What the rest of the document says about the person's name.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// Folded, alphanumeric pieces of the email's local part and the
    /// LinkedIn slug, with their runs joined ("ahmed-al-rashid" → ahmed,
    /// al, rashid, ahmedal, alrashid, …), in order of appearance.
    tokens: Vec<String>,
    /// The first piece of the email's local part (a given name, by the
    /// usual given.family convention), when there is one.
    first_piece: Option<String>,
    /// The local part and the slug, folded, letters and digits only,
    /// separated by a space: what a name's words are looked for in.
    spelled: String,
    /// Spanish or Portuguese: two family names are the custom.
    pub iberian: bool,
}

impl Evidence {
    pub fn new(email: Option<&str>, linkedin: Option<&str>, iberian: bool) -> Self {
        let mut tokens = Vec::new();
        let mut first_piece = None;
        let mut spelled = String::new();
        let local = email.and_then(|e| e.split('@').next());
        let slug = linkedin.and_then(|u| u.trim_end_matches('/').rsplit('/').next());
        for (i, source) in [local, slug].into_iter().enumerate() {
            let Some(source) = source else { continue };
            let folded = fold(source);
            spelled.push(' ');
            spelled.extend(folded.chars().filter(|c| c.is_alphanumeric()));
            let pieces: Vec<String> = folded
                .split(|c: char| !c.is_alphabetic())
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
            if i == 0 {
                first_piece = pieces.first().cloned();
            }
            for start in 0..pieces.len() {
                let mut run = String::new();
                for p in pieces.iter().skip(start).take(4) {
                    run.push_str(p);
                    tokens.push(run.clone());
                }
            }
        }
        Evidence {
            tokens,
            first_piece,
            spelled,
            iberian,
        }
    }

    /// Whether the email or slug spells this name word (three letters or
    /// more): evidence that a line holding it is the person's name.
    pub fn mentions(&self, word: &str) -> bool {
        let w: String = fold(word).chars().filter(|c| c.is_alphanumeric()).collect();
        w.chars().count() >= 3 && self.spelled.contains(&w)
    }

    fn has(&self, key: &str) -> bool {
        key.chars().count() >= 2 && self.tokens.iter().any(|t| t == key)
    }
}

/// Folded letters of words, joined: "Ó Briain" → "obriain".
fn key(words: &[&str]) -> String {
    let folded: String = words.iter().map(|w| fold(w)).collect();
    folded.chars().filter(|c| c.is_alphabetic()).collect()
}

/// Whether a word opens a family name ("van", "de", "Ó").
pub(crate) fn is_particle(w: &str) -> bool {
    PARTICLES.contains(&fold(w).trim_end_matches('\''))
}

/// Whether a (folded) word is a particle or joins two family names: a
/// name's word that need not be capitalised.
pub(crate) fn is_particle_or_joiner(folded: &str) -> bool {
    PARTICLES.contains(&folded) || JOINERS.contains(&folded)
}

/// A word in capitals throughout ("NGUYEN", "O'BRIEN"), of two letters or more.
pub(crate) fn all_caps(w: &str) -> bool {
    let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

/// A single capital, with or without its full stop ("J.", "L").
fn is_initial(w: &str) -> bool {
    let letters: Vec<char> = w.trim_end_matches('.').chars().collect();
    letters.len() == 1 && letters[0].is_uppercase()
}

/// Drops a trailing suffix ("Jr.", "III", ", Jr."): the words without it.
pub fn without_suffix<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = words.to_vec();
    while out.len() > 2 {
        let last = fold(out[out.len() - 1]);
        let bare = last.trim_matches(|c: char| !c.is_alphanumeric());
        if SUFFIXES.contains(&bare) {
            out.pop();
            if let Some(prev) = out.last_mut() {
                *prev = prev.trim_end_matches(',');
            }
        } else {
            break;
        }
    }
    out
}

/// Splits a name's words (as printed, suffix removed) into (given names,
/// family names), each joined by spaces.
pub fn split(words: &[&str], ev: &Evidence) -> (String, String) {
    let n = words.len();
    if n < 2 {
        return (words.join(" "), String::new());
    }
    let join = |ws: &[&str]| ws.join(" ");

    // Capitals mark the family name when the rest is not in capitals.
    let caps: Vec<bool> = words.iter().map(|w| all_caps(w)).collect();
    if caps.iter().any(|c| !c) {
        let lead = caps.iter().take_while(|c| **c).count();
        let trail = caps.iter().rev().take_while(|c| **c).count();
        if lead > 0 && lead < n && caps[lead..].iter().all(|c| !c) {
            return (join(&words[lead..]), join(&words[..lead]));
        }
        if trail > 0 && trail < n && caps[..n - trail].iter().all(|c| !c) {
            return (join(&words[..n - trail]), join(&words[n - trail..]));
        }
    }

    // Printed family-first: a family name of those traditions first (and
    // not last), unless the email opens with that word (a given name
    // then, by the usual given.family convention: "Kim Anderson").
    if n <= 4 {
        let first = key(&words[..1]);
        let last = key(&words[n - 1..]);
        if FAMILY_FIRST.contains(&first.as_str())
            && !FAMILY_FIRST.contains(&last.as_str())
            && ev.first_piece.as_deref() != Some(first.as_str())
        {
            return (join(&words[1..]), join(&words[..1]));
        }
    }

    // The evidence: the split whose parts of two words or more the email
    // or slug spell ("anamaria.rosalima", "jm.nunez.ortega"). A single
    // word decides nothing: emails hold one of two given names or
    // surnames as often as not ("joao.ferreira").
    let mut best: Option<(i32, usize)> = None;
    for k in 1..n {
        // Given names do not end with a particle, nor family names open
        // with a joiner.
        if JOINERS.contains(&fold(words[k]).as_str()) || is_particle(words[k - 1]) {
            continue;
        }
        // A middle initial ends the given names ("Daniel J. Okafor").
        if is_initial(words[k]) && k + 1 < n {
            continue;
        }
        let (given, family) = (&words[..k], &words[k..]);
        // Nor do they hold a particle, but before a given name ("María
        // del Carmen").
        let particle_inside = given.iter().enumerate().any(|(i, w)| {
            is_particle(w)
                && !given
                    .get(i + 1)
                    .is_some_and(|n| GIVEN_AFTER_PARTICLE.contains(&fold(n).as_str()))
        });
        if particle_inside {
            continue;
        }
        let family_core: Vec<&str> = family.iter().copied().filter(|w| !is_particle(w)).collect();
        let mut score = 0;
        if (family.len() >= 2 && ev.has(&key(family)))
            || (family_core.len() >= 2 && ev.has(&key(&family_core)))
        {
            score += 3;
        }
        if given.len() >= 2 && ev.has(&key(given)) {
            score += 3;
        }
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, k));
        }
    }
    if let Some((_, k)) = best {
        return (join(&words[..k]), join(&words[k..]));
    }

    // A particle opens the family name ("Ludwig van Beethoven"); in Spanish
    // and Portuguese one inside a given name ("María del Carmen") is
    // followed by a given name, and the family names follow that.
    for i in 1..n - 1 {
        if is_particle(words[i]) {
            let next = fold(words[i + 1]);
            if ev.iberian && GIVEN_AFTER_PARTICLE.contains(&next.as_str()) && i + 2 < n {
                return (join(&words[..i + 2]), join(&words[i + 2..]));
            }
            return (join(&words[..i]), join(&words[i..]));
        }
    }
    let first_count = match n {
        2 => 1,
        3 if ev.iberian => 1,
        3 => 2,
        _ => n - 2,
    };
    (join(&words[..first_count]), join(&words[first_count..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(
        name: &str,
        email: Option<&str>,
        linkedin: Option<&str>,
        iberian: bool,
    ) -> (String, String) {
        let words: Vec<&str> = name.split_whitespace().collect();
        split(
            &without_suffix(&words),
            &Evidence::new(email, linkedin, iberian),
        )
    }

    fn pair(g: &str, f: &str) -> (String, String) {
        (g.to_owned(), f.to_owned())
    }

    #[test]
    fn a_middle_initial_stays_with_the_given_names() {
        assert_eq!(
            sp(
                "Daniel J. Okafor",
                None,
                Some("linkedin.com/in/daniel-j-okafor"),
                false
            ),
            pair("Daniel J.", "Okafor")
        );
    }

    #[test]
    fn capitals_mark_the_family_name() {
        assert_eq!(
            sp("NGUYEN Van An", None, None, false),
            pair("Van An", "NGUYEN")
        );
        assert_eq!(
            sp("Fang WANG", Some("wang.fang.dev@x.cn"), None, false),
            pair("Fang", "WANG")
        );
        assert_eq!(
            sp("Ana Maria ROSA LIMA", None, None, true),
            pair("Ana Maria", "ROSA LIMA")
        );
        assert_eq!(
            sp("PARK Ji-hoon", None, None, false),
            pair("Ji-hoon", "PARK")
        );
    }

    #[test]
    fn family_first_traditions_follow_the_evidence() {
        assert_eq!(
            sp(
                "Kovács Péter",
                Some("peter.kovacs.ml@example.com"),
                None,
                false
            ),
            pair("Péter", "Kovács")
        );
        assert_eq!(
            sp("Nguyen Van An", None, None, false),
            pair("Van An", "Nguyen")
        );
        assert_eq!(
            sp("Tanaka Yuki", Some("yuki.tanaka@example.com"), None, false),
            pair("Yuki", "Tanaka")
        );
        // Printed given-first: left alone.
        assert_eq!(
            sp("Yuki Tanaka", Some("yuki.tanaka@example.com"), None, false),
            pair("Yuki", "Tanaka")
        );
        assert_eq!(
            sp(
                "Kenji Watanabe",
                Some("kenji.watanabe@example.jp"),
                None,
                false
            ),
            pair("Kenji", "Watanabe")
        );
    }

    #[test]
    fn the_email_or_slug_decides_how_many_words_each_part_has() {
        assert_eq!(
            sp(
                "Ana Maria Rosa Lima",
                Some("anamaria.rosalima@example.com"),
                None,
                true
            ),
            pair("Ana Maria", "Rosa Lima")
        );
        assert_eq!(
            sp(
                "María del Carmen Ruiz de la Torre",
                Some("mcarmen.ruiz@example.es"),
                None,
                true
            ),
            pair("María del Carmen", "Ruiz de la Torre")
        );
        assert_eq!(
            sp(
                "Ahmed al-Rashid",
                Some("ahmed.alrashid@example.net"),
                None,
                false
            ),
            pair("Ahmed", "al-Rashid")
        );
    }

    #[test]
    fn particles_and_suffixes() {
        assert_eq!(
            sp("Siobhán Ó Briain", None, None, false),
            pair("Siobhán", "Ó Briain")
        );
        assert_eq!(
            sp("Pieter van der Berg", None, None, false),
            pair("Pieter", "van der Berg")
        );
        assert_eq!(
            sp("Curtis L. Haywood Jr.", None, None, false),
            pair("Curtis L.", "Haywood")
        );
        assert_eq!(
            sp("James Edward Whitmore III", None, None, false),
            pair("James Edward", "Whitmore")
        );
        assert_eq!(
            sp(
                "José Manuel Núñez Ortega",
                Some("jm.nunez.ortega@example.es"),
                None,
                true
            ),
            pair("José Manuel", "Núñez Ortega")
        );
        assert_eq!(
            sp(
                "João Pedro dos Santos Ferreira",
                Some("joao.ferreira@example.pt"),
                None,
                true
            ),
            pair("João Pedro", "dos Santos Ferreira")
        );
        assert_eq!(
            sp("Élodie Le Gall", None, None, false),
            pair("Élodie", "Le Gall")
        );
    }
}
