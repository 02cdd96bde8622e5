//! Finding who a request is from: the session cookie's token, checked
//! against the idle and absolute timeouts every time.

use portcullis_store::{Session, SessionStage, User};
use portcullis_types::Timestamp;

use super::signin::AuthError;
use super::tokens::token_digest;
use crate::App;

/// Activity is written back at most this often, to spare the database a
/// write on every page view.
const TOUCH_EVERY_SECS: i64 = 60;

/// A request's account and session, once checked.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub user: User,
    /// The session.
    pub session: Session,
}

impl SignedIn {
    /// Whether sign-in is complete (second factor presented).
    pub fn is_full(&self) -> bool {
        self.session.stage == SessionStage::Full
    }

    /// The CSRF token forms of this session must carry.
    pub fn csrf_token(&self) -> &str {
        &self.session.csrf_secret.0
    }
}

impl App {
    /// The live session a cookie token names, if any. Expired, idle or
    /// orphaned sessions are removed and yield `None`.
    pub async fn resolve_session(&self, token: &str) -> Result<Option<SignedIn>, AuthError> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let now = self.clock().now();
        let digest = token_digest(token);
        let Some(session) = self.store().session(&digest).await? else { return Ok(None) };
        if !self.session_is_live(&session, now) {
            self.store().delete_session(&digest).await?;
            return Ok(None);
        }
        let Some(user) = self.store().user(session.user_id).await? else {
            self.store().delete_session(&digest).await?;
            return Ok(None);
        };
        if user.suspended {
            self.store().delete_user_sessions(user.id).await?;
            return Ok(None);
        }
        if now.secs_since(session.last_seen_at) >= TOUCH_EVERY_SECS {
            self.store().touch_session(&digest, now).await?;
        }
        Ok(Some(SignedIn { user, session }))
    }

    fn session_is_live(&self, session: &Session, now: Timestamp) -> bool {
        session.expires_at > now && now.secs_since(session.last_seen_at) < self.auth_settings().idle_secs
    }

    /// Remove ended sessions; run from a periodic job.
    pub async fn purge_sessions(&self) -> Result<u64, AuthError> {
        let now = self.clock().now();
        let idle_before = now.plus_secs(-self.auth_settings().idle_secs);
        Ok(self.store().delete_stale_sessions(now, idle_before).await?)
    }
}
