//! Signed, expiring chart URLs: the chart an answer shows is described in the URL itself and
//! signed with the deployment's secret, so Messenger can fetch it without a login, any instance
//! can draw it, and nobody can make up or enumerate charts.
//!
//! A token is `base64url(json)` `.` `base64url(HMAC-SHA256(key, json))`; the JSON holds what the
//! chart shows (for answers about a data set: the set, rows and metrics) and the expiry time.
//! Each kind of chart signs with a key of its own purpose, so a token made for one kind never
//! verifies as another.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Where answer charts are served, under the public URL.
pub const ROUTE_PREFIX: &str = "/charts/answers/";

/// What an answer's chart shows: one row (bars per metric) or several (grouped bars).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChartSpec {
    #[serde(rename = "d")]
    pub dataset: String,
    #[serde(rename = "r")]
    pub rows: Vec<String>,
    #[serde(rename = "m")]
    pub metrics: Vec<String>,
}

/// What the key of answer charts about data sets is derived for.
const ANSWER_PURPOSE: &[u8] = b"statbot chart links v1";

#[derive(Serialize, Deserialize)]
struct Signed<T> {
    #[serde(flatten)]
    spec: T,
    /// Expiry, seconds since the epoch.
    #[serde(rename = "e")]
    expires: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("this chart link is not valid")]
    Malformed,
    #[error("this chart link is not valid")]
    BadSignature,
    #[error("this chart link has expired")]
    Expired,
}

/// Makes and checks chart links.
#[derive(Clone)]
pub struct ChartLinks {
    key: [u8; 32],
    ttl_secs: i64,
    public_base: String,
}

impl ChartLinks {
    /// Links to answer charts about data sets. The signing key is derived from the
    /// deployment's secret, for this use only.
    pub fn new(secret: &[u8], ttl_secs: i64, public_base: &str) -> ChartLinks {
        ChartLinks::for_purpose(secret, ANSWER_PURPOSE, ttl_secs, public_base)
    }

    /// Links signed with a key derived from the deployment's secret for `purpose` alone.
    pub fn for_purpose(secret: &[u8], purpose: &[u8], ttl_secs: i64, public_base: &str) -> ChartLinks {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        mac.update(purpose);
        ChartLinks {
            key: mac.finalize().into_bytes().into(),
            ttl_secs,
            public_base: public_base.trim_end_matches('/').to_owned(),
        }
    }

    /// The absolute URL of a data set answer's chart, valid for the configured time from
    /// `now_secs`.
    pub fn url(&self, spec: &ChartSpec, now_secs: i64) -> String {
        self.url_at(ROUTE_PREFIX, spec, now_secs)
    }

    /// The absolute URL of a chart served under `route_prefix`, valid for the configured time
    /// from `now_secs`.
    pub fn url_at<T: Serialize>(&self, route_prefix: &str, spec: &T, now_secs: i64) -> String {
        format!("{}{route_prefix}{}.png", self.public_base, self.token(spec, now_secs + self.ttl_secs))
    }

