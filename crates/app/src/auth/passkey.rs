//! Passkeys (WebAuthn, checked by webauthn-rs) as a second factor, beside
//! the authenticator app.
//!
//! Each ceremony has two halves: the page carries the challenge to the
//! browser, the browser's answer comes back in a form. Between them,
//! webauthn-rs's ceremony state travels in that form, sealed to the session
//! that began it and stamped with an expiry, as the TOTP seed does during
//! enrolment: nothing is stored for a ceremony that is never finished, and
//! one session cannot finish another's.
//!
//! Passkeys need a host name (the relying party id); a server reached by a
//! bare IP address offers the authenticator app only.

use portcullis_store::{Passkey as StoredPasskey, SessionStage, User};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url,
    Webauthn, WebauthnBuilder,
};

use super::enrol::RecoveryCodes;
use super::seal;
use super::session::SignedIn;
use super::signin::{AuthError, SessionToken};
use crate::App;

/// How long the browser has to answer a challenge.
const CEREMONY_SECS: i64 = 300;
/// The largest answer worth parsing; real ones are a few kilobytes.
const MAX_CREDENTIAL_BYTES: usize = 16 * 1024;
/// The longest name a person can give a passkey.
const MAX_NAME_CHARS: usize = 60;

/// A challenge for the page: options for the browser, state for the form.
#[derive(Debug, Clone)]
pub struct PasskeyChallenge {
    /// JSON for `navigator.credentials.create/get` (binary fields base64url).
    pub options_json: String,
    /// The sealed ceremony state, for a hidden form field.
    pub state: String,
}

/// What is sealed into the form between the two halves.
#[derive(Serialize, Deserialize)]
struct Sealed<T> {
    expires: i64,
    state: T,
}

impl App {
    /// The WebAuthn relying party for this server, if its public address
    /// has a host name.
    fn webauthn(&self) -> Option<Webauthn> {
        let origin = Url::parse(self.public_origin()).ok()?;
        let rp_id = origin.domain()?.to_owned();
        WebauthnBuilder::new(&rp_id, &origin).ok()?.rp_name("Portcullis").build().ok()
    }

    /// Whether this server can offer passkeys at all.
    pub fn passkeys_available(&self) -> bool {
        self.webauthn().is_some()
    }

    /// The passkeys registered to the signed-in person.
    pub async fn my_passkeys(&self, who: &SignedIn) -> Result<Vec<StoredPasskey>, AuthError> {
        Ok(self.store().passkeys(who.user.id).await?)
    }

    /// Start registering a passkey: while enrolling, or from a full session.
    pub async fn begin_passkey_registration(&self, who: &SignedIn) -> Result<Option<PasskeyChallenge>, AuthError> {
        if who.session.stage == SessionStage::NeedsSecondFactor {
            return Err(AuthError::Expired);
        }
        let Some(webauthn) = self.webauthn() else { return Ok(None) };
        let existing = self.parsed_passkeys(&who.user).await?;
        let exclude: Vec<_> = existing.iter().map(|(_, p)| p.cred_id().clone()).collect();
        let user = &who.user;
        let (options, state) = webauthn
            .start_passkey_registration(user.id.as_uuid(), user.email.as_str(), user.name.as_str(), Some(exclude))
            .map_err(|e| AuthError::Internal(format!("passkey registration could not start: {e}")))?;
        self.challenge(who, "passkey-registration", &options, state).map(Some)
    }

    /// Finish registering during enrolment: the passkey becomes the
    /// account's second factor, recovery codes are issued, and the
    /// enrolling session is swapped for a full one.
    pub async fn finish_passkey_enrolment(
        &self,
        who: &SignedIn,
        state: &str,
        credential: &str,
        name: &str,
    ) -> Result<(SessionToken, RecoveryCodes), AuthError> {
        if who.session.stage != SessionStage::MustEnrol {
            return Err(AuthError::Expired);
        }
        self.register(who, state, credential, name).await?;
        let codes = self.replace_recovery_codes(who).await?;
        self.audit_user(&who.user, "auth.second_factor_enrolled", "passkey").await?;
        let token =
            self.finish_sign_in(&who.user, &who.session.id_hash, who.session.ip.as_deref(), "new passkey").await?;
        Ok((token, codes))
    }

