//! The payload carried by a flow button: `FLOW:BUTTON`, e.g. `coupon:show`. Short, stable across
//! edits of the button's title, and readable in logs and analytics.

/// A button tap decoded from its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonPayload<'a> {
    pub flow: &'a str,
    pub button: &'a str,
}

impl<'a> ButtonPayload<'a> {
    pub fn parse(payload: &'a str) -> Option<Self> {
        let (flow, button) = payload.split_once(':')?;
        let valid = |s: &str| !s.is_empty() && s.chars().all(is_id_char);
        (valid(flow) && valid(button)).then_some(ButtonPayload { flow, button })
    }

    pub fn encode(flow: &str, button: &str) -> String {
        format!("{flow}:{button}")
    }
}

/// Characters allowed in flow, step, button and coupon ids.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let p = ButtonPayload::encode("coupon", "show");
        assert_eq!(ButtonPayload::parse(&p), Some(ButtonPayload { flow: "coupon", button: "show" }));
    }

    #[test]
    fn rejects_foreign_payloads() {
        assert_eq!(ButtonPayload::parse("{\"flow\":\"cities\"}"), None);
        assert_eq!(ButtonPayload::parse("coupon:"), None);
        assert_eq!(ButtonPayload::parse("nocolon"), None);
        assert_eq!(ButtonPayload::parse("a:b:c"), None);
    }
}
