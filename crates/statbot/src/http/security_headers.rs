//! The security headers, added by one layer over every route (fallbacks included):
//!
//! - on every answer: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
//!   `Referrer-Policy: same-origin` (full URLs to statbot itself, nothing to other sites, and
//!   the `Origin` of same-origin form posts kept);
//! - on HTML pages, a `Content-Security-Policy`: everything from the page's own origin only (the
//!   style sheets and the storefront's script are files under `/assets/`, never inline), no
//!   plugins, no `<base>`, forms posting to statbot only, and no framing (`frame-ancestors
//!   'none'`). A page that loads something from another origin says so with a [`ThirdParty`] in
//!   its response's extensions: the storefront with a live Stripe key (Stripe.js), the web chat
//!   (the images its bot sent, by their origins). The policy's text is [`content_security_policy`].
//!
//! A header a handler set itself is left as it is.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// What a page loads from other origins, by CSP directive; each entry a source expression.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ThirdParty {
    script: Vec<String>,
    frame: Vec<String>,
    connect: Vec<String>,
    img: Vec<String>,
}

/// Stripe.js and its card form, by Stripe's integration security guide ("Content Security
/// Policy"): its script, its iframes (`hooks.stripe.com` for 3-D Secure), and its API.
const STRIPE_SCRIPT: [&str; 2] = ["https://js.stripe.com", "https://*.js.stripe.com"];
const STRIPE_FRAME: [&str; 3] = ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"];
const STRIPE_CONNECT: [&str; 1] = ["https://api.stripe.com"];

impl ThirdParty {
    /// Stripe.js on the storefront with a live key.
    pub(super) fn stripe_js() -> ThirdParty {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        ThirdParty {
            script: owned(&STRIPE_SCRIPT),
            frame: owned(&STRIPE_FRAME),
            connect: owned(&STRIPE_CONNECT),
            img: Vec::new(),
        }
    }

    /// Images at these URLs, allowed by their origins (`https://cdn.example.com`); relative
    /// URLs are the page's own origin, and anything but http(s) is not allowed.
    pub(super) fn images<'a>(urls: impl IntoIterator<Item = &'a str>) -> ThirdParty {
        let mut img: Vec<String> = urls.into_iter().filter_map(origin).collect();
        img.sort_unstable();
        img.dedup();
        ThirdParty { img, ..ThirdParty::default() }
    }
}

/// `scheme://host[:port]` of an absolute http(s) URL, if it is a plain CSP host source: a URL
/// parser lets through characters (`;`, `*`, `'`) that would change the policy's meaning.
fn origin(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    let origin = url.origin().ascii_serialization();
    let plain = origin.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '/'));
    (matches!(url.scheme(), "http" | "https") && plain).then_some(origin)
}

/// The policy of a page that loads nothing from other origins.
const OWN_ORIGIN_ONLY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The policy of an HTML page that loads `third_party` beyond its own origin.
pub(super) fn content_security_policy(third_party: &ThirdParty) -> String {
    let sources = |own: &str, extra: &[String]| {
        std::iter::once(own).chain(extra.iter().map(String::as_str)).collect::<Vec<_>>().join(" ")
    };
    let mut directives = vec![
        "default-src 'none'".to_owned(),
        format!("script-src {}", sources("'self'", &third_party.script)),
        "style-src 'self'".to_owned(),
        format!("img-src {}", sources("'self'", &third_party.img)),
        format!("connect-src {}", sources("'self'", &third_party.connect)),
    ];
    if !third_party.frame.is_empty() {
        directives.push(format!("frame-src {}", third_party.frame.join(" ")));
    }
    directives.extend(["form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"].map(str::to_owned));
    directives.join("; ")
}

/// The layer: the headers above on whatever the routes answered.
pub(super) async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let policy = html.then(|| {
        let third_party = response.extensions().get::<ThirdParty>().cloned().unwrap_or_default();
        // Sources are checked where they come in, so the text is a valid header value; were it
        // not, the page would get the policy of a page of its own rather than none.
        HeaderValue::from_str(&content_security_policy(&third_party))
            .unwrap_or_else(|_| HeaderValue::from_static(OWN_ORIGIN_ONLY))
    });
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: HeaderValue| {
        headers.entry(name).or_insert(value);
    };
    set(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    set(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if let Some(value) = policy {
        set(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_its_own_loads_from_its_origin_only() {
        assert_eq!(
            content_security_policy(&ThirdParty::default()),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        );
        assert_eq!(content_security_policy(&ThirdParty::default()), OWN_ORIGIN_ONLY);
    }

    #[test]
    fn stripe_js_adds_stripes_origins_and_frames() {
        assert_eq!(
            content_security_policy(&ThirdParty::stripe_js()),
            "default-src 'none'; script-src 'self' https://js.stripe.com https://*.js.stripe.com; \
             style-src 'self'; img-src 'self'; connect-src 'self' https://api.stripe.com; \
             frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        );
    }

    #[test]
    fn images_are_allowed_by_origin_once_and_only_over_http() {
        let third_party = ThirdParty::images([
            "https://cdn.example.com/a/b.png?x=1",
            "https://cdn.example.com/c.png",
            "http://127.0.0.1:8080/media/coupon/thanks.png",
            "/media/coupon/thanks.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "https://evil.example.com; script-src *",
            "https://evil.example.com;script-src*/x.png",
            "https://'unsafe-inline'/x.png",
        ]);
        assert_eq!(third_party.img, ["http://127.0.0.1:8080", "https://cdn.example.com"]);
        assert!(third_party.script.is_empty() && third_party.frame.is_empty() && third_party.connect.is_empty());
    }
}
