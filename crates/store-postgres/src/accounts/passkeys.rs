//! The `passkeys` table: WebAuthn credentials registered to accounts.

use portcullis_store::{Passkey, StoreError};
use portcullis_types::{Timestamp, UserId};
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use uuid::Uuid;

use super::{account_not_found, one_account};
use crate::{PgStore, decode, errors};

/// `credential_id, user_id, name, data, created_at, last_used_at`.
type PasskeyRow = (String, Uuid, String, String, OffsetDateTime, Option<OffsetDateTime>);

/// Register the passkey and, in the same transaction, record that the
/// account has a second factor (if it had none): the two facts are never
/// seen apart.
///
/// The UPDATE comes first so that it takes the account's row lock before the
/// passkey exists; clearing TOTP takes the same lock before it looks for
/// passkeys (see `sign_in::clear_totp`), so the two cannot interleave.
pub(crate) async fn add(store: &PgStore, passkey: &Passkey) -> Result<(), StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.pool.begin().await.map_err(failed)?;
    let done = sqlx::query("UPDATE users SET second_factor_at = coalesce(second_factor_at, $2) WHERE id = $1")
        .bind(passkey.user_id.as_uuid())
        .bind(passkey.created_at.to_datetime())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    // An early return drops the transaction, which rolls it back.
    one_account(&done, passkey.user_id)?;
    sqlx::query(
        "INSERT INTO passkeys (credential_id, user_id, name, data, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&passkey.credential_id)
    .bind(passkey.user_id.as_uuid())
    .bind(&passkey.name)
    .bind(&passkey.data)
    .bind(passkey.created_at.to_datetime())
    .bind(passkey.last_used_at.map(Timestamp::to_datetime))
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if errors::is_violation(&e, ErrorKind::UniqueViolation) {
            StoreError::Conflict(format!("passkey {}", passkey.credential_id))
        } else if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
            account_not_found(passkey.user_id)
        } else {
            failed(e)
        }
    })?;
    tx.commit().await.map_err(failed)
}

pub(crate) async fn list(store: &PgStore, id: UserId) -> Result<Vec<Passkey>, StoreError> {
    let rows: Vec<PasskeyRow> = sqlx::query_as(
        "SELECT credential_id, user_id, name, data, created_at, last_used_at FROM passkeys \
         WHERE user_id = $1 ORDER BY created_at, credential_id",
    )
    .bind(id.as_uuid())
    .fetch_all(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

/// Save the credential after a sign-in. [`StoreError::NotFound`] if there is
/// no such credential: unlike a session touch, losing this write would lose
/// the signature counter that detects a cloned authenticator, so the caller
/// must hear about it.
pub(crate) async fn update(
    store: &PgStore,
    credential_id: &str,
    data: &str,
    used_at: Timestamp,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE passkeys SET data = $2, last_used_at = $3 WHERE credential_id = $1")
        .bind(credential_id)
        .bind(data)
        .bind(used_at.to_datetime())
        .execute(&store.pool)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("passkey {credential_id}")));
    }
    Ok(())
}

/// Remove the credential if it belongs to the account, and clear the
/// account's second factor if nothing is left, in one transaction.
pub(crate) async fn delete(store: &PgStore, id: UserId, credential_id: &str) -> Result<bool, StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.pool.begin().await.map_err(failed)?;
    // Lock the account row first, as `add` and `clear_totp` do, so a passkey
    // or TOTP secret added meanwhile is seen by the check below.
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2")
        .bind(id.as_uuid())
        .bind(credential_id)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE users SET second_factor_at = NULL WHERE id = $1 AND totp_sealed IS NULL \
         AND NOT EXISTS (SELECT 1 FROM passkeys WHERE passkeys.user_id = users.id)",
    )
    .bind(id.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    Ok(true)
}

fn from_row((credential_id, user_id, name, data, created_at, last_used_at): PasskeyRow) -> Result<Passkey, StoreError> {
    Ok(Passkey {
        credential_id,
        user_id: UserId::from_uuid(user_id),
        name,
        data,
        created_at: decode::timestamp("passkeys.created_at", created_at)?,
        last_used_at: decode::maybe_timestamp("passkeys.last_used_at", last_used_at)?,
    })
}
