//! Stories about what protects sign-in: TOTP steps, the failed-login
//! counter and lock, and recovery codes. The concurrent parts stand in for
//! several app servers handed the same code or password at the same moment.

use std::sync::Arc;

use portcullis_types::UserId;

use super::fixtures::user_in;
use super::{Harness, World, open};
use crate::{Opaque, Store, StoreError};

/// Run `n` copies of `call` at once and collect what each returned.
async fn all_at_once<T, F, Fut>(store: &Arc<dyn Store>, n: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(call(Arc::clone(store)))).collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap().unwrap());
    }
    out
}

/// A TOTP code is accepted once: its step must be later than every step
/// accepted before, so the same code (equal step) and older codes are
/// refused, and of many simultaneous attempts with one new code exactly one
/// succeeds. An unknown account accepts nothing.
pub async fn totp_step_acceptance_refuses_equal_and_earlier_steps(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Tess", "tess@x.uk").await;
    assert!(store.accept_totp_step(user.id, 1_000).await.unwrap(), "the first step is accepted");
    assert!(!store.accept_totp_step(user.id, 1_000).await.unwrap(), "a replayed step is refused");
    assert!(!store.accept_totp_step(user.id, 999).await.unwrap(), "an earlier step is refused");
    assert!(store.accept_totp_step(user.id, 1_001).await.unwrap());
    assert_eq!(store.user(user.id).await.unwrap().unwrap().totp_last_step, Some(1_001));

    let id = user.id;
    let outcomes = all_at_once(&store, 10, move |s| async move { s.accept_totp_step(id, 1_002).await }).await;
    assert_eq!(outcomes.iter().filter(|accepted| **accepted).count(), 1, "{outcomes:?}");
    assert!(!store.accept_totp_step(UserId::generate(&w.random), 5).await.unwrap());
    store.close().await;
}

/// Enrolling TOTP records when the account first had a second factor and
/// keeps that date on re-enrolment. Clearing TOTP forgets the secret and the
/// last step, and clears `second_factor_at` unless a passkey remains.
pub async fn totp_enrolment_and_removal(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Tess", "tess@x.uk").await;
    let (first, secret) = (w.tick(), Opaque("sealed:one".to_owned()));
    store.set_totp(user.id, Some(&secret), first).await.unwrap();
    store.accept_totp_step(user.id, 42).await.unwrap();
    let enrolled = store.user(user.id).await.unwrap().unwrap();
    assert_eq!((enrolled.totp_sealed, enrolled.second_factor_at), (Some(secret), Some(first)));
    let again = Opaque("sealed:two".to_owned());
    store.set_totp(user.id, Some(&again), w.tick()).await.unwrap();
    let re_enrolled = store.user(user.id).await.unwrap().unwrap();
    assert_eq!((re_enrolled.totp_sealed, re_enrolled.second_factor_at), (Some(again), Some(first)));

    store.set_totp(user.id, None, w.tick()).await.unwrap();
    let cleared = store.user(user.id).await.unwrap().unwrap();
    assert_eq!((cleared.totp_sealed, cleared.totp_last_step, cleared.second_factor_at), (None, None, None));

    // With a passkey, the account still has a second factor after TOTP goes.
    let passkey = w.passkey(user.id, "Work laptop");
    store.add_passkey(&passkey).await.unwrap();
    store.set_totp(user.id, Some(&Opaque("sealed:three".to_owned())), w.tick()).await.unwrap();
    store.set_totp(user.id, None, w.tick()).await.unwrap();
    let kept = store.user(user.id).await.unwrap().unwrap();
    assert_eq!((kept.totp_sealed, kept.second_factor_at), (None, Some(passkey.created_at)));

    let ghost = UserId::generate(&w.random);
    assert!(matches!(store.set_totp(ghost, None, w.tick()).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.set_totp(ghost, Some(&Opaque("x".into())), w.tick()).await, Err(StoreError::NotFound(_))));
    store.close().await;
}

