//! Stories about sessions: creating, reading, recording activity, ending
//! them one at a time, per account, and by sweeping stale ones.

use portcullis_types::UserId;

use super::fixtures::user_in;
use super::{Harness, World, open};
use crate::{SessionStage, StoreError};

/// A session reads back as created, with `last_seen_at` starting at
/// `created_at`; touching it records later activity (never moving it back);
/// it must belong to an existing account; a token digest is used once.
pub async fn session_round_trip_and_touch(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Sue", "sue@x.uk").await;
    let mut new = w.session(user.id, 12);
    new.stage = SessionStage::NeedsSecondFactor;
    let created = store.create_session(&new).await.unwrap();
    assert_eq!(
        (created.last_seen_at, created.stage, created.ip.as_deref()),
        (new.created_at, new.stage, Some("192.0.2.10"))
    );
    assert_eq!((created.csrf_secret.clone(), created.expires_at), (new.csrf_secret.clone(), new.expires_at));
    assert_eq!(store.session(&new.id_hash).await.unwrap(), Some(created.clone()));

    let later = w.tick();
    store.touch_session(&new.id_hash, later).await.unwrap();
    store.touch_session(&new.id_hash, new.created_at).await.unwrap();
    let touched = store.session(&new.id_hash).await.unwrap().unwrap();
    assert_eq!(touched.last_seen_at, later, "activity time moved backwards");
    assert_eq!(touched.created_at, new.created_at);

    let mut no_ip = w.session(user.id, 1);
    no_ip.ip = None;
    no_ip.stage = SessionStage::MustEnrol;
    assert_eq!(store.create_session(&no_ip).await.unwrap().ip, None);
    assert_eq!(store.session(&no_ip.id_hash).await.unwrap().unwrap().stage, SessionStage::MustEnrol);

    let mut reused = w.session(user.id, 1);
    reused.id_hash = new.id_hash.clone();
    assert!(matches!(store.create_session(&reused).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.session(&new.id_hash).await.unwrap(), Some(touched));

    let ghost = UserId::generate(&w.random);
    let err = store.create_session(&w.session(ghost, 1)).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound(m) if *m == format!("account {ghost}")), "{err:?}");
    assert_eq!(store.session(&w.digest()).await.unwrap(), None);
    store.close().await;
}

/// Signing out ends one session; "sign out everywhere" ends every session of
/// one account, says how many, and leaves other accounts signed in.
pub async fn sessions_end_one_at_a_time_or_all_together(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let sue = user_in(&*store, &w, Some(office.id), "Sue", "sue@x.uk").await;
    let sam = user_in(&*store, &w, Some(office.id), "Sam", "sam@x.uk").await;
    let phone = store.create_session(&w.session(sue.id, 12)).await.unwrap();
    let laptop = store.create_session(&w.session(sue.id, 12)).await.unwrap();
    let desk = store.create_session(&w.session(sue.id, 12)).await.unwrap();
    let sams = store.create_session(&w.session(sam.id, 12)).await.unwrap();

    store.delete_session(&phone.id_hash).await.unwrap();
    assert_eq!(store.session(&phone.id_hash).await.unwrap(), None);
    assert!(store.session(&laptop.id_hash).await.unwrap().is_some());

    assert_eq!(store.delete_user_sessions(sue.id).await.unwrap(), 2);
    assert_eq!(store.session(&laptop.id_hash).await.unwrap(), None);
    assert_eq!(store.session(&desk.id_hash).await.unwrap(), None);
    assert_eq!(store.session(&sams.id_hash).await.unwrap(), Some(sams));
    assert_eq!(store.delete_user_sessions(sue.id).await.unwrap(), 0);
    store.close().await;
}

/// The sweep removes sessions past their hard end (`expires_at <= now`) and
/// sessions idle since before `idle_before`, and nothing else.
pub async fn stale_sessions_are_swept_by_expiry_and_idleness(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let user = user_in(&*store, &w, Some(office.id), "Sue", "sue@x.uk").await;
    let expired = store.create_session(&w.session(user.id, 1)).await.unwrap();
    let idle = store.create_session(&w.session(user.id, 12)).await.unwrap();
    let busy = store.create_session(&w.session(user.id, 12)).await.unwrap();
    let at_limit = store.create_session(&w.session(user.id, 12)).await.unwrap();

    // Two hours on: `expired` hit its hard end an hour ago. Idle means not
    // seen for thirty minutes; `at_limit` was seen exactly thirty minutes ago.
    let now = expired.created_at.plus_secs(2 * 3600);
    let idle_before = now.plus_secs(-30 * 60);
    store.touch_session(&expired.id_hash, now).await.unwrap();
    store.touch_session(&busy.id_hash, now.plus_secs(-60)).await.unwrap();
    store.touch_session(&at_limit.id_hash, idle_before).await.unwrap();

    assert_eq!(store.delete_stale_sessions(now, idle_before).await.unwrap(), 2);
    assert_eq!(store.session(&expired.id_hash).await.unwrap(), None, "past its hard end, however busy");
    assert_eq!(store.session(&idle.id_hash).await.unwrap(), None, "idle too long");
    assert!(store.session(&busy.id_hash).await.unwrap().is_some());
    assert!(store.session(&at_limit.id_hash).await.unwrap().is_some(), "idle exactly to the limit is kept");

    // A hard end exactly now counts as ended.
    let ends_now = at_limit.expires_at;
    assert_eq!(store.delete_stale_sessions(ends_now, idle_before).await.unwrap(), 2);
    assert_eq!(store.session(&busy.id_hash).await.unwrap(), None);
    assert_eq!(store.session(&at_limit.id_hash).await.unwrap(), None);
    store.close().await;
}

/// Ending, sweeping, touching and forgetting things that are not there is
/// not an error: each may race with another request doing the same.
pub async fn deleting_nothing_is_fine(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let missing = w.digest();
    store.delete_session(&missing).await.unwrap();
    store.touch_session(&missing, w.tick()).await.unwrap();
    assert_eq!(store.session(&missing).await.unwrap(), None, "touching must not create a session");
    assert_eq!(store.delete_user_sessions(UserId::generate(&w.random)).await.unwrap(), 0);
    assert_eq!(store.delete_stale_sessions(w.tick(), w.tick()).await.unwrap(), 0);
    store.clear_throttle("sign-in:nobody@x.uk").await.unwrap();
    assert_eq!(store.hit_throttle("sign-in:nobody@x.uk", w.tick()).await.unwrap(), 1);
    store.close().await;
}
