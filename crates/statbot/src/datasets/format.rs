//! Values as people read them, by the column's unit: "790,390 people", "$1,474 a month",
//! "12.3 %", "$71,576".

use super::model::{Column, ColumnKind};
use statbot_charts::ValueFormat;
use statbot_core::numbers::{grouped, prefixed};

/// A value with its unit, for text answers and tables; "no data" for an empty cell.
pub fn value(column: &Column, value: &serde_json::Value) -> String {
    let Some(number) = value.as_f64() else {
        return match value {
            serde_json::Value::String(text) => text.clone(),
            _ => "no data".to_owned(),
        };
    };
    let decimals = if column.kind == ColumnKind::Integer { 0 } else { decimals_for(number) };
    let digits = grouped(number, decimals);
    match column.unit.as_deref() {
        Some("USD") => prefixed(&digits, "$"),
        Some("USD/month") => format!("{} a month", prefixed(&digits, "$")),
        Some("%") => format!("{digits} %"),
        Some("people") => format!("{digits} people"),
        Some("people/km2") => format!("{digits} people per km²"),
        Some("deg") => format!("{digits}°"),
        Some(unit) => format!("{digits} {unit}"),
        None => digits,
    }
}

/// The number alone, as in a table cell.
pub fn number(column: &Column, value: &serde_json::Value) -> String {
    match value.as_f64() {
        Some(n) => grouped(n, if column.kind == ColumnKind::Integer { 0 } else { decimals_for(n) }),
        None => value.as_str().map_or_else(String::new, str::to_owned),
    }
}

/// How a chart's axis shows the column.
pub fn chart_format(column: &Column) -> ValueFormat {
    match column.unit.as_deref() {
        Some("USD" | "USD/month") => ValueFormat::Money { symbol: "$".into(), decimals: 0 },
        Some("%") => ValueFormat::Percent { decimals: 1 },
        _ if column.kind == ColumnKind::Number => ValueFormat::Number { decimals: 1 },
        _ => ValueFormat::Count,
    }
}

fn decimals_for(number: f64) -> usize {
    if number.fract() == 0.0 {
        0
    } else if number.abs() >= 100.0 {
        1
    } else {
        2.min(if (number * 10.0).fract().abs() < 1e-9 { 1 } else { 2 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(kind: ColumnKind, unit: Option<&str>) -> Column {
        Column { unit: unit.map(str::to_owned), ..Column::new("x", kind) }
    }

    #[test]
    fn values_read_with_their_units() {
        use ColumnKind::*;
        assert_eq!(value(&column(Integer, Some("people")), &790390.into()), "790,390 people");
        assert_eq!(value(&column(Integer, Some("USD/month")), &1474.into()), "$1,474 a month");
        assert_eq!(value(&column(Number, Some("%")), &12.3.into()), "12.3 %");
        assert_eq!(value(&column(Integer, Some("USD")), &71576.into()), "$71,576");
        assert_eq!(value(&column(Number, Some("people/km2")), &1234.56.into()), "1,234.6 people per km²");
        assert_eq!(value(&column(Number, None), &serde_json::Value::Null), "no data");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
        assert_eq!(grouped(999.0, 0), "999");
    }

    #[test]
    fn money_that_rounds_to_zero_has_no_sign() {
        assert_eq!(value(&column(ColumnKind::Number, Some("USD")), &(-1234.5).into()), "-$1,234.5");
        assert_eq!(value(&column(ColumnKind::Number, Some("USD")), &(-0.001).into()), "$0.00");
    }
}
