//! The one email check. Wherever the platform accepts or stores an address
//! (sign-up, invitations, candidates, an identity provider's claim, a
//! model's resume profile, the candidate a parsed resume creates) it is
//! this check, so an address one path takes is never refused by another.
//!
//! Deliberately plainer than RFC 5322: one `@`, a local part of at most 64
//! characters with no whitespace, and a dotted domain of letters, digits and
//! hyphens (any script) — what an address a person types or a resume prints
//! looks like, and nothing that needs quoting. Finding addresses in free
//! text is another matter (the engine's `contact` module).

/// The address as stored — trimmed — if it is one.
pub fn normalise(s: &str) -> Option<&str> {
    let s = s.trim();
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && !local.chars().any(|c| c.is_whitespace() || c == '@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        });
    ok.then_some(s)
}

/// Whether `s`, trimmed, is an address.
pub fn is_valid(s: &str) -> bool {
    normalise(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(is_valid("amara.okonkwo@example.com"));
        assert!(is_valid("a@b.co"));
        assert!(is_valid("jürgen@müller.de"));
        assert_eq!(normalise("  a@b.co\n"), Some("a@b.co"));
        for bad in [
            "",
            "no-at",
            "@example.com",
            "a@",
            "a@nodot",
            "a b@example.com",
            "a@.example.com",
            "a@example.com.",
            "a@b@example.com",
            "a@exa mple.com",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
        let local = "x".repeat(65);
        assert!(!is_valid(&format!("{local}@example.com")));
        let domain = format!("{}.com", "d".repeat(250));
        assert!(!is_valid(&format!("a@{domain}")));
    }
}
