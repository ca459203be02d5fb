//! Writes one PNG (and SVG) per chart kind to /tmp/charts-preview/ (or the directory given) for a look,
//! and each again in its phone version (`*-phone`).

use statbot_charts::{Chart, LineSeries, ValueFormat, render_png, render_svg};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "/tmp/charts-preview".to_owned());
    std::fs::create_dir_all(&dir)?;
    for (name, chart) in samples() {
        std::fs::write(format!("{dir}/{name}.png"), render_png(&chart)?)?;
        std::fs::write(format!("{dir}/{name}.svg"), render_svg(&chart)?)?;
        let phone = chart.for_phone();
        std::fs::write(format!("{dir}/{name}-phone.png"), render_png(&phone)?)?;
    }
    println!("wrote previews to {dir}");
    Ok(())
}

fn samples() -> Vec<(&'static str, Chart)> {
    let bar = Chart::bar(
        "Messages handled per weekday",
        [
            ("Monday", 12345.0),
            ("Tuesday", 9876.0),
            ("Wednesday", 15321.0),
            ("Thursday", 4521.0),
            ("Friday", 18000.0),
            ("Saturday (weekend traffic)", 2210.0),
            ("Sunday", 1980.0),
        ],
    )
    .with_x_label("Day")
    .with_y_label("Messages");
    let negative = Chart::bar(
        "Net revenue change by month",
        [("Jan", 1200.5), ("Feb", -340.0), ("Mar", 880.0), ("Apr", -1520.25), ("May", 2310.0), ("Jun", 150.0)],
    )
    .with_format(ValueFormat::Money { symbol: "$".into(), decimals: 0 })
    .with_y_label("USD");
    let grouped = Chart::grouped_bar(
        "Austin vs Denver",
        ["Signups", "Active users", "Paid orders", "Refunds", "Support tickets"],
        [("Austin", vec![1520.0, 1210.0, 430.0, 35.0, 210.0]), ("Denver", vec![1340.0, 1460.0, 390.0, 52.0, 160.0])],
    )
    .with_y_label("Count");
    let days: Vec<String> = (1..=30).map(|d| format!("2024-05-{d:02}")).collect();
    let line = Chart::line(
        "Daily active users, May 2024",
        vec![
            LineSeries::new(
                "Austin",
                days.iter()
                    .enumerate()
                    .map(|(i, d)| (d.as_str(), 800.0 + 60.0 * ((i as f64) / 3.0).sin() + 9.0 * i as f64)),
            ),
            LineSeries::new(
                "Denver",
                days.iter()
                    .enumerate()
                    .map(|(i, d)| (d.as_str(), 600.0 + 80.0 * ((i as f64) / 4.0).cos() + 5.0 * i as f64)),
            ),
            LineSeries::new("Boise", days.iter().enumerate().map(|(i, d)| (d.as_str(), 300.0 + 4.0 * i as f64))),
        ],
    )
    .with_x_label("Day")
    .with_y_label("Users");
    let funnel = Chart::funnel(
        "Checkout funnel, last 30 days",
        [
            ("Opened chat", 12840.0),
            ("Asked for a quote", 7311.0),
            ("Picked a plan", 3120.0),
            ("Entered card details", 1402.0),
            ("Paid", 1133.0),
        ],
    );
    let ranking = Chart::horizontal_bar(
        "Top customers by net revenue, USD",
        [
            ("Ada Lovelace", 12_840.5),
            ("grace.hopper@example.com", 7_311.0),
            ("Katherine Johnson", 3_120.25),
            ("cus_Q8h2Lm", 1_402.0),
            ("A customer who refunded more than they paid", -250.0),
        ],
    )
    .with_format(ValueFormat::Money { symbol: "$".into(), decimals: 2 });
    // Two weeks with the weekend and one Wednesday missing: shaded gaps, a broken line, a lone point.
    let fortnight: Vec<String> = (1..=14).map(|d| format!("2024-06-{d:02}")).collect();
    let recorded = [1, 2, 3, 4, 5, 8, 10, 11, 12, 14];
    let gaps = Chart::line(
        "Tickets solved per day",
        vec![LineSeries::new(
            "Tickets solved",
            recorded.iter().map(|&d| (fortnight[d - 1].as_str(), 30.0 + (d * 7 % 11) as f64)),
        )],
    )
    .with_x_labels(&fortnight)
    .with_footnote("No figures: 2024-06-06, 2024-06-07, 2024-06-09, 2024-06-13");
    let empty = Chart::bar("Orders today", Vec::<(String, f64)>::new());
    // Every contact revealed once: two identical lines, both of which must show.
    let november: Vec<String> = (1..=30).map(|d| format!("2026-11-{d:02}")).collect();
    let reveals_per_day = |i: usize| ((i * 7) % 5) as f64;
    let overlapping = Chart::line(
        "Coupons revealed per day",
        vec![
            LineSeries::new("Reveals", november.iter().enumerate().map(|(i, d)| (d.as_str(), reveals_per_day(i)))),
            LineSeries::new("Contacts", november.iter().enumerate().map(|(i, d)| (d.as_str(), reveals_per_day(i)))),
        ],
    )
    .with_x_label("Day of joining")
    .with_y_label("Coupons");
    // A ratio near its target: a percentage axis away from zero (said above the plot), stopping at 100 %.
    let csat = Chart::line(
        "CSAT per day, Support",
        vec![LineSeries::new(
            "CSAT",
            november.iter().enumerate().map(|(i, d)| (d.as_str(), 91.0 + ((i * 5) % 9) as f64)),
        )],
    )
    .with_format(ValueFormat::Percent { decimals: 1 })
    .with_reference_line("Target: 95% or more", 95.0);
    let short_funnel =
        Chart::funnel("Contacts per step", [("Welcome", 120.0), ("Picked a coupon", 64.0), ("Revealed", 41.0)]);
    let mut all = vec![
        ("bar", bar),
        ("bar-negative", negative),
        ("grouped", grouped),
        ("line", line),
        ("line-gaps", gaps),
        ("funnel", funnel),
        ("ranking", ranking),
        ("empty", empty),
        ("line-overlapping", overlapping),
        ("line-target", csat),
        ("funnel-short", short_funnel),
    ];
    if std::env::var_os("PREVIEW_EDGE_CASES").is_some() {
        all.extend(edge_cases());
    }
    all
}

