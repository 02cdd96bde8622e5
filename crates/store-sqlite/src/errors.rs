//! Turning SQLite and filesystem failures into [`StoreError`]s an office
//! manager can act on: what went wrong and where, never Rust debug output.

use std::io;

use portcullis_store::StoreError;
use sqlx::migrate::MigrateError;

/// SQLite primary result codes we explain in words
/// (<https://www.sqlite.org/rescode.html>). Extended codes carry the primary
/// code in their low byte.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_NOTADB: i32 = 26;

/// The file or its folder could not be prepared before SQLite opened it.
pub(crate) fn file_unavailable(location: &str, e: &io::Error) -> StoreError {
    StoreError::Unavailable { location: location.to_owned(), reason: io_reason(e) }
}

/// Opening the database (connecting, setting pragmas) failed.
pub(crate) fn open_failed(location: &str, e: sqlx::Error) -> StoreError {
    let reason = match &e {
        sqlx::Error::Database(db) => sqlite_reason(db.code().as_deref(), db.message()),
        sqlx::Error::Io(io) => io_reason(io),
        sqlx::Error::PoolTimedOut => "the database did not answer in time".to_owned(),
        other => other.to_string(),
    };
    StoreError::Unavailable { location: location.to_owned(), reason }
}

/// Applying the embedded migrations failed.
pub(crate) fn migration_failed(e: &MigrateError) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// A query against an open store failed. Constraint violations are mapped by
/// the caller, who knows which row was meant.
pub(crate) fn query_failed(location: &str, e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolClosed => {
            StoreError::Unavailable { location: location.to_owned(), reason: "the store has been closed".to_owned() }
        }
        sqlx::Error::PoolTimedOut => StoreError::Unavailable {
            location: location.to_owned(),
            reason: "the database was too busy to answer in time".to_owned(),
        },
        sqlx::Error::Io(io) => StoreError::Unavailable { location: location.to_owned(), reason: io_reason(&io) },
        sqlx::Error::ColumnDecode { index, source } => {
            StoreError::Corrupt(format!("column {index} could not be read: {source}"))
        }
        sqlx::Error::Decode(source) => StoreError::Corrupt(source.to_string()),
        sqlx::Error::Database(db) => {
            let primary = primary_code(db.code().as_deref());
            match primary {
                Some(SQLITE_CORRUPT | SQLITE_NOTADB) => StoreError::Corrupt(db.message().to_owned()),
                Some(code) => StoreError::Database(sqlite_reason(Some(&code.to_string()), db.message())),
                None => StoreError::Database(db.message().to_owned()),
            }
        }
        other => StoreError::Database(other.to_string()),
    }
}

/// Whether `e` is a violation of the given kind (unique, foreign key…).
pub(crate) fn is_violation(e: &sqlx::Error, kind: sqlx::error::ErrorKind) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == kind)
}

/// Whether `e` is a violation of the given kind whose message names
/// `column` (SQLite reports "UNIQUE constraint failed: users.email_key").
pub(crate) fn is_violation_of(e: &sqlx::Error, kind: sqlx::error::ErrorKind, column: &str) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == kind && db.message().contains(column))
}

/// Whether `e` is SQLite saying another connection holds a lock it needs.
pub(crate) fn is_busy(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(primary_code(db.code().as_deref()), Some(SQLITE_BUSY | SQLITE_LOCKED)))
}

fn primary_code(code: Option<&str>) -> Option<i32> {
    code.and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff)
}

fn sqlite_reason(code: Option<&str>, message: &str) -> String {
    match primary_code(code) {
        Some(SQLITE_CANTOPEN) => {
            "the file cannot be opened or created there; check that the folder exists and that Portcullis may write to it"
                .to_owned()
        }
        Some(SQLITE_READONLY) => "the database file or its folder is read-only".to_owned(),
        Some(SQLITE_NOTADB) => "the file is not a Portcullis (SQLite) database".to_owned(),
        Some(SQLITE_CORRUPT) => "the database file is damaged; restore it from a backup".to_owned(),
        Some(SQLITE_BUSY | SQLITE_LOCKED) => {
            "another program is holding the database locked; close it and try again".to_owned()
        }
        Some(SQLITE_FULL) => "the disk is full".to_owned(),
        Some(SQLITE_IOERR) => "the disk reported an error reading or writing the file".to_owned(),
        _ => format!("SQLite said: {message}"),
    }
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => {
            "permission denied: Portcullis may not create or write files there".to_owned()
        }
        io::ErrorKind::NotFound => "a folder on the path does not exist and could not be created".to_owned(),
        io::ErrorKind::NotADirectory | io::ErrorKind::AlreadyExists => {
            "part of the path is a file where a folder is needed".to_owned()
        }
        io::ErrorKind::IsADirectory => "the path is a folder, not a database file".to_owned(),
        io::ErrorKind::ReadOnlyFilesystem => "the disk there is read-only".to_owned(),
        io::ErrorKind::StorageFull => "the disk is full".to_owned(),
        // io::Error's Display is already plain words ("No such device (os error 19)").
        _ => format!("the operating system refused: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_codes_are_explained_by_their_primary_code() {
        // 1038 is SQLITE_CANTOPEN_ISDIR.
        assert!(sqlite_reason(Some("1038"), "unable to open").contains("cannot be opened"));
        assert_eq!(sqlite_reason(Some("1"), "no such table: x"), "SQLite said: no such table: x");
    }

    #[test]
    fn io_failures_read_as_plain_words() {
        let e = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(io_reason(&e).starts_with("permission denied"));
    }
}
