//! The `people` table. Every read names the office it reads from.

use portcullis_store::{NewPerson, Person, StoreError};
use portcullis_types::{Email, OfficeId, PersonId, PersonName};
use sqlx::error::ErrorKind;

use crate::{SqliteStore, decode, errors};

/// `id, office_id, name, email, role, created_at` as SQLite returns them.
type PersonRow = (String, String, String, Option<String>, String, i64);

pub(crate) async fn add(store: &SqliteStore, person: &NewPerson) -> Result<Person, StoreError> {
    // One statement, no read-then-write transaction: the foreign key on
    // office_id answers "does the office exist" atomically, and a lone INSERT
    // never has to upgrade a read lock (which SQLite can refuse with BUSY).
    sqlx::query("INSERT INTO people (id, office_id, name, email, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(person.id.to_string())
        .bind(person.office_id.to_string())
        .bind(person.name.as_str())
        .bind(person.email.as_ref().map(Email::as_str))
        .bind(person.role.as_str())
        .bind(person.created_at.unix_micros())
        .execute(&store.writer)
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

pub(crate) async fn get(store: &SqliteStore, office: OfficeId, id: PersonId) -> Result<Option<Person>, StoreError> {
    let row: Option<PersonRow> = sqlx::query_as(
        "SELECT id, office_id, name, email, role, created_at FROM people WHERE office_id = ?1 AND id = ?2",
    )
    .bind(office.to_string())
    .bind(id.to_string())
    .fetch_optional(&store.reader)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn list(store: &SqliteStore, office: OfficeId) -> Result<Vec<Person>, StoreError> {
    // Byte order (SQLite's BINARY collation), the same order PostgreSQL gives
    // with COLLATE "C", so both backends list people identically.
    let rows: Vec<PersonRow> = sqlx::query_as(
        "SELECT id, office_id, name, email, role, created_at FROM people WHERE office_id = ?1 ORDER BY name, id",
    )
    .bind(office.to_string())
    .fetch_all(&store.reader)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

fn from_row((id, office_id, name, email, role, created_at): PersonRow) -> Result<Person, StoreError> {
    Ok(Person {
        id: decode::parse("people.id", &id)?,
        office_id: decode::parse("people.office_id", &office_id)?,
        name: decode::text("people.name", &name, PersonName::new)?,
        email: email.map(|e| decode::text("people.email", &e, Email::new)).transpose()?,
        role: decode::parse("people.role", &role)?,
        created_at: decode::timestamp("people.created_at", created_at)?,
    })
}