/// Failed sign-ins count up one at a time (simultaneous failures each
/// count), a lock can be set and lifted, and clearing forgets both.
pub async fn failed_logins_count_clear_and_lock(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Fay", "fay@x.uk").await;
    assert_eq!(store.add_failed_login(user.id).await.unwrap(), 1);
    assert_eq!(store.add_failed_login(user.id).await.unwrap(), 2);
    let id = user.id;
    let mut totals = all_at_once(&store, 10, move |s| async move { s.add_failed_login(id).await }).await;
    totals.sort_unstable();
    assert_eq!(totals, (3..=12).collect::<Vec<u32>>());

    let until = w.tick().plus_secs(900);
    store.set_locked_until(user.id, Some(until)).await.unwrap();
    let locked = store.user(user.id).await.unwrap().unwrap();
    assert_eq!((locked.failed_logins, locked.locked_until), (12, Some(until)));
    store.set_locked_until(user.id, None).await.unwrap();
    assert_eq!(store.user(user.id).await.unwrap().unwrap().locked_until, None);

    store.set_locked_until(user.id, Some(until)).await.unwrap();
    store.clear_failed_logins(user.id).await.unwrap();
    let cleared = store.user(user.id).await.unwrap().unwrap();
    assert_eq!((cleared.failed_logins, cleared.locked_until), (0, None));
    assert_eq!(store.add_failed_login(user.id).await.unwrap(), 1);

    let ghost = UserId::generate(&w.random);
    assert!(matches!(store.add_failed_login(ghost).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.set_locked_until(ghost, None).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.clear_failed_logins(ghost).await, Err(StoreError::NotFound(_))));
    store.close().await;
}

/// A recovery code works once: a second use, a code that was never issued,
/// and another account's code are all refused; of simultaneous uses of one
/// code exactly one succeeds; the unused count goes down as codes are used.
pub async fn recovery_code_is_usable_once(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Rita", "rita@x.uk").await;
    let other = user_in(&*store, &w, Some(office.id), "Otto", "otto@x.uk").await;
    let codes: Vec<String> = (0..4).map(|_| w.digest()).collect();
    store.replace_recovery_codes(user.id, &codes, w.tick()).await.unwrap();
    store.replace_recovery_codes(other.id, &[w.digest()], w.tick()).await.unwrap();
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 4);

    assert!(store.use_recovery_code(user.id, &codes[0], w.tick()).await.unwrap());
    assert!(!store.use_recovery_code(user.id, &codes[0], w.tick()).await.unwrap(), "a code works only once");
    assert!(!store.use_recovery_code(user.id, &w.digest(), w.tick()).await.unwrap(), "never issued");
    assert!(!store.use_recovery_code(other.id, &codes[1], w.tick()).await.unwrap(), "another account's code");
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 3);
    assert_eq!(store.unused_recovery_codes(other.id).await.unwrap(), 1);

    let (id, code, at) = (user.id, codes[2].clone(), w.tick());
    let outcomes = all_at_once(&store, 10, move |s| {
        let code = code.clone();
        async move { s.use_recovery_code(id, &code, at).await }
    })
    .await;
    assert_eq!(outcomes.iter().filter(|used| **used).count(), 1, "{outcomes:?}");
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 2);
    assert_eq!(store.unused_recovery_codes(UserId::generate(&w.random)).await.unwrap(), 0);
    assert!(!store.use_recovery_code(UserId::generate(&w.random), &codes[3], w.tick()).await.unwrap());
    store.close().await;
}

/// Issuing a new set of recovery codes makes every old one, used or not,
/// unusable; a digest given twice is one code; an empty set leaves none; and
/// an account that does not exist is NotFound.
pub async fn replacing_recovery_codes_invalidates_old_ones(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Rita", "rita@x.uk").await;
    let old: Vec<String> = (0..3).map(|_| w.digest()).collect();
    store.replace_recovery_codes(user.id, &old, w.tick()).await.unwrap();
    assert!(store.use_recovery_code(user.id, &old[0], w.tick()).await.unwrap());

    let new = vec![w.digest(), w.digest()];
    let with_repeat = vec![new[0].clone(), new[1].clone(), new[0].clone()];
    store.replace_recovery_codes(user.id, &with_repeat, w.tick()).await.unwrap();
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 2);
    for code in &old {
        assert!(!store.use_recovery_code(user.id, code, w.tick()).await.unwrap(), "an old code still works");
    }
    assert!(store.use_recovery_code(user.id, &new[1], w.tick()).await.unwrap());
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 1);

    // Reissuing a digest that was used before gives a fresh, unused code.
    store.replace_recovery_codes(user.id, &new, w.tick()).await.unwrap();
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 2);
    store.replace_recovery_codes(user.id, &[], w.tick()).await.unwrap();
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 0);

    // Several replacements at once (a double click, two servers): one set
    // wins whole, never a mixture.
    let at = w.tick();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (store, id, set) = (Arc::clone(&store), user.id, vec![w.digest(), w.digest(), w.digest()]);
            tokio::spawn(async move { store.replace_recovery_codes(id, &set, at).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(store.unused_recovery_codes(user.id).await.unwrap(), 3);

    let ghost = UserId::generate(&w.random);
    let err = store.replace_recovery_codes(ghost, &new, w.tick()).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound(m) if *m == format!("account {ghost}")), "{err:?}");
    let err = store.replace_recovery_codes(ghost, &[], w.tick()).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    store.close().await;
}
