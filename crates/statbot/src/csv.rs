//! CSV output (RFC 4180): fields quoted when they hold a comma, a quote or a line break.

/// One CSV line (with its line break) from its fields.
pub fn line<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let field = field.as_ref();
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_with_commas_quotes_or_breaks_are_quoted() {
        assert_eq!(
            super::line(["a", "b c", "1,5", "say \"hi\"", "x\ny"]),
            "a,b c,\"1,5\",\"say \"\"hi\"\"\",\"x\ny\"\r\n"
        );
    }
}