    /// Add another passkey from a full session (the account page).
    pub async fn add_passkey(
        &self,
        who: &SignedIn,
        state: &str,
        credential: &str,
        name: &str,
    ) -> Result<(), AuthError> {
        if !who.is_full() {
            return Err(AuthError::Expired);
        }
        self.register(who, state, credential, name).await
    }

    /// Remove one of the signed-in person's own passkeys. The last second
    /// factor cannot be removed (the account would otherwise sign in with a
    /// password alone and be asked to enrol afresh). `false` if the account
    /// has no such passkey.
    pub async fn remove_passkey(&self, who: &SignedIn, credential_id: &str) -> Result<bool, AuthError> {
        if !who.is_full() {
            return Err(AuthError::Expired);
        }
        let keys = self.store().passkeys(who.user.id).await?;
        let Some(key) = keys.iter().find(|k| k.credential_id == credential_id) else { return Ok(false) };
        if who.user.totp_sealed.is_none() && keys.len() < 2 {
            return Err(AuthError::LastSecondFactor);
        }
        let removed = self.store().delete_passkey(who.user.id, credential_id).await?;
        if removed {
            self.audit_user(&who.user, "auth.passkey_removed", &key.name).await?;
        }
        Ok(removed)
    }

    /// The passkey challenge for the second sign-in step, if the account has
    /// passkeys and the server can use them.
    pub async fn begin_passkey_sign_in(&self, who: &SignedIn) -> Result<Option<PasskeyChallenge>, AuthError> {
        if who.session.stage != SessionStage::NeedsSecondFactor {
            return Err(AuthError::Expired);
        }
        let Some(webauthn) = self.webauthn() else { return Ok(None) };
        let keys: Vec<Passkey> = self.parsed_passkeys(&who.user).await?.into_iter().map(|(_, p)| p).collect();
        if keys.is_empty() {
            return Ok(None);
        }
        let (options, state) = webauthn
            .start_passkey_authentication(&keys)
            .map_err(|e| AuthError::Internal(format!("passkey sign-in could not start: {e}")))?;
        self.challenge(who, "passkey-authentication", &options, state).map(Some)
    }

    /// Step two with a passkey. A refused passkey counts towards the lock,
    /// like a wrong code.
    pub async fn sign_in_passkey(
        &self,
        partial: &str,
        state: &str,
        credential: &str,
    ) -> Result<SessionToken, AuthError> {
        let (user, session) = self.partial_session(partial).await?;
        let webauthn = self.webauthn().ok_or(AuthError::PasskeyRefused)?;
        let checked = self
            .open_state::<PasskeyAuthentication>("passkey-authentication", &session.id_hash, state)
            .and_then(|auth| Ok((auth, parse_credential::<PublicKeyCredential>(credential)?)))
            .and_then(|(auth, answer)| {
                webauthn.finish_passkey_authentication(&answer, &auth).map_err(|_| AuthError::PasskeyRefused)
            });
        let result = match checked {
            Ok(result) => result,
            Err(AuthError::PasskeyRefused) => {
                return Err(match self.code_failed(&user, "passkey not accepted").await? {
                    AuthError::BadCode => AuthError::PasskeyRefused,
                    other => other,
                });
            }
            Err(other) => return Err(other),
        };
        for (stored, mut key) in self.parsed_passkeys(&user).await? {
            if key.update_credential(&result).is_some() {
                let data = serde_json::to_string(&key).map_err(|e| AuthError::Internal(e.to_string()))?;
                self.store().update_passkey(&stored.credential_id, &data, self.clock().now()).await?;
            }
        }
        self.finish_sign_in(&user, &session.id_hash, session.ip.as_deref(), "passkey").await
    }

