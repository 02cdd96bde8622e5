//! The sign-in state kept on a `users` row: the TOTP secret and the last
//! step accepted, the failed-login counter and the lock.
//!
//! Each check-and-change is a single UPDATE whose WHERE clause is the check,
//! so two servers racing with the same code or the same wrong password are
//! decided by the database (the row lock), not by whoever read first.

use portcullis_store::{Opaque, StoreError};
use portcullis_types::{Timestamp, UserId};
use uuid::Uuid;

use super::{account_not_found, one_account};
use crate::{PgStore, decode, errors};

/// Setting a secret records when the account first had a second factor
/// (kept if it already had one). Clearing it forgets the secret and the last
/// accepted step, and leaves `second_factor_at` set only while a passkey
/// remains: an account with neither factor must enrol again.
pub(crate) async fn set_totp(
    store: &PgStore,
    id: UserId,
    sealed: Option<&Opaque>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let Some(sealed) = sealed else {
        return clear_totp(store, id).await;
    };
    let done = sqlx::query(
        "UPDATE users SET totp_sealed = $2, second_factor_at = coalesce(second_factor_at, $3) WHERE id = $1",
    )
    .bind(id.as_uuid())
    .bind(&sealed.0)
    .bind(at.to_datetime())
    .execute(&store.pool)
    .await
    .map_err(failed)?;
    one_account(&done, id)
}

/// Clear the TOTP secret, deciding on `second_factor_at` by whether a
/// passkey exists.
///
/// The account row is locked first, in its own statement. `add_passkey`
/// takes the same lock before inserting, so a passkey being added at this
/// moment is either committed before the UPDATE below starts (and, read
/// committed, its snapshot sees it) or waits until this transaction is done.
/// A single UPDATE would evaluate the passkey check against the snapshot it
/// started with, even after waiting for the lock, and could miss it.
async fn clear_totp(store: &PgStore, id: UserId) -> Result<(), StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.pool.begin().await.map_err(failed)?;
    let locked: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed)?;
    if locked.is_none() {
        return Err(account_not_found(id));
    }
    sqlx::query(
        "UPDATE users SET totp_sealed = NULL, totp_last_step = NULL, second_factor_at = \
         CASE WHEN EXISTS (SELECT 1 FROM passkeys WHERE passkeys.user_id = users.id) \
         THEN second_factor_at ELSE NULL END \
         WHERE id = $1",
    )
    .bind(id.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    tx.commit().await.map_err(failed)
}

pub(crate) async fn accept_totp_step(store: &PgStore, id: UserId, step: i64) -> Result<bool, StoreError> {
    // The comparison is in the WHERE clause: a replayed (equal) or older step
    // matches no row, and of two servers handed the same new step, the second
    // waits for the first's row lock, re-checks, and matches nothing.
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(id.as_uuid())
    .bind(step)
    .execute(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn add_failed_login(store: &PgStore, id: UserId) -> Result<u32, StoreError> {
    // Increment in SQL and read back the result of this very statement, so
    // concurrent failures each count and each see their own total.
    let count: Option<i32> =
        sqlx::query_scalar("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
            .bind(id.as_uuid())
            .fetch_optional(&store.pool)
            .await
            .map_err(|e| errors::query_failed(&store.location, e))?;
    let count = count.ok_or_else(|| account_not_found(id))?;
    decode::count("users.failed_logins", i64::from(count))
}

pub(crate) async fn set_locked_until(store: &PgStore, id: UserId, until: Option<Timestamp>) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE users SET locked_until = $2 WHERE id = $1")
        .bind(id.as_uuid())
        .bind(until.map(Timestamp::to_datetime))
        .execute(&store.pool)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}

pub(crate) async fn clear_failed_logins(store: &PgStore, id: UserId) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id.as_uuid())
        .execute(&store.pool)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    one_account(&done, id)
}
