//! Black-box tests of the renderer: what each chart kind draws, determinism, and how bad specs are refused.

use statbot_charts::{
    Chart, ChartError, ChartKind, FunnelStep, LineSeries, MAX_POINTS, MAX_SIDE, Point, ValueFormat, X, render_png,
    render_svg,
};

fn bar_chart() -> Chart {
    Chart::bar("Signups per day", [("Mon", 12.0), ("Tue", 30.0), ("Wed", 7.0)]).with_y_label("Signups")
}

fn grouped_chart() -> Chart {
    Chart::grouped_bar(
        "Austin vs Denver",
        ["Signups", "Orders", "Refunds"],
        [("Austin", vec![120.0, 43.0, 3.0]), ("Denver", vec![98.0, 51.0, 5.0])],
    )
}

fn line_chart() -> Chart {
    Chart::line(
        "Daily active users",
        vec![
            LineSeries::new("Austin", [("2024-05-01", 10.0), ("2024-05-02", 14.0), ("2024-05-03", 12.0)]),
            LineSeries::new("Denver", [("2024-05-01", 7.0), ("2024-05-02", 9.0), ("2024-05-03", 15.0)]),
        ],
    )
}

fn funnel_chart() -> Chart {
    Chart::funnel("Checkout", [("Opened chat", 1000.0), ("Picked a plan", 420.0), ("Paid", 105.0)])
}

fn ranking_chart() -> Chart {
    Chart::horizontal_bar(
        "Top customers",
        [("Ada Lovelace <ada@example.com>", 1250.0), ("Grace Hopper", 600.0), ("cus_Q8h2", 75.5)],
    )
    .with_format(ValueFormat::Money { symbol: "$".into(), decimals: 2 })
    .with_y_label("Net revenue (USD)")
}

fn all_kinds() -> Vec<Chart> {
    vec![bar_chart(), ranking_chart(), grouped_chart(), line_chart(), funnel_chart()]
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

#[test]
fn every_kind_renders_a_png_of_the_requested_size() {
    for chart in all_kinds() {
        let png = render_png(&chart).unwrap();
        assert_eq!(png_size(&png), (800, 450), "{}", chart.title);
        let wide = render_png(&chart.clone().with_size(1200, 300)).unwrap();
        assert_eq!(png_size(&wide), (1200, 300), "{}", chart.title);
    }
}

#[test]
fn same_spec_gives_the_same_bytes() {
    for chart in all_kinds() {
        assert_eq!(render_png(&chart).unwrap(), render_png(&chart).unwrap(), "PNG of {}", chart.title);
        assert_eq!(render_svg(&chart).unwrap(), render_svg(&chart).unwrap(), "SVG of {}", chart.title);
    }
}

#[test]
fn bar_svg_has_the_title_one_rect_per_bar_and_value_labels() {
    let svg = render_svg(&bar_chart()).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("Signups per day"));
    assert!(svg.contains("font-weight=\"bold\""), "title is bold");
    // One background rect plus one per bar; no legend for a single series.
    assert_eq!(count(&svg, "<rect"), 1 + 3);
    for label in ["Mon", "Tue", "Wed", "12", "30", "7", "Signups"] {
        assert!(svg.contains(&format!("\n{label}\n")), "missing text {label}");
    }
}

#[test]
fn grouped_bar_svg_has_a_legend_and_bars_per_series() {
    let svg = render_svg(&grouped_chart()).unwrap();
    // Background, two legend swatches, two series of three bars.
    assert_eq!(count(&svg, "<rect"), 1 + 2 + 2 * 3);
    assert!(svg.contains("\nAustin\n") && svg.contains("\nDenver\n"));
    assert!(svg.contains("#0072B2") && svg.contains("#E69F00"), "two palette colours");
}

#[test]
fn line_svg_draws_each_series_in_its_own_style_with_a_legend() {
    let svg = render_svg(&line_chart()).unwrap();
    let strokes = |colour: &str| count(&svg, &format!("<polyline fill=\"none\" opacity=\"1\" stroke=\"{colour}\""));
    // The first series solid (one polyline, and its sample in the legend); the second dashed (many
    // short ones); the floor line.
    assert_eq!(strokes("#0072B2"), 1 + 1);
    assert!(strokes("#E69F00") > 4, "dashed");
    assert_eq!(strokes("#9CA3AF"), 1);
    assert!(svg.contains("\nAustin\n") && svg.contains("\n2024-05-01\n"));
    let single = Chart::line("One", vec![LineSeries::new("Only", [(1.0, 2.0), (2.0, 3.0)])]);
    let svg = render_svg(&single).unwrap();
    assert!(!svg.contains("\nOnly\n"), "no legend for a single series");
    assert_eq!(count(&svg, "<polyline"), 1 + 1, "a solid line and the floor line");
}

