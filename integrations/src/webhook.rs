//! The pieces providers' webhook checks share: HMAC-SHA256 over the parts
//! a provider signs, compared in constant time, and the replay window.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Mac, SimpleHmac};
use sha2::Sha256;

use crate::calls::WebhookError;

/// How far a webhook's timestamp may be from our clock, either way.
pub const REPLAY_WINDOW: Duration = Duration::from_secs(300);

type HmacSha256 = SimpleHmac<Sha256>;

/// HMAC-SHA256 of `parts` concatenated, under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Whether any of `signatures` (hex, any case) is the HMAC-SHA256 of
/// `parts` under any of `keys`; compared in constant time.
pub fn any_hex_signature_matches<'a>(
    keys: &[String],
    parts: &[&[u8]],
    signatures: impl IntoIterator<Item = &'a str>,
) -> bool {
    let given: Vec<Vec<u8>> = signatures
        .into_iter()
        .filter_map(|s| hex::decode(s.trim()).ok())
        .collect();
    keys.iter().any(|key| {
        given.iter().any(|sig| {
            let mut mac =
                HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
            for p in parts {
                mac.update(p);
            }
            mac.verify_slice(sig).is_ok()
        })
    })
}

/// Whether two secrets are equal, in time that does not depend on where
/// they differ.
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    // HMAC both under a fixed key and compare the tags: constant time
    // whatever the lengths.
    let mut mac = HmacSha256::new_from_slice(b"talenti-secret-compare").expect("any key");
    mac.update(a);
    let tag = mac.finalize().into_bytes();
    let mut mac = HmacSha256::new_from_slice(b"talenti-secret-compare").expect("any key");
    mac.update(b);
    mac.verify_slice(&tag).is_ok()
}

/// Refuses a timestamp outside [`REPLAY_WINDOW`] of `now`.
pub fn within_window(sent: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), WebhookError> {
    let skew = (now - sent).num_seconds().unsigned_abs();
    if skew > REPLAY_WINDOW.as_secs() {
        return Err(WebhookError::Unauthenticated(
            "the timestamp is outside the replay window",
        ));
    }
    Ok(())
}

/// A header's value as text, or the reason it is missing.
pub fn header<'a>(
    headers: &'a reqwest::header::HeaderMap,
    name: &'static str,
) -> Result<&'a str, WebhookError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(WebhookError::Unauthenticated(
            "a signature header is missing",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let tag = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let keys = vec!["old".to_owned(), "Jefe".to_owned()];
        let sig = hex::encode(tag).to_uppercase();
        assert!(any_hex_signature_matches(
            &keys,
            &[b"what do ya want for nothing?"],
            ["zz", sig.as_str()]
        ));
        assert!(!any_hex_signature_matches(
            &keys,
            &[b"what do ya want for nothing!"],
            [sig.as_str()]
        ));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(secrets_equal(b"abc", b"abc"));
        assert!(!secrets_equal(b"abc", b"abd"));
        assert!(!secrets_equal(b"abc", b"abcd"));
        assert!(!secrets_equal(b"", b"a"));
    }

    #[test]
    fn the_replay_window_is_five_minutes_either_way() {
        let now = Utc::now();
        assert!(within_window(now - chrono::Duration::seconds(299), now).is_ok());
        assert!(within_window(now + chrono::Duration::seconds(299), now).is_ok());
        assert!(within_window(now - chrono::Duration::seconds(301), now).is_err());
        assert!(within_window(now + chrono::Duration::seconds(301), now).is_err());
    }
}
