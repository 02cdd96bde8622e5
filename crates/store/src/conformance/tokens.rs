//! Stories about throttles, invitations and passkeys.

use std::sync::Arc;

use portcullis_types::{OfficeId, UserId};

use super::fixtures::user_in;
use super::{Harness, World, open};
use crate::StoreError;

/// Hits count up within a window and start again at 1 in a later one; a hit
/// stamped with an earlier window (a slow request, a server whose clock
/// lags) counts against the current window instead of resetting it. Keys
/// are counted apart, and clearing a key starts it afresh.
pub async fn throttle_counts_within_a_window_and_resets_in_a_new_one(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let first = w.tick();
    let second = first.plus_secs(60);
    let key = "sign-in:sam@x.uk";
    for expected in 1..=3 {
        assert_eq!(store.hit_throttle(key, first).await.unwrap(), expected);
    }
    assert_eq!(store.hit_throttle("sign-in:other@x.uk", first).await.unwrap(), 1, "keys are counted apart");
    assert_eq!(store.hit_throttle(key, second).await.unwrap(), 1, "a new window starts again");
    assert_eq!(store.hit_throttle(key, second).await.unwrap(), 2);
    assert_eq!(store.hit_throttle(key, first).await.unwrap(), 3, "a late hit counts in the current window");
    assert_eq!(store.hit_throttle(key, second).await.unwrap(), 4, "and does not move the window back");
    store.clear_throttle(key).await.unwrap();
    assert_eq!(store.hit_throttle(key, second).await.unwrap(), 1);
    assert_eq!(store.hit_throttle("sign-in:other@x.uk", first).await.unwrap(), 2, "clearing one key leaves others");
    store.close().await;
}

/// Twenty hits on one key at once: each is counted, and each caller sees a
/// different total, 1 to 20.
pub async fn concurrent_throttle_hits_get_distinct_counts(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let window = w.tick();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.hit_throttle("sign-in:203.0.113.9", window).await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap().unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<u32>>());
    assert_eq!(store.hit_throttle("sign-in:203.0.113.9", window).await.unwrap(), 21);
    store.close().await;
}

/// An invitation reads back as created, can be used exactly once (also when
/// two people follow the link at the same moment), lists newest first within
/// its own office only, and needs an existing office and a fresh token.
pub async fn invitation_round_trip_consume_once_and_list(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let older = w.invitation(a.id, "Nia.Jones@Example.org.uk");
    let newer = w.invitation(a.id, "sam@x.uk");
    let elsewhere = w.invitation(b.id, "bob@x.uk");
    for invitation in [&older, &newer, &elsewhere] {
        store.create_invitation(invitation).await.unwrap();
    }
    assert_eq!(store.invitation(&older.token_hash).await.unwrap(), Some(older.clone()));
    assert_eq!(store.list_invitations(a.id).await.unwrap(), vec![newer.clone(), older.clone()]);
    assert_eq!(store.list_invitations(b.id).await.unwrap(), vec![elsewhere]);

    let at = w.tick();
    let token = older.token_hash.clone();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, token) = (Arc::clone(&store), token.clone());
            tokio::spawn(async move { store.consume_invitation(&token, at).await })
        })
        .collect();
    let mut used = 0;
    for task in tasks {
        used += usize::from(task.await.unwrap().unwrap());
    }
    assert_eq!(used, 1, "an invitation was used more than once");
    assert!(!store.consume_invitation(&older.token_hash, w.tick()).await.unwrap());
    let consumed = store.invitation(&older.token_hash).await.unwrap().unwrap();
    assert_eq!(consumed.used_at, Some(at), "the first use is the one recorded");
    assert!(store.consume_invitation(&newer.token_hash, w.tick()).await.unwrap());
    assert!(!store.consume_invitation(&w.digest(), w.tick()).await.unwrap());
    assert_eq!(store.invitation(&w.digest()).await.unwrap(), None);

    let ghost = OfficeId::generate(&w.random);
    let err = store.create_invitation(&w.invitation(ghost, "x@x.uk")).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound(m) if *m == format!("office {ghost}")), "{err:?}");
    let mut reused = w.invitation(a.id, "other@x.uk");
    reused.token_hash = newer.token_hash.clone();
    assert!(matches!(store.create_invitation(&reused).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.invitation(&newer.token_hash).await.unwrap().unwrap().email, newer.email);
    assert!(store.list_invitations(ghost).await.unwrap().is_empty());
    store.close().await;
}

