//! `/shop`: the storefront, one page whose script (`assets/web/shop.js`) talks to the shop's API
//! (catalog, sign-up and log-in, a basket kept in the browser, checkout, the customer's orders).
//! It loads nothing from the internet, except Stripe.js with a live key: then the card form is
//! Stripe's own and card numbers never touch statbot, and the page's Content-Security-Policy
//! allows Stripe's origins ([`ThirdParty::stripe_js`]). With a test-mode key it offers the named
//! test cards.

use crate::http::AppState;
use crate::http::security_headers::ThirdParty;
use crate::shop::test_cards::{TEST_CARDS, TestCard};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use statbot_core::money;

#[derive(Template, WebTemplate)]
#[template(path = "shop.html")]
struct ShopPage {
    /// `test`, `live`, or `off` (no Stripe key: the catalog shows, checkout does not).
    mode: &'static str,
    publishable_key: String,
    test_cards: &'static [TestCard],
    /// The currencies without two decimals and their exponents, as a JSON object
    /// (`{"jpy":0,…,"kwd":3}`): the script writes prices by statbot's currency table, not the
    /// browser's, which gives HUF or ISK no decimals where Stripe counts two.
    exponents: String,
}

pub(super) async fn page(State(state): State<AppState>) -> Response {
    let shop = &state.shop;
    let mode = match (shop.payments_enabled(), shop.test_mode()) {
        (false, _) => "off",
        (true, true) => "test",
        (true, false) => "live",
    };
    let page = ShopPage {
        mode,
        publishable_key: shop.publishable_key().unwrap_or_default().to_owned(),
        test_cards: if mode == "test" { TEST_CARDS } else { &[] },
        exponents: serde_json::Value::Object(money::exponents().map(|(code, e)| (code.into(), e.into())).collect())
            .to_string(),
    };
    let stripe_js = shop.publishable_key().is_some();
    let mut response = page.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if stripe_js {
        response.extensions_mut().insert(ThirdParty::stripe_js());
    }
    response
}
