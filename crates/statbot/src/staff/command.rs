//! The link messages a contact can type, told apart from everything else the bot is asked:
//!
//! - `link K7QX-M4PA` — the word `link` and a code, in any case, with or without its dash
//!   (`link k7qxm4pa`, `LINK K7QX M4PA`). Anything after `link` that looks like a code attempt
//!   (one or two words, 4 to 12 letters and digits) is taken as one and counts against the rate
//!   limit when wrong; longer text (`link to the price list`) is left to the rest of the bot.
//! - `K7QX-M4PA` alone — only in the shown form (four, a dash, four) with a digit, which no
//!   ordinary word has (`self-made` is not a code).
//! - `link` alone — the chat's link, or (not linked) to send a code as it was shown.
//! - `unlink` — ends the link.
//!
//! Trailing `.` or `!` and surrounding spaces are ignored. Button taps are never link messages.

use super::code::LinkCode;

/// What a link message asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// A code was sent: `code` is `None` when what was typed cannot be a code at all (it then
    /// fails like a wrong one). `recorded` is the message as it is kept, code masked.
    Link {
        code: Option<LinkCode>,
        recorded: &'static str,
    },
    /// `link` alone.
    HowTo,
    Unlink,
}

/// Characters of a code attempt after `link`, dashes and spaces left out.
const ATTEMPT_LEN: std::ops::RangeInclusive<usize> = 4..=12;

impl Command {
    /// The link message `text` is, if it is one.
    pub fn parse(text: &str) -> Option<Command> {
        let text = text.trim().trim_end_matches(['.', '!']).trim_end();
        let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        if first.eq_ignore_ascii_case("unlink") && rest.is_empty() {
            return Some(Command::Unlink);
        }
        if first.eq_ignore_ascii_case("link") {
            if rest.is_empty() {
                return Some(Command::HowTo);
            }
            let compact = rest.chars().filter(|c| *c != '-' && !c.is_whitespace()).count();
            let looks_like_code = rest.split_whitespace().count() <= 2
                && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c.is_whitespace())
                && ATTEMPT_LEN.contains(&compact);
            return looks_like_code.then(|| Command::Link { code: LinkCode::parse(rest), recorded: "link ****-****" });
        }
        LinkCode::parse_shown(text).map(|code| Command::Link { code: Some(code), recorded: "****-****" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> LinkCode {
        LinkCode::parse("K7QX-M4PA").unwrap()
    }

    #[test]
    fn link_with_a_code_in_any_case_and_form() {
        for text in ["link K7QX-M4PA", "LINK k7qx-m4pa", "Link k7qxm4pa", "link K7QX M4PA", "  link K7QX-M4PA. "] {
            assert_eq!(
                Command::parse(text),
                Some(Command::Link { code: Some(code()), recorded: "link ****-****" }),
                "{text}"
            );
        }
    }

    #[test]
    fn a_bare_code_only_in_its_shown_form() {
        assert_eq!(Command::parse("k7qx-m4pa"), Some(Command::Link { code: Some(code()), recorded: "****-****" }));
        assert_eq!(Command::parse("K7QXM4PA"), None);
        assert_eq!(Command::parse("self-made"), None);
    }

    #[test]
    fn malformed_codes_are_attempts_and_sentences_are_not() {
        for text in ["link K7QX-M4P0", "link abcd", "link K7QX-M4PA-ZZ"] {
            assert_eq!(Command::parse(text), Some(Command::Link { code: None, recorded: "link ****-****" }), "{text}");
        }
        for text in ["link to the price list", "link me to revenue please", "linked K7QX-M4PA", "link abc"] {
            assert_eq!(Command::parse(text), None, "{text}");
        }
    }

    #[test]
    fn link_alone_and_unlink() {
        assert_eq!(Command::parse("Link"), Some(Command::HowTo));
        assert_eq!(Command::parse(" unlink! "), Some(Command::Unlink));
        assert_eq!(Command::parse("UNLINK"), Some(Command::Unlink));
        assert_eq!(Command::parse("unlink me"), None);
        assert_eq!(Command::parse("revenue this week"), None);
    }
}
