//! The sign-in state kept on a `users` row: the TOTP secret and the last
//! step accepted, the failed-login counter and the lock.
//!
//! Each check-and-change is a single UPDATE whose WHERE clause is the check,
//! so two requests racing with the same code or the same wrong password are
//! decided by the database, not by whoever read first.

use portcullis_store::{Opaque, StoreError};
use portcullis_types::{Timestamp, UserId};

use super::{account_not_found, one_account};
use crate::{SqliteStore, decode, errors};

/// Setting a secret records when the account first had a second factor
/// (kept if it already had one). Clearing it forgets the secret and the last
/// accepted step, and leaves `second_factor_at` set only while a passkey
/// remains: an account with neither factor must enrol again.
pub(crate) async fn set_totp(
    store: &SqliteStore,
    id: UserId,
    sealed: Option<&Opaque>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let query = match sealed {
        Some(sealed) => sqlx::query(
            "UPDATE users SET totp_sealed = ?2, second_factor_at = coalesce(second_factor_at, ?3) WHERE id = ?1",
        )
        .bind(id.to_string())
        .bind(&sealed.0)
        .bind(at.unix_micros()),
        // One statement: the passkey check and the change cannot be split by
        // a passkey being added in between.
        None => sqlx::query(
            "UPDATE users SET totp_sealed = NULL, totp_last_step = NULL, second_factor_at = \
             CASE WHEN EXISTS (SELECT 1 FROM passkeys WHERE passkeys.user_id = users.id) \
             THEN second_factor_at ELSE NULL END \
             WHERE id = ?1",
        )
        .bind(id.to_string()),
    };
    let done = query.execute(&store.writer).await.map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}

pub(crate) async fn accept_totp_step(store: &SqliteStore, id: UserId, step: i64) -> Result<bool, StoreError> {
    // The comparison is in the WHERE clause: a replayed (equal) or older step
    // matches no row, and of two requests with the same new step only the
    // first changes the row.
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
    )
    .bind(id.to_string())
    .bind(step)
    .execute(&store.writer)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn add_failed_login(store: &SqliteStore, id: UserId) -> Result<u32, StoreError> {
    // Increment in SQL and read back the result of this very statement, so
    // concurrent failures each count and each see their own total.
    let count: Option<i64> =
        sqlx::query_scalar("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1 RETURNING failed_logins")
            .bind(id.to_string())
            .fetch_optional(&store.writer)
            .await
            .map_err(|e| errors::query_failed(&store.location, e))?;
    let count = count.ok_or_else(|| account_not_found(id))?;
    decode::count("users.failed_logins", count)
}

pub(crate) async fn set_locked_until(
    store: &SqliteStore,
    id: UserId,
    until: Option<Timestamp>,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE users SET locked_until = ?2 WHERE id = ?1")
        .bind(id.to_string())
        .bind(until.map(Timestamp::unix_micros))
        .execute(&store.writer)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}

pub(crate) async fn clear_failed_logins(store: &SqliteStore, id: UserId) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1")
        .bind(id.to_string())
        .execute(&store.writer)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}
