//! Line charts over a listed x axis: labels with no point keep their place, are shaded and crossed at the
//! axis, lines do not cross them, and specs without the list draw as before.

use statbot_charts::{Chart, ChartError, ChartKind, LineSeries, render_png, render_svg};

/// A week with no figures on Wednesday and Thursday, and Saturday alone between gaps.
fn week() -> Chart {
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    Chart::line("Solved", vec![LineSeries::new("Solved", [("Mon", 4.0), ("Tue", 6.0), ("Fri", 5.0), ("Sun", 7.0)])])
        .with_x_labels(days)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The gap bands of an SVG: its translucent rects.
fn bands(svg: &str) -> usize {
    svg.lines().filter(|l| l.starts_with("<rect") && l.contains("opacity=\"0.14\"")).count()
}

#[test]
fn days_without_a_point_are_shaded_crossed_and_not_bridged() {
    let svg = render_svg(&week()).unwrap();
    for day in ["Mon", "Wed", "Sun"] {
        assert!(svg.contains(&format!("\n{day}\n")), "every listed day is on the axis: {day}");
    }
    assert_eq!(bands(&svg), 3, "Wed, Thu and Sat are shaded");
    // Each cross is two strokes in the muted colour.
    assert_eq!(count(&svg, "<line opacity=\"1\" stroke=\"#4B5563\""), 3 * 2);
    // Mon–Tue, Fri alone, Sun alone: three runs, plus the floor line.
    assert_eq!(count(&svg, "<polyline"), 3 + 1);
    // The runs alone (Fri, Sun) are marked, or they would not show; Mon and Tue too (wide spacing).
    assert_eq!(count(&svg, "<circle"), 4);
    png_ok(&week());
}

#[test]
fn a_line_breaks_where_its_own_series_has_no_point() {
    let chart = Chart::line(
        "Two teams",
        vec![
            LineSeries::new("A", [("d1", 1.0), ("d2", 2.0), ("d3", 3.0)]),
            LineSeries::new("B", [("d1", 1.0), ("d3", 3.0)]),
        ],
    )
    .with_x_labels(["d1", "d2", "d3"]);
    let svg = render_svg(&chart).unwrap();
    assert_eq!(bands(&svg), 0, "some series has every day");
    // A in one run through d1, d2 and d3; B (dashed) has no dash across d2.
    let a = polylines(&svg, "#0072B2");
    assert_eq!(a.len(), 1, "{a:?}");
    let xs: Vec<i32> = a[0].iter().map(|p| p.0).collect();
    assert_eq!(xs.len(), 3, "{xs:?}");
    let across = |svg: &str| polylines(svg, "#E69F00").iter().flatten().any(|p| p.0 > xs[0] + 2 && p.0 < xs[2] - 2);
    assert!(!across(&svg), "B breaks at d2");
    // Without the list the same data joins B's points across d2, as before.
    let mut joined = chart.clone();
    joined.x_labels.clear();
    assert!(across(&render_svg(&joined).unwrap()), "B joined across d2");
}

/// The points of the polylines stroked in `colour` below the legend (y > 85 on 800x450).
fn polylines(svg: &str, colour: &str) -> Vec<Vec<(i32, i32)>> {
    svg.lines()
        .filter(|l| l.starts_with("<polyline") && l.contains(&format!("stroke=\"{colour}\"")))
        .map(|l| {
            let points = l.split("points=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
            let point = |p: &str| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            };
            points.split_whitespace().map(point).collect::<Vec<(i32, i32)>>()
        })
        .filter(|points| points.iter().all(|p| p.1 > 85))
        .collect()
}

#[test]
fn long_ranges_keep_the_bands_but_drop_the_crosses() {
    let days: Vec<String> = (0..365).map(|d| format!("day {d}")).collect();
    let points = days.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(i, d)| (d.as_str(), i as f64));
    let chart = Chart::line("A year", vec![LineSeries::new("s", points)]).with_x_labels(&days);
    let svg = render_svg(&chart).unwrap();
    assert_eq!(bands(&svg), 122);
    assert_eq!(count(&svg, "stroke=\"#4B5563\""), 0, "no crosses in slots of two pixels");
    png_ok(&chart);
}

#[test]
fn listed_labels_with_no_points_at_all_say_no_data() {
    let chart = Chart::line("Nothing", vec![LineSeries::new("s", Vec::<(&str, f64)>::new())]).with_x_labels(["a"]);
    assert!(render_svg(&chart).unwrap().contains("No data"));
}

#[test]
fn listed_labels_need_labelled_points() {
    let chart = Chart::line("Bad", vec![LineSeries::new("s", [(1.0, 2.0)])]).with_x_labels(["a"]);
    let err = render_svg(&chart).unwrap_err();
    assert_eq!(err, ChartError::XLabelsOnNumericX { series: "s".into() });
    assert_eq!(err.to_string(), "line chart lists x labels but series \"s\" has numeric x values");
}

#[test]
fn the_list_is_optional_in_json_and_left_out_when_empty() {
    let json = r#"{"title": "T", "x_labels": ["a", "b", "c"],
        "kind": {"type": "line", "series": [{"name": "s", "points": [{"x": "a", "y": 1}, {"x": "c", "y": 2}]}]}}"#;
    let chart: Chart = serde_json::from_str(json).unwrap();
    assert_eq!(chart.x_labels, ["a", "b", "c"]);
    assert!(matches!(chart.kind, ChartKind::Line { .. }));
    assert_eq!(bands(&render_svg(&chart).unwrap()), 1);
    let plain = serde_json::to_string(&Chart::line("T", vec![])).unwrap();
    assert!(!plain.contains("x_labels"), "{plain}");
    let round_trip: Chart = serde_json::from_str(&serde_json::to_string(&week()).unwrap()).unwrap();
    assert_eq!(round_trip, week());
}

fn png_ok(chart: &Chart) {
    let png = render_png(chart).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert_eq!(png, render_png(chart).unwrap(), "the same bytes every time");
}
