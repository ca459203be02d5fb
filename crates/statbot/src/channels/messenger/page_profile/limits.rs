//! Meta's limits on the Messenger Profile, checked before anything is sent so that a refusal
//! is one sentence naming the item, not a Graph API error half-way through a set-up.
//!
//! From Meta's Messenger Profile documentation: at most 4 ice breakers (per locale, `default`
//! required); greeting texts of at most 160 characters, one per locale, `default` required;
//! persistent-menu titles of at most 30 characters, at most 20 items per locale (since nested
//! menus were removed), `default` required, and a Get Started button (the menu does not show
//! without one); locales from Meta's list.

use super::section::{DEFAULT_LOCALE, Leads, Page, PageError};
use std::collections::BTreeMap;

pub const MAX_ICE_BREAKERS: usize = 4;
pub const MAX_GREETING_CHARS: usize = 160;
pub const MAX_MENU_TITLE_CHARS: usize = 30;
pub const MAX_MENU_ITEMS: usize = 20;

/// The locales Meta's Messenger Platform lists (messenger.com, Android and iOS together),
/// besides `default`.
const LOCALES: &[&str] = &[
    "af_ZA", "ar_AR", "as_IN", "az_AZ", "be_BY", "bg_BG", "bn_IN", "br_FR", "bs_BA", "ca_ES", "cb_IQ", "co_FR",
    "cs_CZ", "cx_PH", "cy_GB", "da_DK", "de_DE", "el_GR", "en_GB", "en_US", "es_ES", "es_LA", "et_EE", "eu_ES",
    "fa_IR", "ff_NG", "fi_FI", "fo_FO", "fr_CA", "fr_FR", "fy_NL", "ga_IE", "gl_ES", "gn_PY", "gu_IN", "ha_NG",
    "he_IL", "hi_IN", "hr_HR", "hu_HU", "hy_AM", "id_ID", "is_IS", "it_IT", "ja_JP", "ja_KS", "jv_ID", "ka_GE",
    "kk_KZ", "km_KH", "kn_IN", "ko_KR", "ku_TR", "lt_LT", "lv_LV", "mg_MG", "mk_MK", "ml_IN", "mn_MN", "mr_IN",
    "ms_MY", "mt_MT", "my_MM", "nb_NO", "ne_NP", "nl_BE", "nl_NL", "nn_NO", "or_IN", "pa_IN", "pl_PL", "ps_AF",
    "pt_BR", "pt_PT", "qz_MM", "ro_RO", "ru_RU", "rw_RW", "sc_IT", "si_LK", "sk_SK", "sl_SI", "so_SO", "sq_AL",
    "sr_RS", "sv_SE", "sw_KE", "sz_PL", "ta_IN", "te_IN", "tg_TJ", "th_TH", "tl_PH", "tr_TR", "tz_MA", "uk_UA",
    "ur_PK", "uz_UZ", "vi_VN", "zh_CN", "zh_HK", "zh_TW",
];

fn known_locale(locale: &str) -> bool {
    locale == DEFAULT_LOCALE || LOCALES.contains(&locale)
}

fn locale_problem(item: String, locale: &str) -> Option<String> {
    (!known_locale(locale)).then(|| {
        format!(
            "{item} has the locale `{locale}`, which is not one of Meta's (use `default` or one such as en_US, \
             fr_FR, es_LA)"
        )
    })
}

/// Counts per locale, in name order.
fn per_locale<'a>(locales: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for locale in locales {
        *counts.entry(locale).or_default() += 1;
    }
    counts
}

