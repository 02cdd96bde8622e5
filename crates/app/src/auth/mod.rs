//! Signing in to Portcullis: passwords, second factors, sessions, throttling.
//!
//! Every account must have a second factor before it can do anything: a
//! password alone only ever yields a session that can enrol or present one.

mod common_passwords;
mod enrol;
mod passkey;
mod password;
mod password_change;
mod seal;
mod server_key;
mod session;
mod settings;
mod signin;
mod tokens;
mod totp;

pub use enrol::{EnrolmentStart, RecoveryCodes};
pub use passkey::PasskeyChallenge;
pub use password::{MAX_CHARS as PASSWORD_MAX_CHARS, MIN_CHARS as PASSWORD_MIN_CHARS, PasswordProblem};
pub use password_change::{ChangeError, RESET_MINUTES};
pub use seal::SealError;
pub use server_key::{KeyError, ServerKey, default_key_path};
pub use session::SignedIn;
pub use settings::AuthSettings;
pub use signin::{AuthError, PasswordOutcome, SessionToken};
pub use tokens::{new_token, token_digest};
pub use totp::TotpSecret;

/// Check a new password against the policy.
pub(crate) fn check_password(password: &str, email_local: &str, name: &str) -> Result<(), PasswordProblem> {
    password::check_new(password, email_local, name)
}

/// Hash a password off the async workers.
pub(crate) async fn hash_password(app: &crate::App, password: &str) -> Result<portcullis_store::Opaque, AuthError> {
    signin::hash_blocking(app, password).await
}
