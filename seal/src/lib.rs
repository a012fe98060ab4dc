//! Encryption at rest for personal data (emails, phone numbers, resume text,
//! link tokens), under a [`Keyring`] read from configuration.
//!
//! Values are sealed with XChaCha20-Poly1305 and a random 24-byte nonce, so
//! one key can seal any number of values. A sealed value is self-describing:
//!
//! ```text
//! 0x01 | id length (1 byte) | key id (1–32 bytes) | nonce (24 bytes) | ciphertext | tag (16 bytes)
//! ```
//!
//! Every seal takes associated data naming the value's place, such as
//! `candidates.email:<uuid>`: it is not stored but must be given again to
//! open, so a sealed value copied into another row or column does not open.
//! The header (version and key id) is authenticated along with it.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (data_key, index_key) = (seal::Keyring::generate_key(), seal::Keyring::generate_key());
//! let keys = seal::Keyring::parse(&format!("k1:{data_key}"), &index_key)?;
//! let aad = b"candidates.email:0190c3a2-7f41-7d2e-9a51-3c0e8f2b6d14";
//! let sealed = keys.seal_str("ada@example.com", aad);
//! assert_eq!(keys.open_str(&sealed, aad)?, "ada@example.com");
//! # Ok(())
//! # }
//! ```
//!
//! # Finding sealed values: blind indexes
//!
//! A sealed value cannot be looked up (its nonce is random). Where one must
//! be found by equality — a candidate by email — the row also stores
//! [`Keyring::blind_index`]: an HMAC-SHA256 of the normalised value under a
//! separate index key (`TALENTI_INDEX_KEY`). The index key does not rotate
//! with the data keys: changing it means recomputing every index (open the
//! value, index it again). Anyone holding both the database and the index
//! key can test a guessed value; without the key, the index says only which
//! rows share a value.
//!
//! # Key rotation
//!
//! The first key of the keyring seals; every key opens. To rotate:
//!
//! 1. Make a key ([`Keyring::generate_key`], or
//!    `head -c32 /dev/urandom | base64`) and put it in front:
//!    `TALENTI_DATA_KEYS=k2:<new>,k1:<old>`. With several processes, first
//!    deploy it last (`k1:<old>,k2:<new>`) so that every process can open
//!    `k2` values before any process seals one.
//! 2. Run the rotation job: for every value, [`Keyring::reseal`] and write
//!    back the values it returns.
//! 3. Once no stored value uses the old key ([`key_id`]), remove it.

use std::fmt;
use std::sync::Arc;

use anyhow::Context as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use chacha20poly1305::aead::rand_core::RngCore as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

const VERSION: u8 = 0x01;
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const MAX_ID_LEN: usize = 32;

const ANY_PADDING: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, ANY_PADDING);
const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, ANY_PADDING);

/// A keyring spec that cannot be used. Messages name an entry by its id (or
/// its 1-based position) and never include key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("no data keys: expected comma-separated `id:base64key` entries")]
    Empty,
    #[error("data key entry {position} is not of the form `id:base64key`")]
    MalformedEntry { position: usize },
    #[error(
        "data key entry {position}: the id must be 1–32 characters of A-Z, a-z, 0-9, `_` and `-`"
    )]
    BadId { position: usize },
    #[error("data key `{id}` appears more than once")]
    DuplicateId { id: String },
    #[error("data key `{id}` is not valid base64")]
    BadBase64 { id: String },
    #[error("data key `{id}` is {len} bytes; it must be exactly 32")]
    BadLength { id: String, len: usize },
    #[error("the index key is not 32 bytes of base64")]
    BadIndexKey,
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value uses data key `{0}`, which is not in the keyring")]
    UnknownKey(String),
    #[error(
        "sealed value failed authentication (tampered, or opened with the wrong associated data)"
    )]
    Authentication,
    #[error("opened value is not valid UTF-8")]
    NotUtf8,
}

struct DataKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// One or more 32-byte keys, each with an id. The first key is current: it
/// seals. All keys open. Beside them, the index key for
/// [blind indexes](Keyring::blind_index). Key bytes are wiped from memory on
/// drop.
pub struct Keyring {
    /// Never empty.
    keys: Vec<DataKey>,
    index: Zeroizing<[u8; KEY_LEN]>,
}

