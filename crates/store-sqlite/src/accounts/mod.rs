//! Accounts and the records that protect sign-in: the [`AccountStore`] half
//! of the store. One module per table; this one wires them to the trait.
//!
//! Every check-then-change the trait calls atomic is one statement (or one
//! `BEGIN IMMEDIATE` transaction) on the single writer connection, so it holds
//! against the server's own concurrent requests and against a CLI process
//! writing the same file.

mod invitations;
mod passkeys;
mod recovery;
mod sessions;
mod sign_in;
mod throttle;
mod users;

use async_trait::async_trait;
use portcullis_store::{AccountStore, Invitation, NewSession, NewUser, Opaque, Passkey, Session, StoreError, User};
use portcullis_types::{Email, OfficeId, Role, Timestamp, UserId};
use sqlx::sqlite::SqliteQueryResult;

use crate::SqliteStore;

/// The account an operation names does not exist.
fn account_not_found(id: UserId) -> StoreError {
    StoreError::NotFound(format!("account {id}"))
}

/// An UPDATE aimed at one account matched no row: there is no such account.
fn one_account(result: &SqliteQueryResult, id: UserId) -> Result<(), StoreError> {
    if result.rows_affected() == 0 { Err(account_not_found(id)) } else { Ok(()) }
}

/// The key that makes addresses unique regardless of case: the whole address
/// lower-cased. [`Email`] lower-cases only the domain, but people type their
/// own names with capitals on one form and without on the next.
fn email_key(email: &Email) -> String {
    email.as_str().to_lowercase()
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        users::create(self, user).await
    }

    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        users::get(self, id).await
    }

    async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        users::by_email(self, email).await
    }

    async fn list_users(&self, office: OfficeId) -> Result<Vec<User>, StoreError> {
        users::list(self, office).await
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        users::count(self).await
    }

    async fn set_password(&self, id: UserId, hash: &Opaque, at: Timestamp) -> Result<(), StoreError> {
        users::set_password(self, id, hash, at).await
    }

    async fn set_totp(&self, id: UserId, sealed: Option<&Opaque>, at: Timestamp) -> Result<(), StoreError> {
        sign_in::set_totp(self, id, sealed, at).await
    }

    async fn accept_totp_step(&self, id: UserId, step: i64) -> Result<bool, StoreError> {
        sign_in::accept_totp_step(self, id, step).await
    }

    async fn add_failed_login(&self, id: UserId) -> Result<u32, StoreError> {
        sign_in::add_failed_login(self, id).await
    }

    async fn set_locked_until(&self, id: UserId, until: Option<Timestamp>) -> Result<(), StoreError> {
        sign_in::set_locked_until(self, id, until).await
    }

    async fn clear_failed_logins(&self, id: UserId) -> Result<(), StoreError> {
        sign_in::clear_failed_logins(self, id).await
    }

    async fn set_role(&self, id: UserId, role: Role) -> Result<(), StoreError> {
        users::set_role(self, id, role).await
    }

    async fn set_suspended(&self, id: UserId, suspended: bool) -> Result<(), StoreError> {
        users::set_suspended(self, id, suspended).await
    }

    async fn replace_recovery_codes(&self, id: UserId, digests: &[String], at: Timestamp) -> Result<(), StoreError> {
        recovery::replace(self, id, digests, at).await
    }

    async fn use_recovery_code(&self, id: UserId, digest: &str, at: Timestamp) -> Result<bool, StoreError> {
        recovery::use_code(self, id, digest, at).await
    }

    async fn unused_recovery_codes(&self, id: UserId) -> Result<u32, StoreError> {
        recovery::unused(self, id).await
    }

    async fn create_session(&self, session: &NewSession) -> Result<Session, StoreError> {
        sessions::create(self, session).await
    }

    async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        sessions::get(self, id_hash).await
    }

    async fn touch_session(&self, id_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        sessions::touch(self, id_hash, at).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sessions::delete(self, id_hash).await
    }

    async fn delete_user_sessions(&self, id: UserId) -> Result<u64, StoreError> {
        sessions::delete_for_user(self, id).await
    }

    async fn delete_stale_sessions(&self, now: Timestamp, idle_before: Timestamp) -> Result<u64, StoreError> {
        sessions::delete_stale(self, now, idle_before).await
    }

    async fn hit_throttle(&self, key: &str, window_start: Timestamp) -> Result<u32, StoreError> {
        throttle::hit(self, key, window_start).await
    }

    async fn clear_throttle(&self, key: &str) -> Result<(), StoreError> {
        throttle::clear(self, key).await
    }

    async fn create_invitation(&self, invitation: &Invitation) -> Result<(), StoreError> {
        invitations::create(self, invitation).await
    }

    async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
        invitations::get(self, token_hash).await
    }

    async fn consume_invitation(&self, token_hash: &str, at: Timestamp) -> Result<bool, StoreError> {
        invitations::consume(self, token_hash, at).await
    }

    async fn list_invitations(&self, office: OfficeId) -> Result<Vec<Invitation>, StoreError> {
        invitations::list(self, office).await
    }

    async fn add_passkey(&self, passkey: &Passkey) -> Result<(), StoreError> {
        passkeys::add(self, passkey).await
    }

    async fn passkeys(&self, id: UserId) -> Result<Vec<Passkey>, StoreError> {
        passkeys::list(self, id).await
    }

    async fn update_passkey(&self, credential_id: &str, data: &str, used_at: Timestamp) -> Result<(), StoreError> {
        passkeys::update(self, credential_id, data, used_at).await
    }

    async fn delete_passkey(&self, id: UserId, credential_id: &str) -> Result<bool, StoreError> {
        passkeys::delete(self, id, credential_id).await
    }
}
