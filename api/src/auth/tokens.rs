//! Access tokens (short-lived HS256 JWTs we issue), externally issued HS256
//! JWTs (the Supabase convention), refresh tokens and API keys (opaque
//! random secrets stored as SHA-256 hashes).

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{
    decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use uuid::Uuid;

const ISSUER: &str = "talenti";
const AUDIENCE: &str = "talenti-api";
pub const API_KEY_PREFIX: &str = "tal_";

/// Claims of our access tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    /// The login (refresh token family) this token belongs to; logout revokes it.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Claims we read from an external identity provider's token.
#[derive(Debug, Clone, Deserialize)]
pub struct ExternalClaims {
    pub sub: String,
    pub email: Option<String>,
    /// The OpenID Connect claim: the provider checked that the subject
    /// receives mail at `email`. Only then does the email link or verify an
    /// account.
    /// Some providers send it as the string `"true"`.
    #[serde(default)]
    pub email_verified: Option<serde_json::Value>,
    #[allow(dead_code)]
    pub role: Option<String>,
}

impl ExternalClaims {
    pub fn email_verified(&self) -> bool {
        matches!(&self.email_verified, Some(serde_json::Value::Bool(true)))
            || matches!(&self.email_verified, Some(serde_json::Value::String(s)) if s == "true")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    external: Option<(DecodingKey, String)>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl TokenKeys {
    pub fn new(
        secret: &[u8],
        external: Option<(&[u8], &str)>,
        access_ttl: Duration,
        refresh_ttl: Duration,
    ) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            external: external.map(|(s, aud)| (DecodingKey::from_secret(s), aud.to_owned())),
            access_ttl,
            refresh_ttl,
        }
    }

    pub fn issue_access(&self, user_id: Uuid, family: Uuid, now: DateTime<Utc>) -> String {
        let claims = AccessClaims {
            sub: user_id,
            sid: family,
            iat: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding cannot fail")
    }

    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.leeway = 5;
        decode::<AccessClaims>(token, &self.decoding, &v)
            .map(|d| d.claims)
            .map_err(map_jwt_error)
    }

    /// Verifies an externally issued token, if external tokens are enabled.
    pub fn verify_external(&self, token: &str) -> Option<Result<ExternalClaims, TokenError>> {
        let (key, aud) = self.external.as_ref()?;
        let mut v = Validation::new(Algorithm::HS256);
        v.set_audience(&[aud.as_str()]);
        v.set_required_spec_claims(&["exp", "sub", "aud"]);
        v.leeway = 5;
        Some(
            decode::<ExternalClaims>(token, key, &v)
                .map(|d| d.claims)
                .map_err(map_jwt_error),
        )
    }
}

fn map_jwt_error(e: jsonwebtoken::errors::Error) -> TokenError {
    match e.kind() {
        ErrorKind::ExpiredSignature => TokenError::Expired,
        _ => TokenError::Invalid,
    }
}

/// 32 random bytes, URL-safe base64.
pub fn random_secret() -> String {
    seal::random_token()
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    seal::token_digest(secret)
}

/// A new API key: (full key shown once, its visible prefix, hash to store).
pub fn new_api_key() -> (String, String, Vec<u8>) {
    let mut id = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut id);
    let prefix = format!("{API_KEY_PREFIX}{}", hex(&id));
    let key = format!("{prefix}_{}", random_secret());
    let hash = hash_secret(&key);
    (key, prefix, hash)
}

/// The prefix of a presented API key (`tal_<12 hex>`), if it looks like one.
pub fn api_key_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(API_KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !secret.is_empty())
        .then(|| &key[..API_KEY_PREFIX.len() + 12])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_round_trip_their_prefix() {
        let (key, prefix, hash) = new_api_key();
        assert_eq!(api_key_prefix(&key), Some(prefix.as_str()));
        assert_eq!(hash, hash_secret(&key));
        assert_eq!(api_key_prefix("tal_zz_x"), None);
        assert_eq!(api_key_prefix("eyJhbGciOi"), None);
    }

    #[test]
    fn access_tokens_verify_and_reject_tampering_and_expiry() {
        let keys = TokenKeys::new(
            b"secret-one",
            None,
            Duration::minutes(15),
            Duration::days(30),
        );
        let user = Uuid::now_v7();
        let t = keys.issue_access(user, Uuid::now_v7(), Utc::now());
        assert_eq!(keys.verify_access(&t).unwrap().sub, user);
        let other = TokenKeys::new(
            b"secret-two",
            None,
            Duration::minutes(15),
            Duration::days(30),
        );
        assert_eq!(other.verify_access(&t).unwrap_err(), TokenError::Invalid);
        let old = keys.issue_access(user, Uuid::now_v7(), Utc::now() - Duration::hours(1));
        assert_eq!(keys.verify_access(&old).unwrap_err(), TokenError::Expired);
    }
}
