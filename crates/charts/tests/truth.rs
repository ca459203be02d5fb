//! Charts that tell the truth (issue 22): series drawn on top of each other stay visible in the
//! PNG, bar axes start at zero, percentage axes stop at 100 %, a line axis that does not start at
//! zero says so, a target is drawn inside the axis, a funnel fills its frame, every text stays
//! readable when the chart is shown on a phone, and the alt text says what the chart shows.

use statbot_charts::{
    Chart, ChartKind, LineSeries, PHONE_HEIGHT, PHONE_WIDTH, ValueFormat, describe, render_png, render_svg,
};

const BLUE: [u8; 3] = [0, 114, 178];
const ORANGE: [u8; 3] = [230, 159, 0];
const GREEN: [u8; 3] = [0, 158, 115];

/// A decoded PNG: width, height and RGB bytes.
struct Pixels {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

fn decode(png: &[u8]) -> Pixels {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgb).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    rgb.truncate(info.buffer_size());
    Pixels { width: info.width as usize, height: info.height as usize, rgb }
}

/// Pixels of exactly `colour` in the plot: below the top quarter of the canvas, where the title
/// and the legend are (the legend shows every colour whether or not its series shows).
fn ink(chart: &Chart, colour: [u8; 3]) -> usize {
    let p = decode(&render_png(chart).unwrap());
    (p.height / 4..p.height)
        .flat_map(|y| (0..p.width).map(move |x| (y * p.width + x) * 3))
        .filter(|&i| p.rgb[i..i + 3] == colour)
        .count()
}

/// Thirty days, and a series over them.
fn days() -> Vec<String> {
    (1..=30).map(|d| format!("2026-11-{d:02}")).collect()
}

fn daily(name: &str, values: impl Fn(usize) -> f64) -> LineSeries {
    let days = days();
    LineSeries::new(name, days.iter().enumerate().map(|(i, d)| (d.as_str(), values(i))))
}

/// The same chart with every series but `keep` emptied: that series drawn alone, in its own
/// place, style and colour.
fn alone(chart: &Chart, keep: usize) -> Chart {
    let mut chart = chart.clone();
    if let ChartKind::Line { series } = &mut chart.kind {
        for (i, s) in series.iter_mut().enumerate() {
            if i != keep {
                s.points.clear();
            }
        }
    }
    chart
}

/// Every series of a line chart keeps at least a fifth of the ink it has when drawn alone.
fn assert_every_line_shows(chart: &Chart, colours: &[[u8; 3]]) {
    for (i, &colour) in colours.iter().enumerate() {
        let (together, by_itself) = (ink(chart, colour), ink(&alone(chart, i), colour));
        assert!(by_itself > 200, "{}: series {i} drawn alone has {by_itself} pixels", chart.title);
        assert!(
            together * 5 >= by_itself,
            "{}: series {i} shows {together} of its {by_itself} pixels under the others",
            chart.title
        );
    }
}

#[test]
fn identical_lines_stay_visible_under_each_other() {
    // The reveals chart: every contact revealed once, so both lines are the same.
    let reveals = |i: usize| ((i * 7) % 5) as f64;
    let chart = Chart::line("Coupons revealed per day", vec![daily("Reveals", reveals), daily("Contacts", reveals)]);
    assert_every_line_shows(&chart, &[BLUE, ORANGE]);

    let three =
        Chart::line("Three alike", vec![daily("a", |i| i as f64), daily("b", |i| i as f64), daily("c", |i| i as f64)]);
    assert_every_line_shows(&three, &[BLUE, ORANGE, GREEN]);
}

#[test]
fn lines_that_meet_on_most_days_stay_visible() {
    // Gross and net volume: equal except on the one day with a refund.
    let gross = |i: usize| 100.0 + 10.0 * i as f64;
    let net = move |i: usize| if i == 12 { gross(i) - 80.0 } else { gross(i) };
    let chart = Chart::line("Gross and net volume by day", vec![daily("Gross", gross), daily("Net", net)])
        .with_format(ValueFormat::Money { symbol: "$".into(), decimals: 2 });
    assert_every_line_shows(&chart, &[BLUE, ORANGE]);
    // Successful and failed payments, both zero on the same quiet days and alike on some others.
    let successful = |i: usize| if i.is_multiple_of(4) { 0.0 } else { 3.0 };
    let failed = |i: usize| {
        if i.is_multiple_of(4) {
            0.0
        } else if i.is_multiple_of(3) {
            3.0
        } else {
            1.0
        }
    };
    let chart = Chart::line("Payments", vec![daily("Successful", successful), daily("Failed", failed)]);
    assert_every_line_shows(&chart, &[BLUE, ORANGE]);
}