impl Keyring {
    /// Parses comma-separated `id:base64key` data key entries, current key
    /// first, and the index key (32 bytes of base64).
    ///
    /// Ids are 1–32 characters of `[A-Za-z0-9_-]`; keys are 32 bytes in
    /// standard or URL-safe base64, padded or not. Whitespace around entries,
    /// ids and keys is ignored.
    pub fn parse(spec: &str, index_key: &str) -> Result<Keyring, KeyringError> {
        let index = decode_key(index_key)
            .filter(|k| k.len() == KEY_LEN)
            .ok_or(KeyringError::BadIndexKey)?;
        let mut index_bytes = Zeroizing::new([0u8; KEY_LEN]);
        index_bytes.copy_from_slice(&index);
        if spec.trim().is_empty() {
            return Err(KeyringError::Empty);
        }
        let mut keys: Vec<DataKey> = Vec::new();
        for (i, entry) in spec.split(',').enumerate() {
            let position = i + 1;
            let (id, key) = entry
                .split_once(':')
                .ok_or(KeyringError::MalformedEntry { position })?;
            let (id, key) = (id.trim(), key.trim());
            if !valid_id(id) {
                return Err(KeyringError::BadId { position });
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyringError::DuplicateId { id: id.to_owned() });
            }
            let bytes =
                decode_key(key).ok_or_else(|| KeyringError::BadBase64 { id: id.to_owned() })?;
            if bytes.len() != KEY_LEN {
                return Err(KeyringError::BadLength {
                    id: id.to_owned(),
                    len: bytes.len(),
                });
            }
            let cipher = XChaCha20Poly1305::new(Key::from_slice(&bytes));
            keys.push(DataKey {
                id: id.to_owned(),
                cipher,
            });
        }
        Ok(Keyring {
            keys,
            index: index_bytes,
        })
    }

    /// A new random key in standard base64, for a keyring entry.
    pub fn generate_key() -> String {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(&mut key[..]);
        STANDARD.encode(&key[..])
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Seals `plaintext` under the current key, bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let key = &self.keys[0];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = Vec::with_capacity(2 + key.id.len() + NONCE_LEN + plaintext.len() + TAG_LEN);
        out.push(VERSION);
        out.push(key.id.len() as u8); // at most MAX_ID_LEN
        out.extend_from_slice(key.id.as_bytes());
        let payload = Payload {
            msg: plaintext,
            aad: &[&out[..], aad].concat(),
        };
        let ciphertext = key
            .cipher
            .encrypt(&nonce, payload)
            .expect("XChaCha20-Poly1305 seals up to 256 GiB");
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Opens a value sealed under any key of the keyring with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, OpenError> {
        let (header, id, body) = split(sealed).ok_or(OpenError::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_owned()))?;
        let (nonce, msg) = body.split_at(NONCE_LEN);
        let payload = Payload {
            msg,
            aad: &[header, aad].concat(),
        };
        key.cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| OpenError::Authentication)
    }

    /// [`seal`](Self::seal) for text.
    pub fn seal_str(&self, plaintext: &str, aad: &[u8]) -> Vec<u8> {
        self.seal(plaintext.as_bytes(), aad)
    }

    /// [`open`](Self::open) for text.
    pub fn open_str(&self, sealed: &[u8], aad: &[u8]) -> Result<String, OpenError> {
        String::from_utf8(self.open(sealed, aad)?).map_err(|_| OpenError::NotUtf8)
    }

    /// The blind index of `value` in `domain` (such as `candidates.email`):
    /// HMAC-SHA256 under the index key over the domain, a zero byte and the
    /// value, which the caller normalises first. Equal values in one domain
    /// have equal indexes; other domains' do not match.
    pub fn blind_index(&self, domain: &str, value: &str) -> Vec<u8> {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.index[..])
            .expect("HMAC takes a key of any length");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Whether `sealed` is under the current key.
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        key_id(sealed) == Some(self.current_id())
    }

    /// For rotation: `sealed` opened and sealed again under the current key,
    /// or `None` when it already is under the current key (not verified then).
    pub fn reseal(&self, sealed: &[u8], aad: &[u8]) -> Result<Option<Vec<u8>>, OpenError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        let plaintext = Zeroizing::new(self.open(sealed, aad)?);
        Ok(Some(self.seal(&plaintext, aad)))
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("ids", &ids).finish()
    }
}