/// Passkeys register to an existing account (giving it a second factor if
/// it had none), list oldest first, save their counter after use, and a
/// credential can be registered only once.
pub async fn passkeys_add_list_and_update(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Pat", "pat@x.uk").await;
    let other = user_in(&*store, &w, Some(office.id), "Oli", "oli@x.uk").await;
    assert!(store.passkeys(user.id).await.unwrap().is_empty());
    let laptop = w.passkey(user.id, "Work laptop 💻");
    let phone = w.passkey(user.id, "Phone");
    store.add_passkey(&laptop).await.unwrap();
    store.add_passkey(&phone).await.unwrap();
    assert_eq!(store.user(user.id).await.unwrap().unwrap().second_factor_at, Some(laptop.created_at));
    assert_eq!(store.passkeys(user.id).await.unwrap(), vec![laptop.clone(), phone.clone()]);
    assert!(store.passkeys(other.id).await.unwrap().is_empty());

    let used_at = w.tick();
    let data = r#"{"public_key":"same","counter":7}"#;
    store.update_passkey(&laptop.credential_id, data, used_at).await.unwrap();
    let saved = store.passkeys(user.id).await.unwrap();
    assert_eq!((saved[0].data.as_str(), saved[0].last_used_at), (data, Some(used_at)));
    assert_eq!((saved[0].name.as_str(), saved[0].created_at), (laptop.name.as_str(), laptop.created_at));
    assert_eq!(saved[1], phone);

    // Someone else's key with the same credential id: refused, nothing changed.
    let mut clash = w.passkey(other.id, "Stolen");
    clash.credential_id = laptop.credential_id.clone();
    let err = store.add_passkey(&clash).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(store.passkeys(other.id).await.unwrap().is_empty());
    assert_eq!(store.user(other.id).await.unwrap().unwrap().second_factor_at, None, "a refused key is no factor");

    let ghost = UserId::generate(&w.random);
    let err = store.add_passkey(&w.passkey(ghost, "Ghost")).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound(m) if *m == format!("account {ghost}")), "{err:?}");
    let err = store.update_passkey(&w.digest(), data, w.tick()).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    store.close().await;
}

/// A passkey is removed only by its own account; removing the last second
/// factor clears `second_factor_at`, while a remaining passkey or TOTP secret
/// keeps it.
pub async fn passkey_removal_is_per_account_and_tracks_the_second_factor(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Pat", "pat@x.uk").await;
    let other = user_in(&*store, &w, Some(office.id), "Oli", "oli@x.uk").await;
    let laptop = w.passkey(user.id, "Work laptop");
    let phone = w.passkey(user.id, "Phone");
    store.add_passkey(&laptop).await.unwrap();
    store.add_passkey(&phone).await.unwrap();

    assert!(!store.delete_passkey(other.id, &laptop.credential_id).await.unwrap(), "not theirs to remove");
    assert!(!store.delete_passkey(user.id, "no-such-credential").await.unwrap());
    assert_eq!(store.passkeys(user.id).await.unwrap().len(), 2);

    assert!(store.delete_passkey(user.id, &laptop.credential_id).await.unwrap());
    assert!(!store.delete_passkey(user.id, &laptop.credential_id).await.unwrap(), "already gone");
    assert_eq!(store.passkeys(user.id).await.unwrap(), vec![phone.clone()]);
    assert_eq!(store.user(user.id).await.unwrap().unwrap().second_factor_at, Some(laptop.created_at));

    store.delete_passkey(user.id, &phone.credential_id).await.unwrap();
    assert_eq!(store.user(user.id).await.unwrap().unwrap().second_factor_at, None, "no factor left");

    // With TOTP set, removing the only passkey leaves the second factor.
    let key = w.passkey(other.id, "Key");
    store.add_passkey(&key).await.unwrap();
    let totp_at = w.tick();
    store.set_totp(other.id, Some(&crate::Opaque("sealed:totp".to_owned())), totp_at).await.unwrap();
    assert!(store.delete_passkey(other.id, &key.credential_id).await.unwrap());
    assert_eq!(store.user(other.id).await.unwrap().unwrap().second_factor_at, Some(key.created_at));
    store.close().await;
}
