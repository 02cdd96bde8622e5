//! Charts drawn on the server as SVG markup, so pages need no script.
//!
//! Every function here is pure: data in, a string of SVG out. Every piece of
//! text is escaped and every number formatted here, so a template embeds the
//! result as it is. Each chart is `<svg role="img">` named by its own
//! `<title>` and `<desc>`; colours come with a second carrier of meaning (a
//! hatching pattern, a text label) and reach at least 3:1 against white
//! (WCAG 2.2, 1.4.11). Styling is by presentation attributes (`fill=`…),
//! never `style=`, which the CSP forbids. The page shows the same numbers in
//! a table beside each chart, for people who cannot see the picture.

use std::fmt::Write as _;

/// Width of every chart's drawing area, in user units (it scales to fit).
const WIDTH: f64 = 720.0;
/// Left margin: room for the value axis labels.
const LEFT: f64 = 64.0;
/// Right margin.
const RIGHT: f64 = 16.0;
/// Top margin.
const TOP: f64 = 16.0;
/// Height of the plot area of the day-by-day charts.
const PLOT_HEIGHT: f64 = 200.0;
/// Room under the plot for the date labels and the legend.
const BOTTOM: f64 = 64.0;
/// Most date labels under a day-by-day chart.
const MAX_DATE_LABELS: usize = 8;

/// Text and axis colour (#0b0c0c, 19:1 on white).
const INK: &str = "#0b0c0c";
/// Secondary lines: the axes (#505a5f, 7:1).
const AXIS: &str = "#505a5f";
/// Grid lines: decoration only, so lighter.
const GRID: &str = "#b1b4b6";
/// Passing mail and aligned senders (#00703c, 6.2:1).
const GREEN: &str = "#00703c";
/// Partly aligned senders (#b35900, 4.8:1).
const ORANGE: &str = "#b35900";
/// Failing mail and senders (#d4351c, 4.9:1).
const RED: &str = "#d4351c";
/// The pass-rate line (#1d70b8, 5.2:1).
const BLUE: &str = "#1d70b8";

/// How a bar is drawn, and so what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// Solid green.
    Good,
    /// Orange with dots.
    Warn,
    /// Red with diagonal hatching.
    Bad,
}

impl Tone {
    /// The colour of the bar's outline and pattern.
    const fn colour(self) -> &'static str {
        match self {
            Self::Good => GREEN,
            Self::Warn => ORANGE,
            Self::Bad => RED,
        }
    }

    /// The `fill` of a bar in the chart whose element ids start `id`.
    fn fill(self, id: &str) -> String {
        match self {
            Self::Good => GREEN.to_owned(),
            Self::Warn => format!("url(#{id}-dots)"),
            Self::Bad => format!("url(#{id}-hatch)"),
        }
    }
}

/// One day of the volume chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayBar {
    /// A short date under the bar ("5 Jan").
    pub label: String,
    /// Messages that passed.
    pub passed: u64,
    /// Messages that failed.
    pub failed: u64,
}

/// One day of the rate chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RatePoint {
    /// A short date under the point ("5 Jan").
    pub label: String,
    /// The rate, 0..=1, or `None` for a day without data (a gap in the line).
    pub rate: Option<f64>,
}

/// One row of a horizontal bar chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bar {
    /// What the bar is (shown at its left, shortened when long).
    pub label: String,
    /// How long it is.
    pub value: u64,
    /// How it is drawn.
    pub tone: Tone,
    /// Words after the value, e.g. "failing": the meaning of the colour in text.
    pub note: String,
}

/// What every chart says about itself: the element id prefix (unique on the
/// page), the title and the longer description.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Labels<'a> {
    /// Prefix of every `id` in the chart: letters, digits and `-` only.
    pub id: &'a str,
    /// The chart's name.
    pub title: &'a str,
    /// What it shows, in a sentence or two.
    pub desc: &'a str,
}

/// `text` with the five characters that matter in XML and HTML escaped, so
/// it is safe both as element content and inside a quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole number with thousands separators: `12,345`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A coordinate, to one decimal place.
fn at(x: f64) -> String {
    format!("{x:.1}")
}

/// A number of things with its noun: "1 message", "3 messages".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The top of a value axis and its step: the step is a "round" number
/// (1, 2 or 5 × 10ⁿ) giving about `ticks` steps, and the top the first
/// multiple of it at or above `max`. Neither is ever zero.
fn nice_scale(max: u64, ticks: u64) -> (u64, u64) {
    let rough = max.div_ceil(ticks.max(1)).max(1);
    let mut magnitude = 1u64;
    while magnitude.saturating_mul(10) <= rough {
        magnitude = magnitude.saturating_mul(10);
    }
    let step = [1u64, 2, 5, 10].into_iter().map(|m| m.saturating_mul(magnitude)).find(|s| *s >= rough).unwrap_or(rough);
    (step.saturating_mul(max.div_ceil(step).max(1)), step)
}

