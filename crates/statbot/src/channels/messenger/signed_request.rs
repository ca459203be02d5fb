//! Meta's `signed_request`, as its data deletion callback posts it: `<signature>.<payload>`,
//! both base64url (Meta leaves the padding out; some report an `=` appended, so either is
//! read), the signature being the HMAC-SHA256 of the payload part, as sent, keyed with the
//! **app secret**. The payload is JSON: `algorithm` (must be `HMAC-SHA256`, any case),
//! `user_id` (the app-scoped id of the person) and `issued_at`. The signature is checked, in
//! constant time, before the payload is read.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// base64url that reads with or without padding and writes without, as Meta does.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The only algorithm Meta signs with.
const ALGORITHM: &str = "HMAC-SHA256";

/// A longer `user_id` is no id of Meta's.
const MAX_USER_ID: usize = 128;

/// A verified data deletion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRequest {
    /// The app-scoped id of the person asking.
    pub user_id: String,
    /// When Meta issued the request (seconds since the epoch), when it says.
    pub issued_at: Option<i64>,
}

/// Why a `signed_request` was refused. Distinct variants, so the logs tell a wrong app secret
/// (`BadSignature`) from a broken sender (`Malformed`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignedRequestError {
    #[error("the signed_request field is missing or empty")]
    Missing,
    #[error("the signed_request is not `<signature>.<payload>` in base64url")]
    Malformed,
    #[error("the signed_request's signature does not match its payload")]
    BadSignature,
    #[error("the signed_request's payload is not a JSON object with a user_id")]
    BadPayload,
    #[error("the signed_request is not signed with HMAC-SHA256")]
    WrongAlgorithm,
}

fn mac(app_secret: &str) -> HmacSha256 {
    // Invariant: HMAC accepts keys of any length (longer keys are hashed, shorter ones padded),
    // so `new_from_slice` never fails for `Hmac<Sha256>`.
    HmacSha256::new_from_slice(app_secret.as_bytes()).expect("HMAC accepts keys of any length")
}

#[derive(Deserialize)]
struct Payload {
    algorithm: Option<String>,
    user_id: Option<UserId>,
    issued_at: Option<serde_json::Value>,
}

/// Meta writes ids as strings; a number is read too.
#[derive(Deserialize)]
#[serde(untagged)]
enum UserId {
    Text(String),
    Number(u64),
}

/// Checks and reads a `signed_request` with the app secret.
pub fn parse(app_secret: &str, signed_request: &str) -> Result<DeletionRequest, SignedRequestError> {
    let signed_request = signed_request.trim();
    if signed_request.is_empty() {
        return Err(SignedRequestError::Missing);
    }
    let (signature, payload) = signed_request.split_once('.').ok_or(SignedRequestError::Malformed)?;
    let signature = BASE64URL.decode(signature).map_err(|_| SignedRequestError::Malformed)?;
    let json = BASE64URL.decode(payload).map_err(|_| SignedRequestError::Malformed)?;
    let mut mac = mac(app_secret);
    mac.update(payload.as_bytes());
    // `verify_slice` compares in constant time (and refuses a tag of the wrong length).
    mac.verify_slice(&signature).map_err(|_| SignedRequestError::BadSignature)?;
    let payload: Payload = serde_json::from_slice(&json).map_err(|_| SignedRequestError::BadPayload)?;
    if !payload.algorithm.is_some_and(|a| a.eq_ignore_ascii_case(ALGORITHM)) {
        return Err(SignedRequestError::WrongAlgorithm);
    }
    let user_id = match payload.user_id {
        Some(UserId::Text(id)) => id,
        Some(UserId::Number(id)) => id.to_string(),
        None => return Err(SignedRequestError::BadPayload),
    };
    if user_id.trim().is_empty() || user_id.len() > MAX_USER_ID || user_id.chars().any(char::is_control) {
        return Err(SignedRequestError::BadPayload);
    }
    Ok(DeletionRequest { user_id, issued_at: payload.issued_at.as_ref().and_then(serde_json::Value::as_i64) })
}