    fn token<T: Serialize>(&self, spec: &T, expires: i64) -> String {
        let json = serde_json::to_vec(&Signed { spec, expires }).expect("spec serializes");
        let tag = self.mac(&json).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&json), URL_SAFE_NO_PAD.encode(tag))
    }

    /// The data set chart spec a token carries, when its signature is right and it has not
    /// expired.
    pub fn verify(&self, token: &str, now_secs: i64) -> Result<ChartSpec, LinkError> {
        self.verify_as(token, now_secs)
    }

    /// The spec a token carries, when its signature is right and it has not expired.
    pub fn verify_as<T: DeserializeOwned>(&self, token: &str, now_secs: i64) -> Result<T, LinkError> {
        let (body, tag) = token.split_once('.').ok_or(LinkError::Malformed)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| LinkError::Malformed)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| LinkError::Malformed)?;
        // Constant-time comparison, before anything in the body is trusted.
        self.mac(&json).verify_slice(&tag).map_err(|_| LinkError::BadSignature)?;
        let signed: Signed<T> = serde_json::from_slice(&json).map_err(|_| LinkError::Malformed)?;
        if signed.expires <= now_secs {
            return Err(LinkError::Expired);
        }
        Ok(signed.spec)
    }

    /// A new link under `route_prefix` to the chart a token of these links shows, expired or
    /// not (its signature checked all the same), valid for the configured time from `now_secs`:
    /// how the dashboard shows a chart that was sent long ago.
    pub fn renew(&self, route_prefix: &str, token: &str, now_secs: i64) -> Option<String> {
        let (body, tag) = token.split_once('.')?;
        let json = URL_SAFE_NO_PAD.decode(body).ok()?;
        self.mac(&json).verify_slice(&URL_SAFE_NO_PAD.decode(tag).ok()?).ok()?;
        let signed: Signed<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(&json).ok()?;
        Some(self.url_at(route_prefix, &signed.spec, now_secs))
    }

    fn mac(&self, message: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(message);
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ChartSpec {
        ChartSpec { dataset: "cities".into(), rows: vec!["Austin".into()], metrics: vec!["fmr_2br_usd".into()] }
    }

    fn token_of(url: &str) -> &str {
        url.rsplit('/').next().unwrap().trim_end_matches(".png")
    }

    #[test]
    fn a_link_verifies_until_it_expires() {
        let links = ChartLinks::new(b"secret", 3600, "https://bot.example/");
        let url = links.url(&spec(), 1_000);
        assert!(url.starts_with("https://bot.example/charts/answers/"), "{url}");
        assert_eq!(links.verify(token_of(&url), 1_000), Ok(spec()));
        assert_eq!(links.verify(token_of(&url), 4_599), Ok(spec()));
        assert_eq!(links.verify(token_of(&url), 4_600), Err(LinkError::Expired));
    }

    #[test]
    fn an_expired_link_is_renewed_and_a_forged_one_is_not() {
        let links = ChartLinks::new(b"secret", 3600, "https://bot.example");
        let old = links.url(&spec(), 1_000);
        let renewed = links.renew(ROUTE_PREFIX, token_of(&old), 10_000).expect("renewed");
        assert_eq!(links.verify(token_of(&renewed), 10_000), Ok(spec()));
        let elsewhere = ChartLinks::new(b"another secret", 3600, "https://bot.example");
        assert_eq!(elsewhere.renew(ROUTE_PREFIX, token_of(&old), 10_000), None);
        assert_eq!(links.renew(ROUTE_PREFIX, "not.a-token", 10_000), None);
    }

    #[test]
    fn tampered_or_foreign_links_are_refused() {
        let links = ChartLinks::new(b"secret", 3600, "http://x");
        let token = links.token(&spec(), 5_000);
        let (body, tag) = token.split_once('.').unwrap();
        let mut other = spec();
        other.rows = vec!["Denver".into()];
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&Signed { spec: other, expires: 5_000 }).unwrap());
        assert_eq!(links.verify(&format!("{forged_body}.{tag}"), 0), Err(LinkError::BadSignature));
        let longer = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&Signed { spec: spec(), expires: 9_999_999 }).unwrap());
        assert_eq!(links.verify(&format!("{longer}.{tag}"), 0), Err(LinkError::BadSignature));
        let elsewhere = ChartLinks::new(b"another secret", 3600, "http://x");
        assert_eq!(elsewhere.verify(&token, 0), Err(LinkError::BadSignature));
        let other_purpose = ChartLinks::for_purpose(b"secret", b"another purpose", 3600, "http://x");
        assert_eq!(other_purpose.verify(&token, 0), Err(LinkError::BadSignature));
        assert_eq!(links.verify(body, 0), Err(LinkError::Malformed));
        assert_eq!(links.verify("!!.!!", 0), Err(LinkError::Malformed));
        assert!(links.verify(&format!("{body}.{}", &tag[1..]), 0).is_err());
    }
}
