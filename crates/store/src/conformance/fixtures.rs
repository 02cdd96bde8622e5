//! Rows for the account stories: each call moves the world's clock on a
//! second, so rows made one after another are ordered in time.

use portcullis_types::{Clock, Email, OfficeId, PersonName, Random, Role, Timestamp, UserId};

use super::{World, unreachable_text};
use crate::{Invitation, NewSession, NewUser, Opaque, Passkey, SessionStage, Store, User};

impl World {
    /// Sixty-four hex digits, the shape of the digests the stores keep.
    pub(super) fn digest(&self) -> String {
        self.random.bytes32().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(super) fn new_user(&self, office: Option<OfficeId>, name: &str, email: &str) -> NewUser {
        self.clock.advance_secs(1);
        NewUser {
            id: UserId::generate(&self.random),
            office_id: office,
            email: email_of(email),
            name: PersonName::new(name).unwrap_or_else(|e| unreachable_text(&e)),
            role: if office.is_some() { Role::Caseworker } else { Role::Operator },
            password_hash: Opaque(format!("$argon2id$v=19$m=19456,t=2,p=1${}", self.digest())),
            created_at: self.clock.now(),
        }
    }

    /// A session for `user` that lasts `hours`.
    pub(super) fn session(&self, user: UserId, hours: i64) -> NewSession {
        self.clock.advance_secs(1);
        let now = self.clock.now();
        NewSession {
            id_hash: self.digest(),
            user_id: user,
            stage: SessionStage::Full,
            csrf_secret: Opaque(self.digest()),
            created_at: now,
            expires_at: now.plus_secs(hours * 3600),
            ip: Some("192.0.2.10".to_owned()),
        }
    }

    pub(super) fn invitation(&self, office: OfficeId, email: &str) -> Invitation {
        self.clock.advance_secs(1);
        let now = self.clock.now();
        Invitation {
            token_hash: self.digest(),
            office_id: office,
            email: email_of(email),
            name: PersonName::new("Invited Person").unwrap_or_else(|e| unreachable_text(&e)),
            role: Role::Staff,
            invited_by: "manager@example.org.uk".to_owned(),
            created_at: now,
            expires_at: now.plus_secs(7 * 24 * 3600),
            used_at: None,
        }
    }

    pub(super) fn passkey(&self, user: UserId, name: &str) -> Passkey {
        self.clock.advance_secs(1);
        Passkey {
            credential_id: self.digest(),
            user_id: user,
            name: name.to_owned(),
            data: format!(r#"{{"public_key":"{}","counter":0}}"#, self.digest()),
            created_at: self.clock.now(),
            last_used_at: None,
        }
    }

    /// An office id no store has.
    pub(super) fn missing_office(&self) -> OfficeId {
        OfficeId::generate(&self.random)
    }

    /// The current time, after moving on a second.
    pub(super) fn tick(&self) -> Timestamp {
        self.clock.advance_secs(1);
        self.clock.now()
    }
}

pub(super) fn email_of(raw: &str) -> Email {
    Email::new(raw).unwrap_or_else(|e| unreachable_text(&e))
}

/// Create an account in an office, or fail the story.
pub(super) async fn user_in(store: &dyn Store, w: &World, office: Option<OfficeId>, name: &str, email: &str) -> User {
    match store.create_user(&w.new_user(office, name, email)).await {
        Ok(user) => user,
        Err(e) => panic!("could not create the account {email}: {e}"),
    }
}