/// `value` as a share of `top`, 0..=1 (0 when `top` is 0).
fn share(value: u64, top: u64) -> f64 {
    if top == 0 { 0.0 } else { (value as f64 / top as f64).clamp(0.0, 1.0) }
}

/// The opening of a chart: `<svg>` with its title, description and the
/// patterns its bars may use.
fn open(out: &mut String, labels: &Labels<'_>, height: f64) {
    let id = escape(labels.id);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"pc-chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, \
         Arial, sans-serif\" font-size=\"13\"><title id=\"{id}-title\">{title}</title>\
         <desc id=\"{id}-desc\">{desc}</desc><defs>\
         <pattern id=\"{id}-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"{red}\"/>\
         <rect width=\"2\" height=\"6\" fill=\"#ffffff\"/></pattern>\
         <pattern id=\"{id}-dots\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\">\
         <rect width=\"6\" height=\"6\" fill=\"{orange}\"/><circle cx=\"3\" cy=\"3\" r=\"1.3\" fill=\"#ffffff\"/>\
         </pattern></defs>",
        w = at(WIDTH),
        h = at(height),
        title = escape(labels.title),
        desc = escape(labels.desc),
        red = RED,
        orange = ORANGE,
    );
}

/// Horizontal grid lines and their labels, from 0 to `top` in `step`s.
fn value_axis(out: &mut String, top: u64, step: u64, label: impl Fn(u64) -> String) {
    let mut value = 0u64;
    while value <= top {
        let y = TOP + PLOT_HEIGHT * (1.0 - share(value, top));
        let colour = if value == 0 { AXIS } else { GRID };
        let _ = write!(
            out,
            "<line x1=\"{x1}\" x2=\"{x2}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"1\"/>\
             <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"{INK}\">{text}</text>",
            x1 = at(LEFT),
            x2 = at(WIDTH - RIGHT),
            y = at(y),
            tx = at(LEFT - 8.0),
            ty = at(y + 4.0),
            text = escape(&label(value)),
        );
        if step == 0 {
            break;
        }
        value = value.saturating_add(step);
    }
}

/// The centre of slot `index` of `slots` across the plot, and the slot width.
fn slot(index: usize, slots: usize) -> (f64, f64) {
    let width = (WIDTH - LEFT - RIGHT) / slots.max(1) as f64;
    (LEFT + width * (index as f64 + 0.5), width)
}

/// Date labels under a day-by-day chart: at most [`MAX_DATE_LABELS`],
/// evenly spaced, the first day always labelled.
fn date_labels<'a>(out: &mut String, labels: impl ExactSizeIterator<Item = &'a str>) {
    let n = labels.len();
    let every = n.div_ceil(MAX_DATE_LABELS).max(1);
    for (i, label) in labels.enumerate().filter(|(i, _)| i.is_multiple_of(every)) {
        let (x, _) = slot(i, n);
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" fill=\"{INK}\">{text}</text>",
            x = at(x),
            y = at(TOP + PLOT_HEIGHT + 18.0),
            text = escape(label),
        );
    }
}

/// A legend entry at (`x`, `y`): a swatch drawn as `fill` with outline
/// `stroke`, then the words.
fn legend(out: &mut String, x: f64, y: f64, fill: &str, stroke: &str, words: &str) {
    let _ = write!(
        out,
        "<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>\
         <text x=\"{tx}\" y=\"{ty}\" fill=\"{INK}\">{words}</text>",
        x = at(x),
        y = at(y),
        fill = escape(fill),
        stroke = escape(stroke),
        tx = at(x + 20.0),
        ty = at(y + 12.0),
        words = escape(words),
    );
}

/// A "nothing to show" line across an empty plot.
fn nothing(out: &mut String, words: &str) {
    let _ = write!(
        out,
        "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" fill=\"{INK}\">{words}</text>",
        x = at(LEFT + (WIDTH - LEFT - RIGHT) / 2.0),
        y = at(TOP + PLOT_HEIGHT / 2.0),
        words = escape(words),
    );
}

