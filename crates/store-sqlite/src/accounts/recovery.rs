//! The `recovery_codes` table: single-use codes, stored as digests.

use portcullis_store::StoreError;
use portcullis_types::{Timestamp, UserId};
use sqlx::error::ErrorKind;

use super::account_not_found;
use crate::{SqliteStore, decode, errors};

pub(crate) async fn replace(
    store: &SqliteStore,
    id: UserId,
    digests: &[String],
    at: Timestamp,
) -> Result<(), StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    // IMMEDIATE takes the write lock up front: the old set is removed and the
    // new one written with no moment at which both, or neither, are usable,
    // and a CLI process writing the same file waits instead of interleaving.
    let mut tx = store.writer.begin_with("BEGIN IMMEDIATE").await.map_err(failed)?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = ?1")
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed)?;
    if exists.is_none() {
        return Err(account_not_found(id));
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?1")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    for digest in digests {
        // A digest given twice is one code, not an error.
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, digest, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id, digest) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(digest)
        .bind(at.unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            // The account was checked inside this transaction; only a hand
            // edit of the file could remove it now.
            if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) { account_not_found(id) } else { failed(e) }
        })?;
    }
    tx.commit().await.map_err(failed)
}

pub(crate) async fn use_code(store: &SqliteStore, id: UserId, digest: &str, at: Timestamp) -> Result<bool, StoreError> {
    // `used_at IS NULL` in the WHERE clause makes the check and the marking
    // one step: of two requests with the same code, one wins.
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND digest = ?2 AND used_at IS NULL")
            .bind(id.to_string())
            .bind(digest)
            .bind(at.unix_micros())
            .execute(&store.writer)
            .await
            .map_err(|e| errors::query_failed(&store.location, e))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn unused(store: &SqliteStore, id: UserId) -> Result<u32, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL")
        .bind(id.to_string())
        .fetch_one(&store.reader)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    decode::count("recovery_codes (unused)", n)
}