fn decode_key(key: &str) -> Option<Zeroizing<Vec<u8>>> {
    let key = key.trim();
    STANDARD_ANY_PADDING
        .decode(key)
        .or_else(|_| URL_SAFE_ANY_PADDING.decode(key))
        .ok()
        .map(Zeroizing::new)
}

/// The id of the key `sealed` is under, or `None` if it is malformed.
pub fn key_id(sealed: &[u8]) -> Option<&str> {
    split(sealed).map(|(_, id, _)| id)
}

fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Splits a well-formed sealed value into header, key id and
/// nonce + ciphertext + tag.
fn split(sealed: &[u8]) -> Option<(&[u8], &str, &[u8])> {
    let (&version, rest) = sealed.split_first()?;
    let (&id_len, rest) = rest.split_first()?;
    let id_len = usize::from(id_len);
    if version != VERSION || rest.len() < id_len + NONCE_LEN + TAG_LEN {
        return None;
    }
    let (id, body) = rest.split_at(id_len);
    let id = std::str::from_utf8(id).ok().filter(|id| valid_id(id))?;
    Some((&sealed[..2 + id_len], id, body))
}

/// Keys for personal data at rest.
#[derive(Clone, clap::Args)]
pub struct KeysConfig {
    /// Keys sealing personal data at rest: comma-separated `id:base64key`
    /// entries, each id 1–32 characters of `A-Za-z0-9_-` and each key 32
    /// random bytes in base64 (`head -c32 /dev/urandom | base64`). The first
    /// key seals; all of them open. To rotate, add the new key in front and
    /// keep the old ones until the rotation job has re-sealed every value.
    #[arg(
        long,
        env = "TALENTI_DATA_KEYS",
        hide_env_values = true,
        value_name = "ID:KEY,..."
    )]
    pub data_keys: Option<String>,

    /// The key of the blind indexes that find sealed values by equality (a
    /// candidate by email or phone): 32 random bytes in base64. Unlike the
    /// data keys it does not rotate; keep it as long as the data.
    #[arg(
        long,
        env = "TALENTI_INDEX_KEY",
        hide_env_values = true,
        value_name = "BASE64"
    )]
    pub index_key: Option<String>,
}

impl KeysConfig {
    pub fn keyring(&self) -> anyhow::Result<Arc<Keyring>> {
        let spec = self.data_keys.as_deref().context(
            "no data keys: set TALENTI_DATA_KEYS (or --data-keys) to `id:base64key` entries, \
             e.g. TALENTI_DATA_KEYS=k1:$(head -c32 /dev/urandom | base64)",
        )?;
        let index = self.index_key.as_deref().context(
            "no index key: set TALENTI_INDEX_KEY (or --index-key) to 32 random bytes in base64, \
             e.g. TALENTI_INDEX_KEY=$(head -c32 /dev/urandom | base64)",
        )?;
        let keyring = Keyring::parse(spec, index).map_err(|e| match e {
            KeyringError::BadIndexKey => anyhow::Error::new(e).context("TALENTI_INDEX_KEY"),
            e => anyhow::Error::new(e).context("TALENTI_DATA_KEYS"),
        })?;
        Ok(Arc::new(keyring))
    }
}

impl fmt::Debug for KeysConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = self.data_keys.as_ref().map(|_| "<redacted>");
        let index = self.index_key.as_ref().map(|_| "<redacted>");
        f.debug_struct("KeysConfig")
            .field("data_keys", &redacted)
            .field("index_key", &index)
            .finish()
    }
}