/// A `signed_request` for `payload` (JSON text), signed as Meta signs it: for tests and for
/// trying a deployment by hand.
pub fn sign(app_secret: &str, payload: &str) -> String {
    let payload = BASE64URL.encode(payload.as_bytes());
    let mut mac = mac(app_secret);
    mac.update(payload.as_bytes());
    format!("{}.{payload}", BASE64URL.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn payload(algorithm: &str, user_id: &str) -> String {
        serde_json::json!({ "algorithm": algorithm, "expires": 1291840400, "issued_at": 1291836800, "user_id": user_id })
            .to_string()
    }

    #[test]
    fn reads_what_it_signs() {
        let signed = sign(SECRET, &payload("HMAC-SHA256", "218471"));
        assert!(!signed.contains('='), "no padding: {signed}");
        assert_eq!(
            parse(SECRET, &signed),
            Ok(DeletionRequest { user_id: "218471".into(), issued_at: Some(1291836800) })
        );
    }

    #[test]
    fn reads_a_request_signed_by_hand_as_meta_documents_it() {
        // Built step by step as Meta's PHP sample reads it: base64url without padding, HMAC of
        // the payload part as sent.
        let json = r#"{"algorithm":"HMAC-SHA256","expires":1291840400,"issued_at":1291836800,"user_id":"218471"}"#;
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(encoded.as_bytes());
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert_eq!(parse(SECRET, &format!("{sig}.{encoded}")).unwrap().user_id, "218471");
        // The signature with the `=` some report Meta appends.
        assert_eq!(parse(SECRET, &format!("{sig}=.{encoded}")).unwrap().user_id, "218471");
    }

    #[test]
    fn accepts_the_algorithm_in_any_case_and_a_numeric_id() {
        assert!(parse(SECRET, &sign(SECRET, &payload("hmac-sha256", "1"))).is_ok());
        let numeric = r#"{"algorithm":"HMAC-SHA256","user_id":42}"#;
        assert_eq!(
            parse(SECRET, &sign(SECRET, numeric)),
            Ok(DeletionRequest { user_id: "42".into(), issued_at: None })
        );
    }

    #[test]
    fn refuses_another_algorithm_even_signed_right() {
        for algorithm in ["HMAC-SHA1", "none", ""] {
            let signed = sign(SECRET, &payload(algorithm, "218471"));
            assert_eq!(parse(SECRET, &signed), Err(SignedRequestError::WrongAlgorithm), "{algorithm}");
        }
        let none = sign(SECRET, r#"{"user_id":"218471"}"#);
        assert_eq!(parse(SECRET, &none), Err(SignedRequestError::WrongAlgorithm));
    }

    #[test]
    fn refuses_a_wrong_secret_or_a_changed_payload() {
        let signed = sign(SECRET, &payload("HMAC-SHA256", "218471"));
        assert_eq!(parse("another secret", &signed), Err(SignedRequestError::BadSignature));
        let (sig, _) = signed.split_once('.').unwrap();
        let other = BASE64URL.encode(payload("HMAC-SHA256", "999"));
        assert_eq!(parse(SECRET, &format!("{sig}.{other}")), Err(SignedRequestError::BadSignature));
        assert_eq!(parse(SECRET, &format!(".{other}")), Err(SignedRequestError::BadSignature));
    }

    #[test]
    fn refuses_malformed_requests() {
        assert_eq!(parse(SECRET, ""), Err(SignedRequestError::Missing));
        assert_eq!(parse(SECRET, "  "), Err(SignedRequestError::Missing));
        assert_eq!(parse(SECRET, "no-dot"), Err(SignedRequestError::Malformed));
        assert_eq!(parse(SECRET, "a*b.c"), Err(SignedRequestError::Malformed));
        assert_eq!(parse(SECRET, "abcd.e"), Err(SignedRequestError::Malformed));
    }

    #[test]
    fn refuses_payloads_without_a_usable_user_id() {
        for json in [
            "not json",
            "[]",
            r#"{"algorithm":"HMAC-SHA256"}"#,
            r#"{"algorithm":"HMAC-SHA256","user_id":""}"#,
            r#"{"algorithm":"HMAC-SHA256","user_id":null}"#,
            r#"{"algorithm":"HMAC-SHA256","user_id":"a\nb"}"#,
            r#"{"algorithm":"HMAC-SHA256","user_id":[1]}"#,
            r#"{"algorithm":"HMAC-SHA256","user_id":-1}"#,
        ] {
            assert_eq!(parse(SECRET, &sign(SECRET, json)), Err(SignedRequestError::BadPayload), "{json}");
        }
        let long = payload("HMAC-SHA256", &"1".repeat(MAX_USER_ID + 1));
        assert_eq!(parse(SECRET, &sign(SECRET, &long)), Err(SignedRequestError::BadPayload));
    }

    proptest! {
        #![proptest_config(fuzz::config(256))]

        #[test]
        fn any_text_gives_a_request_or_an_error(text in fuzz::any_text()) {
            let _ = parse(SECRET, &text);
        }

        #[test]
        fn damaged_requests_give_a_request_or_an_error(
            damaged in fuzz::mutated_text(&sign(SECRET, &payload("HMAC-SHA256", "218471")))
        ) {
            // A change that keeps the signature valid can only touch padding or blanks around it.
            if let Ok(request) = parse(SECRET, &damaged) {
                prop_assert_eq!(request.user_id, "218471");
            }
        }

        #[test]
        fn signed_damaged_payloads_give_a_request_or_an_error(json in fuzz::mutated_json(&payload("HMAC-SHA256", "218471"))) {
            match parse(SECRET, &sign(SECRET, &json)) {
                Ok(request) => prop_assert!(!request.user_id.is_empty() && request.user_id.len() <= MAX_USER_ID),
                Err(e) => prop_assert!(e != SignedRequestError::BadSignature && e != SignedRequestError::Malformed, "{e}"),
            }
        }

        #[test]
        fn round_trips(user_id in "[0-9]{1,20}", secret in fuzz::any_text(), issued_at in any::<i64>()) {
            let json = serde_json::json!({ "algorithm": "HMAC-SHA256", "user_id": user_id, "issued_at": issued_at });
            let request = parse(&secret, &sign(&secret, &json.to_string()));
            prop_assert_eq!(request, Ok(DeletionRequest { user_id, issued_at: Some(issued_at) }));
        }

        #[test]
        fn any_signed_bytes_give_a_request_or_an_error(bytes in fuzz::any_bytes()) {
            let encoded = BASE64URL.encode(&bytes);
            let mut mac = mac(SECRET);
            mac.update(encoded.as_bytes());
            let signed = format!("{}.{encoded}", BASE64URL.encode(mac.finalize().into_bytes()));
            prop_assert_ne!(parse(SECRET, &signed), Err(SignedRequestError::BadSignature));
        }
    }
}
