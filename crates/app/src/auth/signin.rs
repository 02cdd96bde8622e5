//! Password first, then a second factor; each step with its throttle.
//!
//! No response tells an attacker whether an account exists: an unknown email
//! costs the same Argon2 verification as a known one, earns the same message,
//! and is throttled the same way.

use portcullis_store::{NewSession, Opaque, SessionStage, StoreError, User};
use portcullis_types::{Email, Timestamp};
use zeroize::Zeroizing;

use super::password::{self, PasswordProblem};
use super::seal::{self, SealError};
use super::tokens::{new_token, recovery_digest, token_digest};
use super::totp::TotpSecret;
use crate::{Actor, App};

/// The value of the session cookie. Never printed.
pub struct SessionToken(pub(crate) Zeroizing<String>);

impl SessionToken {
    /// The cookie value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// What a correct password leads to.
#[derive(Debug)]
pub enum PasswordOutcome {
    /// Present a second factor next.
    SecondFactor(SessionToken),
    /// The account has no second factor yet and must enrol one first.
    MustEnrol(SessionToken),
}

/// Why signing in did not go ahead, in words for the person signing in.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong email or password (deliberately not saying which).
    #[error("The email address or password is not right")]
    BadCredentials,
    /// Too many attempts for this address or from this network.
    #[error("Too many sign-in attempts. Wait {minutes} minutes and try again, or ask your office manager to help.")]
    Throttled {
        /// Minutes until the window ends.
        minutes: i64,
    },
    /// Suspended by a manager or operator.
    #[error("This account is suspended. Ask your office manager.")]
    Suspended,
    /// Wrong second-factor code.
    #[error("That code is not right. Check the code in your authenticator app and try again.")]
    BadCode,
    /// A wrong or already-used recovery code.
    #[error("That recovery code is not right, or it has been used already. Each code works once.")]
    BadRecoveryCode,
    /// The passkey's answer was not accepted (wrong key, altered, or from
    /// another sign-in).
    #[error("Your passkey was not accepted. Try again, or use the code from your authenticator app.")]
    PasskeyRefused,
    /// The passkey answered after the challenge ran out.
    #[error("That took too long. Try your passkey again.")]
    PasskeyTooSlow,
    /// Removing this would leave the account with no second factor.
    #[error("This is your only way to confirm it is you. Add another passkey or an authenticator app first.")]
    LastSecondFactor,
    /// A code already used once.
    #[error("That code has already been used. Wait for your app to show a new code, then enter it.")]
    ReplayedCode,
    /// Too many wrong codes.
    #[error(
        "Too many wrong codes: this account is locked for {minutes} minutes. If this was not you, tell your office manager."
    )]
    Locked {
        /// Minutes until unlocked.
        minutes: i64,
    },
    /// The sign-in or session has ended.
    #[error("Your sign-in has expired. Sign in again.")]
    Expired,
    /// A new password that fails the policy.
    #[error(transparent)]
    Password(#[from] PasswordProblem),
    /// A stored secret could not be opened.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something that should not happen (hashing failed).
    #[error("sign-in failed unexpectedly: {0}")]
    Internal(String),
}

impl App {
    /// Step one: check the email and password.
    pub async fn sign_in_password(
        &self,
        email: &str,
        password: &str,
        ip: Option<&str>,
    ) -> Result<PasswordOutcome, AuthError> {
        let now = self.clock().now();
        let window = self.throttle_window(now);
        if let Some(ip) = ip {
            let n = self.store().hit_throttle(&format!("ip:{ip}"), window).await?;
            if n > self.auth_settings().max_attempts_per_ip {
                return Err(self.throttled(now, window));
            }
        }
        let email = Email::new(email).ok();
        let key = format!("signin:{}", email.as_ref().map_or("", Email::as_str).to_lowercase());
        let n = self.store().hit_throttle(&key, window).await?;
        if n > self.auth_settings().max_password_failures {
            if let Some(user) = self.user_for(email.as_ref()).await? {
                self.audit_user(&user, "auth.sign_in_throttled", ip.unwrap_or("")).await?;
            }
            return Err(self.throttled(now, window));
        }
        let user = self.user_for(email.as_ref()).await?;
        let stored = user.as_ref().map_or_else(|| password::decoy_hash().clone(), |u| u.password_hash.clone());
        if !verify_blocking(password, stored).await {
            if let Some(user) = &user {
                self.audit_user(user, "auth.sign_in_failed", &format!("wrong password from {}", ip.unwrap_or("?")))
                    .await?;
            }
            return Err(AuthError::BadCredentials);
        }
        let Some(user) = user else { return Err(AuthError::BadCredentials) };
        self.store().clear_throttle(&key).await?;
        if user.suspended {
            self.audit_user(&user, "auth.sign_in_refused", "account suspended").await?;
            return Err(AuthError::Suspended);
        }
        if user.second_factor_at.is_some() {
            let token = self.start_session(&user, SessionStage::NeedsSecondFactor, ip).await?;
            Ok(PasswordOutcome::SecondFactor(token))
        } else {
            let token = self.start_session(&user, SessionStage::MustEnrol, ip).await?;
            Ok(PasswordOutcome::MustEnrol(token))
        }
    }

