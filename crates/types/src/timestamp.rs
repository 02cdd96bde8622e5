//! Instants in whole microseconds since the Unix epoch, UTC.
//!
//! Microseconds because PostgreSQL's `timestamptz` keeps exactly that much:
//! a value written to either store reads back equal.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An instant, UTC, microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(i64);

/// A timestamp that could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TimestampError {
    /// Outside the years 1970–9999 that Portcullis records.
    #[error("the time {0} is outside the range Portcullis records (years 1970 to 9999)")]
    OutOfRange(i64),
    /// Text that is not an RFC 3339 date and time.
    #[error("'{0}' is not a date and time like 2026-11-25T09:30:00Z")]
    Unparseable(String),
}

/// 9999-12-31T23:59:59.999999Z
const MAX_MICROS: i64 = 253_402_300_799_999_999;

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Self = Self(0);

    /// From microseconds since the epoch; 1970 to 9999 only.
    pub fn from_unix_micros(micros: i64) -> Result<Self, TimestampError> {
        if (0..=MAX_MICROS).contains(&micros) { Ok(Self(micros)) } else { Err(TimestampError::OutOfRange(micros)) }
    }

    /// As [`Self::from_unix_micros`], clamping instead of failing.
    pub fn from_unix_micros_saturating(micros: i64) -> Self {
        Self(micros.clamp(0, MAX_MICROS))
    }

    /// From an [`OffsetDateTime`], dropping sub-microsecond precision.
    pub fn from_datetime(dt: OffsetDateTime) -> Result<Self, TimestampError> {
        let nanos = dt.unix_timestamp_nanos();
        let micros = i64::try_from(nanos.div_euclid(1000)).map_err(|_| TimestampError::OutOfRange(i64::MAX))?;
        Self::from_unix_micros(micros)
    }

    /// Microseconds since the epoch.
    pub fn unix_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// As an [`OffsetDateTime`] in UTC.
    pub fn to_datetime(self) -> OffsetDateTime {
        // In range by construction, so this never falls back.
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// This instant plus `seconds` (clamped to the recordable range).
    pub fn plus_secs(self, seconds: i64) -> Self {
        Self::from_unix_micros_saturating(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    /// Seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn secs_since(self, earlier: Self) -> i64 {
        (self.0 - earlier.0).div_euclid(1_000_000)
    }

    /// RFC 3339 text, e.g. `2026-11-25T09:30:00.123456Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime().format(&Rfc3339).unwrap_or_default()
    }

    /// Parse RFC 3339 text.
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampError> {
        let dt = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| TimestampError::Unparseable(text.to_owned()))?;
        Self::from_datetime(dt)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl TryFrom<String> for Timestamp {
    type Error = TimestampError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_rfc3339(&value)
    }
}

impl From<Timestamp> for String {
    fn from(value: Timestamp) -> Self {
        value.to_rfc3339()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_rfc3339() {
        let t = Timestamp::from_unix_micros(1_764_063_000_123_456).unwrap();
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
    }

    #[test]
    fn rejects_times_before_1970_and_after_9999() {
        assert!(Timestamp::from_unix_micros(-1).is_err());
        assert!(Timestamp::from_unix_micros(MAX_MICROS + 1).is_err());
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn arithmetic_in_seconds() {
        let t = Timestamp::from_unix_micros(10_000_000).unwrap();
        assert_eq!(t.plus_secs(5).secs_since(t), 5);
        assert_eq!(t.plus_secs(-100), Timestamp::EPOCH);
    }
}
