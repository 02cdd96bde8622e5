//! How values are written on pages (GOV.UK style: "5 January 2026").

use portcullis_types::Timestamp;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

const LONG_DATE: &[BorrowedFormatItem<'static>] = format_description!("[day padding:none] [month repr:long] [year]");
const DATE_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute]:[second]");

/// A date as people write it: `5 January 2026` (UTC for now).
pub(crate) fn long_date(at: Timestamp) -> String {
    at.to_datetime().format(LONG_DATE).unwrap_or_else(|_| at.to_rfc3339())
}

/// A moment to the second, for logs: `5 January 2026, 09:30:15` (UTC; the
/// page says so).
pub(crate) fn date_time(at: Timestamp) -> String {
    at.to_datetime().format(DATE_TIME).unwrap_or_else(|_| at.to_rfc3339())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_like_gov_uk() {
        let at = Timestamp::parse_rfc3339("2026-01-05T09:30:00Z").unwrap();
        assert_eq!(long_date(at), "5 January 2026");
        assert_eq!(date_time(at), "5 January 2026, 09:30:00");
    }
}
