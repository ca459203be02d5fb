//! CSV output (RFC 4180): fields quoted when they hold a comma, a quote or a line break. A field
//! a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return, OWASP's CSV injection rule) gets a leading `'` so it opens as text; plain numbers such
//! as `-12.50` are left as they are.

use std::borrow::Cow;

/// One CSV line (with its line break) from its fields.
pub fn line<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let field = as_text(field.as_ref());
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
    out
}

/// The field, with a leading `'` when a spreadsheet would read it as a formula.
fn as_text(field: &str) -> Cow<'_, str> {
    let formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && field.parse::<f64>().is_err() { Cow::Owned(format!("'{field}")) } else { Cow::Borrowed(field) }
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

    #[test]
    fn formulas_open_as_text_and_numbers_stay_numbers() {
        assert_eq!(
            super::line(["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\ry"]),
            "'=1+1,'+cmd,'-2+3,'@SUM(A1),'\tx,\"'\ry\"\r\n"
        );
        assert_eq!(super::line(["-12.50", "+3", "-0", "1e3", "a=b"]), "-12.50,+3,-0,1e3,a=b\r\n");
    }
}
