//! The `users` table: creating, reading and administering accounts.
//!
//! Identity is the one lookup not scoped by office (a person signs in before
//! anyone knows their office); `list_users` is scoped like every other list.

use portcullis_store::{NewUser, Opaque, StoreError, User};
use portcullis_types::{Email, OfficeId, PersonName, Role, Timestamp, UserId};
use sqlx::error::ErrorKind;

use super::{email_key, one_account};
use crate::{SqliteStore, decode, errors};

/// The columns of a [`UserRow`], in order, for every SELECT of users.
macro_rules! user_columns {
    () => {
        "SELECT id, office_id, email, name, role, password_hash, password_changed_at, totp_sealed, \
         totp_last_step, second_factor_at, failed_logins, locked_until, suspended, created_at FROM users"
    };
}

/// A `users` row as SQLite returns it (see [`user_columns`]).
type UserRow = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
    bool,
    i64,
);

pub(crate) async fn create(store: &SqliteStore, user: &NewUser) -> Result<User, StoreError> {
    // One INSERT: the foreign key answers "does the office exist" and the
    // unique keys answer "is the id or address taken" in the same step.
    sqlx::query(
        "INSERT INTO users (id, office_id, email, email_key, name, role, password_hash, password_changed_at, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )
    .bind(user.id.to_string())
    .bind(user.office_id.map(|o| o.to_string()))
    .bind(user.email.as_str())
    .bind(email_key(&user.email))
    .bind(user.name.as_str())
    .bind(user.role.as_str())
    .bind(&user.password_hash.0)
    .bind(user.created_at.unix_micros())
    .execute(&store.writer)
    .await
    .map_err(|e| {
        if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
            let office = user.office_id.map(|o| o.to_string()).unwrap_or_default();
            StoreError::NotFound(format!("office {office}"))
        } else if errors::is_violation_of(&e, ErrorKind::UniqueViolation, "users.email_key") {
            StoreError::Conflict(format!("an account for {}", user.email))
        } else if errors::is_violation(&e, ErrorKind::UniqueViolation) {
            StoreError::Conflict(format!("account {}", user.id))
        } else {
            errors::query_failed(&store.location, e)
        }
    })?;
    Ok(User {
        id: user.id,
        office_id: user.office_id,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role,
        password_hash: user.password_hash.clone(),
        password_changed_at: user.created_at,
        totp_sealed: None,
        totp_last_step: None,
        second_factor_at: None,
        failed_logins: 0,
        locked_until: None,
        suspended: false,
        created_at: user.created_at,
    })
}

pub(crate) async fn get(store: &SqliteStore, id: UserId) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(user_columns!(), " WHERE id = ?1"))
        .bind(id.to_string())
        .fetch_optional(&store.reader)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn by_email(store: &SqliteStore, email: &Email) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(user_columns!(), " WHERE email_key = ?1"))
        .bind(email_key(email))
        .fetch_optional(&store.reader)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn list(store: &SqliteStore, office: OfficeId) -> Result<Vec<User>, StoreError> {
    // Byte order (BINARY collation), as PostgreSQL's COLLATE "C" gives.
    let rows: Vec<UserRow> = sqlx::query_as(concat!(user_columns!(), " WHERE office_id = ?1 ORDER BY name, email, id"))
        .bind(office.to_string())
        .fetch_all(&store.reader)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

pub(crate) async fn count(store: &SqliteStore) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&store.reader)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    u64::try_from(n).map_err(|e| StoreError::Corrupt(format!("count of users: {e}")))
}

pub(crate) async fn set_password(
    store: &SqliteStore,
    id: UserId,
    hash: &Opaque,
    at: Timestamp,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1")
        .bind(id.to_string())
        .bind(&hash.0)
        .bind(at.unix_micros())
        .execute(&store.writer)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}

pub(crate) async fn set_role(store: &SqliteStore, id: UserId, role: Role) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE users SET role = ?2 WHERE id = ?1")
        .bind(id.to_string())
        .bind(role.as_str())
        .execute(&store.writer)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}

pub(crate) async fn set_suspended(store: &SqliteStore, id: UserId, suspended: bool) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE users SET suspended = ?2 WHERE id = ?1")
        .bind(id.to_string())
        .bind(suspended)
        .execute(&store.writer)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}

fn from_row(
    (
        id,
        office_id,
        email,
        name,
        role,
        password_hash,
        password_changed_at,
        totp_sealed,
        totp_last_step,
        second_factor_at,
        failed_logins,
        locked_until,
        suspended,
        created_at,
    ): UserRow,
) -> Result<User, StoreError> {
    Ok(User {
        id: decode::parse("users.id", &id)?,
        office_id: office_id.map(|o| decode::parse("users.office_id", &o)).transpose()?,
        email: decode::text("users.email", &email, Email::new)?,
        name: decode::text("users.name", &name, PersonName::new)?,
        role: decode::parse("users.role", &role)?,
        password_hash: Opaque(password_hash),
        password_changed_at: decode::timestamp("users.password_changed_at", password_changed_at)?,
        totp_sealed: totp_sealed.map(Opaque),
        totp_last_step,
        second_factor_at: decode::maybe_timestamp("users.second_factor_at", second_factor_at)?,
        failed_logins: decode::count("users.failed_logins", failed_logins)?,
        locked_until: decode::maybe_timestamp("users.locked_until", locked_until)?,
        suspended,
        created_at: decode::timestamp("users.created_at", created_at)?,
    })
}
