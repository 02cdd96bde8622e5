//! Reading stored text and integers back into validated types.
//!
//! The database is trusted to hold what we wrote, but a file can be edited by
//! hand or damaged; a value that no longer validates becomes
//! [`StoreError::Corrupt`] naming the column, never a panic or a silent default.

use std::fmt::Display;
use std::str::FromStr;

use portcullis_store::{SessionStage, StoreError};
use portcullis_types::Timestamp;

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

/// Microseconds since the epoch, as stored in an INTEGER column.
pub(crate) fn timestamp(column: &str, micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_unix_micros(micros).map_err(|e| corrupt(column, &e))
}

/// An optional timestamp column.
pub(crate) fn maybe_timestamp(column: &str, micros: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    micros.map(|m| timestamp(column, m)).transpose()
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
    use portcullis_types::{OfficeId, OfficeName, Role};

    use super::*;

    #[test]
    fn bad_values_name_their_column() {
        let err = parse::<OfficeId>("offices.id", "not-a-uuid").unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt(m) if m.starts_with("offices.id:")), "{err:?}");
        assert!(parse::<Role>("people.role", "emperor").is_err());
        assert!(text("offices.name", "  ", OfficeName::new).is_err());
        assert!(timestamp("audit_log.at", -1).is_err());
        assert_eq!(timestamp("audit_log.at", 5).unwrap().unix_micros(), 5);
        assert!(count("users.failed_logins", -1).is_err());
        assert_eq!(count("users.failed_logins", 3).unwrap(), 3);
        assert!(stage("sessions.stage", "half").is_err());
        assert_eq!(stage("sessions.stage", "full").unwrap(), SessionStage::Full);
    }
}
