//! The `offices` table.

use portcullis_store::{NewOffice, Office, StoreError};
use portcullis_types::{OfficeId, OfficeName};
use sqlx::error::ErrorKind;

use crate::{SqliteStore, decode, errors};

/// `id, name, created_at, demo` as SQLite returns them.
type OfficeRow = (String, String, i64, bool);

pub(crate) async fn create(store: &SqliteStore, office: &NewOffice) -> Result<Office, StoreError> {
    sqlx::query("INSERT INTO offices (id, name, created_at, demo) VALUES (?1, ?2, ?3, ?4)")
        .bind(office.id.to_string())
        .bind(office.name.as_str())
        .bind(office.created_at.unix_micros())
        .bind(office.demo)
        .execute(&store.writer)
        .await
        .map_err(|e| {
            if errors::is_violation(&e, ErrorKind::UniqueViolation) {
                StoreError::Conflict(format!("office {}", office.id))
            } else {
                errors::query_failed(&store.location, e)
            }
        })?;
    Ok(Office { id: office.id, name: office.name.clone(), created_at: office.created_at, demo: office.demo })
}

pub(crate) async fn get(store: &SqliteStore, id: OfficeId) -> Result<Option<Office>, StoreError> {
    let row: Option<OfficeRow> = sqlx::query_as("SELECT id, name, created_at, demo FROM offices WHERE id = ?1")
        .bind(id.to_string())
        .fetch_optional(&store.reader)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn list(store: &SqliteStore) -> Result<Vec<Office>, StoreError> {
    let rows: Vec<OfficeRow> = sqlx::query_as("SELECT id, name, created_at, demo FROM offices ORDER BY created_at, id")
        .fetch_all(&store.reader)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

fn from_row((id, name, created_at, demo): OfficeRow) -> Result<Office, StoreError> {
    Ok(Office {
        id: decode::parse("offices.id", &id)?,
        name: decode::text("offices.name", &name, OfficeName::new)?,
        created_at: decode::timestamp("offices.created_at", created_at)?,
        demo,
    })
}
