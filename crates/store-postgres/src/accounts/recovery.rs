//! The `recovery_codes` table: single-use codes, stored as digests.

use portcullis_store::StoreError;
use portcullis_types::{Timestamp, UserId};
use sqlx::error::ErrorKind;
use uuid::Uuid;

use super::account_not_found;
use crate::{PgStore, decode, errors};

pub(crate) async fn replace(store: &PgStore, id: UserId, digests: &[String], at: Timestamp) -> Result<(), StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.pool.begin().await.map_err(failed)?;
    // Lock the account row: two replacements at once (two servers, a double
    // click) then run one after the other. Without it, under read committed,
    // each DELETE would miss the codes the other is inserting and the account
    // would end up with both sets.
    let locked: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed)?;
    if locked.is_none() {
        return Err(account_not_found(id));
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    // The whole set in one statement; a digest given twice is one code.
    sqlx::query(
        "INSERT INTO recovery_codes (user_id, digest, created_at) SELECT $1, digest, $3 FROM unnest($2::text[]) AS d(digest) \
         ON CONFLICT (user_id, digest) DO NOTHING",
    )
    .bind(id.as_uuid())
    .bind(digests)
    .bind(at.to_datetime())
    .execute(&mut *tx)
    .await
    .map_err(|e| if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) { account_not_found(id) } else { failed(e) })?;
    tx.commit().await.map_err(failed)
}

pub(crate) async fn use_code(store: &PgStore, id: UserId, digest: &str, at: Timestamp) -> Result<bool, StoreError> {
    // `used_at IS NULL` in the WHERE clause makes the check and the marking
    // one step: of two servers handed the same code, one wins.
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND digest = $2 AND used_at IS NULL")
            .bind(id.as_uuid())
            .bind(digest)
            .bind(at.to_datetime())
            .execute(&store.pool)
            .await
            .map_err(|e| errors::query_failed(&store.location, e))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn unused(store: &PgStore, id: UserId) -> Result<u32, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(id.as_uuid())
        .fetch_one(&store.pool)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    decode::count("recovery_codes (unused)", n)
}
