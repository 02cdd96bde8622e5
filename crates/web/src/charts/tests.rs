use super::*;

const LABELS: Labels<'static> = Labels { id: "c1", title: "Messages per day", desc: "Passed and failed." };

/// Checks the markup is well formed: every tag closed in order, quotes
/// balanced inside tags, no stray `<` or `&` in text. Returns the element
/// names in document order.
fn elements(svg: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        check_text(&rest[..start]);
        let end = tag_end(&rest[start..]).unwrap_or_else(|| panic!("unclosed tag in {rest}")) + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "closing </{name}> out of order");
        } else {
            let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            assert!(!name.is_empty(), "a tag without a name: <{tag}>");
            seen.push(name.clone());
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    check_text(rest);
    assert!(open.is_empty(), "left open: {open:?}");
    seen
}

/// The index of the `>` closing the tag at the start of `s`, outside quotes.
fn tag_end(s: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if i > 0 && !quoted => panic!("'<' inside a tag: {s}"),
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Text between tags: entities only of the kinds we write.
fn check_text(text: &str) {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        let entity = &rest[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| entity.starts_with(e)),
            "a bare '&' in text: {text}"
        );
        rest = &rest[i + 1..];
    }
}

/// The values of attribute `name` on elements carrying `marker`.
fn attr_values(svg: &str, marker: &str, name: &str) -> Vec<f64> {
    svg.split('<')
        .filter(|tag| tag.contains(marker))
        .map(|tag| {
            let key = format!(" {name}=\"");
            let from = tag.find(&key).unwrap_or_else(|| panic!("no {name} in <{tag}")) + key.len();
            let len = tag[from..].find('"').unwrap();
            tag[from..from + len].parse().unwrap()
        })
        .collect()
}

fn day(label: &str, passed: u64, failed: u64) -> DayBar {
    DayBar { label: label.to_owned(), passed, failed }
}

#[test]
fn text_is_escaped_for_elements_and_attributes() {
    assert_eq!(
        escape(r#"<a href="x">Tom & Jerry's</a>"#),
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
    );
    assert_eq!(escape("plain"), "plain");
}

#[test]
fn numbers_get_thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    assert_eq!(messages(1), "1 message");
    assert_eq!(messages(1204), "1,204 messages");
}

#[test]
fn the_value_axis_ends_on_a_round_number_at_or_above_the_largest_value() {
    assert_eq!(nice_scale(0, 4), (1, 1));
    assert_eq!(nice_scale(7, 4), (8, 2));
    assert_eq!(nice_scale(100, 4), (100, 50));
    assert_eq!(nice_scale(1234, 4), (1500, 500));
    let (top, step) = nice_scale(u64::MAX, 4);
    assert!(top >= step && step > 0);
}

