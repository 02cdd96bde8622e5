//! What the app's integration tests share: a deployment on a real SQLite
//! store with a hand-moved clock, and signing in with an authenticator app.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use std::sync::Arc;

use portcullis_app::App;
use portcullis_app::auth::{PasswordOutcome, ServerKey, SignedIn, TotpSecret};
use portcullis_types::{Clock as _, FixedClock, SeqRandom, Timestamp};
use zeroize::Zeroizing;

/// The password every test account uses.
pub const PASSWORD: &str = "marble teapot harbour";

/// An app over a fresh database.
pub struct Deployment {
    pub app: App,
    pub clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

/// A fresh deployment with no accounts.
pub async fn deployment() -> Deployment {
    let dir = tempfile::tempdir().unwrap();
    let store = portcullis_store_sqlite::SqliteStore::open(&dir.path().join("p.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap()));
    let app =
        App::with_parts(Arc::new(store), clock.clone(), Arc::new(SeqRandom::new(5)), ServerKey::from_bytes([3; 32]));
    Deployment { app, clock, _dir: dir }
}

/// Sign in as `email` for the first time and enrol an authenticator app:
/// a full session.
pub async fn signed_in(d: &Deployment, email: &str) -> SignedIn {
    let PasswordOutcome::MustEnrol(token) = d.app.sign_in_password(email, PASSWORD, None).await.unwrap() else {
        panic!("a new account must enrol a second factor first");
    };
    let who = d.app.resolve_session(token.as_str()).await.unwrap().unwrap();
    assert!(!who.is_full());
    let start = d.app.begin_totp_enrolment(&who).unwrap();
    let plain: String = start.secret_text.chars().filter(|c| !c.is_whitespace()).collect();
    let secret = TotpSecret::from_bytes(Zeroizing::new(data_encoding::BASE32_NOPAD.decode(plain.as_bytes()).unwrap()));
    let (full, _) = d.app.finish_totp_enrolment(&who, &start.pending, &secret.code_at(d.clock.now())).await.unwrap();
    d.app.resolve_session(full.as_str()).await.unwrap().unwrap()
}
