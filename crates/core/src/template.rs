//! Message templates: text with `{variable}` placeholders (`{{` and `}}` for literal braces),
//! parsed once when a flow is loaded so rendering cannot fail.

use std::fmt;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Template {
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) if c.is_ascii_alphanumeric() || c == '_' => name.push(c),
                            Some(c) => {
                                return Err(TemplateError(format!(
                                    "`{c}` is not allowed in a variable name (write `{{{{` for a literal brace)"
                                )));
                            }
                            None => {
                                return Err(TemplateError(
                                    "a `{` is never closed (write `{{` for a literal brace)".into(),
                                ));
                            }
                        }
                    }
                    if name.is_empty() {
                        return Err(TemplateError("`{}` names no variable".into()));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Var(name));
                }
                '}' => {
                    return Err(TemplateError("a `}` has no opening `{` (write `}}` for a literal brace)".into()));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    /// A template that is all literal text.
    pub fn literal(text: &str) -> Self {
        Template { parts: vec![Part::Literal(text.to_owned())] }
    }

    /// The variable names used, in order of appearance.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Characters of literal text, placeholders excluded.
    pub fn literal_chars(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) => s.chars().count(),
                Part::Var(_) => 0,
            })
            .sum()
    }

    /// Fills the placeholders; an unknown variable renders as nothing (load-time checks make
    /// that unreachable for flows). A variable with no value takes the spaces and the comma
    /// just before it along, so a greeting reads "Hi!" and "No problem." for a contact whose
    /// name is unknown ("Hi {first_name}!", "No problem, {first_name}.").
    pub fn render<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Var(name) => match lookup(name).filter(|value| !value.trim().is_empty()) {
                    Some(value) => out.push_str(value),
                    None => {
                        let kept = out.trim_end().strip_suffix(',').unwrap_or(out.trim_end()).trim_end().len();
                        out.truncate(kept);
                    }
                },
            }
        }
        out
    }
}

/// Cuts `text` to at most `max` characters, ending with an ellipsis when cut, so a long first
/// name can never push a message over the platform's limit.
pub fn truncate_chars(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(src: &str, first_name: &str) -> String {
        Template::parse(src).unwrap().render(|name| match name {
            "first_name" => Some(first_name),
            _ => None,
        })
    }

    #[test]
    fn fills_variables() {
        assert_eq!(render("Hi {first_name}!", "Ada"), "Hi Ada!");
    }

    #[test]
    fn doubled_braces_are_literal() {
        assert_eq!(render("{{x}} {first_name}", "Ada"), "{x} Ada");
    }

    #[test]
    fn unknown_variables_render_empty() {
        assert_eq!(render("a{nope}b", "Ada"), "ab");
    }

    #[test]
    fn an_empty_variable_takes_the_space_or_comma_before_it_along() {
        assert_eq!(render("Hi {first_name}! Welcome.", ""), "Hi! Welcome.");
        assert_eq!(render("No problem, {first_name}. Bye", ""), "No problem. Bye");
        assert_eq!(render("Sorry {first_name}, all gone.", ""), "Sorry, all gone.");
        assert_eq!(render("Thanks {first_name} for coming", ""), "Thanks for coming");
        assert_eq!(render("{first_name}, hello", ""), ", hello");
        assert_eq!(render("No problem, {first_name}.", "Ada"), "No problem, Ada.");
    }

    #[test]
    fn reports_malformed_templates() {
        assert!(Template::parse("Hi {first_name").is_err());
        assert!(Template::parse("Hi {}").is_err());
        assert!(Template::parse("Hi }").is_err());
        assert!(Template::parse("Hi {first name}").is_err());
    }

    #[test]
    fn lists_variables_and_counts_literals() {
        let t = Template::parse("Hi {first_name}, code {coupon_code}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["first_name", "coupon_code"]);
        assert_eq!(t.literal_chars(), "Hi , code ".len());
    }

    #[test]
    fn truncates_on_characters() {
        assert_eq!(truncate_chars("héllo".into(), 10), "héllo");
        assert_eq!(truncate_chars("héllo".into(), 3), "hé…");
    }
}
