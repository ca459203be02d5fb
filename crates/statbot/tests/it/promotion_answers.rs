//! Promotions in the staff chat (issue 20), on the database the tests run on: three contacts
//! reveal the demo's spring coupon on Messenger (one by the `flyer` link), two codes are redeemed
//! by charges in two currencies (a charge seen again, or another charge for a used code, counts
//! once), and a linked staff member asks on the web chat "how did the spring coupon do?" (and
//! with a typo), "how is the coupon flow doing", "revenue from the flyer link", "what did the
//! flyer link bring this month", over a period or the default one, and about names nobody
//! knows. A customer asking the same gets the not-understood answer.

use crate::redemptions::{reveal, reveal_by_flyer};
use crate::store_chat::{link_code, text, web};
use crate::support::*;
use statbot::store::{NewRedemption, Store};

/// What a customer asking for business figures is told.
const NOT_UNDERSTOOD: &str = "Sorry, I didn't understand";

/// Records a redemption of `code` found in charge `charge` (as a Stripe sync would); whether
/// it counted.
async fn redeem(store: &Store, code: &str, charge: &str, amount: i64, refunded: i64, currency: &str) -> bool {
    let revealed = store.revealed_code(code).await.unwrap().unwrap_or_else(|| panic!("{code} was revealed"));
    store
        .record_charge_redemption(&NewRedemption {
            revealed,
            source: "stripe",
            order_id: None,
            charge_id: Some(charge.to_owned()),
            amount,
            discount: 0,
            currency: currency.to_owned(),
            net: amount - refunded,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_ask_how_a_coupon_a_flow_and_a_link_did_and_customers_are_not_told() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    store.add_link("flyer", "coupon", None).await.unwrap();
    store.add_link("poster-a", "coupon", None).await.unwrap();

    let direct = reveal(&app, "6910000000000001").await;
    let flyer = reveal_by_flyer(&app, "6910000000000002").await;
    let unused = reveal(&app, "6910000000000003").await;
    assert!(redeem(&store, &direct, "ch_direct", 41_250, 0, "usd").await);
    assert!(redeem(&store, &flyer, "ch_flyer", 3_500, 500, "eur").await);
    // Counted once: the same charge again (for another code), the same code in another charge.
    assert!(!redeem(&store, &unused, "ch_direct", 41_250, 0, "usd").await);
    assert!(!redeem(&store, &direct, "ch_again", 9_999, 0, "usd").await);
    store.close().await;

    // A customer is told nothing.
    let who = chat_visitor(&app).await;
    for asked in ["how did the spring coupon do?", "revenue from the flyer link"] {
        let answer = text(&web(&app, &who, "text", asked).await);
        assert!(answer.starts_with(NOT_UNDERSTOOD), "{asked}: {answer}");
        assert!(!answer.contains('$') && !answer.contains("redeemed"), "{answer}");
    }

    let code = link_code(&app, "lead").await;
    assert!(text(&web(&app, &who, "text", &format!("link {code}")).await).starts_with("You're linked"));

    let coupon_figures = "3 contacts entered the flow, 3 revealed a code, 2 redeemed one; revenue €30.00 and \
                          $412.50 net. Conversion: 66.7% of those who entered redeemed (66.7% of those who revealed).";
    let default_note = "No period was named, so this is the last 30 days (";
    for asked in ["how did the spring coupon do?", "How did the sprng coupon do", "spring coupon results"] {
        let answer = text(&web(&app, &who, "text", asked).await);
        assert!(
            answer.starts_with("The “spring” coupon (flow “Spring coupon”), the last 30 days ("),
            "{asked}: {answer}"
        );
        assert!(answer.contains(coupon_figures), "{asked}: {answer}");
        assert!(answer.contains(default_note), "{asked}: {answer}");
    }

    let answer = text(&web(&app, &who, "text", "how is the coupon flow doing").await);
    assert!(answer.starts_with("The “coupon” flow (Spring coupon), the last 30 days ("), "{answer}");
    assert!(answer.contains("3 contacts entered the flow, 3 revealed a coupon, 2 redeemed one"), "{answer}");

    for asked in ["revenue from the flyer link", "what did the flyer link bring this month"] {
        let answer = text(&web(&app, &who, "text", asked).await);
        assert!(answer.starts_with("The “flyer” link (to flow “Spring coupon”), "), "{asked}: {answer}");
        assert!(
            answer.contains(": 1 contact came by it, 1 revealed a coupon, 1 redeemed one; revenue €30.00 net."),
            "{asked}: {answer}"
        );
        assert_eq!(answer.contains(default_note), !asked.contains("this month"), "{asked}: {answer}");
    }
    let answer = text(&web(&app, &who, "text", "what did the flyer link bring this month").await);
    assert!(answer.contains(", this month ("), "{answer}");
    let answer = text(&web(&app, &who, "text", "how did the poster-a link do in the last 14 days").await);
    assert!(answer.contains(", the last 14 days (") && answer.ends_with("no contact came by it."), "{answer}");

    // Everyone entered today: last month's cohort is empty.
    let answer = text(&web(&app, &who, "text", "how did the spring coupon do last month").await);
    assert!(answer.contains(", last month (") && answer.ends_with("no contact entered the flow."), "{answer}");

    // Names nobody knows: the known ones are listed.
    let answer = text(&web(&app, &who, "text", "how did the autumn coupon do?").await);
    assert_eq!(answer, "I don't know a coupon called “autumn”. The coupons are “spring” (flow “Spring coupon”).");
    let answer = text(&web(&app, &who, "text", "revenue from the newsletter link").await);
    assert_eq!(answer, "I don't know a link called “newsletter”. The links are “flyer”, “poster-a”.");
}
