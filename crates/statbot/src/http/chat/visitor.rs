//! Web-chat visitor ids, issued by the server and signed: the cookie holds a random id and an
//! HMAC-SHA256 tag of it keyed from the deployment's secret, so a client cannot invent a
//! visitor (nor take over another's conversation by guessing an id).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Hex characters of the random id (16 bytes).
const ID_CHARS: usize = 32;
/// Hex characters of the tag kept (the first 16 bytes of the HMAC).
const TAG_CHARS: usize = 32;

/// Signs and checks visitor ids.
#[derive(Clone)]
pub struct VisitorIds {
    key: [u8; 32],
}

impl VisitorIds {
    /// Keys derived from the deployment's secret, apart from the tokens' use of it.
    pub fn new(deployment_secret: &[u8]) -> VisitorIds {
        let mut mac = HmacSha256::new_from_slice(deployment_secret).expect("HMAC accepts keys of any length");
        mac.update(b"statbot web-chat visitor ids v1");
        VisitorIds { key: mac.finalize().into_bytes().into() }
    }

    /// A new visitor: its id and the cookie value that proves it.
    pub fn issue(&self) -> (String, String) {
        let id = hex::encode(rand::random::<[u8; 16]>());
        let value = format!("{id}.{}", self.tag(&id));
        (id, value)
    }

    /// The visitor id a cookie value proves, or `None` for anything not issued here.
    pub fn verify(&self, value: &str) -> Option<String> {
        let (id, tag) = value.split_once('.')?;
        if id.len() != ID_CHARS || tag.len() != TAG_CHARS || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let tag = hex::decode(tag).ok()?;
        // `verify_truncated_left` compares the kept bytes in constant time.
        self.mac(id).verify_truncated_left(&tag).ok()?;
        Some(id.to_owned())
    }

    fn tag(&self, id: &str) -> String {
        hex::encode(&self.mac(id).finalize().into_bytes()[..TAG_CHARS / 2])
    }

    fn mac(&self, id: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(id.as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_ids_verify_and_anything_else_does_not() {
        let ids = VisitorIds::new(b"a deployment secret of 32 bytes!");
        let (id, value) = ids.issue();
        assert_eq!(ids.verify(&value), Some(id.clone()));
        assert_eq!(ids.verify(&id), None, "an unsigned id, as cookies were before");
        let mut forged = value.clone();
        forged.replace_range(0..1, if forged.starts_with('a') { "b" } else { "a" });
        assert_eq!(ids.verify(&forged), None);
        assert_eq!(ids.verify(&format!("{id}.{}", "0".repeat(32))), None);
        assert_eq!(VisitorIds::new(b"another deployment's secret.....").verify(&value), None);
        for junk in ["", ".", "é.é", &"a".repeat(65), &format!("{id}.zz")] {
            assert_eq!(ids.verify(junk), None, "{junk}");
        }
    }
}
