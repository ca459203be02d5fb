//! CSV output (RFC 4180): fields quoted when they hold a comma, a quote or a line break. A field
//! a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return, OWASP's CSV injection rule) gets a leading `'` so it opens as text; numbers such as
//! `-12.50` or `-895,855` are left as they are.

use crate::store::TaggedContact;
use std::borrow::Cow;

/// The header of a contacts listing (the API's and `statbot contacts list`'s).
pub fn contacts_header() -> String {
    line(["id", "name", "platform", "external_id", "flow", "step", "tags", "created_at", "updated_at"])
}

/// A contact's line in a listing, its times in `zone` and its tags apart by spaces.
pub fn contact_line(tagged: &TaggedContact, zone: &jiff::tz::TimeZone) -> String {
    let c = &tagged.contact;
    let (flow, step) = c.position.as_ref().map(|p| (p.flow.clone(), p.step.clone())).unwrap_or_default();
    line([
        c.id.to_string(),
        c.display_name(),
        c.platform.to_string(),
        c.external_id.clone(),
        flow,
        step,
        tagged.tags.join(" "),
        crate::dates::local_second_ms(c.created_at, zone),
        crate::dates::local_second_ms(c.updated_at, zone),
    ])
}

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

/// The field, with a leading `'` when a spreadsheet would read it as a formula. A sign followed
/// only by what numbers are written with (digits, separators, `%`, a currency symbol) is a
/// number: `-895,855`, `-$3.50`.
fn as_text(field: &str) -> Cow<'_, str> {
    let mut chars = field.chars();
    let formula = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => {
            !chars.all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '%' | ' ' | '$' | '€' | '£' | '¥' | '₹'))
        }
        _ => false,
    };
    if formula { Cow::Owned(format!("'{field}")) } else { Cow::Borrowed(field) }
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
        assert_eq!(
            super::line(["-12.50", "+3", "-0", "1e3", "a=b", "-$3.50", "-895,855", "-12 %"]),
            "-12.50,+3,-0,1e3,a=b,-$3.50,\"-895,855\",-12 %\r\n"
        );
    }
}
