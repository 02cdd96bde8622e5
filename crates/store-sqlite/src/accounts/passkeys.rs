//! The `passkeys` table: WebAuthn credentials registered to accounts.

use portcullis_store::{Passkey, StoreError};
use portcullis_types::{Timestamp, UserId};
use sqlx::error::ErrorKind;

use super::{account_not_found, one_account};
use crate::{SqliteStore, decode, errors};

/// `credential_id, user_id, name, data, created_at, last_used_at`.
type PasskeyRow = (String, String, String, String, i64, Option<i64>);

/// Register the passkey and, in the same transaction, record that the
/// account has a second factor (if it had none): the two facts are never
/// seen apart.
pub(crate) async fn add(store: &SqliteStore, passkey: &Passkey) -> Result<(), StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.writer.begin_with("BEGIN IMMEDIATE").await.map_err(failed)?;
    let done = sqlx::query("UPDATE users SET second_factor_at = coalesce(second_factor_at, ?2) WHERE id = ?1")
        .bind(passkey.user_id.to_string())
        .bind(passkey.created_at.unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    // An early return drops the transaction, which rolls it back.
    one_account(&done, passkey.user_id)?;
    sqlx::query(
        "INSERT INTO passkeys (credential_id, user_id, name, data, created_at, last_used_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&passkey.credential_id)
    .bind(passkey.user_id.to_string())
    .bind(&passkey.name)
    .bind(&passkey.data)
    .bind(passkey.created_at.unix_micros())
    .bind(passkey.last_used_at.map(Timestamp::unix_micros))
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

pub(crate) async fn list(store: &SqliteStore, id: UserId) -> Result<Vec<Passkey>, StoreError> {
    let rows: Vec<PasskeyRow> = sqlx::query_as(
        "SELECT credential_id, user_id, name, data, created_at, last_used_at FROM passkeys \
         WHERE user_id = ?1 ORDER BY created_at, credential_id",
    )
    .bind(id.to_string())
    .fetch_all(&store.reader)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

/// Save the credential after a sign-in. [`StoreError::NotFound`] if there is
/// no such credential: unlike a session touch, losing this write would lose
/// the signature counter that detects a cloned authenticator, so the caller
/// must hear about it.
pub(crate) async fn update(
    store: &SqliteStore,
    credential_id: &str,
    data: &str,
    used_at: Timestamp,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE passkeys SET data = ?2, last_used_at = ?3 WHERE credential_id = ?1")
        .bind(credential_id)
        .bind(data)
        .bind(used_at.unix_micros())
        .execute(&store.writer)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("passkey {credential_id}")));
    }
    Ok(())
}

/// Remove the credential if it belongs to the account, and clear the
/// account's second factor if nothing is left, in one transaction.
pub(crate) async fn delete(store: &SqliteStore, id: UserId, credential_id: &str) -> Result<bool, StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.writer.begin_with("BEGIN IMMEDIATE").await.map_err(failed)?;
    let done = sqlx::query("DELETE FROM passkeys WHERE user_id = ?1 AND credential_id = ?2")
        .bind(id.to_string())
        .bind(credential_id)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE users SET second_factor_at = NULL WHERE id = ?1 AND totp_sealed IS NULL \
         AND NOT EXISTS (SELECT 1 FROM passkeys WHERE passkeys.user_id = users.id)",
    )
    .bind(id.to_string())
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    Ok(true)
}

fn from_row((credential_id, user_id, name, data, created_at, last_used_at): PasskeyRow) -> Result<Passkey, StoreError> {
    Ok(Passkey {
        credential_id,
        user_id: decode::parse("passkeys.user_id", &user_id)?,
        name,
        data,
        created_at: decode::timestamp("passkeys.created_at", created_at)?,
        last_used_at: decode::maybe_timestamp("passkeys.last_used_at", last_used_at)?,
    })
}