/// 32 random bytes from the operating system (a signing key).
pub fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A new secret for a link or bearer token: 32 random bytes, URL-safe
/// base64 without padding.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 digest a token is stored and looked up by.
pub fn token_digest(token: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AAD: &[u8] = b"candidates.email:0190c3a2-7f41-7d2e-9a51-3c0e8f2b6d14";

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; KEY_LEN])
    }

    fn ring(spec: &str) -> Keyring {
        Keyring::parse(spec, &key(0xee)).unwrap()
    }

    #[test]
    fn round_trip() {
        let keys = ring(&format!("k1:{}", key(1)));
        for plaintext in [&b""[..], b"ada@example.com", &[0u8; 10_000]] {
            let sealed = keys.seal(plaintext, AAD);
            assert_eq!(keys.open(&sealed, AAD).unwrap(), plaintext);
        }
        let sealed = keys.seal_str("Ada Lovelace, +44 20 7946 0958", AAD);
        assert_eq!(
            keys.open_str(&sealed, AAD).unwrap(),
            "Ada Lovelace, +44 20 7946 0958"
        );
    }

    #[test]
    fn format() {
        let keys = ring(&format!("k1:{}", key(1)));
        let sealed = keys.seal(b"abc", AAD);
        assert_eq!(&sealed[..4], b"\x01\x02k1");
        assert_eq!(sealed.len(), 4 + NONCE_LEN + 3 + TAG_LEN);
        assert_eq!(key_id(&sealed), Some("k1"));
        assert_eq!(keys.current_id(), "k1");
    }

    #[test]
    fn seals_differ_by_nonce() {
        let keys = ring(&format!("k1:{}", key(1)));
        let (a, b) = (keys.seal(b"same", AAD), keys.seal(b"same", AAD));
        assert_ne!(a, b);
        assert_eq!(keys.open(&a, AAD).unwrap(), keys.open(&b, AAD).unwrap());
    }

    #[test]
    fn wrong_aad_fails() {
        let keys = ring(&format!("k1:{}", key(1)));
        let sealed = keys.seal(b"ada@example.com", b"candidates.email:1");
        assert_eq!(
            keys.open(&sealed, b"candidates.email:2"),
            Err(OpenError::Authentication)
        );
        assert_eq!(keys.open(&sealed, b""), Err(OpenError::Authentication));
    }

    #[test]
    fn tampering_any_byte_fails() {
        let keys = ring(&format!("k1:{}", key(1)));
        let sealed = keys.seal(b"ada@example.com", AAD);
        for i in 0..sealed.len() {
            for flip in [0x01, 0x80] {
                let mut tampered = sealed.clone();
                tampered[i] ^= flip;
                let result = keys.open(&tampered, AAD);
                assert!(result.is_err(), "byte {i} ^ {flip:#x} opened");
                if i >= 4 {
                    assert_eq!(result, Err(OpenError::Authentication));
                }
            }
        }
        // Extending the value fails too.
        let mut longer = sealed.clone();
        longer.push(0);
        assert_eq!(keys.open(&longer, AAD), Err(OpenError::Authentication));
    }

    #[test]
    fn header_is_authenticated() {
        // The same key under two ids: relabelling a value still fails.
        let keys = ring(&format!("a1:{k},b1:{k}", k = key(1)));
        let mut sealed = keys.seal(b"ada@example.com", AAD);
        sealed[2] = b'b';
        assert_eq!(key_id(&sealed), Some("b1"));
        assert_eq!(keys.open(&sealed, AAD), Err(OpenError::Authentication));
    }

    #[test]
    fn hostile_input_errors_without_panicking() {
        let keys = ring(&format!("k1:{}", key(1)));
        let sealed = keys.seal(b"ada@example.com", AAD);
        for n in 0..sealed.len() {
            assert!(
                keys.open(&sealed[..n], AAD).is_err(),
                "prefix of {n} bytes opened"
            );
        }
        let min = 4 + NONCE_LEN + TAG_LEN;
        for n in 0..min {
            assert_eq!(keys.open(&sealed[..n], AAD), Err(OpenError::Malformed));
            assert_eq!(key_id(&sealed[..n]), None);
        }
        let body = [0u8; NONCE_LEN + TAG_LEN];
        let cases: [&[u8]; 6] = [
            &[],
            &[VERSION, 255, b'k'],
            &[&[VERSION, 255][..], &[b'k'; 300]].concat(),
            &[&[VERSION, 0][..], &body].concat(),
            &[&[0x02, 2, b'k', b'1'][..], &body].concat(),
            &[&[VERSION, 2, 0xff, 0xfe][..], &body].concat(),
        ];
        for case in cases {
            assert_eq!(keys.open(case, AAD), Err(OpenError::Malformed));
            assert_eq!(keys.reseal(case, AAD), Err(OpenError::Malformed));
            assert_eq!(key_id(case), None);
            assert!(!keys.is_current(case));
        }
    }

    #[test]
    fn bad_utf8_is_an_error() {
        let keys = ring(&format!("k1:{}", key(1)));
        let sealed = keys.seal(&[0xff, 0xfe], AAD);
        assert_eq!(keys.open_str(&sealed, AAD), Err(OpenError::NotUtf8));
    }

    #[test]
    fn unknown_key_id() {
        let old = ring(&format!("k1:{}", key(1)));
        let other = ring(&format!("k9:{}", key(1)));
        let sealed = old.seal(b"ada@example.com", AAD);
        let err = other.open(&sealed, AAD).unwrap_err();
        assert_eq!(err, OpenError::UnknownKey("k1".into()));
        assert!(err.to_string().contains("`k1`"), "{err}");
    }

    #[test]
    fn rotation() {
        let old = ring(&format!("k1:{}", key(1)));
        let new = ring(&format!("k2:{},k1:{}", key(2), key(1)));
        let sealed = old.seal_str("ada@example.com", AAD);

        assert_eq!(new.open_str(&sealed, AAD).unwrap(), "ada@example.com");
        assert!(old.is_current(&sealed));
        assert!(!new.is_current(&sealed));

        assert_eq!(
            new.reseal(&sealed, b"elsewhere"),
            Err(OpenError::Authentication)
        );
        let resealed = new.reseal(&sealed, AAD).unwrap().unwrap();
        assert_eq!(key_id(&resealed), Some("k2"));
        assert!(new.is_current(&resealed));
        assert_eq!(new.open_str(&resealed, AAD).unwrap(), "ada@example.com");
        assert_eq!(new.reseal(&resealed, AAD), Ok(None));
        assert_eq!(
            old.open(&resealed, AAD),
            Err(OpenError::UnknownKey("k2".into()))
        );
    }

    #[test]
    fn parses_base64_variants_and_whitespace() {
        let bytes = [0xfbu8; KEY_LEN]; // encodes with `+`/`/` or `-`/`_`
        let standard = STANDARD.encode(bytes);
        let unpadded = standard.trim_end_matches('=').to_owned();
        let url_safe = standard.replace('+', "-").replace('/', "_");
        let url_unpadded = url_safe.trim_end_matches('=').to_owned();
        assert!(standard.contains('+') && standard.ends_with('='));

        let reference = ring(&format!("k_1:{standard}"));
        let sealed = reference.seal(b"x", AAD);
        for encoded in [&standard, &unpadded, &url_safe, &url_unpadded] {
            let keys = ring(&format!(" k2 : {} , k_1:{encoded} ", key(2)));
            assert_eq!(keys.current_id(), "k2");
            assert_eq!(keys.open(&sealed, AAD).unwrap(), b"x");
        }
        let longest = "A".repeat(MAX_ID_LEN);
        assert_eq!(ring(&format!("{longest}:{}", key(1))).current_id(), longest);
    }

    #[test]
    fn parse_errors() {
        let k = key(7);
        let short = STANDARD.encode([7u8; 31]);
        let cases = [
            (String::new(), KeyringError::Empty),
            (" , ".into(), KeyringError::MalformedEntry { position: 1 }),
            (" \n".into(), KeyringError::Empty),
            (k.clone(), KeyringError::MalformedEntry { position: 1 }),
            (
                format!("k1:{k},"),
                KeyringError::MalformedEntry { position: 2 },
            ),
            (
                format!("k1:{k},{k}"),
                KeyringError::MalformedEntry { position: 2 },
            ),
            (format!(":{k}"), KeyringError::BadId { position: 1 }),
            (
                format!("k1:{k},k 2:{k}"),
                KeyringError::BadId { position: 2 },
            ),
            (format!("k.1:{k}"), KeyringError::BadId { position: 1 }),
            (
                format!("{}:{k}", "a".repeat(33)),
                KeyringError::BadId { position: 1 },
            ),
            (
                format!("k1:{k},k1:{}", key(8)),
                KeyringError::DuplicateId { id: "k1".into() },
            ),
            (
                format!("k1:{}*", &k[..43]),
                KeyringError::BadBase64 { id: "k1".into() },
            ),
            (
                format!("k1:{k}{k}"),
                KeyringError::BadBase64 { id: "k1".into() },
            ),
            (
                "k1:".into(),
                KeyringError::BadLength {
                    id: "k1".into(),
                    len: 0,
                },
            ),
            (
                format!("k1:{short}"),
                KeyringError::BadLength {
                    id: "k1".into(),
                    len: 31,
                },
            ),
        ];
        for (spec, expected) in cases {
            let err = Keyring::parse(&spec, &key(0xee)).unwrap_err();
            assert_eq!(err, expected, "{spec:?}");
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains(&k[..8]) && !shown.contains(&short[..8]),
                "{shown}"
            );
        }
    }

    #[test]
    fn debug_shows_ids_only() {
        let (k1, k2) = (key(1), key(2));
        let keys = ring(&format!("k2:{k2},k1:{k1}"));
        let shown = format!("{keys:?} {keys:#?}");
        assert!(
            shown.contains("\"k2\"") && shown.contains("\"k1\""),
            "{shown}"
        );
        assert!(
            !shown.contains(&k1[..8]) && !shown.contains(&k2[..8]),
            "{shown}"
        );

        let config = KeysConfig {
            data_keys: Some(format!("k1:{k1}")),
            index_key: Some(key(0xee)),
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains(&k1[..8]) && !shown.contains(&key(0xee)[..8]),
            "{shown}"
        );
    }

    #[test]
    fn blind_index_is_keyed_and_domain_separated() {
        let keys = ring(&format!("k1:{}", key(1)));
        let a = keys.blind_index("candidates.email", "ada@example.com");
        assert_eq!(a.len(), 32);
        // The same value, domain and index key: the same index, whichever
        // data keys seal.
        let rotated = ring(&format!("k2:{},k1:{}", key(2), key(1)));
        assert_eq!(
            a,
            rotated.blind_index("candidates.email", "ada@example.com")
        );
        assert_ne!(a, keys.blind_index("candidates.email", "bob@example.com"));
        assert_ne!(a, keys.blind_index("candidates.phone", "ada@example.com"));
        // No ambiguity between where the domain ends and the value starts.
        assert_ne!(keys.blind_index("a", "bc"), keys.blind_index("ab", "c"));
        let other = Keyring::parse(&format!("k1:{}", key(1)), &key(0xdd)).unwrap();
        assert_ne!(a, other.blind_index("candidates.email", "ada@example.com"));
        // Not the bare SHA-256 of the value (which anyone could compute).
        assert_ne!(a, token_digest("ada@example.com"));
    }

    #[test]
    fn generated_keys_parse() {
        let (a, b) = (Keyring::generate_key(), Keyring::generate_key());
        assert_ne!(a, b);
        assert_eq!(a.len(), 44);
        let keys = ring(&format!("k2:{a},k1:{b}"));
        let sealed = keys.seal(b"x", AAD);
        assert_eq!(keys.open(&sealed, AAD).unwrap(), b"x");
    }

    #[test]
    fn config() {
        use clap::Parser;

        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            keys: KeysConfig,
        }

        let spec = format!("k2:{},k1:{}", key(2), key(1));
        let index = key(0xee);
        let cli =
            Cli::try_parse_from(["talenti", "--data-keys", &spec, "--index-key", &index]).unwrap();
        assert_eq!(cli.keys.keyring().unwrap().current_id(), "k2");

        let unset = KeysConfig {
            data_keys: None,
            index_key: Some(index.clone()),
        }
        .keyring()
        .unwrap_err()
        .to_string();
        assert!(
            unset.contains("TALENTI_DATA_KEYS") && unset.contains("head -c32"),
            "{unset}"
        );
        let unset = KeysConfig {
            data_keys: Some(spec.clone()),
            index_key: None,
        }
        .keyring()
        .unwrap_err()
        .to_string();
        assert!(
            unset.contains("TALENTI_INDEX_KEY") && unset.contains("head -c32"),
            "{unset}"
        );
        let short = KeysConfig {
            data_keys: Some(spec.clone()),
            index_key: Some(index[..20].to_owned()),
        };
        let err = format!("{:#}", short.keyring().unwrap_err());
        assert!(err.contains("TALENTI_INDEX_KEY"), "{err}");
        assert!(!err.contains(&index[..8]), "{err}");

        let bad = KeysConfig {
            data_keys: Some(format!("k1:{}", &key(1)[..20])),
            index_key: Some(index),
        };
        let err = format!("{:#}", bad.keyring().unwrap_err());
        assert!(
            err.contains("TALENTI_DATA_KEYS") && err.contains("`k1`"),
            "{err}"
        );
        assert!(!err.contains(&key(1)[..8]), "{err}");
    }
}
