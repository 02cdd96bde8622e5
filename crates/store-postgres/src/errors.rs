//! Turning PostgreSQL failures into [`StoreError`]s an operator can act on:
//! what went wrong and where, never Rust debug output or a password.

use std::io;

use portcullis_store::StoreError;
use sqlx::migrate::MigrateError;

/// SQLSTATE for a wrong password (<https://www.postgresql.org/docs/current/errcodes-appendix.html>).
const INVALID_PASSWORD: &str = "28P01";

pub(crate) fn unavailable(location: &str, reason: impl Into<String>) -> StoreError {
    StoreError::Unavailable { location: location.to_owned(), reason: reason.into() }
}

/// Connecting (or preparing the schema on first connection) failed.
pub(crate) fn connect_failed(location: &str, e: sqlx::Error) -> StoreError {
    let reason = match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some(INVALID_PASSWORD) => {
            "the server refused the user name or password".to_owned()
        }
        // PostgreSQL's own messages are plain English and never echo a password.
        sqlx::Error::Database(db) => format!("the server said: {}", db.message()),
        // rustls reports a refused certificate during the handshake as an
        // I/O error (InvalidData) wrapping its own; it is a TLS problem, not
        // an unreachable server.
        sqlx::Error::Io(io) if io.kind() == io::ErrorKind::InvalidData && io.to_string().contains("certificate") => {
            tls_reason(&io.to_string())
        }
        sqlx::Error::Io(io) => io_reason(io),
        sqlx::Error::Tls(tls) => tls_reason(&tls.to_string()),
        sqlx::Error::PoolTimedOut => "no connection could be made within 5 seconds".to_owned(),
        // Configuration errors may quote connection settings; say less.
        sqlx::Error::Configuration(_) => "the connection settings are not valid".to_owned(),
        other => other.to_string(),
    };
    unavailable(location, reason)
}

pub(crate) fn migration_failed(e: &MigrateError) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// A query against a connected store failed. Constraint violations are mapped
/// by the caller, who knows which row was meant.
pub(crate) fn query_failed(location: &str, e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolClosed => unavailable(location, "the store has been closed"),
        sqlx::Error::PoolTimedOut => unavailable(
            location,
            "no database connection became free within 5 seconds; the server may be down or overloaded",
        ),
        sqlx::Error::Io(io) => unavailable(location, io_reason(&io)),
        sqlx::Error::ColumnDecode { index, source } => {
            StoreError::Corrupt(format!("column {index} could not be read: {source}"))
        }
        sqlx::Error::Decode(source) => StoreError::Corrupt(source.to_string()),
        sqlx::Error::Database(db) => StoreError::Database(db.message().to_owned()),
        other => StoreError::Database(other.to_string()),
    }
}

/// Whether `e` is a violation of the given kind (unique, foreign key…).
pub(crate) fn is_violation(e: &sqlx::Error, kind: sqlx::error::ErrorKind) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == kind)
}

/// Whether `e` is a violation of the given kind of a constraint whose name
/// contains `name` (PostgreSQL names the constraint, e.g. `users_email_key_key`).
pub(crate) fn is_violation_of(e: &sqlx::Error, kind: sqlx::error::ErrorKind, name: &str) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == kind && db.constraint().is_some_and(|c| c.contains(name)))
}

/// Why a secure connection failed, with what to do about it. sqlx's TLS
/// errors are terse ("server does not support TLS", rustls's
/// "invalid peer certificate: UnknownIssuer"), so the common two are put in
/// words; anything else keeps the library's detail after a plain preface.
fn tls_reason(detail: &str) -> String {
    if detail.contains("does not support TLS") {
        "the URL requires a secure (TLS) connection (sslmode=require or stricter) but the server does not offer one; \
         turn on ssl in the server's postgresql.conf"
            .to_owned()
    } else if detail.contains("certificate") {
        format!(
            "the server's TLS certificate could not be verified ({detail}); if your own certificate authority signed \
             it, name that authority's certificate with sslrootcert=/path/to/ca.pem in the URL"
        )
    } else {
        format!("a secure (TLS) connection could not be set up: {detail}")
    }
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            "nothing is accepting connections there; check that PostgreSQL is running and the host and port are right"
                .to_owned()
        }
        io::ErrorKind::TimedOut => "the server did not answer in time".to_owned(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::UnexpectedEof => {
            "the server closed the connection".to_owned()
        }
        io::ErrorKind::NotFound => "the server's socket file does not exist".to_owned(),
        // io::Error's Display is already plain words, e.g. a failed DNS lookup.
        _ => format!("the server could not be reached ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_say_what_to_do() {
        assert!(tls_reason("server does not support TLS").contains("turn on ssl"));
        assert!(tls_reason("invalid peer certificate: UnknownIssuer").contains("sslrootcert="));
        assert!(tls_reason("handshake failure").starts_with("a secure (TLS) connection could not be set up"));
    }
}
