//! Stories about accounts: creating, finding, listing and administering them.

use portcullis_types::{OfficeId, Role, UserId};

use super::fixtures::{email_of, user_in};
use super::{Harness, World, open};
use crate::{Opaque, StoreError};

/// An account reads back exactly as created, by id and by address, with no
/// second factor, no failures, no lock; administrative changes stick, and
/// changing an account that does not exist says so.
pub async fn account_round_trip(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 0);
    let new = w.new_user(Some(office.id), "Siân O'Brien", "Sian.OBrien@Example.ORG.uk");
    let created = store.create_user(&new).await.unwrap();
    assert_eq!(created.email.as_str(), "Sian.OBrien@example.org.uk");
    assert_eq!((created.password_changed_at, created.created_at), (new.created_at, new.created_at));
    assert_eq!(created.password_hash, new.password_hash);
    assert_eq!((created.totp_sealed.clone(), created.totp_last_step, created.second_factor_at), (None, None, None));
    assert_eq!((created.failed_logins, created.locked_until, created.suspended), (0, None, false));
    assert_eq!(store.user(created.id).await.unwrap(), Some(created.clone()));
    assert_eq!(store.user_by_email(&created.email).await.unwrap(), Some(created.clone()));
    assert_eq!(store.count_users().await.unwrap(), 1);
    assert_eq!(store.user(UserId::generate(&w.random)).await.unwrap(), None);
    assert_eq!(store.user_by_email(&email_of("nobody@example.org.uk")).await.unwrap(), None);

    let at = w.tick();
    let hash = Opaque("$argon2id$v=19$m=19456,t=2,p=1$new".to_owned());
    store.set_password(created.id, &hash, at).await.unwrap();
    store.set_role(created.id, Role::Manager).await.unwrap();
    store.set_suspended(created.id, true).await.unwrap();
    let changed = store.user(created.id).await.unwrap().unwrap();
    assert_eq!((changed.password_hash.clone(), changed.password_changed_at), (hash.clone(), at));
    assert_eq!((changed.role, changed.suspended, changed.created_at), (Role::Manager, true, new.created_at));
    store.set_suspended(created.id, false).await.unwrap();
    assert!(!store.user(created.id).await.unwrap().unwrap().suspended);

    let ghost = UserId::generate(&w.random);
    let not_found =
        |r: Result<(), StoreError>| matches!(r, Err(StoreError::NotFound(m)) if m == format!("account {ghost}"));
    assert!(not_found(store.set_password(ghost, &hash, at).await));
    assert!(not_found(store.set_role(ghost, Role::Mp).await));
    assert!(not_found(store.set_suspended(ghost, true).await));
    assert_eq!(store.count_users().await.unwrap(), 1);
    store.close().await;
}

/// One address, one account: the whole address is compared without regard
/// to case (the `Email` type lower-cases only the domain), for creation and
/// for sign-in lookup alike. A reused id is a conflict too.
pub async fn email_is_unique_case_insensitively(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let sam = user_in(&*store, &w, Some(office.id), "Sam", "Sam@x.uk").await;
    for clash in ["sam@x.uk", "SAM@X.UK", "sAm@x.uk"] {
        let err = store.create_user(&w.new_user(Some(office.id), "Another Sam", clash)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Conflict(m) if m.starts_with("an account for ")), "{clash}: {err:?}");
        assert_eq!(store.user_by_email(&email_of(clash)).await.unwrap().as_ref(), Some(&sam), "{clash}");
    }
    // Beyond ASCII too, and the same on every backend.
    let zoe = user_in(&*store, &w, Some(office.id), "Zoë", "Zoë.Ødegård@x.uk").await;
    let err = store.create_user(&w.new_user(Some(office.id), "Zoe", "ZOË.ØDEGÅRD@x.uk")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.user_by_email(&email_of("zoë.ødegård@X.uk")).await.unwrap(), Some(zoe));

    let mut same_id = w.new_user(Some(office.id), "Impostor", "impostor@x.uk");
    same_id.id = sam.id;
    let err = store.create_user(&same_id).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(m) if *m == format!("account {}", sam.id)), "{err:?}");
    assert_eq!(store.user(sam.id).await.unwrap(), Some(sam));
    assert_eq!(store.user_by_email(&email_of("impostor@x.uk")).await.unwrap(), None);
    assert_eq!(store.count_users().await.unwrap(), 2);
    store.close().await;
}

/// An account cannot belong to an office that does not exist.
pub async fn user_needs_an_existing_office(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let ghost = OfficeId::generate(&w.random);
    let err = store.create_user(&w.new_user(Some(ghost), "Nobody", "nobody@x.uk")).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound(m) if *m == format!("office {ghost}")), "{err:?}");
    assert_eq!(store.count_users().await.unwrap(), 0);
    assert!(store.list_users(ghost).await.unwrap().is_empty());
    store.close().await;
}

/// The central operator belongs to no office: the account round-trips with
/// no office and appears in no office's list.
pub async fn operator_account_has_no_office(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let operator = user_in(&*store, &w, None, "Central Operator", "ops@portcullis.example.org").await;
    assert_eq!((operator.office_id, operator.role), (None, Role::Operator));
    assert_eq!(store.user(operator.id).await.unwrap(), Some(operator.clone()));
    assert_eq!(store.user_by_email(&operator.email).await.unwrap(), Some(operator));
    assert!(store.list_users(office.id).await.unwrap().is_empty());
    assert_eq!(store.count_users().await.unwrap(), 1);
    store.close().await;
}

/// Listing office A's accounts never shows office B's, and lists by name,
/// then by address for people who share a name.
pub async fn office_a_never_lists_office_b_users(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let zara = user_in(&*store, &w, Some(a.id), "Zara", "zara@a.uk").await;
    let alex2 = user_in(&*store, &w, Some(a.id), "Alex", "alex.2@a.uk").await;
    let alex1 = user_in(&*store, &w, Some(a.id), "Alex", "alex.1@a.uk").await;
    let bob = user_in(&*store, &w, Some(b.id), "Bob", "bob@b.uk").await;
    user_in(&*store, &w, None, "Operator", "ops@x.uk").await;
    assert_eq!(store.list_users(a.id).await.unwrap(), vec![alex1, alex2, zara]);
    assert_eq!(store.list_users(b.id).await.unwrap(), vec![bob]);
    assert_eq!(store.count_users().await.unwrap(), 5);
    store.close().await;
}