/// The words of a stacked bar chart: what the two parts of a bar are, in
/// the tooltip and the legend, and what an empty chart says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StackWords<'a> {
    /// The solid green part, as the tooltip counts it ("passed").
    pub good: &'a str,
    /// The hatched red part ("failed").
    pub bad: &'a str,
    /// The legend for the green part.
    pub good_legend: &'a str,
    /// The legend for the red part.
    pub bad_legend: &'a str,
    /// What an empty chart says.
    pub empty: &'a str,
}

/// The DMARC volume chart's words.
const DMARC_WORDS: StackWords<'static> = StackWords {
    good: "passed",
    bad: "failed",
    good_legend: "Passed DMARC (solid)",
    bad_legend: "Failed DMARC (hatched)",
    empty: "No messages were reported in this period",
};

/// Messages per day as stacked bars: passed (solid green) below, failed
/// (hatched red) above, one `pc-chart__bar` group per day.
pub(crate) fn volume_chart(labels: &Labels<'_>, days: &[DayBar]) -> String {
    stacked_chart(labels, &DMARC_WORDS, days)
}

/// Stacked bars, one `pc-chart__bar` group per slot: the good part (solid
/// green) below, the bad part (hatched red) above, in `words`.
pub(crate) fn stacked_chart(labels: &Labels<'_>, words: &StackWords<'_>, days: &[DayBar]) -> String {
    let height = TOP + PLOT_HEIGHT + BOTTOM;
    let mut out = String::new();
    open(&mut out, labels, height);
    let max = days.iter().map(|d| d.passed.saturating_add(d.failed)).max().unwrap_or(0);
    let (top, step) = nice_scale(max, 4);
    value_axis(&mut out, top, step, thousands);
    let hatch = Tone::Bad.fill(labels.id);
    for (i, day) in days.iter().enumerate() {
        let (centre, width) = slot(i, days.len());
        let bar_width = (width * 0.7).max(1.0);
        let x = centre - bar_width / 2.0;
        let passed_h = PLOT_HEIGHT * share(day.passed, top);
        let failed_h = PLOT_HEIGHT * share(day.failed, top);
        let base = TOP + PLOT_HEIGHT;
        let _ = write!(
            out,
            "<g class=\"pc-chart__bar\"><title>{label}: {passed} {good}, {failed} {bad}</title>",
            label = escape(&day.label),
            passed = thousands(day.passed),
            failed = thousands(day.failed),
            good = escape(words.good),
            bad = escape(words.bad),
        );
        if day.passed > 0 {
            let _ = write!(
                out,
                "<rect data-series=\"passed\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{GREEN}\"/>",
                x = at(x),
                y = at(base - passed_h),
                w = at(bar_width),
                h = at(passed_h),
            );
        }
        if day.failed > 0 {
            let _ = write!(
                out,
                "<rect data-series=\"failed\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{hatch}\" \
                 stroke=\"{RED}\" stroke-width=\"1\"/>",
                x = at(x),
                y = at(base - passed_h - failed_h),
                w = at(bar_width),
                h = at(failed_h),
                hatch = escape(&hatch),
            );
        }
        out.push_str("</g>");
    }
    if max == 0 {
        nothing(&mut out, words.empty);
    }
    date_labels(&mut out, days.iter().map(|d| d.label.as_str()));
    let legend_y = TOP + PLOT_HEIGHT + 34.0;
    legend(&mut out, LEFT, legend_y, GREEN, GREEN, words.good_legend);
    legend(&mut out, LEFT + 220.0, legend_y, &hatch, RED, words.bad_legend);
    out.push_str("</svg>");
    out
}

