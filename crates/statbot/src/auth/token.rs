//! API tokens: HS256 JWTs carrying the user id, name, role and the account's token version,
//! expiring after the configured lifetime. Every request compares the version with the
//! account's (`crate::http::extract`), so a role or password change ends a token at once.

use super::AuthError;
use crate::store::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: i64,
    pub name: String,
    pub role: String,
    /// The account's token version when the token was issued (0 in tokens made before versions).
    #[serde(default)]
    pub ver: i64,
    pub iat: u64,
    pub exp: u64,
}

impl Claims {
    pub fn role(&self) -> Option<Role> {
        self.role.parse().ok()
    }
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_secs: u64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        TokenKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), ttl_secs }
    }

    /// A token for the user at its current token version, and its lifetime in seconds.
    pub fn issue(&self, user_id: i64, name: &str, role: Role, version: i64) -> Result<(String, u64), AuthError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let claims = Claims {
            sub: user_id,
            name: name.to_owned(),
            role: role.as_str().to_owned(),
            ver: version,
            iat: now,
            exp: now + self.ttl_secs,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Hashing(e.to_string()))?;
        Ok((token, self.ttl_secs))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|_| AuthError::InvalidToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_foreign_ones_do_not() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let (token, ttl) = keys.issue(7, "ana", Role::Admin, 3).unwrap();
        assert_eq!(ttl, 60);
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.sub, claims.role(), claims.ver), (7, Some(Role::Admin), 3));
        let other = TokenKeys::new(b"another secret, just as long....", 60);
        assert!(other.verify(&token).is_err());
        assert!(keys.verify("not.a.token").is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 0);
        let (token, _) = keys.issue(1, "a", Role::Staff, 0).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert!(keys.verify(&token).is_err());
    }
}
