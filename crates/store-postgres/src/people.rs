//! The `people` table. Every read names the office it reads from.

use portcullis_store::{NewPerson, Person, StoreError};
use portcullis_types::{Email, OfficeId, PersonId, PersonName};
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use uuid::Uuid;

use crate::{PgStore, decode, errors};

/// `id, office_id, name, email, role, created_at` as PostgreSQL returns them.
type PersonRow = (Uuid, Uuid, String, Option<String>, String, OffsetDateTime);

pub(crate) async fn add(store: &PgStore, person: &NewPerson) -> Result<Person, StoreError> {
    // One statement: the foreign key answers "does the office exist" in the
    // same step as the insert, so there is no window between check and write.
    sqlx::query("INSERT INTO people (id, office_id, name, email, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(person.id.as_uuid())
        .bind(person.office_id.as_uuid())
        .bind(person.name.as_str())
        .bind(person.email.as_ref().map(Email::as_str))
        .bind(person.role.as_str())
        .bind(person.created_at.to_datetime())
        .execute(&store.pool)
        .await
        .map_err(|e| {
            if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
                StoreError::NotFound(format!("office {}", person.office_id))
            } else if errors::is_violation(&e, ErrorKind::UniqueViolation) {
                StoreError::Conflict(format!("person {}", person.id))
            } else {
                errors::query_failed(&store.location, e)
            }
        })?;
    Ok(Person {
        id: person.id,
        office_id: person.office_id,
        name: person.name.clone(),
        email: person.email.clone(),
        role: person.role,
        created_at: person.created_at,
    })
}

pub(crate) async fn get(store: &PgStore, office: OfficeId, id: PersonId) -> Result<Option<Person>, StoreError> {
    let row: Option<PersonRow> = sqlx::query_as(
        "SELECT id, office_id, name, email, role, created_at FROM people WHERE office_id = $1 AND id = $2",
    )
    .bind(office.as_uuid())
    .bind(id.as_uuid())
    .fetch_optional(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn list(store: &PgStore, office: OfficeId) -> Result<Vec<Person>, StoreError> {
    // Byte order, as SQLite sorts, so both backends list people identically
    // whatever locale the database was created with.
    let rows: Vec<PersonRow> = sqlx::query_as(
        "SELECT id, office_id, name, email, role, created_at FROM people WHERE office_id = $1 \
         ORDER BY name COLLATE \"C\", id",
    )
    .bind(office.as_uuid())
    .fetch_all(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

fn from_row((id, office_id, name, email, role, created_at): PersonRow) -> Result<Person, StoreError> {
    Ok(Person {
        id: PersonId::from_uuid(id),
        office_id: OfficeId::from_uuid(office_id),
        name: decode::text("people.name", &name, PersonName::new)?,
        email: email.map(|e| decode::text("people.email", &e, Email::new)).transpose()?,
        role: decode::parse("people.role", &role)?,
        created_at: decode::timestamp("people.created_at", created_at)?,
    })
}
