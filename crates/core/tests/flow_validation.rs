//! Flow files with mistakes get errors naming the file, the line, the place and the problem.

use statbot_core::flow::{CouponCodes, Discount, Flow};
use statbot_core::money::{Currency, Money};

fn errors(source: &str) -> Vec<String> {
    match Flow::parse("flows/test.toml", source) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

const HEADER: &str = "name = \"test\"\nentry = \"a\"\n";

#[test]
fn four_buttons_are_refused_with_the_line_of_the_fourth() {
    let src = format!(
        "{HEADER}[steps.a]\ntext = \"hi\"\nbuttons = [\n  {{ id = \"1\", title = \"one\", next = \"a\" }},\n  {{ id = \"2\", title = \"two\", next = \"a\" }},\n  {{ id = \"3\", title = \"three\", next = \"a\" }},\n  {{ id = \"4\", title = \"four\", next = \"a\" }},\n]\n"
    );
    assert_eq!(errors(&src), ["flows/test.toml:9: step `a`: Messenger allows at most 3 buttons, this step has 4"]);
}

#[test]
fn long_titles_unknown_steps_and_variables_are_all_reported() {
    let src = format!(
        "{HEADER}[steps.a]\ntext = \"Hi {{name}}\"\nbuttons = [{{ title = \"A title far too long for it\", next = \"b\" }}]\n"
    );
    let errs = errors(&src);
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert!(errs[0].starts_with("flows/test.toml:3: step `a`: unknown variable `{name}`"), "{errs:#?}");
    assert!(errs[1].contains("button 1 (buttons): the title \"A title far too long for it\" has 27 characters"));
    assert!(errs[2].contains("`next` names step `b`, which does not exist"));
}

#[test]
fn syntax_errors_and_unknown_keys_name_the_line() {
    assert!(errors("name = \"x\"\nentry = \n")[0].starts_with("flows/test.toml:2"));
    let errs = errors(&format!("{HEADER}[steps.a]\ntext = \"hi\"\nbuttom = 1\n"));
    assert!(errs[0].starts_with("flows/test.toml:5") && errs[0].contains("buttom"), "{errs:?}");
}

#[test]
fn missing_entry_and_coupon_are_reported() {
    let errs = errors("name = \"t\"\nentry = \"start\"\n[steps.a]\ntext = \"x\"\nreveal = \"gone\"\n");
    assert_eq!(errs[0], "flows/test.toml:2: the entry step `start` does not exist");
    assert!(errs[1].contains("reveals coupon `gone`"));
}

#[test]
fn coupon_code_is_only_known_where_a_coupon_is_revealed() {
    let errs = errors(&format!("{HEADER}[steps.a]\ntext = \"{{coupon_code}}\"\n"));
    assert!(errs[0].contains("only set in a step that has `reveal`"), "{errs:?}");
}

#[test]
fn next_loops_and_unsafe_images_are_refused() {
    let errs = errors(&format!(
        "{HEADER}[steps.a]\ntext = \"x\"\nnext = \"b\"\n[steps.b]\ntext = \"y\"\nnext = \"a\"\nimage = \"../etc/passwd\"\n"
    ));
    assert!(errs.iter().any(|e| e.contains("loop back")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("no `..`")), "{errs:?}");
}

#[test]
fn duplicate_button_ids_and_pool_codes_are_refused() {
    let errs = errors(&format!(
        "{HEADER}[coupons.c]\ncodes = [\"A\", \"A\"]\n[steps.a]\ntext = \"x\"\nbuttons = [{{ title = \"go\", next = \"a\" }}]\n[steps.b]\ntext = \"y\"\nbuttons = [{{ title = \"again\", next = \"a\" }}]\n"
    ));
    assert!(errs.iter().any(|e| e.contains("code `A` is listed twice")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("button id `a` is also used in step `a`")), "{errs:?}");
}

#[test]
fn a_valid_flow_loads_with_its_coupons() {
    let flow = Flow::parse(
        "ok.toml",
        &format!("{HEADER}[coupons.pool]\ncodes = [\"A1\", \"A2\"]\n[steps.a]\nreveal = \"pool\"\ntext = \"{{coupon_code}}\"\n"),
    )
    .unwrap();
    assert_eq!(flow.coupons["pool"].codes, CouponCodes::Pool(vec!["A1".into(), "A2".into()]));
    assert_eq!(flow.title, "test");
}

#[test]
fn a_handoff_button_needs_no_next_but_an_id_and_other_buttons_need_a_next() {
    let ok = format!(
        "{HEADER}[steps.a]\ntext = \"hi\"\nbuttons = [{{ id = \"person\", title = \"Talk to a person\", handoff = true }}]\n"
    );
    let flow = Flow::parse("flows/test.toml", &ok).expect("a handoff button without next is fine");
    let button = &flow.step("a").unwrap().choices.buttons()[0];
    assert!(button.handoff && button.next.is_none());

    let no_next = format!("{HEADER}[steps.a]\ntext = \"hi\"\nbuttons = [{{ id = \"x\", title = \"Go\" }}]\n");
    assert_eq!(
        errors(&no_next),
        [
            "flows/test.toml:5: step `a`, button 1 (buttons): a button needs `next` (or `handoff = true`, to ask for a person)"
        ]
    );
    let no_id = format!("{HEADER}[steps.a]\ntext = \"hi\"\nbuttons = [{{ title = \"Person\", handoff = true }}]\n");
    assert_eq!(
        errors(&no_id),
        ["flows/test.toml:5: step `a`, button 1 (buttons): a hand-off button without `next` needs an `id`"]
    );
}

#[test]
fn a_split_step_leads_through_its_variants() {
    let flow = Flow::parse(
        "flows/test.toml",
        &format!(
            "{HEADER}[steps.a]\nkind = \"split\"\nvariants = [\n  {{ id = \"discount\", weight = 50, next = \"b\" }},\n  {{ id = \"gift\", weight = 50, next = \"c\" }},\n]\n[steps.b]\ntext = \"x\"\n[steps.c]\ntext = \"y\"\n"
        ),
    )
    .unwrap();
    let ids: Vec<(&str, u32, &str)> =
        flow.steps["a"].variants.iter().map(|v| (v.id.as_str(), v.weight, v.next.as_str())).collect();
    assert_eq!(ids, [("discount", 50, "b"), ("gift", 50, "c")]);
    assert_eq!(flow.splits().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["a"]);
}

#[test]
fn split_steps_with_mistakes_name_the_variant_and_its_line() {
    let errs = errors(&format!(
        "{HEADER}[steps.a]\nkind = \"split\"\ntext = \"hi\"\nvariants = [\n  {{ id = \"x\", weight = 0, next = \"b\" }},\n  {{ id = \"x\", weight = 5, next = \"gone\" }},\n  {{ id = \"no way\", weight = 5, next = \"b\" }},\n]\n[steps.b]\ntext = \"x\"\n"
    ));
    assert_eq!(
        errs,
        [
            "flows/test.toml:3: step `a`: a split step sends nothing and leads on through its variants: remove `text`",
            "flows/test.toml:7: step `a`, variant 1 (`x`): the weight must be a whole number from 1 to 1000000, not 0",
            "flows/test.toml:8: step `a`, variant 2 (`x`): the id is used by another variant of the step; ids must be unique",
            "flows/test.toml:8: step `a`, variant 2 (`x`): `next` names step `gone`, which does not exist",
            "flows/test.toml:9: step `a`, variant 3 (`no way`): the variant id `no way` may only use letters, digits, `_` and `-`",
        ]
    );
}

#[test]
fn empty_splits_stray_variants_unknown_kinds_and_split_loops_are_refused() {
    let errs = errors(&format!("{HEADER}[steps.a]\nkind = \"split\"\nvariants = []\n"));
    assert_eq!(errs, ["flows/test.toml:3: step `a`: a split step needs 1 to 10 `variants`, this one has 0"]);
    let errs = errors(&format!(
        "{HEADER}[steps.a]\ntext = \"x\"\nvariants = [{{ id = \"v\", weight = 1, next = \"a\" }}]\n[steps.b]\nkind = \"poll\"\ntext = \"y\"\n"
    ));
    assert!(errs[0].contains("step `a`: `variants` belong to a split step"), "{errs:?}");
    assert!(errs[1].contains("step `b`: unknown kind `poll`"), "{errs:?}");
    let errs = errors(&format!(
        "{HEADER}[steps.a]\nkind = \"split\"\nvariants = [{{ id = \"v\", weight = 1, next = \"b\" }}, {{ id = \"w\", weight = 1, next = \"c\" }}]\n[steps.b]\ntext = \"y\"\n[steps.c]\ntext = \"z\"\nnext = \"a\"\n"
    ));
    assert_eq!(errs, ["flows/test.toml: step `a`: its `next` links loop back on themselves"]);
}

#[test]
fn coupons_declare_a_discount_and_an_end() {
    let percent = Flow::parse(
        "flows/test.toml",
        &format!(
            "{HEADER}[coupons.c]\ncode = \"C\"\ndiscount = {{ percent = 20 }}\nends = \"2026-12-31\"\n[coupons.d]\ncode = \"D\"\ndiscount = {{ amount = \"5.00\", currency = \"USD\" }}\n[steps.a]\ntext = \"x\"\n"
        ),
    )
    .unwrap();
    assert_eq!(percent.coupons["c"].discount, Some(Discount::Percent(20)));
    assert_eq!(percent.coupons["c"].ends, Some(jiff::civil::date(2026, 12, 31)));
    let usd: Currency = "usd".parse().unwrap();
    assert_eq!(percent.coupons["d"].discount, Some(Discount::Amount(Money::new(500, usd.clone()).unwrap())));
    assert_eq!(percent.coupons["d"].ends, None);

    let order = Money::new(1250, usd).unwrap();
    assert_eq!(Discount::Percent(20).off(&order), Some(250));
    assert_eq!(
        percent.coupons["d"].discount.as_ref().unwrap().off(&Money::new(300, order.currency.clone()).unwrap()),
        Some(300)
    );
    assert_eq!(
        percent.coupons["d"].discount.as_ref().unwrap().off(&Money::new(300, "eur".parse().unwrap()).unwrap()),
        None
    );
}

#[test]
fn bad_discounts_and_ends_are_refused() {
    let errs = errors(&format!(
        "{HEADER}[coupons.p]\ncode = \"P\"\ndiscount = {{ percent = 120 }}\n[coupons.m]\ncode = \"M\"\ndiscount = {{ amount = \"5.001\", currency = \"usd\" }}\n[coupons.b]\ncode = \"B\"\ndiscount = {{ percent = 5, currency = \"usd\" }}\nends = \"31/12/2026\"\n[steps.a]\ntext = \"x\"\n"
    ));
    assert_eq!(errs.len(), 4, "{errs:#?}");
    assert_eq!(errs[0], "flows/test.toml:3: coupon `p`: discount percent 120 must be a whole number from 1 to 100");
    assert!(
        errs[1].starts_with("flows/test.toml:6: coupon `m`: discount: `5.001` is not an amount of usd"),
        "{errs:#?}"
    );
    assert!(errs[2].contains("coupon `b`: give the discount as"), "{errs:#?}");
    assert!(errs[3].contains("coupon `b`: `ends` is `31/12/2026`; write the last day as YYYY-MM-DD"), "{errs:#?}");
}
