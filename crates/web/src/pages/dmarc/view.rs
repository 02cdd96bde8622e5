//! How report numbers, dates and statuses are written on the DMARC pages.

use portcullis_dmarc::readiness::Verdict;
use portcullis_dmarc::summary::{Count, SenderStatus};
use portcullis_types::Timestamp;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::charts::Tone;
use crate::display::long_date;

pub(crate) use crate::charts::thousands;

const SHORT_DATE: &[BorrowedFormatItem<'static>] = format_description!("[day padding:none] [month repr:short]");

/// A tag: its colour (`pc-tag--COLOUR`) and its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag(pub &'static str, pub &'static str);

/// The moment `secs` (Unix seconds) as a timestamp.
fn timestamp(secs: i64) -> Timestamp {
    Timestamp::from_unix_micros_saturating(secs.saturating_mul(1_000_000))
}

/// A day as people write it: `5 January 2026` (UTC).
pub(crate) fn day(secs: i64) -> String {
    long_date(timestamp(secs))
}

/// A day for a chart's axis: `5 Jan`.
pub(crate) fn short_day(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs).ok().and_then(|d| d.format(SHORT_DATE).ok()).unwrap_or_else(|| day(secs))
}

/// A period: `1 January 2026 to 7 January 2026`, or one day when both ends
/// fall on the same one.
pub(crate) fn period(from: i64, to: i64) -> String {
    let (from, to) = (day(from), day(to));
    if from == to { from } else { format!("{from} to {to}") }
}

/// Thousandths as a percentage to one decimal place: `97.5%`, `100%`.
pub(crate) fn per_mille(value: u32) -> String {
    let (whole, tenth) = (value / 10, value % 10);
    if tenth == 0 { format!("{whole}%") } else { format!("{whole}.{tenth}%") }
}

/// A count's rate as a percentage: `97.5%`.
pub(crate) fn percent(count: &Count) -> String {
    per_mille(count.per_mille)
}

/// A sender's status in words, with its tag colour.
pub(crate) fn sender_tag(status: SenderStatus) -> Tag {
    match status {
        SenderStatus::Aligned => Tag("green", "Aligned"),
        SenderStatus::Partly => Tag("yellow", "Partly aligned"),
        SenderStatus::Failing => Tag("red", "Failing"),
    }
}

/// How a sender's bar is drawn on the chart.
pub(crate) fn sender_tone(status: SenderStatus) -> Tone {
    match status {
        SenderStatus::Aligned => Tone::Good,
        SenderStatus::Partly => Tone::Warn,
        SenderStatus::Failing => Tone::Bad,
    }
}

/// The readiness verdict as a tag.
pub(crate) fn verdict_tag(verdict: Verdict) -> Tag {
    match verdict {
        Verdict::NoData => Tag("grey", "No reports yet"),
        Verdict::KeepCollecting { .. } => Tag("blue", "Keep collecting reports"),
        Verdict::FixSendersFirst => Tag("red", "Fix senders first"),
        Verdict::ReadyFor(portcullis_dmarc::Policy::Reject) => Tag("green", "Ready for p=reject"),
        Verdict::ReadyFor(portcullis_dmarc::Policy::Quarantine) => Tag("green", "Ready for p=quarantine"),
        Verdict::ReadyFor(portcullis_dmarc::Policy::None) => Tag("green", "Ready for the next step"),
        Verdict::AtReject => Tag("green", "At p=reject"),
    }
}

/// An optional value, or "Not given" when it is missing or blank.
pub(crate) fn or_dash(value: Option<String>) -> String {
    value.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "Not given".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_read_like_gov_uk() {
        assert_eq!(per_mille(975), "97.5%");
        assert_eq!(per_mille(1000), "100%");
        assert_eq!(per_mille(0), "0%");
        assert_eq!(per_mille(5), "0.5%");
        // 2026-01-05T00:00:00Z
        assert_eq!(day(1_767_571_200), "5 January 2026");
        assert_eq!(short_day(1_767_571_200), "5 Jan");
        assert_eq!(period(1_767_571_200, 1_767_571_200 + 86_400 * 6), "5 January 2026 to 11 January 2026");
        assert_eq!(period(1_767_571_200, 1_767_571_200 + 60), "5 January 2026");
    }
}