/// Charts that push the layout: many bars, long labels, small and large canvases, many series.
fn edge_cases() -> Vec<(&'static str, Chart)> {
    let many = Chart::bar(
        "Forty buckets with a title so long that it cannot possibly fit on one line of this chart at all",
        (0..40).map(|i| (format!("Bucket number {i}"), (i * 37 % 101) as f64 * 13.7)),
    );
    let small = Chart::grouped_bar(
        "Small canvas",
        ["North", "South", "East", "West"],
        [("2023", vec![12.0, 30.5, 7.0, 19.0]), ("2024", vec![14.0, 28.0, 9.5, 25.0])],
    )
    .with_format(ValueFormat::Percent { decimals: 1 })
    .with_size(400, 225);
    let big = Chart::funnel(
        "Large canvas funnel",
        [("Visited", 100000.0), ("Signed up", 25000.0), ("Paid", 0.0), ("Renewed", 0.0)],
    )
    .with_size(1600, 900);
    let five = Chart::grouped_bar(
        "Five series",
        ["Q1", "Q2", "Q3", "Q4"],
        (0..5).map(|s| {
            (
                format!("Region with a long name {s}"),
                (0..4).map(|q| ((s * 7 + q * 3) % 11) as f64 * 1000.0 - 2500.0).collect(),
            )
        }),
    )
    .with_format(ValueFormat::Money { symbol: "€".into(), decimals: 0 });
    let numeric = Chart::line(
        "Latency vs load",
        vec![
            LineSeries::new("p50", (0..12).map(|i| (i as f64 * 250.0, 12.0 + (i as f64).powf(1.4)))),
            LineSeries::new("p99", (0..12).map(|i| (i as f64 * 250.0, 40.0 + (i as f64).powf(2.1)))),
        ],
    )
    .with_format(ValueFormat::Number { decimals: 1 })
    .with_x_label("Requests per second")
    .with_y_label("Milliseconds");
    let negative_line = Chart::line(
        "Temperature",
        vec![LineSeries::new("Denver", [("Mon", -3.5), ("Tue", 1.0), ("Wed", 4.5), ("Thu", -7.25), ("Fri", 0.0)])],
    )
    .with_format(ValueFormat::Number { decimals: 1 });
    let single = Chart::line("One point", vec![LineSeries::new("only", [("2024-06-01", 42.0)])]);
    let millions = Chart::bar("Revenue", [("2022", 1_250_000.0), ("2023", 3_400_000.0), ("2024", 5_100_000.0)])
        .with_format(ValueFormat::Money { symbol: "$".into(), decimals: 0 });
    let crowded = Chart::grouped_bar(
        "Crowded canvas with a long title",
        (0..30).map(|i| format!("Category {i}")),
        (0..7).map(|s| (format!("A series with a long name {s}"), (0..30).map(|i| (i * s) as f64 - 40.0).collect())),
    )
    .with_x_label("Categories")
    .with_y_label("Values")
    .with_size(200, 150);
    let tiny_funnel =
        Chart::funnel("Tiny funnel", [("Opened chat", 1000.0), ("Picked a plan", 420.0), ("Paid", 105.0)])
            .with_size(200, 150);
    vec![
        ("edge-crowded-200", crowded),
        ("edge-funnel-200", tiny_funnel),
        ("edge-many", many),
        ("edge-small", small),
        ("edge-big", big),
        ("edge-five", five),
        ("edge-numeric", numeric),
        ("edge-negative-line", negative_line),
        ("edge-single", single),
        ("edge-millions", millions),
    ]
}
