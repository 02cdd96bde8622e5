//! A PostgreSQL schema of its own for one Portcullis instance (used by tests
//! so that stories running at once never see each other's rows).

use portcullis_store::StoreError;
use sqlx::postgres::PgConnection;

use crate::errors;

/// PostgreSQL truncates identifiers longer than this.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// A schema name that is safe to put into SQL text unescaped: lower-case
/// ASCII letters, digits and underscores, not starting with a digit, and not
/// in the `pg_` namespace PostgreSQL reserves.
#[derive(Debug, Clone)]
pub(crate) struct SchemaName(String);

impl SchemaName {
    pub(crate) fn new(location: &str, raw: &str) -> Result<Self, StoreError> {
        let valid = !raw.is_empty()
            && raw.len() <= MAX_IDENTIFIER_BYTES
            && !raw.starts_with("pg_")
            && !raw.starts_with(|c: char| c.is_ascii_digit())
            && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            let shown: String = raw.chars().take(80).collect();
            Err(errors::unavailable(
                location,
                format!(
                    "'{shown}' cannot be a schema name: use up to 63 lower-case letters, digits and underscores, not starting with a digit or pg_"
                ),
            ))
        }
    }

    /// Quoted, so that even a reserved word (`user`, `order`) works.
    pub(crate) fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }
}

/// `CREATE SCHEMA IF NOT EXISTS`, tolerating another server doing the same at
/// the same moment: PostgreSQL can then report the name as taken
/// (duplicate_schema, or unique_violation on pg_namespace) even with IF NOT EXISTS.
pub(crate) async fn create(conn: &mut PgConnection, schema: &SchemaName) -> Result<(), sqlx::Error> {
    let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", schema.quoted());
    match sqlx::query(sqlx::AssertSqlSafe(sql)).execute(conn).await {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(db)) if matches!(db.code().as_deref(), Some("42P06" | "23505")) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `DROP SCHEMA … CASCADE`: the schema and everything in it.
pub(crate) async fn drop(conn: &mut PgConnection, schema: &SchemaName) -> Result<(), sqlx::Error> {
    let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.quoted());
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(conn).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_accepted() {
        assert!(SchemaName::new("db", "portcullis_test_0a1b").is_ok());
        for bad in ["", "Upper", "semi;colon", "quote\"d", "9lives", "pg_catalog", &"x".repeat(64)] {
            assert!(SchemaName::new("db", bad).is_err(), "{bad:?} was accepted");
        }
    }
}