#[test]
fn every_kind_shows_each_series_colour_in_the_plot() {
    let same = vec![5.0, 9.0, 7.0];
    let grouped = Chart::grouped_bar("Alike", ["a", "b", "c"], [("one", same.clone()), ("two", same.clone())]);
    assert!(ink(&grouped, BLUE) > 200 && ink(&grouped, ORANGE) > 200, "both bars of a group show");
    let kinds = [
        Chart::bar("Bars", [("a", 5.0), ("b", 9.0)]),
        Chart::horizontal_bar("Ranking", [("a", 5.0), ("b", 9.0)]),
        Chart::funnel("Funnel", [("a", 9.0), ("b", 5.0)]),
        Chart::line("Line", vec![daily("only", |i| i as f64)]),
    ];
    for chart in kinds {
        assert!(ink(&chart, BLUE) > 200, "{} shows its series", chart.title);
    }
}

#[test]
fn the_legend_shows_each_line_as_drawn() {
    let week = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let line = |name: &str| LineSeries::new(name, week.iter().enumerate().map(|(i, d)| (*d, i as f64)));
    let svg = render_svg(&Chart::line("Two", vec![line("Reveals"), line("Contacts")])).unwrap();
    assert_eq!(svg.matches("<rect").count(), 1, "no filled boxes, only the background: {svg}");
    // Each series has its own marker, on each point and in the legend: circles for the first,
    // squares (polygons) for the second.
    assert_eq!(svg.matches("<circle").count(), 7 + 1, "{svg}");
    assert_eq!(svg.matches("<polygon opacity=\"1\" fill=\"#E69F00\"").count(), 7 + 1, "{svg}");
    // Points too close together to mark are marked neither on the plot nor in the legend.
    let dense = Chart::line("Two", vec![daily("Reveals", |i| i as f64), daily("Contacts", |i| i as f64)]);
    let svg = render_svg(&dense).unwrap();
    assert!(!svg.contains("<circle") && !svg.contains("<polygon"), "{svg}");
}

/// The numbers on the value axis: the texts anchored at their end that read as numbers.
fn value_ticks(svg: &str) -> Vec<f64> {
    svg.split("<text ")
        .skip(1)
        .filter(|t| t.contains("text-anchor=\"end\"") && !t.contains("rotate("))
        .filter_map(|t| {
            let text = t.split(">\n").nth(1)?.split('\n').next()?;
            text.replace([',', '%', '$'], "").parse().ok()
        })
        .collect()
}