#[test]
fn a_volume_chart_has_one_bar_per_day_and_heights_in_proportion() {
    let days = [day("1 Jan", 10, 0), day("2 Jan", 20, 5), day("3 Jan", 0, 0), day("4 Jan", 40, 40)];
    let svg = volume_chart(&LABELS, &days);
    let names = elements(&svg);
    assert_eq!(names.first().map(String::as_str), Some("svg"));
    assert_eq!(svg.matches("class=\"pc-chart__bar\"").count(), days.len());
    assert!(svg.contains(r#"role="img""#) && svg.contains(r#"aria-labelledby="c1-title c1-desc""#));
    assert!(svg.contains(r#"<title id="c1-title">Messages per day</title>"#));
    assert!(svg.contains(r#"<desc id="c1-desc">Passed and failed.</desc>"#));
    let passed = attr_values(&svg, "data-series=\"passed\"", "height");
    assert_eq!(passed.len(), 3, "the empty day draws no rectangle");
    assert!((passed[1] / passed[0] - 2.0).abs() < 0.02, "{passed:?}");
    assert!((passed[2] / passed[0] - 4.0).abs() < 0.02, "{passed:?}");
    let failed = attr_values(&svg, "data-series=\"failed\"", "height");
    assert_eq!(failed.len(), 2);
    assert!((failed[1] / failed[0] - 8.0).abs() < 0.05, "{failed:?}");
    assert!((passed[2] - failed[1]).abs() < 0.05, "equal numbers, equal heights");
    // The tallest stack (80) fits the plot.
    assert!(passed[2] + failed[1] <= PLOT_HEIGHT + 0.1);
    assert!(svg.contains("url(#c1-hatch)"), "failures are hatched, not only red");
    assert!(svg.contains("Failed DMARC (hatched)") && svg.contains("Passed DMARC (solid)"));
    assert!(!svg.contains("style="), "nothing the CSP forbids");
}

#[test]
fn charts_of_nothing_divide_by_nothing() {
    for svg in [
        volume_chart(&LABELS, &[day("1 Jan", 0, 0), day("2 Jan", 0, 0)]),
        volume_chart(&LABELS, &[]),
        rate_chart(&LABELS, &[RatePoint { label: "1 Jan".into(), rate: None }]),
        rate_chart(&LABELS, &[]),
        bar_chart(&LABELS, &[]),
        bar_chart(&LABELS, &[Bar { label: "x".into(), value: 0, tone: Tone::Good, note: "aligned".into() }]),
    ] {
        elements(&svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(svg.contains("No messages") || svg.contains("No senders") || svg.contains("aligned"), "{svg}");
    }
    let svg = volume_chart(&LABELS, &[day("1 Jan", 0, 0), day("2 Jan", 0, 0)]);
    assert_eq!(svg.matches("class=\"pc-chart__bar\"").count(), 2);
}

#[test]
fn every_label_is_escaped() {
    let nasty = "<script>alert('x')</script> & \"quotes\"";
    let labels = Labels { id: "c2", title: nasty, desc: nasty };
    let svgs = [
        volume_chart(&labels, &[day(nasty, 1, 1)]),
        rate_chart(&labels, &[RatePoint { label: nasty.into(), rate: Some(0.5) }]),
        bar_chart(&labels, &[Bar { label: nasty.into(), value: 3, tone: Tone::Bad, note: nasty.into() }]),
    ];
    for svg in svgs {
        elements(&svg);
        assert!(!svg.contains("<script") && !svg.contains("\"quotes\""), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
    }
}

#[test]
fn a_rate_chart_leaves_gaps_for_days_without_mail() {
    let rate = |r: Option<f64>| RatePoint { label: "d".into(), rate: r };
    let points =
        [rate(Some(1.0)), rate(Some(0.5)), rate(None), rate(Some(0.0)), rate(None), rate(Some(0.25)), rate(Some(0.75))];
    let svg = rate_chart(&LABELS, &points);
    elements(&svg);
    assert_eq!(svg.matches("class=\"pc-chart__point\"").count(), 5, "a dot for every day with mail");
    assert_eq!(svg.matches("<polyline").count(), 2, "two runs of two days; the lone day is a dot");
    let ys = attr_values(&svg, "class=\"pc-chart__point\"", "cy");
    let bottom = TOP + PLOT_HEIGHT;
    assert!((ys[0] - TOP).abs() < 0.1, "100% at the top");
    assert!((ys[1] - (TOP + PLOT_HEIGHT / 2.0)).abs() < 0.1, "50% half way");
    assert!((ys[2] - bottom).abs() < 0.1, "0% at the bottom");
    assert!(svg.contains("<title>d: 50%</title>") && svg.contains("<title>d: 25%</title>"));
    assert_eq!(rate_percent(0.9751), "97.5%");
    assert_eq!(rate_percent(1.0), "100%");
}

#[test]
fn a_bar_chart_draws_each_row_in_proportion_with_its_meaning_in_words() {
    let bars = [
        Bar { label: "Microsoft 365".into(), value: 400, tone: Tone::Good, note: "aligned".into() },
        Bar { label: "Mailchimp".into(), value: 100, tone: Tone::Bad, note: "failing".into() },
        Bar {
            label: "A very long sender name that will not fit the space".into(),
            value: 200,
            tone: Tone::Warn,
            note: "partly aligned".into(),
        },
    ];
    let svg = bar_chart(&LABELS, &bars);
    elements(&svg);
    assert_eq!(svg.matches("class=\"pc-chart__bar\"").count(), 3);
    let widths = attr_values(&svg, "stroke-width=\"1\"/>", "width");
    assert_eq!(widths.len(), 3);
    assert!((widths[0] / widths[1] - 4.0).abs() < 0.05 && (widths[0] / widths[2] - 2.0).abs() < 0.05, "{widths:?}");
    assert!(svg.contains("400 · aligned") && svg.contains("100 · failing") && svg.contains("200 · partly aligned"));
    assert!(svg.contains("url(#c1-hatch)") && svg.contains("url(#c1-dots)"));
    assert!(svg.contains("A very long sender name that will…"), "shortened on the chart");
    assert!(svg.contains("<title>A very long sender name that will not fit the space: 200"), "whole in the tooltip");
}
