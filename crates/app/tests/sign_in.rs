//! Signing in, as the people of an office experience it, on a real SQLite
//! store with a controllable clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use portcullis_app::auth::{AuthError, PasswordOutcome, ServerKey, TotpSecret};
use portcullis_app::{AccountError, AccountForm, App};
use portcullis_store::AuditQuery;
use portcullis_types::{FixedClock, SeqRandom, Timestamp};
use zeroize::Zeroizing;

const PASSWORD: &str = "marble teapot harbour";

struct Office {
    app: App,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

async fn office() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let store = portcullis_store_sqlite::SqliteStore::open(&dir.path().join("p.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap()));
    let app =
        App::with_parts(Arc::new(store), clock.clone(), Arc::new(SeqRandom::new(11)), ServerKey::from_bytes([9; 32]));
    let form = AccountForm { name: "Sam Okafor", email: "sam@example.org.uk", password: PASSWORD };
    app.set_up("Office of Alex Example MP", &form).await.unwrap();
    Office { app, clock, _dir: dir }
}

fn secret_from(text: &str) -> TotpSecret {
    let plain: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    TotpSecret::from_bytes(Zeroizing::new(data_encoding::BASE32_NOPAD.decode(plain.as_bytes()).unwrap()))
}

/// Sign in for the first time and enrol an authenticator; returns its seed.
async fn enrol(o: &Office) -> TotpSecret {
    let PasswordOutcome::MustEnrol(token) =
        o.app.sign_in_password("sam@example.org.uk", PASSWORD, Some("127.0.0.1")).await.unwrap()
    else {
        panic!("a new account must enrol a second factor first");
    };
    let who = o.app.resolve_session(token.as_str()).await.unwrap().unwrap();
    assert!(!who.is_full(), "a password alone must not give a full session");
    let start = o.app.begin_totp_enrolment(&who).unwrap();
    assert!(start.uri.starts_with("otpauth://totp/Portcullis:"));
    let secret = secret_from(&start.secret_text);
    let code = secret.code_at(o.clock.now());
    let (full, codes) = o.app.finish_totp_enrolment(&who, &start.pending, &code).await.unwrap();
    assert_eq!(codes.0.len(), 10);
    assert!(o.app.resolve_session(full.as_str()).await.unwrap().unwrap().is_full());
    assert!(o.app.resolve_session(token.as_str()).await.unwrap().is_none(), "the half session must end");
    secret
}

async fn partial(o: &Office) -> String {
    match o.app.sign_in_password("sam@example.org.uk", PASSWORD, Some("127.0.0.1")).await.unwrap() {
        PasswordOutcome::SecondFactor(t) => t.as_str().to_owned(),
        PasswordOutcome::MustEnrol(_) => panic!("already enrolled"),
    }
}

use portcullis_types::Clock as _;

#[tokio::test]
async fn setup_runs_once_and_enforces_the_password_policy() {
    let o = office().await;
    let again = AccountForm { name: "Mallory", email: "m@example.org", password: "another good passphrase" };
    assert!(matches!(o.app.set_up("Other", &again).await, Err(AccountError::AlreadySetUp)));

    let dir = tempfile::tempdir().unwrap();
    let store = portcullis_store_sqlite::SqliteStore::open(&dir.path().join("q.db")).await.unwrap();
    let app = App::with_parts(
        Arc::new(store),
        Arc::new(FixedClock::new(Timestamp::EPOCH)),
        Arc::new(SeqRandom::new(1)),
        ServerKey::from_bytes([1; 32]),
    );
    let weak = AccountForm { name: "Sam", email: "sam@example.org.uk", password: "password1234" };
    assert!(matches!(app.set_up("Office", &weak).await, Err(AccountError::Password(_))));
    assert!(app.needs_setup().await.unwrap(), "a refused setup leaves nothing behind");
    assert!(app.offices().await.unwrap().is_empty(), "no orphan office after a refused password");
}

#[tokio::test]
async fn first_sign_in_enrols_totp_then_later_sign_ins_need_a_code() {
    let o = office().await;
    let secret = enrol(&o).await;
    o.clock.advance_secs(60);
    let token = partial(&o).await;
    let full = o.app.sign_in_totp(&token, &secret.code_at(o.clock.now())).await.unwrap();
    let who = o.app.resolve_session(full.as_str()).await.unwrap().unwrap();
    assert!(who.is_full());
    assert_eq!(who.user.email.as_str(), "sam@example.org.uk");
    o.app.sign_out(full.as_str()).await.unwrap();
    assert!(o.app.resolve_session(full.as_str()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_totp_code_works_only_once() {
    let o = office().await;
    let secret = enrol(&o).await;
    o.clock.advance_secs(60);
    let code = secret.code_at(o.clock.now());
    o.app.sign_in_totp(&partial(&o).await, &code).await.unwrap();
    let replay = o.app.sign_in_totp(&partial(&o).await, &code).await;
    assert!(matches!(replay, Err(AuthError::ReplayedCode)), "{replay:?}");
}

#[tokio::test]
async fn wrong_codes_lock_the_account_and_end_its_sessions() {
    let o = office().await;
    let secret = enrol(&o).await;
    o.clock.advance_secs(60);
    let token = partial(&o).await;
    for _ in 0..4 {
        assert!(matches!(o.app.sign_in_totp(&token, "000000").await, Err(AuthError::BadCode)));
    }
    assert!(matches!(o.app.sign_in_totp(&token, "000000").await, Err(AuthError::Locked { minutes: 15 })));
    let right = secret.code_at(o.clock.now());
    assert!(o.app.sign_in_totp(&token, &right).await.is_err(), "the session must have ended");
    let audit = o.app.store().list_audit(o.app.offices().await.unwrap()[0].id, &AuditQuery::default()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "auth.locked"));
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_look_the_same_and_are_throttled() {
    let o = office().await;
    let wrong = o.app.sign_in_password("sam@example.org.uk", "not the password", None).await.unwrap_err();
    let unknown = o.app.sign_in_password("nobody@example.org.uk", "not the password", None).await.unwrap_err();
    assert_eq!(wrong.to_string(), unknown.to_string());
    for _ in 0..4 {
        let _ = o.app.sign_in_password("sam@example.org.uk", "still wrong", None).await;
        let _ = o.app.sign_in_password("nobody@example.org.uk", "still wrong", None).await;
    }
    let known = o.app.sign_in_password("sam@example.org.uk", PASSWORD, None).await.unwrap_err();
    let ghost = o.app.sign_in_password("nobody@example.org.uk", PASSWORD, None).await.unwrap_err();
    assert!(matches!(known, AuthError::Throttled { .. }), "{known:?}");
    assert_eq!(known.to_string(), ghost.to_string());
    o.clock.advance_secs(15 * 60);
    assert!(o.app.sign_in_password("sam@example.org.uk", PASSWORD, None).await.is_ok(), "a new window lets them in");
    let audit = o
        .app
        .store()
        .list_audit(o.app.offices().await.unwrap()[0].id, &AuditQuery { limit: 1000, ..AuditQuery::default() })
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "auth.sign_in_failed"));
    assert!(
        audit.iter().all(|e| !e.detail.contains("still wrong") && !e.detail.contains(PASSWORD)),
        "no password in the audit log"
    );
}

#[tokio::test]
async fn recovery_codes_work_once_each() {
    let o = office().await;
    let PasswordOutcome::MustEnrol(token) = o.app.sign_in_password("sam@example.org.uk", PASSWORD, None).await.unwrap()
    else {
        panic!()
    };
    let who = o.app.resolve_session(token.as_str()).await.unwrap().unwrap();
    let start = o.app.begin_totp_enrolment(&who).unwrap();
    let code = secret_from(&start.secret_text).code_at(o.clock.now());
    let (_, codes) = o.app.finish_totp_enrolment(&who, &start.pending, &code).await.unwrap();
    let first = codes.0[0].to_uppercase();
    let (_, left) = o.app.sign_in_recovery(&partial(&o).await, &first).await.unwrap();
    assert_eq!(left, 9);
    assert!(matches!(o.app.sign_in_recovery(&partial(&o).await, &first).await, Err(AuthError::BadRecoveryCode)));
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_limit() {
    let o = office().await;
    let secret = enrol(&o).await;
    o.clock.advance_secs(60);
    let full = o.app.sign_in_totp(&partial(&o).await, &secret.code_at(o.clock.now())).await.unwrap();
    o.clock.advance_secs(31 * 60);
    assert!(o.app.resolve_session(full.as_str()).await.unwrap().is_none(), "idle for 31 minutes");

    o.clock.advance_secs(60);
    let full = o.app.sign_in_totp(&partial(&o).await, &secret.code_at(o.clock.now())).await.unwrap();
    for _ in 0..(12 * 6) {
        o.clock.advance_secs(10 * 60);
        if o.app.resolve_session(full.as_str()).await.unwrap().is_none() {
            return;
        }
    }
    panic!("an active session outlived the 12-hour limit");
}

#[tokio::test]
async fn enrolment_cannot_be_finished_from_another_session() {
    let o = office().await;
    let PasswordOutcome::MustEnrol(a) = o.app.sign_in_password("sam@example.org.uk", PASSWORD, None).await.unwrap()
    else {
        panic!()
    };
    let PasswordOutcome::MustEnrol(b) = o.app.sign_in_password("sam@example.org.uk", PASSWORD, None).await.unwrap()
    else {
        panic!()
    };
    let who_a = o.app.resolve_session(a.as_str()).await.unwrap().unwrap();
    let who_b = o.app.resolve_session(b.as_str()).await.unwrap().unwrap();
    let start = o.app.begin_totp_enrolment(&who_a).unwrap();
    let code = secret_from(&start.secret_text).code_at(o.clock.now());
    assert!(matches!(o.app.finish_totp_enrolment(&who_b, &start.pending, &code).await, Err(AuthError::Seal(_))));
}

#[tokio::test]
async fn a_wrong_first_code_shows_the_same_key_again() {
    let o = office().await;
    let PasswordOutcome::MustEnrol(token) = o.app.sign_in_password("sam@example.org.uk", PASSWORD, None).await.unwrap()
    else {
        panic!()
    };
    let who = o.app.resolve_session(token.as_str()).await.unwrap().unwrap();
    let start = o.app.begin_totp_enrolment(&who).unwrap();
    assert!(matches!(o.app.finish_totp_enrolment(&who, &start.pending, "000000").await, Err(AuthError::BadCode)));
    let again = o.app.resume_totp_enrolment(&who, &start.pending).unwrap();
    assert_eq!(*again.secret_text, *start.secret_text);
    let code = secret_from(&again.secret_text).code_at(o.clock.now());
    assert!(o.app.finish_totp_enrolment(&who, &again.pending, &code).await.is_ok());
}
