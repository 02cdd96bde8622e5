//! Accounts, sessions and the records that protect sign-in.
//!
//! Identity is the one place where a lookup is not scoped by office: a person
//! signs in with an email address before anyone knows their office. Every
//! account carries the office it belongs to (`None` only for the central
//! operator, who belongs to no office), and the policy in `app` scopes
//! everything that follows sign-in.
//!
//! Secrets never reach this layer in the clear: passwords arrive as Argon2id
//! PHC strings, TOTP secrets sealed (encrypted) by `app`, session, recovery
//! and invitation tokens as SHA-256/HMAC digests.

use std::fmt;

use async_trait::async_trait;
use portcullis_types::{Email, OfficeId, PersonName, Role, Timestamp, UserId};
use serde::Serialize;

use crate::StoreError;

/// A value that must never be printed, even in debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Opaque(pub String);

impl fmt::Debug for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Opaque(…)")
    }
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Identifier.
    pub id: UserId,
    /// The office; `None` only for a central operator.
    pub office_id: Option<OfficeId>,
    /// Sign-in address, unique across the store.
    pub email: Email,
    /// Display name.
    pub name: PersonName,
    /// Role in the office (or `Operator`).
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: Opaque,
    /// When created (also the first password change).
    pub created_at: Timestamp,
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Identifier.
    pub id: UserId,
    /// The office; `None` only for a central operator.
    pub office_id: Option<OfficeId>,
    /// Sign-in address.
    pub email: Email,
    /// Display name.
    pub name: PersonName,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: Opaque,
    /// When the password was last set.
    pub password_changed_at: Timestamp,
    /// The TOTP secret, sealed by `app`; `None` until enrolled.
    pub totp_sealed: Option<Opaque>,
    /// The last TOTP time step accepted (a code is never accepted twice).
    pub totp_last_step: Option<i64>,
    /// When a second factor was first enrolled; `None` means the account
    /// cannot be used until it enrols one.
    pub second_factor_at: Option<Timestamp>,
    /// Consecutive failed sign-ins.
    pub failed_logins: u32,
    /// Locked against sign-in until then.
    pub locked_until: Option<Timestamp>,
    /// Suspended by a manager or operator.
    pub suspended: bool,
    /// When created.
    pub created_at: Timestamp,
}

/// What a session is allowed to do so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    /// Password accepted; the second factor is still to come.
    NeedsSecondFactor,
    /// Password accepted; the account has no second factor and must enrol one.
    MustEnrol,
    /// Fully signed in.
    Full,
}

impl SessionStage {
    /// Stable storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NeedsSecondFactor => "needs_second_factor",
            Self::MustEnrol => "must_enrol",
            Self::Full => "full",
        }
    }

    /// Parse the storage name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::NeedsSecondFactor, Self::MustEnrol, Self::Full].into_iter().find(|v| v.as_str() == s)
    }
}

/// A session to create. The cookie holds a random token; the store keeps
/// only its digest, so a stolen database holds no usable session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Digest of the cookie token (hex).
    pub id_hash: String,
    /// Whose.
    pub user_id: UserId,
    /// How far sign-in has got.
    pub stage: SessionStage,
    /// Per-session CSRF secret.
    pub csrf_secret: Opaque,
    /// Created.
    pub created_at: Timestamp,
    /// Hard end, whatever the activity.
    pub expires_at: Timestamp,
    /// Client address as seen by the server (for the audit log).
    pub ip: Option<String>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Digest of the cookie token.
    pub id_hash: String,
    /// Whose.
    pub user_id: UserId,
    /// How far sign-in has got.
    pub stage: SessionStage,
    /// Per-session CSRF secret.
    pub csrf_secret: Opaque,
    /// Created.
    pub created_at: Timestamp,
    /// Last request seen (for the idle timeout).
    pub last_seen_at: Timestamp,
    /// Hard end.
    pub expires_at: Timestamp,
    /// Client address at creation.
    pub ip: Option<String>,
}

/// An invitation to join an office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Digest of the link's token.
    pub token_hash: String,
    /// The office.
    pub office_id: OfficeId,
    /// Who is invited.
    pub email: Email,
    /// Their name as the manager typed it.
    pub name: PersonName,
    /// The role they will have.
    pub role: Role,
    /// Who invited them (audit name).
    pub invited_by: String,
    /// Created.
    pub created_at: Timestamp,
    /// No use after this.
    pub expires_at: Timestamp,
    /// When it was used, if it was.
    pub used_at: Option<Timestamp>,
}

/// A WebAuthn passkey registered to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    /// Credential id (base64url), unique.
    pub credential_id: String,
    /// Whose.
    pub user_id: UserId,
    /// Name the person gave it ("work laptop").
    pub name: String,
    /// The serialised credential (public key and counter), JSON.
    pub data: String,
    /// Registered.
    pub created_at: Timestamp,
    /// Last used to sign in.
    pub last_used_at: Option<Timestamp>,
}

