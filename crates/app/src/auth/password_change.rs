//! Changing a password while signed in, and resetting a forgotten one.
//!
//! Either way every session of the account ends: whoever else held one
//! (perhaps the reason for the change) is signed out. A reset sets only the
//! password; the second factor is still asked for at the next sign-in, so a
//! stolen mailbox alone does not open the account.
//!
//! Reset links are stateless: `USERID.EXPIRES.MAC`, where the MAC (keyed by
//! the server key) covers the account, the expiry and the current password
//! hash. Setting a new password changes the hash, so a link works once; it
//! also stops working after [`RESET_MINUTES`].

use portcullis_store::User;
use portcullis_types::{Email, UserId};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::password::PasswordProblem;
use super::signin::{AuthError, SessionToken, hash_blocking, verify_blocking};
use super::{SignedIn, check_password};
use crate::App;
use crate::mail::OutgoingMail;
use portcullis_store::SessionStage;

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 60;

/// Reset requests per address, and per network address, per throttle window.
const RESET_REQUESTS_PER_WINDOW: u32 = 3;

/// Why a password could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The current password given is wrong.
    #[error("Your current password is not right")]
    WrongCurrent,
    /// The new one fails the policy.
    #[error(transparent)]
    Policy(#[from] PasswordProblem),
    /// The reset link is wrong, used or out of date.
    #[error("This reset link has expired or has already been used. Ask for a new one.")]
    Expired,
    /// Anything else.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<portcullis_store::StoreError> for ChangeError {
    fn from(e: portcullis_store::StoreError) -> Self {
        Self::Auth(e.into())
    }
}

impl App {
    /// Change the signed-in person's password. Every session of theirs ends;
    /// the returned token is a fresh one for the browser that asked.
    pub async fn change_password(
        &self,
        who: &SignedIn,
        current: &str,
        new: &str,
        ip: Option<&str>,
    ) -> Result<SessionToken, ChangeError> {
        if !verify_blocking(current, who.user.password_hash.clone()).await {
            self.audit_user(&who.user, "account.password_change_failed", "wrong current password").await?;
            return Err(ChangeError::WrongCurrent);
        }
        let ended = self.set_new_password(&who.user, new).await?;
        let token = self.start_session(&who.user, SessionStage::Full, ip).await?;
        let detail = format!("by the account holder; {ended} sessions ended");
        self.audit_user(&who.user, "account.password_changed", &detail).await?;
        Ok(token)
    }

    /// Someone says they forgot the password for `email`. Whether or not an
    /// account exists, the answer is the same and takes the same time: the
    /// link, if any, is sent in the background.
    pub async fn request_password_reset(&self, email: &str, ip: Option<&str>) -> Result<(), AuthError> {
        let now = self.clock().now();
        let window = self.throttle_window(now);
        let email = Email::new(email).ok();
        let by_address = format!("reset:{}", email.as_ref().map_or("", Email::as_str).to_lowercase());
        let mut keys = vec![by_address];
        keys.extend(ip.map(|ip| format!("reset-ip:{ip}")));
        for key in &keys {
            if self.store().hit_throttle(key, window).await? > RESET_REQUESTS_PER_WINDOW {
                return Ok(());
            }
        }
        let Some(user) = self.user_for(email.as_ref()).await?.filter(|u| !u.suspended) else { return Ok(()) };
        let link = Zeroizing::new(self.link(&format!("/login/reset?token={}", &*self.reset_token(&user))));
        let app = self.clone();
        let detail = format!("from {}", ip.unwrap_or("?"));
        tokio::spawn(async move {
            if let Err(e) = app.audit_user(&user, "account.reset_requested", &detail).await {
                tracing::warn!(error = %e, "a password reset request could not be audited");
            }
            if let Err(e) = app.mailer().send(&reset_mail(&user, &link)).await {
                tracing::warn!(error = %e, "a password reset email could not be sent");
            }
        });
        Ok(())
    }

    /// The account a reset link is for, if the link still works.
    pub async fn reset_link_account(&self, token: &str) -> Result<User, ChangeError> {
        let (id, expires, mac) = parse_reset_token(token).ok_or(ChangeError::Expired)?;
        if expires <= self.clock().now().unix_seconds() {
            return Err(ChangeError::Expired);
        }
        let user = self.store().user(id).await?.filter(|u| !u.suspended).ok_or(ChangeError::Expired)?;
        let expected = self.reset_mac(&user, expires);
        if bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) { Ok(user) } else { Err(ChangeError::Expired) }
    }

    /// Set a new password through a reset link. The person then signs in
    /// with it and their second factor.
    pub async fn reset_password(&self, token: &str, new: &str) -> Result<(), ChangeError> {
        let user = self.reset_link_account(token).await?;
        let ended = self.set_new_password(&user, new).await?;
        self.audit_user(&user, "account.password_reset", &format!("through an emailed link; {ended} sessions ended"))
            .await?;
        Ok(())
    }

    async fn set_new_password(&self, user: &User, new: &str) -> Result<u64, ChangeError> {
        let local = user.email.as_str().split('@').next().unwrap_or_default();
        check_password(new, local, user.name.as_str())?;
        let hash = hash_blocking(self, new).await?;
        self.store().set_password(user.id, &hash, self.clock().now()).await?;
        self.store().clear_failed_logins(user.id).await?;
        Ok(self.store().delete_user_sessions(user.id).await?)
    }

    fn reset_token(&self, user: &User) -> Zeroizing<String> {
        let expires = self.clock().now().unix_seconds() + RESET_MINUTES * 60;
        Zeroizing::new(format!("{}.{expires}.{}", user.id.as_uuid().simple(), self.reset_mac(user, expires)))
    }

    fn reset_mac(&self, user: &User, expires: i64) -> String {
        let data = format!("{}\n{expires}\n{}", user.id, user.password_hash.0);
        self.server_key().digest("password-reset", data.as_bytes())
    }
}

fn parse_reset_token(token: &str) -> Option<(UserId, i64, &str)> {
    if token.len() > 200 {
        return None;
    }
    let mut parts = token.split('.');
    let id = parts.next()?.parse::<UserId>().ok()?;
    let expires = parts.next()?.parse::<i64>().ok()?;
    let mac = parts.next()?;
    parts.next().is_none().then_some((id, expires, mac))
}

fn reset_mail(user: &User, link: &str) -> OutgoingMail {
    let body = format!(
        "Hello {name},\n\nSomeone asked to reset the password of your Portcullis account. If it was you, open this \
         link and choose a new password:\n\n{link}\n\nThe link works once, for {RESET_MINUTES} minutes. You will \
         still need your authenticator app or passkey to sign in.\n\nIf it was not you, you can ignore this email: \
         your password has not changed. Tell your office manager if it keeps happening.\n",
        name = user.name,
    );
    OutgoingMail {
        to: user.email.clone(),
        to_name: user.name.to_string(),
        subject: "Reset your Portcullis password".into(),
        body: Zeroizing::new(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_tokens_parse_only_in_their_own_shape() {
        let id = "0f8fad5bd9cb469fa16570867728950e";
        assert!(parse_reset_token(&format!("{id}.1700000000.abcd")).is_some());
        assert!(parse_reset_token(&format!("{id}.1700000000")).is_none());
        assert!(parse_reset_token(&format!("{id}.soon.abcd")).is_none());
        assert!(parse_reset_token(&format!("{id}.1.a.b")).is_none());
        assert!(parse_reset_token(&"a".repeat(500)).is_none());
    }
}
