//! Flow files with mistakes get errors naming the file, the line, the place and the problem.

use statbot_core::flow::{CouponCodes, Flow};

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
