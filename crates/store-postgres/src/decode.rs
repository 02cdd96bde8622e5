//! Reading stored values back into validated types.
//!
//! A value that no longer validates (edited by hand, written by another
//! program) becomes [`StoreError::Corrupt`] naming the column, never a panic
//! or a silent default.

use std::fmt::Display;
use std::str::FromStr;

use portcullis_store::StoreError;
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

fn corrupt(column: &str, e: &dyn Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}