/// A rate per day as a line from 0% to 100%: a dot for every day with data,
/// joined to its neighbours; days without data leave a gap.
pub(crate) fn rate_chart(labels: &Labels<'_>, points: &[RatePoint]) -> String {
    let height = TOP + PLOT_HEIGHT + BOTTOM;
    let mut out = String::new();
    open(&mut out, labels, height);
    value_axis(&mut out, 100, 25, |v| format!("{v}%"));
    let position = |i: usize, rate: f64| {
        let (x, _) = slot(i, points.len());
        (x, TOP + PLOT_HEIGHT * (1.0 - rate.clamp(0.0, 1.0)))
    };
    let mut run: Vec<(f64, f64)> = Vec::new();
    let flush = |run: &mut Vec<(f64, f64)>, out: &mut String| {
        if run.len() > 1 {
            let coords: Vec<String> = run.iter().map(|(x, y)| format!("{},{}", at(*x), at(*y))).collect();
            let _ = write!(
                out,
                "<polyline class=\"pc-chart__line\" points=\"{}\" fill=\"none\" stroke=\"{BLUE}\" \
                 stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
                coords.join(" "),
            );
        }
        run.clear();
    };
    for (i, point) in points.iter().enumerate() {
        match point.rate.filter(|r| r.is_finite()) {
            Some(rate) => run.push(position(i, rate)),
            None => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    for (i, point) in points.iter().enumerate() {
        let Some(rate) = point.rate.filter(|r| r.is_finite()) else { continue };
        let (x, y) = position(i, rate);
        let _ = write!(
            out,
            "<circle class=\"pc-chart__point\" cx=\"{x}\" cy=\"{y}\" r=\"3.5\" fill=\"{BLUE}\">\
             <title>{label}: {percent}</title></circle>",
            x = at(x),
            y = at(y),
            label = escape(&point.label),
            percent = escape(&rate_percent(rate)),
        );
    }
    if points.iter().all(|p| p.rate.is_none()) {
        nothing(&mut out, "No messages were reported in this period");
    }
    date_labels(&mut out, points.iter().map(|p| p.label.as_str()));
    let legend_y = TOP + PLOT_HEIGHT + 34.0;
    legend(&mut out, LEFT, legend_y, BLUE, BLUE, "DMARC pass rate (a gap means no mail that day)");
    out.push_str("</svg>");
    out
}

/// A rate as a percentage to one decimal place, without a trailing ".0".
fn rate_percent(rate: f64) -> String {
    let tenths = (rate.clamp(0.0, 1.0) * 1000.0).round();
    if tenths % 10.0 == 0.0 { format!("{:.0}%", tenths / 10.0) } else { format!("{:.1}%", tenths / 10.0) }
}

/// Height of one row of a horizontal bar chart.
const ROW: f64 = 30.0;
/// Where the bars start (labels to their left).
const BAR_LEFT: f64 = 250.0;
/// Room to the right of the longest bar for its value and note.
const BAR_NOTE: f64 = 190.0;
/// Longest label shown whole; longer ones end in "…".
const MAX_LABEL_CHARS: usize = 34;

/// `label` cut to [`MAX_LABEL_CHARS`] characters.
fn shorten(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// Horizontal bars, longest first as given: the label at the left, the bar
/// (drawn in its [`Tone`]) and, after it, the value and the note in words.
pub(crate) fn bar_chart(labels: &Labels<'_>, bars: &[Bar]) -> String {
    let rows = bars.len().max(1);
    let legend_y = TOP + ROW * rows as f64 + 14.0;
    let height = legend_y + 30.0;
    let mut out = String::new();
    open(&mut out, labels, height);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let span = WIDTH - RIGHT - BAR_LEFT - BAR_NOTE;
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let length = span * share(bar.value, max);
        let _ = write!(
            out,
            "<g class=\"pc-chart__bar\"><title>{full}: {value}, {note}</title>\
             <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"{INK}\">{label}</text>\
             <rect x=\"{bx}\" y=\"{by}\" width=\"{w}\" height=\"{h}\" fill=\"{fill}\" stroke=\"{stroke}\" \
             stroke-width=\"1\"/><text x=\"{vx}\" y=\"{ty}\" fill=\"{INK}\">{value} · {note}</text></g>",
            full = escape(&bar.label),
            label = escape(&shorten(&bar.label)),
            value = thousands(bar.value),
            note = escape(&bar.note),
            lx = at(BAR_LEFT - 8.0),
            ty = at(y + ROW / 2.0 + 4.0),
            bx = at(BAR_LEFT),
            by = at(y + 5.0),
            w = at(length.max(1.0)),
            h = at(ROW - 10.0),
            fill = escape(&bar.tone.fill(labels.id)),
            stroke = bar.tone.colour(),
            vx = at(BAR_LEFT + length.max(1.0) + 8.0),
        );
    }
    if bars.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" fill=\"{INK}\">No senders in this period</text>",
            x = at(LEFT),
            y = at(TOP + ROW / 2.0 + 4.0),
        );
    }
    let id = labels.id;
    legend(&mut out, LEFT, legend_y, &Tone::Good.fill(id), GREEN, "Aligned (solid)");
    legend(&mut out, LEFT + 170.0, legend_y, &Tone::Warn.fill(id), ORANGE, "Partly aligned (dotted)");
    legend(&mut out, LEFT + 390.0, legend_y, &Tone::Bad.fill(id), RED, "Failing (hatched)");
    out.push_str("</svg>");
    out
}

/// A count of messages, for descriptions: "1 message", "1,204 messages".
pub(crate) fn messages(n: u64) -> String {
    count(n, "message", "messages")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
