//! Long tables by day (or week, or month) without page after page of zeros: a run of quiet
//! rows becomes one line, "29 days with no activity (2026-11-07 to 2026-12-05)", and the rows
//! with something in them stay as they are.

/// A line of a table by period: a row, or a run of quiet rows said in words.
pub(crate) enum Line<T> {
    Row(T),
    Quiet(String),
}

/// Quiet rows in a row that make one line; fewer stay rows.
const MIN_RUN: usize = 3;

/// `rows` with each run of at least [`MIN_RUN`] quiet rows (`is_quiet`) as one line naming
/// how many `unit`s (`day`, `week`, `month`) and their first and last (`label`).
pub(crate) fn collapse<T>(
    rows: Vec<T>,
    unit: &str,
    is_quiet: impl Fn(&T) -> bool,
    label: impl Fn(&T) -> String,
) -> Vec<Line<T>> {
    let mut lines = Vec::new();
    let mut run: Vec<T> = Vec::new();
    let flush = |run: &mut Vec<T>, lines: &mut Vec<Line<T>>| {
        if run.len() >= MIN_RUN {
            let (first, last) = (label(&run[0]), label(&run[run.len() - 1]));
            lines.push(Line::Quiet(format!("{} {unit}s with no activity ({first} to {last})", run.len())));
            run.clear();
        } else {
            lines.extend(run.drain(..).map(Line::Row));
        }
    };
    for row in rows {
        if is_quiet(&row) {
            run.push(row);
        } else {
            flush(&mut run, &mut lines);
            lines.push(Line::Row(row));
        }
    }
    flush(&mut run, &mut lines);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(lines: &[Line<(u32, u32)>]) -> Vec<String> {
        lines
            .iter()
            .map(|line| match line {
                Line::Row((day, n)) => format!("{day}: {n}"),
                Line::Quiet(text) => text.clone(),
            })
            .collect()
    }

    #[test]
    fn runs_of_quiet_days_are_one_line() {
        let days: Vec<(u32, u32)> =
            vec![(1, 0), (2, 0), (3, 0), (4, 5), (5, 0), (6, 0), (7, 2), (8, 0), (9, 0), (10, 0)];
        let lines = collapse(days, "day", |(_, n)| *n == 0, |(day, _)| format!("Nov {day}"));
        assert_eq!(
            said(&lines),
            [
                "3 days with no activity (Nov 1 to Nov 3)",
                "4: 5",
                "5: 0",
                "6: 0",
                "7: 2",
                "3 days with no activity (Nov 8 to Nov 10)"
            ]
        );
        assert!(collapse(Vec::<(u32, u32)>::new(), "day", |_| true, |_| String::new()).is_empty());
    }
}