#[test]
fn bar_axes_start_at_zero() {
    let high = [("Mon", 950.0), ("Tue", 980.0), ("Wed", 1000.0)];
    let charts = [
        Chart::bar("Busy days", high),
        Chart::grouped_bar("Busy days", ["Mon", "Tue"], [("a", vec![950.0, 980.0]), ("b", vec![990.0, 1000.0])]),
        Chart::bar("Shares", [("a", 96.0), ("b", 99.0)]).with_format(ValueFormat::Percent { decimals: 0 }),
    ];
    for chart in charts {
        let ticks = value_ticks(&render_svg(&chart).unwrap());
        assert_eq!(ticks.first(), Some(&0.0), "{}: {ticks:?}", chart.title);
    }
    // Horizontal bars: lengths from zero, so 950 is 95 % of 1000.
    let svg = render_svg(&Chart::horizontal_bar("Busy days", high)).unwrap();
    let widths: Vec<f64> = svg
        .lines()
        .filter(|l| l.starts_with("<rect") && l.contains("#0072B2"))
        .map(|l| l.split(" width=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().parse().unwrap())
        .collect();
    assert!((widths[0] / widths[2] - 0.95).abs() < 0.01, "{widths:?}");
}

#[test]
fn percentage_axes_stop_at_100() {
    let pct = ValueFormat::Percent { decimals: 1 };
    let flat = Chart::line("CSAT", vec![daily("CSAT", |_| 95.0)]).with_format(pct.clone());
    let near_full = Chart::line("CSAT", vec![daily("CSAT", |i| 96.0 + (i % 5) as f64)]).with_format(pct.clone());
    let all_full = Chart::line("CSAT", vec![daily("CSAT", |_| 100.0)]).with_format(pct.clone());
    let bars = Chart::bar("Shares", [("a", 97.0), ("b", 99.5)]).with_format(pct.clone());
    for chart in [flat, near_full, all_full, bars] {
        let ticks = value_ticks(&render_svg(&chart).unwrap());
        assert!(!ticks.is_empty(), "{}", chart.title);
        assert!(ticks.iter().all(|t| (0.0..=100.0).contains(t)), "{}: {ticks:?}", chart.title);
    }
    // Shares above 100 % (growth) are drawn as they are.
    let growth = Chart::bar("Growth", [("a", 150.0)]).with_format(pct);
    assert!(value_ticks(&render_svg(&growth).unwrap()).iter().any(|&t| t > 150.0));
}

#[test]
fn a_line_axis_away_from_zero_says_so() {
    let high = Chart::line("Daily active users", vec![daily("Users", |i| 910.0 + 3.0 * i as f64)]);
    let svg = render_svg(&high).unwrap();
    let ticks = value_ticks(&svg);
    assert!(ticks[0] > 0.0, "zoomed in on the data: {ticks:?}");
    assert!(svg.contains("\nAxis starts at 900, not 0\n"), "{svg}");

    let from_zero = Chart::line("From zero", vec![daily("Users", |i| i as f64)]);
    assert!(!render_svg(&from_zero).unwrap().contains("Axis starts at"));
    let below = Chart::line("Below zero", vec![daily("Loss", |i| -910.0 - i as f64)]);
    assert!(render_svg(&below).unwrap().contains("\nAxis ends at -910, not 0\n"));
}

#[test]
fn a_target_line_is_drawn_labelled_inside_the_axis() {
    let chart = Chart::line("CSAT", vec![daily("CSAT", |i| 80.0 + (i % 6) as f64)])
        .with_format(ValueFormat::Percent { decimals: 1 })
        .with_reference_line("Target", 95.0);
    let svg = render_svg(&chart).unwrap();
    assert!(svg.contains("\nTarget\n"), "{svg}");
    let ticks = value_ticks(&svg);
    assert!(ticks.iter().any(|&t| t >= 95.0), "the target is inside the axis: {ticks:?}");
    assert!(ticks.iter().all(|&t| t <= 100.0), "{ticks:?}");
    let json = serde_json::to_string(&chart).unwrap();
    assert!(json.contains(r#""reference_lines":[{"label":"Target","value":95.0}]"#), "{json}");
    assert_eq!(serde_json::from_str::<Chart>(&json).unwrap(), chart);
}

#[test]
fn a_funnel_fills_its_frame() {
    for steps in [2usize, 3, 4] {
        let chart =
            Chart::funnel("Contacts per step", (0..steps).map(|i| (format!("Step {i}"), 100.0 / (i + 1) as f64)));
        let svg = render_svg(&chart).unwrap();
        let bottom = svg
            .lines()
            .filter(|l| l.starts_with("<rect") && l.contains("#0072B2"))
            .map(|l| {
                let attr = |name: &str| -> f64 {
                    l.split(&format!(" {name}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap().parse().unwrap()
                };
                attr("y") + attr("height")
            })
            .fold(0.0, f64::max);
        assert!(bottom >= 450.0 * 0.9, "{steps} steps end at {bottom} of 450");
    }
}

/// The font sizes of an SVG's texts in pixels, with the texts.
fn font_sizes(svg: &str) -> Vec<(f64, String)> {
    svg.split("<text ")
        .skip(1)
        .map(|t| {
            let size = t.split("font-size=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().parse().unwrap();
            (size, t.split(">\n").nth(1).and_then(|r| r.split('\n').next()).unwrap_or_default().to_owned())
        })
        .collect()
}

fn samples() -> Vec<Chart> {
    vec![
        Chart::bar("Signups per day", [("Mon", 12.0), ("Tue", 30.0), ("Wed", 7.0)])
            .with_y_label("Signups")
            .with_footnote("From the mirror, synced 2026-11-24T09:00:00Z."),
        Chart::horizontal_bar("Top customers", [("Ada Lovelace", 1250.0), ("Grace Hopper", 600.0)]),
        Chart::grouped_bar(
            "Austin vs Denver",
            ["Signups", "Orders"],
            [("Austin", vec![120.0, 43.0]), ("Denver", vec![98.0, 51.0])],
        ),
        Chart::line("Reveals", vec![daily("Reveals", |i| i as f64), daily("Contacts", |i| i as f64)])
            .with_footnote("No figures: 2026-11-03"),
        Chart::funnel("Contacts per step", [("Opened chat", 1000.0), ("Picked a plan", 420.0), ("Paid", 105.0)]),
    ]
}

#[test]
fn text_stays_readable_at_every_size() {
    // The phone version is drawn to be shown about 324 pixels wide (a 390-pixel screen less the
    // page's margins): 13-pixel text there is 12.4 pixels on screen.
    for chart in samples() {
        for (w, h) in [(800, 450), (PHONE_WIDTH, PHONE_HEIGHT), (400, 300), (200, 150)] {
            let svg = render_svg(&chart.clone().with_size(w, h)).unwrap();
            for (size, text) in font_sizes(&svg) {
                assert!(size >= 13.0, "{} at {w}x{h}: {text:?} is {size:.1} px", chart.title);
            }
        }
    }
}

#[test]
fn a_phone_chart_is_taller_and_keeps_long_titles_whole() {
    const { assert!(PHONE_HEIGHT > PHONE_WIDTH, "the phone version is taller than wide") };
    let chart = Chart::line(
        "Successful and failed payments by day, USD",
        vec![daily("Successful", |i| i as f64), daily("Failed", |i| (i % 3) as f64)],
    )
    .with_size(PHONE_WIDTH, PHONE_HEIGHT);
    let svg = render_svg(&chart).unwrap();
    let texts: Vec<String> = font_sizes(&svg).into_iter().map(|(_, t)| t).collect();
    assert!(!texts.iter().any(|t| t.ends_with('…')), "nothing cut: {texts:?}");
    let title: Vec<&str> = texts.iter().take(2).map(String::as_str).collect();
    assert_eq!(title.join(" "), "Successful and failed payments by day, USD", "the title wraps: {texts:?}");
}

#[test]
fn alt_text_says_what_the_chart_shows() {
    let reveals = Chart::line(
        "Coupons revealed per day",
        vec![daily("Reveals", |i| (i % 3) as f64), daily("Contacts", |i| (i % 2) as f64)],
    );
    assert_eq!(
        describe(&reveals),
        "Line chart: Coupons revealed per day. Reveals and Contacts over 30 points from 2026-11-01 to \
         2026-11-30. Reveals from 0 to 2, last 2. Contacts from 0 to 1, last 1."
    );
    let csat = Chart::line("CSAT", vec![daily("CSAT", |i| 90.0 + (i % 6) as f64)])
        .with_format(ValueFormat::Percent { decimals: 1 })
        .with_reference_line("Target", 95.0);
    let alt = describe(&csat);
    assert!(alt.ends_with("CSAT from 90.0% to 95.0%, last 95.0%. Target marked at 95.0%."), "{alt}");

    let funnel =
        Chart::funnel("Contacts per step", [("Opened chat", 1000.0), ("Picked a plan", 420.0), ("Paid", 105.0)]);
    assert_eq!(
        describe(&funnel),
        "Funnel: Contacts per step. Opened chat 1,000; Picked a plan 420 (42% of the first step); Paid 105 (10.5%)."
    );
    let bars = Chart::bar("Signups per day", [("Mon", 12.0), ("Tue", 30.0), ("Wed", 7.0)]);
    assert_eq!(describe(&bars), "Bar chart: Signups per day. Mon 12, Tue 30, Wed 7.");
    let grouped = Chart::grouped_bar(
        "Gross and net volume by week, USD",
        ["2026-11-02", "2026-11-09"],
        [("Gross volume", vec![120.0, 80.0]), ("Net volume", vec![100.0, 80.0])],
    )
    .with_format(ValueFormat::Money { symbol: "$".into(), decimals: 2 });
    assert_eq!(
        describe(&grouped),
        "Bar chart: Gross and net volume by week, USD. Gross volume and Net volume for 2026-11-02 and \
         2026-11-09. Gross volume: $120.00, $80.00. Net volume: $100.00, $80.00."
    );
    let ranking = Chart::horizontal_bar("Top customers", [("Ada", 1250.0), ("Grace", 600.0)]);
    assert_eq!(describe(&ranking), "Ranking: Top customers. Ada 1,250, Grace 600.");
    let empty = Chart::line("Nothing yet", vec![]);
    assert_eq!(describe(&empty), "Line chart: Nothing yet. No data.");
}