#[test]
fn funnel_svg_labels_counts_shares_and_drop_offs() {
    let chart = funnel_chart().with_format(ValueFormat::Count);
    let svg = render_svg(&chart).unwrap();
    assert_eq!(count(&svg, "<rect"), 1 + 3);
    for text in ["Opened chat", "1,000 (100%)", "420 (42%)", "105 (10.5%)", "↓ 58% drop-off", "↓ 75% drop-off"] {
        assert!(svg.contains(text), "missing {text}");
    }
    let mut quiet = funnel_chart();
    if let ChartKind::Funnel { show_drop_off, .. } = &mut quiet.kind {
        *show_drop_off = false;
    }
    assert!(!render_svg(&quiet).unwrap().contains("drop-off"));
}

#[test]
fn funnel_bar_widths_are_proportional_to_counts() {
    let svg = render_svg(&funnel_chart()).unwrap();
    let widths: Vec<f64> = svg
        .lines()
        .filter(|l| l.starts_with("<rect") && l.contains("#0072B2"))
        .map(|l| {
            let w = l.split("width=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
            w.parse().unwrap()
        })
        .collect();
    assert_eq!(widths.len(), 3);
    assert!((widths[1] / widths[0] - 0.42).abs() < 0.01, "{widths:?}");
    assert!((widths[2] / widths[0] - 0.105).abs() < 0.01, "{widths:?}");
}

#[test]
fn horizontal_bars_rank_top_to_bottom_with_whole_names_and_values_beside_them() {
    let svg = render_svg(&ranking_chart()).unwrap();
    assert_eq!(count(&svg, "<rect"), 1 + 3);
    let texts =
        ["Ada Lovelace &lt;ada@example.com&gt;", "Grace Hopper", "$1,250.00", "$600.00", "$75.50", "Net revenue (USD)"];
    for text in texts {
        assert!(svg.contains(&format!("\n{text}\n")), "missing {text}");
    }
    let bars: Vec<(f64, f64)> = svg
        .lines()
        .filter(|l| l.starts_with("<rect") && l.contains("#0072B2"))
        .map(|l| {
            let attr = |name: &str| -> f64 {
                l.split(&format!(" {name}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap().parse().unwrap()
            };
            (attr("y"), attr("width"))
        })
        .collect();
    assert!(bars.windows(2).all(|w| w[0].0 < w[1].0), "in the order given, top to bottom: {bars:?}");
    assert!((bars[1].1 / bars[0].1 - 0.48).abs() < 0.01, "widths proportional to values: {bars:?}");

    let mixed = Chart::horizontal_bar("Net", [("refunded more", -40.0), ("paid", 100.0), ("nothing", 0.0)]);
    let svg = render_svg(&mixed).unwrap();
    assert_eq!(count(&svg, "fill=\"#D55E00\""), 1, "the negative bar in vermillion");
    assert_eq!(count(&svg, "<rect"), 1 + 2, "no bar for zero");
    assert!(svg.contains("\n-40\n") && svg.contains("\n0\n"));
    render_png(&mixed).unwrap();
}

#[test]
fn numbers_use_thousands_separators_and_units() {
    let money = Chart::bar("Revenue", [("Q1", 12345.5), ("Q2", 23456.0)])
        .with_format(ValueFormat::Money { symbol: "$".into(), decimals: 2 });
    let svg = render_svg(&money).unwrap();
    assert!(svg.contains("$12,345.50") && svg.contains("$23,456.00"));
    assert!(svg.contains("\n$20,000\n"), "axis ticks carry the symbol without decimals");

    let pct = Chart::bar("Conversion", [("A", 42.5)]).with_format(ValueFormat::Percent { decimals: 1 });
    assert!(render_svg(&pct).unwrap().contains("42.5%"));
}

#[test]
fn long_category_labels_are_truncated_with_an_ellipsis() {
    let long = "A category label far too long to fit under its bar";
    let chart = Chart::bar("Long labels", (0..8).map(|i| (format!("{long} {i}"), i as f64 + 1.0)));
    let svg = render_svg(&chart).unwrap();
    assert!(!svg.contains(long));
    assert_eq!(count(&svg, "\nA categor…\n"), 8, "every bar labelled, each cut short");
    let title = "A title that goes on and on and on, much longer than the eight hundred pixels of the chart";
    assert!(render_svg(&Chart::bar(title, [("x", 1.0)])).unwrap().contains("A title that goes on"));
    assert!(!render_svg(&Chart::bar(title, [("x", 1.0)])).unwrap().contains(title));
}

#[test]
fn negative_bars_hang_below_a_zero_line_in_their_own_colour() {
    let chart = Chart::bar("Net change", [("Jan", 120.0), ("Feb", -80.0), ("Mar", -20.0)]);
    let svg = render_svg(&chart).unwrap();
    assert_eq!(count(&svg, "fill=\"#D55E00\""), 2, "two negative bars in vermillion");
    assert!(svg.contains("\n-80\n") && svg.contains("\n-20\n"));
    render_png(&chart).unwrap();
    let all_negative = Chart::bar("Losses", [("a", -5.0), ("b", -1.0)]);
    render_png(&all_negative).unwrap();
}

#[test]
fn empty_data_renders_a_no_data_chart() {
    let empty = vec![
        Chart::bar("Nothing yet", Vec::<(String, f64)>::new()),
        Chart::grouped_bar("Nothing yet", Vec::<String>::new(), Vec::<(String, Vec<f64>)>::new()),
        Chart::grouped_bar("Nothing yet", ["a", "b"], Vec::<(String, Vec<f64>)>::new()),
        Chart::line("Nothing yet", vec![]),
        Chart::line("Nothing yet", vec![LineSeries { name: "empty".into(), points: vec![] }]),
        Chart::funnel("Nothing yet", Vec::<(String, f64)>::new()),
        Chart::horizontal_bar("Nothing yet", Vec::<(String, f64)>::new()),
    ];
    for chart in empty {
        let svg = render_svg(&chart).unwrap();
        assert!(svg.contains("No data") && svg.contains("Nothing yet"), "{:?}", chart.kind);
        png_size(&render_png(&chart).unwrap());
    }
}

#[test]
fn all_zero_and_flat_data_render() {
    render_png(&Chart::bar("Zeros", [("a", 0.0), ("b", 0.0)])).unwrap();
    render_png(&Chart::line("Flat", vec![LineSeries::new("x", [(1.0, 5.0), (2.0, 5.0)])])).unwrap();
    render_png(&Chart::line("Point", vec![LineSeries::new("x", [("only", 5.0)])])).unwrap();
    render_png(&Chart::funnel("Zeros", [("a", 0.0), ("b", 0.0)])).unwrap();
    render_png(&Chart::horizontal_bar("Zeros", [("a", 0.0), ("b", 0.0)])).unwrap();
}

#[test]
fn nan_and_infinity_are_rejected_with_their_location() {
    let err = render_png(&Chart::bar("Bad", [("Mon", 1.0), ("Tue", f64::NAN)])).unwrap_err();
    assert!(matches!(&err, ChartError::NonFinite { location, .. } if location == "bar \"Tue\""), "{err}");

    let grouped = Chart::grouped_bar("Bad", ["a"], [("s", vec![f64::INFINITY])]);
    assert!(matches!(render_svg(&grouped), Err(ChartError::NonFinite { .. })));

    let line = Chart::line("Bad", vec![LineSeries::new("s", [(f64::NEG_INFINITY, 1.0)])]);
    let err = render_svg(&line).unwrap_err();
    assert_eq!(err.to_string(), "series \"s\" point 0 (x) is not a finite number (-inf)");

    let funnel = Chart::funnel("Bad", [("a", f64::NAN)]);
    assert!(matches!(render_png(&funnel), Err(ChartError::NonFinite { .. })));
}

#[test]
fn inconsistent_specs_are_rejected() {
    let short = Chart::grouped_bar("Bad", ["a", "b"], [("s", vec![1.0])]);
    assert_eq!(
        render_svg(&short).unwrap_err(),
        ChartError::LengthMismatch { series: "s".into(), expected: 2, actual: 1 }
    );

    let mixed = Chart::line(
        "Bad",
        vec![
            LineSeries::new("a", [(1.0, 1.0)]),
            LineSeries { name: "b".into(), points: vec![Point { x: "Mon".into(), y: 2.0 }] },
        ],
    );
    assert_eq!(render_svg(&mixed).unwrap_err(), ChartError::MixedX { series: "b".into() });

    let negative = Chart::funnel("Bad", [("a", 10.0), ("b", -1.0)]);
    assert!(matches!(render_png(&negative), Err(ChartError::NegativeCount { .. })));

    for (w, h) in [(0, 450), (800, 10), (MAX_SIDE + 1, 450)] {
        let err = render_png(&bar_chart().with_size(w, h)).unwrap_err();
        assert_eq!(err, ChartError::InvalidSize { width: w, height: h });
    }

    let huge = Chart::bar("Huge", (0..=MAX_POINTS).map(|i| (i.to_string(), 1.0)));
    assert!(matches!(render_svg(&huge), Err(ChartError::TooManyPoints { .. })));
}

#[test]
fn smallest_and_crowded_canvases_still_render() {
    let crowded = Chart::grouped_bar(
        "Crowded canvas with a long title",
        (0..30).map(|i| format!("Category {i}")),
        (0..7).map(|s| (format!("A series with a long name {s}"), (0..30).map(|i| (i * s) as f64 - 40.0).collect())),
    )
    .with_x_label("Categories")
    .with_y_label("Values");
    for chart in all_kinds().into_iter().chain([crowded]) {
        let small = chart.clone().with_size(200, 150);
        assert_eq!(png_size(&render_png(&small).unwrap()), (200, 150), "{}", chart.title);
        render_svg(&small).unwrap();
    }
}

#[test]
fn text_is_escaped_in_svg_and_any_unicode_renders() {
    let chart = Chart::bar("<script>alert(1)</script> & co", [("Café ☕ 🚀", 3.0), ("日本語", 2.0)]);
    let svg = render_svg(&chart).unwrap();
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;"));
    render_png(&chart).unwrap();
}

#[test]
fn numeric_line_points_are_drawn_sorted_by_x() {
    let chart = Chart::line("Unsorted", vec![LineSeries::new("s", [(3.0, 1.0), (1.0, 2.0), (2.0, 3.0)])]);
    let svg = render_svg(&chart).unwrap();
    let line = svg.lines().find(|l| l.starts_with("<polyline") && l.contains("#0072B2")).unwrap();
    let points = line.split("points=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
    let xs: Vec<i32> = points.split_whitespace().map(|p| p.split(',').next().unwrap().parse().unwrap()).collect();
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
}

#[test]
fn spec_reads_from_json_with_defaults() {
    let json = r#"{
        "title": "Signups",
        "kind": {"type": "line", "series": [
            {"name": "web", "points": [{"x": "2024-05-01", "y": 3}, {"x": "2024-05-02", "y": 5}]}
        ]},
        "format": {"style": "money", "symbol": "€", "decimals": 2}
    }"#;
    let chart: Chart = serde_json::from_str(json).unwrap();
    assert_eq!((chart.width, chart.height), (800, 450));
    assert_eq!(chart.format, ValueFormat::Money { symbol: "€".into(), decimals: 2 });
    let ChartKind::Line { series } = &chart.kind else { panic!("not a line: {:?}", chart.kind) };
    assert_eq!(series[0].points[1].x, X::Label("2024-05-02".into()));

    let funnel: Chart = serde_json::from_str(
        r#"{"title": "F", "width": 640, "height": 360, "kind": {"type": "funnel", "steps": [{"name": "a", "count": 5}]}}"#,
    )
    .unwrap();
    assert_eq!(
        funnel.kind,
        ChartKind::Funnel { steps: vec![FunnelStep { name: "a".into(), count: 5.0 }], show_drop_off: true }
    );
    assert_eq!(funnel.format, ValueFormat::Count);

    let round_trip: Chart = serde_json::from_str(&serde_json::to_string(&grouped_chart()).unwrap()).unwrap();
    assert_eq!(round_trip, grouped_chart());

    assert!(
        serde_json::from_str::<Chart>(r#"{"title": "x", "kind": {"type": "bar", "bars": []}, "colour": 1}"#).is_err()
    );
}
