//! Enrolling a second factor: an authenticator app (TOTP) plus ten
//! single-use recovery codes, shown once.
//!
//! The seed offered on the enrolment page is not stored until the person
//! proves their app has it by entering a code. Meanwhile it travels in the
//! form, sealed to this session, so a half-finished enrolment leaves nothing
//! behind and the form cannot be replayed from another session.

use portcullis_store::SessionStage;
use zeroize::Zeroizing;

use super::seal;
use super::session::SignedIn;
use super::signin::{AuthError, SessionToken};
use super::tokens::{new_recovery_codes, recovery_digest};
use super::totp::TotpSecret;
use crate::App;

/// What the enrolment page shows.
#[derive(Debug)]
pub struct EnrolmentStart {
    /// The seed in base32 groups, for typing into an app by hand.
    pub secret_text: Zeroizing<String>,
    /// The `otpauth://` URI for the QR code.
    pub uri: Zeroizing<String>,
    /// The sealed seed for the form's hidden field.
    pub pending: String,
}

/// Recovery codes to show once; never stored in the clear.
pub struct RecoveryCodes(pub Vec<Zeroizing<String>>);

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes({} codes)", self.0.len())
    }
}

impl App {
    /// Offer a fresh seed to a session that must enrol.
    pub fn begin_totp_enrolment(&self, who: &SignedIn) -> Result<EnrolmentStart, AuthError> {
        if who.session.stage != SessionStage::MustEnrol {
            return Err(AuthError::Expired);
        }
        let secret = TotpSecret::generate(self.random());
        let pending =
            seal::seal(self.server_key(), "totp-pending", &who.session.id_hash, secret.as_bytes(), self.random())?;
        Ok(EnrolmentStart {
            secret_text: secret.base32_grouped(),
            uri: secret.provisioning_uri(who.user.email.as_str()),
            pending,
        })
    }

    /// Show the same seed again after a wrong code, so the entry the person
    /// already added to their app keeps working. Only the session that was
    /// offered the seed can reopen it.
    pub fn resume_totp_enrolment(&self, who: &SignedIn, pending: &str) -> Result<EnrolmentStart, AuthError> {
        if who.session.stage != SessionStage::MustEnrol {
            return Err(AuthError::Expired);
        }
        let seed = seal::open(self.server_key(), "totp-pending", &who.session.id_hash, pending)?;
        let secret = TotpSecret::from_bytes(seed);
        Ok(EnrolmentStart {
            secret_text: secret.base32_grouped(),
            uri: secret.provisioning_uri(who.user.email.as_str()),
            pending: pending.to_owned(),
        })
    }

    /// Check the first code from the app, store the seed, issue recovery
    /// codes and a full session.
    pub async fn finish_totp_enrolment(
        &self,
        who: &SignedIn,
        pending: &str,
        code: &str,
    ) -> Result<(SessionToken, RecoveryCodes), AuthError> {
        if who.session.stage != SessionStage::MustEnrol {
            return Err(AuthError::Expired);
        }
        let seed = seal::open(self.server_key(), "totp-pending", &who.session.id_hash, pending)?;
        let secret = TotpSecret::from_bytes(seed);
        let now = self.clock().now();
        let step = secret.matching_step(code, now).ok_or(AuthError::BadCode)?;
        let user_id = who.user.id.to_string();
        let sealed = seal::seal(self.server_key(), "totp", &user_id, secret.as_bytes(), self.random())?;
        self.store().set_totp(who.user.id, Some(&portcullis_store::Opaque(sealed)), now).await?;
        self.store().accept_totp_step(who.user.id, step).await?;
        let codes = self.replace_recovery_codes(who).await?;
        self.audit_user(&who.user, "auth.second_factor_enrolled", "authenticator app").await?;
        let token = self
            .finish_sign_in(&who.user, &who.session.id_hash, who.session.ip.as_deref(), "new authenticator app")
            .await?;
        Ok((token, codes))
    }

    /// How many of the person's recovery codes are unused.
    pub async fn recovery_codes_left(&self, who: &SignedIn) -> Result<u32, AuthError> {
        Ok(self.store().unused_recovery_codes(who.user.id).await?)
    }

    /// Issue ten new recovery codes, invalidating the old ones.
    pub async fn replace_recovery_codes(&self, who: &SignedIn) -> Result<RecoveryCodes, AuthError> {
        let codes = new_recovery_codes(self.random());
        let digests: Vec<String> = codes.iter().map(|c| recovery_digest(self.server_key(), c)).collect();
        self.store().replace_recovery_codes(who.user.id, &digests, self.clock().now()).await?;
        self.audit_user(&who.user, "auth.recovery_codes_issued", "10 new codes; old ones no longer work").await?;
        Ok(RecoveryCodes(codes))
    }
}