/// Every way `page` breaks Meta's limits, one sentence each; `Ok` when it breaks none.
pub fn check(page: &Page) -> Result<(), PageError> {
    let section = &page.section;
    let mut problems = Vec::new();
    // Greeting.
    for (i, greeting) in section.greeting.iter().enumerate() {
        let item = format!("page.greeting[{}] ({})", i + 1, greeting.locale);
        problems.extend(locale_problem(item.clone(), &greeting.locale));
        let chars = greeting.text.chars().count();
        if chars > MAX_GREETING_CHARS {
            problems.push(format!(
                "{item} is {chars} characters long; Meta allows at most {MAX_GREETING_CHARS} per locale"
            ));
        }
        if greeting.text.trim().is_empty() {
            problems.push(format!("{item} has no text"));
        }
    }
    for (locale, n) in per_locale(section.greeting.iter().map(|g| g.locale.as_str())) {
        if n > 1 {
            problems.push(format!("page.greeting has {n} texts for the locale `{locale}`; give one per locale"));
        }
    }
    if !section.greeting.is_empty() && !section.greeting.iter().any(|g| g.locale == DEFAULT_LOCALE) {
        problems.push(format!(
            "page.greeting has no `{DEFAULT_LOCALE}` text; Meta requires one (shown where no locale matches)"
        ));
    }

    // Ice breakers.
    for (i, breaker) in section.ice_breakers.iter().enumerate() {
        let item = format!("page.ice_breakers[{}] ({:?})", i + 1, breaker.question);
        problems.extend(locale_problem(item.clone(), &breaker.locale));
        if breaker.question.trim().is_empty() {
            problems.push(format!("page.ice_breakers[{}] has no question", i + 1));
        }
    }
    for (locale, n) in per_locale(section.ice_breakers.iter().map(|b| b.locale.as_str())) {
        if n > MAX_ICE_BREAKERS {
            problems.push(format!(
                "page.ice_breakers has {n} questions for the locale `{locale}`; Meta allows at most {MAX_ICE_BREAKERS}"
            ));
        }
    }
    if !section.ice_breakers.is_empty() && !section.ice_breakers.iter().any(|b| b.locale == DEFAULT_LOCALE) {
        problems.push(format!("page.ice_breakers has no question for the `{DEFAULT_LOCALE}` locale; Meta requires it"));
    }

    // Persistent menu.
    for (i, item) in section.persistent_menu.iter().enumerate() {
        let name = format!("page.persistent_menu[{}] ({:?})", i + 1, item.title);
        problems.extend(locale_problem(name.clone(), &item.locale));
        let chars = item.title.chars().count();
        if chars > MAX_MENU_TITLE_CHARS {
            problems.push(format!(
                "{name}: the title is {chars} characters long; Meta allows at most {MAX_MENU_TITLE_CHARS}"
            ));
        }
        if item.title.trim().is_empty() {
            problems.push(format!("page.persistent_menu[{}] has no title", i + 1));
        }
        if let Ok(Leads::Url(url)) = item.leads() {
            let https = reqwest::Url::parse(&url).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some());
            if !https {
                problems.push(format!("{name}: the url `{url}` is not an https:// address; Meta opens only those"));
            }
        }
    }
    for (locale, n) in per_locale(section.persistent_menu.iter().map(|m| m.locale.as_str())) {
        if n > MAX_MENU_ITEMS {
            problems.push(format!(
                "page.persistent_menu has {n} items for the locale `{locale}`; Meta allows at most {MAX_MENU_ITEMS}"
            ));
        }
    }
    if !section.persistent_menu.is_empty() && !section.persistent_menu.iter().any(|m| m.locale == DEFAULT_LOCALE) {
        problems.push(format!("page.persistent_menu has no item for the `{DEFAULT_LOCALE}` locale; Meta requires it"));
    }

    // Get Started.
    if section.get_started.is_none() {
        let needing: Vec<&str> = [
            (!section.ice_breakers.is_empty()).then_some("ice breakers"),
            (!section.persistent_menu.is_empty()).then_some("a persistent menu"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !needing.is_empty() {
            problems.push(format!(
                "page.get_started is not set, but the Page has {}; Meta requires a Get Started button for them \
                 (add e.g. `get_started = {{}}` for the default flow)",
                needing.join(" and ")
            ));
        }
    }

    if problems.is_empty() { Ok(()) } else { Err(PageError::Invalid { origin: page.origin.clone(), problems }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Page {
        match Page::parse("page.toml", text) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    fn problems(text: &str) -> Vec<String> {
        match check(&page(text)) {
            Ok(()) => Vec::new(),
            Err(PageError::Invalid { problems, .. }) => problems,
            Err(e) => panic!("{e}"),
        }
    }

    fn breakers(n: usize) -> String {
        (1..=n).map(|i| format!("[[page.ice_breakers]]\nquestion = \"Q{i}\"\n")).collect()
    }

    #[test]
    fn a_page_within_the_limits_passes() {
        let text = format!(
            "[page]\nget_started = {{}}\n[[page.greeting]]\nlocale = \"default\"\ntext = \"{}\"\n{}\
             [[page.persistent_menu]]\ntitle = \"{}\"\nurl = \"https://shop.example.com/a\"\n",
            "g".repeat(160),
            breakers(4),
            "t".repeat(30)
        );
        assert_eq!(problems(&text), Vec::<String>::new());
        assert_eq!(problems("[page]\n"), Vec::<String>::new());
    }

    #[test]
    fn five_ice_breakers_are_refused() {
        let text = format!("[page]\nget_started = {{}}\n{}", breakers(5));
        assert_eq!(
            problems(&text),
            ["page.ice_breakers has 5 questions for the locale `default`; Meta allows at most 4"]
        );
        // Four per locale is fine.
        let mut text = format!("[page]\nget_started = {{}}\n{}", breakers(4));
        text.push_str("[[page.ice_breakers]]\nquestion = \"Q?\"\nlocale = \"fr_FR\"\n");
        assert!(problems(&text).is_empty());
    }

    #[test]
    fn a_long_greeting_a_missing_default_and_an_unknown_locale_are_refused() {
        let text = format!(
            "[page]\n[[page.greeting]]\nlocale = \"fr_FR\"\ntext = \"{}\"\n[[page.greeting]]\nlocale = \"xx_YY\"\ntext = \"hi\"\n",
            "é".repeat(161)
        );
        assert_eq!(
            problems(&text),
            [
                "page.greeting[1] (fr_FR) is 161 characters long; Meta allows at most 160 per locale",
                "page.greeting[2] (xx_YY) has the locale `xx_YY`, which is not one of Meta's (use `default` or one \
                 such as en_US, fr_FR, es_LA)",
                "page.greeting has no `default` text; Meta requires one (shown where no locale matches)",
            ]
        );
    }

    #[test]
    fn the_menu_needs_get_started_short_titles_https_and_at_most_twenty_items() {
        let mut text = String::from("[page]\n");
        text.push_str(&format!("[[page.persistent_menu]]\ntitle = \"{}\"\n", "t".repeat(31)));
        text.push_str("[[page.persistent_menu]]\ntitle = \"Shop\"\nurl = \"http://shop.example.com\"\n");
        for i in 0..19 {
            text.push_str(&format!("[[page.persistent_menu]]\ntitle = \"Item {i}\"\n"));
        }
        text.push_str(&breakers(1));
        let found = problems(&text);
        assert_eq!(
            found,
            [
                format!("page.persistent_menu[1] ({:?}): the title is 31 characters long; Meta allows at most 30", "t".repeat(31)),
                "page.persistent_menu[2] (\"Shop\"): the url `http://shop.example.com` is not an https:// address; \
                 Meta opens only those"
                    .to_owned(),
                "page.persistent_menu has 21 items for the locale `default`; Meta allows at most 20".to_owned(),
                "page.get_started is not set, but the Page has ice breakers and a persistent menu; Meta requires a Get \
                 Started button for them (add e.g. `get_started = {}` for the default flow)"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn the_error_names_the_file_in_each_sentence() {
        let err = check(&page(&format!("[page]\nget_started = {{}}\n{}", breakers(5)))).map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err("page.toml: page.ice_breakers has 5 questions for the locale `default`; Meta allows at most 4".into())
        );
    }
}
