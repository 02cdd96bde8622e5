//! UTC days: the period a summary covers, and the dates shown for it.

use portcullis_types::Timestamp;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// Midnight UTC at the start of the day containing `t`.
pub(crate) fn day_start(t: i64) -> i64 {
    t.div_euclid(DAY).saturating_mul(DAY)
}

/// `YYYY-MM-DD` for the UTC day containing `t` (clamped to 1970–9999).
pub(crate) fn iso_date(t: i64) -> String {
    let text = Timestamp::from_unix_micros_saturating(t.saturating_mul(1_000_000)).to_rfc3339();
    text.get(..10).unwrap_or(&text).to_owned()
}

/// A run of whole UTC days, both ends inclusive, named by their midnights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Days {
    /// Midnight starting the first day.
    pub(crate) first: i64,
    /// Midnight starting the last day.
    pub(crate) last: i64,
}

impl Days {
    /// The `count` days ending with the day containing `now` (at least one).
    pub(crate) fn ending_at(now: i64, count: u32) -> Self {
        let last = day_start(now);
        let back = i64::from(count.max(1) - 1).saturating_mul(DAY);
        Self { first: last.saturating_sub(back), last }
    }

    /// The day containing `t` is one of these days.
    pub(crate) fn contains(self, t: i64) -> bool {
        (self.first..=self.last).contains(&day_start(t))
    }

    /// The span `begin..=end` touches one of these days.
    pub(crate) fn overlaps(self, begin: i64, end: i64) -> bool {
        end >= self.first && begin < self.last.saturating_add(DAY)
    }

    /// Every day's midnight, first to last.
    pub(crate) fn iter(self) -> impl Iterator<Item = i64> {
        let count = (self.last - self.first).div_euclid(DAY);
        (0..=count).map(move |i| self.first.saturating_add(i.saturating_mul(DAY)))
    }
}
