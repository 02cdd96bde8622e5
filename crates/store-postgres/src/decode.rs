//! Reading stored values back into validated types.
//!
//! A value that no longer validates (edited by hand, written by another
//! program) becomes [`StoreError::Corrupt`] naming the column, never a panic
//! or a silent default.

use std::fmt::Display;
use std::str::FromStr;

use portcullis_store::{SessionStage, StoreError};
use portcullis_types::Timestamp;
use sqlx::types::time::OffsetDateTime;

/// Parse `raw` (read from `column`) with `FromStr`.
pub(crate) fn parse<T>(column: &str, raw: &str) -> Result<T, StoreError>
where
    T: FromStr,
    T::Err: Display,
{
    raw.parse::<T>().map_err(|e| corrupt(column, &e))
}

/// Validate `raw` (read from `column`) with a constructor such as `OfficeName::new`.
pub(crate) fn text<T, E: Display>(
    column: &str,
    raw: &str,
    new: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    new(raw).map_err(|e| corrupt(column, &e))
}

/// A `timestamptz`; Portcullis only records 1970 to 9999.
pub(crate) fn timestamp(column: &str, at: OffsetDateTime) -> Result<Timestamp, StoreError> {
    Timestamp::from_datetime(at).map_err(|e| corrupt(column, &e))
}

/// An optional `timestamptz`.
pub(crate) fn maybe_timestamp(column: &str, at: Option<OffsetDateTime>) -> Result<Option<Timestamp>, StoreError> {
    at.map(|at| timestamp(column, at)).transpose()
}

/// A non-negative count that must fit the `u32` the API promises.
pub(crate) fn count(column: &str, n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|e| corrupt(column, &e))
}

/// A session stage by its storage name.
pub(crate) fn stage(column: &str, raw: &str) -> Result<SessionStage, StoreError> {
    SessionStage::parse(raw).ok_or_else(|| corrupt(column, &format_args!("'{raw}' is not a session stage")))
}

fn corrupt(column: &str, e: &dyn Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_column() {
        assert!(matches!(count("users.failed_logins", -1), Err(StoreError::Corrupt(m)) if m.starts_with("users.")));
        assert_eq!(count("users.failed_logins", 3).unwrap(), 3);
        assert!(stage("sessions.stage", "half").is_err());
        assert_eq!(stage("sessions.stage", "must_enrol").unwrap(), SessionStage::MustEnrol);
    }
}