/// Storage of accounts and sign-in state. Part of every [`crate::Store`].
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Create an account; [`StoreError::Conflict`] if the email or id is taken,
    /// [`StoreError::NotFound`] if the office does not exist.
    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError>;
    /// One account by id.
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// One account by sign-in address (exact, as normalised by [`Email`]).
    async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;
    /// The accounts of an office, by name.
    async fn list_users(&self, office: OfficeId) -> Result<Vec<User>, StoreError>;
    /// How many accounts exist at all (first-run detection).
    async fn count_users(&self) -> Result<u64, StoreError>;
    /// Replace the password hash.
    async fn set_password(&self, id: UserId, hash: &Opaque, at: Timestamp) -> Result<(), StoreError>;
    /// Set (or clear) the sealed TOTP secret. Setting sets `second_factor_at`
    /// to `at` if it was empty and keeps the last accepted step (old codes stay
    /// refused); clearing also forgets the last step and sets
    /// `second_factor_at` to NULL unless a passkey exists.
    async fn set_totp(&self, id: UserId, sealed: Option<&Opaque>, at: Timestamp) -> Result<(), StoreError>;
    /// Accept TOTP time step `step` only if it is later than every step
    /// accepted before, atomically; `false` means a replay.
    async fn accept_totp_step(&self, id: UserId, step: i64) -> Result<bool, StoreError>;
    /// Add one failed sign-in and return the new count.
    async fn add_failed_login(&self, id: UserId) -> Result<u32, StoreError>;
    /// Lock sign-in until `until` (or unlock with `None`).
    async fn set_locked_until(&self, id: UserId, until: Option<Timestamp>) -> Result<(), StoreError>;
    /// Forget failed sign-ins and any lock.
    async fn clear_failed_logins(&self, id: UserId) -> Result<(), StoreError>;
    /// Change the role.
    async fn set_role(&self, id: UserId, role: Role) -> Result<(), StoreError>;
    /// Suspend or restore.
    async fn set_suspended(&self, id: UserId, suspended: bool) -> Result<(), StoreError>;

    /// Replace every recovery code of an account with these digests.
    async fn replace_recovery_codes(&self, id: UserId, digests: &[String], at: Timestamp) -> Result<(), StoreError>;
    /// Mark the code with this digest used, atomically; `false` if there is
    /// no such unused code.
    async fn use_recovery_code(&self, id: UserId, digest: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// How many unused recovery codes remain.
    async fn unused_recovery_codes(&self, id: UserId) -> Result<u32, StoreError>;

    /// Create a session.
    async fn create_session(&self, session: &NewSession) -> Result<Session, StoreError>;
    /// A session by token digest.
    async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError>;
    /// Record activity.
    async fn touch_session(&self, id_hash: &str, at: Timestamp) -> Result<(), StoreError>;
    /// End one session.
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;
    /// End every session of an account; returns how many.
    async fn delete_user_sessions(&self, id: UserId) -> Result<u64, StoreError>;
    /// Remove sessions past their hard end or idle since before `idle_before`.
    async fn delete_stale_sessions(&self, now: Timestamp, idle_before: Timestamp) -> Result<u64, StoreError>;

    /// Count one event against `key` in the window starting at `window_start`
    /// (a new window resets the count) and return the count, atomically.
    async fn hit_throttle(&self, key: &str, window_start: Timestamp) -> Result<u32, StoreError>;
    /// Forget `key`.
    async fn clear_throttle(&self, key: &str) -> Result<(), StoreError>;

    /// Store an invitation.
    async fn create_invitation(&self, invitation: &Invitation) -> Result<(), StoreError>;
    /// An invitation by token digest.
    async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError>;
    /// Mark an invitation used, atomically; `false` if already used.
    async fn consume_invitation(&self, token_hash: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// The invitations of an office, newest first.
    async fn list_invitations(&self, office: OfficeId) -> Result<Vec<Invitation>, StoreError>;

    /// Register a passkey; [`StoreError::Conflict`] if the credential exists.
    async fn add_passkey(&self, passkey: &Passkey) -> Result<(), StoreError>;
    /// The passkeys of an account.
    async fn passkeys(&self, id: UserId) -> Result<Vec<Passkey>, StoreError>;
    /// Save the credential after use (its signature counter moves).
    async fn update_passkey(&self, credential_id: &str, data: &str, used_at: Timestamp) -> Result<(), StoreError>;
    /// Remove one of an account's passkeys; `false` if that account has no
    /// such credential. If it was the account's last second factor (no
    /// passkey left and no TOTP), `second_factor_at` becomes NULL in the same
    /// transaction, so the account must enrol again.
    async fn delete_passkey(&self, id: UserId, credential_id: &str) -> Result<bool, StoreError>;
}