    /// Step two with an authenticator code. Returns the full session's token;
    /// the half-signed-in session is ended (its token is never upgraded, so
    /// a token planted before sign-in is worthless after it).
    pub async fn sign_in_totp(&self, partial: &str, code: &str) -> Result<SessionToken, AuthError> {
        let (user, session) = self.partial_session(partial).await?;
        let sealed = user.totp_sealed.as_ref().ok_or(AuthError::BadCode)?;
        let secret = TotpSecret::from_bytes(seal::open(self.server_key(), "totp", &user.id.to_string(), &sealed.0)?);
        let Some(step) = secret.matching_step(code, self.clock().now()) else {
            return Err(self.code_failed(&user, "wrong authenticator code").await?);
        };
        if !self.store().accept_totp_step(user.id, step).await? {
            self.audit_user(&user, "auth.totp_replayed", "a code was presented twice").await?;
            return Err(AuthError::ReplayedCode);
        }
        self.finish_sign_in(&user, &session.id_hash, session.ip.as_deref(), "authenticator app").await
    }

    /// Step two with a recovery code; each code works once.
    pub async fn sign_in_recovery(&self, partial: &str, code: &str) -> Result<(SessionToken, u32), AuthError> {
        let (user, session) = self.partial_session(partial).await?;
        let digest = recovery_digest(self.server_key(), code);
        if !self.store().use_recovery_code(user.id, &digest, self.clock().now()).await? {
            return Err(match self.code_failed(&user, "wrong recovery code").await? {
                AuthError::BadCode => AuthError::BadRecoveryCode,
                other => other,
            });
        }
        let left = self.store().unused_recovery_codes(user.id).await?;
        let token = self.finish_sign_in(&user, &session.id_hash, session.ip.as_deref(), "recovery code").await?;
        Ok((token, left))
    }

    /// End the session this token names.
    pub async fn sign_out(&self, token: &str) -> Result<(), AuthError> {
        let digest = token_digest(token);
        if let Some(session) = self.store().session(&digest).await? {
            self.store().delete_session(&digest).await?;
            if let Some(user) = self.store().user(session.user_id).await? {
                self.audit_user(&user, "auth.sign_out", "").await?;
            }
        }
        Ok(())
    }

    /// A session for a new account that must enrol a second factor next.
    pub(crate) async fn start_enrolment_session(
        &self,
        user: &User,
        ip: Option<&str>,
    ) -> Result<SessionToken, AuthError> {
        self.start_session(user, SessionStage::MustEnrol, ip).await
    }

    pub(super) async fn start_session(
        &self,
        user: &User,
        stage: SessionStage,
        ip: Option<&str>,
    ) -> Result<SessionToken, AuthError> {
        let now = self.clock().now();
        let s = self.auth_settings();
        let lifetime = if stage == SessionStage::Full { s.absolute_secs } else { s.partial_secs };
        let token = SessionToken(new_token(self.random()));
        let session = NewSession {
            id_hash: token_digest(token.as_str()),
            user_id: user.id,
            stage,
            csrf_secret: Opaque(new_token(self.random()).to_string()),
            created_at: now,
            expires_at: now.plus_secs(lifetime),
            ip: ip.map(str::to_owned),
        };
        self.store().create_session(&session).await?;
        Ok(token)
    }

