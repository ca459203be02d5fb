//! Render times of typical 800x450 charts, PNG and SVG, one benchmark per kind.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use statbot_charts::{Chart, LineSeries, render_png, render_svg};

fn typical() -> Vec<(&'static str, Chart)> {
    let bar = Chart::bar("Ten bars", (0..10).map(|i| (format!("Category {i}"), f64::from(i * 137 % 1000))))
        .with_y_label("Count");
    let grouped = Chart::grouped_bar(
        "Austin vs Denver",
        ["Signups", "Active", "Orders", "Refunds", "Tickets"],
        [("Austin", vec![1520.0, 1210.0, 430.0, 35.0, 210.0]), ("Denver", vec![1340.0, 1460.0, 390.0, 52.0, 160.0])],
    );
    let days: Vec<String> = (1..=30).map(|d| format!("2024-05-{d:02}")).collect();
    let line = Chart::line(
        "Daily active users",
        (0..2)
            .map(|s| {
                LineSeries::new(
                    format!("City {s}"),
                    days.iter().enumerate().map(|(i, d)| (d.as_str(), (i * (s + 3)) as f64)),
                )
            })
            .collect(),
    );
    let funnel = Chart::funnel(
        "Checkout",
        [("Opened", 12840.0), ("Quoted", 7311.0), ("Plan", 3120.0), ("Card", 1402.0), ("Paid", 1133.0)],
    );
    vec![("bar", bar), ("grouped_bar", grouped), ("line", line), ("funnel", funnel)]
}

fn render(c: &mut Criterion) {
    for (name, chart) in typical() {
        c.bench_function(&format!("{name}/png"), |b| b.iter(|| render_png(black_box(&chart))));
        c.bench_function(&format!("{name}/svg"), |b| b.iter(|| render_svg(black_box(&chart))));
    }
}

criterion_group!(benches, render);
criterion_main!(benches);
