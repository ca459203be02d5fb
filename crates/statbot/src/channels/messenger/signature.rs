//! Checks (and, for tests and benchmarks, computes) the `X-Hub-Signature-256` header Facebook
//! puts on every webhook delivery: `sha256=` followed by the hex HMAC-SHA256 of the raw body,
//! keyed with the app secret.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use thiserror::Error;

/// The header carrying the signature (lower case, as `http` normalises header names).
pub const HEADER: &str = "x-hub-signature-256";

const PREFIX: &str = "sha256=";

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery's signature was refused. The variants are distinct so logs tell a
/// misconfigured proxy (missing header) from a wrong app secret (mismatch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header does not start with `sha256=`")]
    WrongPrefix,
    #[error("the X-Hub-Signature-256 header is not valid hex")]
    BadHex,
    #[error("the X-Hub-Signature-256 header does not match the body")]
    Mismatch,
}

fn mac(app_secret: &str) -> HmacSha256 {
    // Invariant: HMAC accepts keys of any length (longer keys are hashed, shorter ones padded),
    // so `new_from_slice` never fails for `Hmac<Sha256>`.
    HmacSha256::new_from_slice(app_secret.as_bytes()).expect("HMAC accepts keys of any length")
}

/// Checks `header` (the value of `X-Hub-Signature-256`) against `body`, in constant time.
pub fn verify(app_secret: &str, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_sig = header.trim().strip_prefix(PREFIX).ok_or(SignatureError::WrongPrefix)?;
    let expected = hex::decode(hex_sig).map_err(|_| SignatureError::BadHex)?;
    let mut mac = mac(app_secret);
    mac.update(body);
    // `verify_slice` compares in constant time (and refuses a tag of the wrong length).
    mac.verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
}

/// The full `X-Hub-Signature-256` header value for `body`: `sha256=<lower-case hex>`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac = mac(app_secret);
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const BODY: &[u8] = include_bytes!("testdata/inbound-text.json");

    #[test]
    fn accepts_its_own_signature() {
        let header = sign(SECRET, BODY);
        assert!(header.starts_with("sha256="));
        assert_eq!(header.len(), "sha256=".len() + 64);
        assert_eq!(verify(SECRET, BODY, Some(&header)), Ok(()));
    }

    #[test]
    fn accepts_upper_case_hex() {
        let header = sign(SECRET, BODY);
        let upper = format!("sha256={}", header["sha256=".len()..].to_uppercase());
        assert_eq!(verify(SECRET, BODY, Some(&upper)), Ok(()));
    }

    #[test]
    fn matches_a_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn refuses_a_missing_header() {
        assert_eq!(verify(SECRET, BODY, None), Err(SignatureError::Missing));
    }

    #[test]
    fn refuses_a_wrong_prefix() {
        let header = sign(SECRET, BODY).replace("sha256=", "sha1=");
        assert_eq!(verify(SECRET, BODY, Some(&header)), Err(SignatureError::WrongPrefix));
        let bare = sign(SECRET, BODY)["sha256=".len()..].to_string();
        assert_eq!(verify(SECRET, BODY, Some(&bare)), Err(SignatureError::WrongPrefix));
    }

    #[test]
    fn refuses_bad_hex() {
        assert_eq!(verify(SECRET, BODY, Some("sha256=zz")), Err(SignatureError::BadHex));
        assert_eq!(verify(SECRET, BODY, Some("sha256=abc")), Err(SignatureError::BadHex));
    }

    #[test]
    fn refuses_a_mismatch() {
        let header = sign(SECRET, BODY);
        assert_eq!(verify("another secret", BODY, Some(&header)), Err(SignatureError::Mismatch));
        let mut tampered = BODY.to_vec();
        tampered[0] ^= 1;
        assert_eq!(verify(SECRET, &tampered, Some(&header)), Err(SignatureError::Mismatch));
        // Valid hex of the wrong length.
        assert_eq!(verify(SECRET, BODY, Some("sha256=abcd")), Err(SignatureError::Mismatch));
        assert_eq!(verify(SECRET, BODY, Some("sha256=")), Err(SignatureError::Mismatch));
    }
}
