//! The `sessions` table. Rows are keyed by a digest of the cookie token, so
//! the table alone signs no one in.

use portcullis_store::{NewSession, Opaque, Session, StoreError};
use portcullis_types::{Timestamp, UserId};
use sqlx::error::ErrorKind;

use super::account_not_found;
use crate::{SqliteStore, decode, errors};

/// `id_hash, user_id, stage, csrf_secret, created_at, last_seen_at, expires_at, ip`.
type SessionRow = (String, String, String, String, i64, i64, i64, Option<String>);

pub(crate) async fn create(store: &SqliteStore, session: &NewSession) -> Result<Session, StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, stage, csrf_secret, created_at, last_seen_at, expires_at, ip) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
    )
    .bind(&session.id_hash)
    .bind(session.user_id.to_string())
    .bind(session.stage.as_str())
    .bind(&session.csrf_secret.0)
    .bind(session.created_at.unix_micros())
    .bind(session.expires_at.unix_micros())
    .bind(session.ip.as_deref())
    .execute(&store.writer)
    .await
    .map_err(|e| {
        if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
            account_not_found(session.user_id)
        } else if errors::is_violation(&e, ErrorKind::UniqueViolation) {
            // The digest is not a secret, but it identifies a live session;
            // it has no place in a message.
            StoreError::Conflict("a session with that token".to_owned())
        } else {
            errors::query_failed(&store.location, e)
        }
    })?;
    Ok(Session {
        id_hash: session.id_hash.clone(),
        user_id: session.user_id,
        stage: session.stage,
        csrf_secret: session.csrf_secret.clone(),
        created_at: session.created_at,
        last_seen_at: session.created_at,
        expires_at: session.expires_at,
        ip: session.ip.clone(),
    })
}

pub(crate) async fn get(store: &SqliteStore, id_hash: &str) -> Result<Option<Session>, StoreError> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT id_hash, user_id, stage, csrf_secret, created_at, last_seen_at, expires_at, ip \
         FROM sessions WHERE id_hash = ?1",
    )
    .bind(id_hash)
    .fetch_optional(&store.reader)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn touch(store: &SqliteStore, id_hash: &str, at: Timestamp) -> Result<(), StoreError> {
    // A session that has just been deleted (signed out, swept) is not an
    // error: the request that touches it will find it gone on its next read.
    // max() keeps the activity time from going backwards when two requests
    // finish out of order.
    sqlx::query("UPDATE sessions SET last_seen_at = max(last_seen_at, ?2) WHERE id_hash = ?1")
        .bind(id_hash)
        .bind(at.unix_micros())
        .execute(&store.writer)
        .await
        .map(drop)
        .map_err(|e| errors::query_failed(&store.location, e))
}

pub(crate) async fn delete(store: &SqliteStore, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = ?1")
        .bind(id_hash)
        .execute(&store.writer)
        .await
        .map(drop)
        .map_err(|e| errors::query_failed(&store.location, e))
}

pub(crate) async fn delete_for_user(store: &SqliteStore, id: UserId) -> Result<u64, StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ?1")
        .bind(id.to_string())
        .execute(&store.writer)
        .await
        .map(|done| done.rows_affected())
        .map_err(|e| errors::query_failed(&store.location, e))
}

pub(crate) async fn delete_stale(
    store: &SqliteStore,
    now: Timestamp,
    idle_before: Timestamp,
) -> Result<u64, StoreError> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at < ?2")
        .bind(now.unix_micros())
        .bind(idle_before.unix_micros())
        .execute(&store.writer)
        .await
        .map(|done| done.rows_affected())
        .map_err(|e| errors::query_failed(&store.location, e))
}

fn from_row(
    (id_hash, user_id, stage, csrf_secret, created_at, last_seen_at, expires_at, ip): SessionRow,
) -> Result<Session, StoreError> {
    Ok(Session {
        id_hash,
        user_id: decode::parse("sessions.user_id", &user_id)?,
        stage: decode::stage("sessions.stage", &stage)?,
        csrf_secret: Opaque(csrf_secret),
        created_at: decode::timestamp("sessions.created_at", created_at)?,
        last_seen_at: decode::timestamp("sessions.last_seen_at", last_seen_at)?,
        expires_at: decode::timestamp("sessions.expires_at", expires_at)?,
        ip,
    })
}
