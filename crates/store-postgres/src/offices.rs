//! The `offices` table.

use portcullis_store::{NewOffice, Office, StoreError};
use portcullis_types::{OfficeId, OfficeName};
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use uuid::Uuid;

use crate::{PgStore, decode, errors};

/// `id, name, created_at, demo` as PostgreSQL returns them.
type OfficeRow = (Uuid, String, OffsetDateTime, bool);

pub(crate) async fn create(store: &PgStore, office: &NewOffice) -> Result<Office, StoreError> {
    sqlx::query("INSERT INTO offices (id, name, created_at, demo) VALUES ($1, $2, $3, $4)")
        .bind(office.id.as_uuid())
        .bind(office.name.as_str())
        .bind(office.created_at.to_datetime())
        .bind(office.demo)
        .execute(&store.pool)
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

pub(crate) async fn get(store: &PgStore, id: OfficeId) -> Result<Option<Office>, StoreError> {
    let row: Option<OfficeRow> = sqlx::query_as("SELECT id, name, created_at, demo FROM offices WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(&store.pool)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn list(store: &PgStore) -> Result<Vec<Office>, StoreError> {
    let rows: Vec<OfficeRow> = sqlx::query_as("SELECT id, name, created_at, demo FROM offices ORDER BY created_at, id")
        .fetch_all(&store.pool)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

fn from_row((id, name, created_at, demo): OfficeRow) -> Result<Office, StoreError> {
    Ok(Office {
        id: OfficeId::from_uuid(id),
        name: decode::text("offices.name", &name, OfficeName::new)?,
        created_at: decode::timestamp("offices.created_at", created_at)?,
        demo,
    })
}
