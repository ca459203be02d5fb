//! Email addresses as accounts use them: trimmed, lower-cased, one `@` between a local part and
//! a dotted domain, no spaces, at most 254 characters. Deliverability is not checked here.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an email address (like ana@example.com)")]
pub struct BadEmail(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Email {
    type Err = BadEmail;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let address = s.trim().to_lowercase();
        let bad = || BadEmail(s.trim().chars().take(80).collect());
        let (local, domain) = address.split_once('@').ok_or_else(bad)?;
        let labels_ok = domain.split('.').count() >= 2 && domain.split('.').all(|l| !l.is_empty());
        let chars_ok = !address.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if local.is_empty() || domain.contains('@') || !labels_ok || !chars_ok || address.len() > 254 {
            return Err(bad());
        }
        Ok(Email(address))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(" Ana@Example.COM ".parse::<Email>().unwrap().as_str(), "ana@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "a b@example.com",
            "ana@example..com",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }
}
