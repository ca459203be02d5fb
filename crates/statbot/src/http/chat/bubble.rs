//! A message as the chat page shows it: a bubble of text in parts (the bot's coupon codes
//! marked up to stand out, its http(s) addresses as links), an image, the titles of the
//! buttons it came with, who wrote it when a person from the team did, and which bubble the
//! page opens at (`#latest`: the first reply to the
//! visitor's latest message, so the newest answer is in view after each message).

use crate::store::LoggedMessage;
use statbot_core::Reply;

/// The anchor of the newest reply: the page the form redirects to opens there.
pub const LATEST: &str = "latest";

pub struct Bubble {
    pub from_bot: bool,
    pub parts: Vec<Part>,
    pub image: Option<String>,
    pub buttons: Vec<String>,
    /// "Ana from the team", over an operator's reply.
    pub author: Option<String>,
    /// Whether the page opens at this bubble.
    pub latest: bool,
}

/// A piece of a bubble's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    /// A coupon code revealed to the visitor.
    Code(String),
    /// An http(s) address the bot sent.
    Link(String),
}

/// The bubbles of a conversation (oldest first); `codes` are the coupon codes revealed to the
/// visitor.
pub fn bubbles(history: Vec<LoggedMessage>, codes: &[String]) -> Vec<Bubble> {
    let latest = latest_index(&history);
    history.into_iter().enumerate().map(|(i, message)| bubble(message, codes, latest == Some(i))).collect()
}

/// The first reply after the latest message from the visitor, else the last message.
fn latest_index(history: &[LoggedMessage]) -> Option<usize> {
    let last_in = history.iter().rposition(|m| matches!(m, LoggedMessage::In { .. }));
    match last_in {
        Some(at) if at + 1 < history.len() => Some(at + 1),
        _ => history.len().checked_sub(1),
    }
}

fn bubble(message: LoggedMessage, codes: &[String], latest: bool) -> Bubble {
    match message {
        LoggedMessage::In { text, .. } => Bubble {
            from_bot: false,
            parts: vec![Part::Text(text)],
            image: None,
            buttons: Vec::new(),
            author: None,
            latest,
        },
        LoggedMessage::Out { reply, author, .. } => {
            let buttons = reply.choices().iter().map(|b| b.title.clone()).collect();
            let (parts, image) = match reply {
                Reply::Image { url } => (Vec::new(), Some(url)),
                other => (other.text().map(|t| parts(t, codes)).unwrap_or_default(), None),
            };
            let author = author.map(|name| format!("{} from the team", crate::http::dashboard::upper_first(&name)));
            Bubble { from_bot: true, parts, image, buttons, author, latest }
        }
    }
}

/// A bot's text cut into plain text, coupon codes and links.
fn parts(text: &str, codes: &[String]) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let code = codes.iter().filter_map(|c| rest.find(c.as_str()).map(|at| (at, c.len()))).min();
        let link = ["https://", "http://"].iter().filter_map(|scheme| rest.find(scheme)).min().map(|at| {
            let end = rest[at..].find(char::is_whitespace).map_or(rest.len(), |len| at + len);
            // Closing punctuation ends the sentence, not the address.
            let url = rest[at..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
            (at, url.len())
        });
        let (at, len, is_code) = match (code, link) {
            (Some((c, clen)), Some((l, _))) if c <= l => (c, clen, true),
            (_, Some((l, llen))) => (l, llen, false),
            (Some((c, clen)), None) => (c, clen, true),
            (None, None) => break,
        };
        if at > 0 {
            parts.push(Part::Text(rest[..at].to_owned()));
        }
        let piece = rest[at..at + len].to_owned();
        parts.push(if is_code { Part::Code(piece) } else { Part::Link(piece) });
        rest = &rest[at + len..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_owned()));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_links_are_cut_out_of_the_text() {
        let codes = ["SPRING-7K2M".to_owned()];
        assert_eq!(
            parts("Your code is SPRING-7K2M. Shop at https://bot.example/shop. Enjoy!", &codes),
            [
                Part::Text("Your code is ".into()),
                Part::Code("SPRING-7K2M".into()),
                Part::Text(". Shop at ".into()),
                Part::Link("https://bot.example/shop".into()),
                Part::Text(". Enjoy!".into()),
            ]
        );
        assert_eq!(parts("plain", &codes), [Part::Text("plain".into())]);
        assert_eq!(parts("http://x.example", &[]), [Part::Link("http://x.example".into())]);
        assert_eq!(parts("", &codes), []);
    }

    #[test]
    fn the_page_opens_at_the_first_reply_to_the_latest_message() {
        let said = |text: &str| LoggedMessage::In { text: text.into(), at: 0 };
        let reply = |text: &str| LoggedMessage::Out {
            reply: Reply::Text { text: text.into() },
            status: "sent".into(),
            reason: None,
            at: 0,
            author: None,
        };
        assert_eq!(latest_index(&[]), None);
        assert_eq!(latest_index(&[said("hi"), reply("a"), said("b"), reply("c"), reply("d")]), Some(3));
        assert_eq!(latest_index(&[said("hi"), reply("a"), said("b")]), Some(2));
        assert_eq!(latest_index(&[reply("a"), reply("b")]), Some(1));
    }
}