    pub(super) async fn finish_sign_in(
        &self,
        user: &User,
        partial_hash: &str,
        ip: Option<&str>,
        how: &str,
    ) -> Result<SessionToken, AuthError> {
        self.store().delete_session(partial_hash).await?;
        self.store().clear_failed_logins(user.id).await?;
        let token = self.start_session(user, SessionStage::Full, ip).await?;
        self.audit_user(user, "auth.sign_in", &format!("with {how} from {}", ip.unwrap_or("?"))).await?;
        Ok(token)
    }

    pub(super) async fn partial_session(&self, token: &str) -> Result<(User, portcullis_store::Session), AuthError> {
        let now = self.clock().now();
        let session = self.store().session(&token_digest(token)).await?.ok_or(AuthError::Expired)?;
        if session.stage != SessionStage::NeedsSecondFactor || session.expires_at <= now {
            return Err(AuthError::Expired);
        }
        let user = self.store().user(session.user_id).await?.ok_or(AuthError::Expired)?;
        if user.suspended {
            return Err(AuthError::Suspended);
        }
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Err(AuthError::Locked { minutes: minutes_until(now, until) });
        }
        Ok((user, session))
    }

    /// Count a wrong code; lock the account and end its sessions at the limit.
    pub(super) async fn code_failed(&self, user: &User, what: &str) -> Result<AuthError, AuthError> {
        let failures = self.store().add_failed_login(user.id).await?;
        self.audit_user(user, "auth.second_factor_failed", what).await?;
        let s = self.auth_settings();
        if failures >= s.max_code_failures {
            let now = self.clock().now();
            let until = now.plus_secs(s.lock_secs);
            self.store().set_locked_until(user.id, Some(until)).await?;
            self.store().delete_user_sessions(user.id).await?;
            self.audit_user(user, "auth.locked", &format!("{failures} wrong codes")).await?;
            return Ok(AuthError::Locked { minutes: minutes_until(now, until) });
        }
        Ok(AuthError::BadCode)
    }

    pub(super) async fn user_for(&self, email: Option<&Email>) -> Result<Option<User>, StoreError> {
        match email {
            Some(e) => self.store().user_by_email(e).await,
            None => Ok(None),
        }
    }

    pub(super) fn throttle_window(&self, now: Timestamp) -> Timestamp {
        let w = self.auth_settings().window_secs.max(1);
        Timestamp::from_unix_micros_saturating(now.unix_seconds().div_euclid(w) * w * 1_000_000)
    }

    fn throttled(&self, now: Timestamp, window: Timestamp) -> AuthError {
        let end = window.plus_secs(self.auth_settings().window_secs);
        AuthError::Throttled { minutes: minutes_until(now, end) }
    }

    /// Audit an account event in the account's office (operators have none;
    /// their events are logged as traces until the operator console lands).
    pub(crate) async fn audit_user(&self, user: &User, action: &str, detail: &str) -> Result<(), StoreError> {
        match user.office_id {
            Some(office) => {
                let actor = Actor::User(user.email.to_string());
                self.audit(office, &actor, action, Some(user.id.to_string()), detail)
                    .await
                    .map_err(|e| StoreError::Database(e.to_string()))
            }
            None => {
                tracing::info!(user = %user.id, action, "operator account event");
                Ok(())
            }
        }
    }
}

/// Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
pub(super) async fn verify_blocking(password: &str, stored: Opaque) -> bool {
    let password = Zeroizing::new(password.to_owned());
    tokio::task::spawn_blocking(move || password::verify(&password, &stored)).await.unwrap_or(false)
}

/// Hash off the async workers.
pub(super) async fn hash_blocking(app: &App, password: &str) -> Result<Opaque, AuthError> {
    let password = Zeroizing::new(password.to_owned());
    let salt = app.random().bytes16();
    tokio::task::spawn_blocking(move || password::hash(&password, &salt))
        .await
        .map_err(|e| AuthError::Internal(e.to_string()))?
        .map_err(|e| AuthError::Internal(e.to_string()))
}

fn minutes_until(now: Timestamp, end: Timestamp) -> i64 {
    (end.secs_since(now) + 59).div_euclid(60).max(1)
}