    async fn register(&self, who: &SignedIn, state: &str, credential: &str, name: &str) -> Result<(), AuthError> {
        let webauthn = self.webauthn().ok_or(AuthError::PasskeyRefused)?;
        let registration =
            self.open_state::<PasskeyRegistration>("passkey-registration", &who.session.id_hash, state)?;
        let answer = parse_credential::<RegisterPublicKeyCredential>(credential)?;
        let key =
            webauthn.finish_passkey_registration(&answer, &registration).map_err(|_| AuthError::PasskeyRefused)?;
        let name = clean_name(name);
        let stored = StoredPasskey {
            credential_id: data_encoding::BASE64URL_NOPAD.encode(key.cred_id().as_ref()),
            user_id: who.user.id,
            name: name.clone(),
            data: serde_json::to_string(&key).map_err(|e| AuthError::Internal(e.to_string()))?,
            created_at: self.clock().now(),
            last_used_at: None,
        };
        self.store().add_passkey(&stored).await.map_err(|e| match e {
            portcullis_store::StoreError::Conflict(_) => AuthError::PasskeyRefused,
            other => other.into(),
        })?;
        self.audit_user(&who.user, "auth.passkey_added", &name).await?;
        Ok(())
    }

    fn challenge<O: Serialize, S: Serialize>(
        &self,
        who: &SignedIn,
        purpose: &str,
        options: &O,
        state: S,
    ) -> Result<PasskeyChallenge, AuthError> {
        let sealed = Sealed { expires: self.clock().now().unix_seconds() + CEREMONY_SECS, state };
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(&sealed).map_err(|e| AuthError::Internal(e.to_string()))?);
        let state = seal::seal(self.server_key(), purpose, &who.session.id_hash, &plain, self.random())?;
        let options_json = serde_json::to_string(options).map_err(|e| AuthError::Internal(e.to_string()))?;
        Ok(PasskeyChallenge { options_json, state })
    }

    fn open_state<S: for<'de> Deserialize<'de>>(
        &self,
        purpose: &str,
        owner: &str,
        sealed: &str,
    ) -> Result<S, AuthError> {
        let plain = seal::open(self.server_key(), purpose, owner, sealed).map_err(|_| AuthError::PasskeyRefused)?;
        let opened: Sealed<S> = serde_json::from_slice(&plain).map_err(|_| AuthError::PasskeyRefused)?;
        if opened.expires <= self.clock().now().unix_seconds() {
            return Err(AuthError::PasskeyTooSlow);
        }
        Ok(opened.state)
    }

    /// The account's passkeys with their webauthn-rs form (rows that no
    /// longer parse are skipped, not fatal).
    async fn parsed_passkeys(&self, user: &User) -> Result<Vec<(StoredPasskey, Passkey)>, AuthError> {
        let rows = self.store().passkeys(user.id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| serde_json::from_str::<Passkey>(&row.data).ok().map(|key| (row, key)))
            .collect())
    }
}

fn parse_credential<T: for<'de> Deserialize<'de>>(credential: &str) -> Result<T, AuthError> {
    if credential.is_empty() || credential.len() > MAX_CREDENTIAL_BYTES {
        return Err(AuthError::PasskeyRefused);
    }
    serde_json::from_str(credential).map_err(|_| AuthError::PasskeyRefused)
}

fn clean_name(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    let name = name.trim();
    if name.is_empty() { "Passkey".to_owned() } else { name.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkey_names_are_tidied() {
        assert_eq!(clean_name("  Work laptop \n"), "Work laptop");
        assert_eq!(clean_name(""), "Passkey");
        assert_eq!(clean_name(&"x".repeat(500)).len(), MAX_NAME_CHARS);
    }

    #[test]
    fn answers_that_are_too_big_or_not_json_are_refused_before_parsing() {
        assert!(matches!(parse_credential::<PublicKeyCredential>(""), Err(AuthError::PasskeyRefused)));
        assert!(matches!(parse_credential::<PublicKeyCredential>("{"), Err(AuthError::PasskeyRefused)));
        let huge = format!("\"{}\"", "a".repeat(MAX_CREDENTIAL_BYTES));
        assert!(matches!(parse_credential::<PublicKeyCredential>(&huge), Err(AuthError::PasskeyRefused)));
    }
}
