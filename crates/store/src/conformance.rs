//! Stories every [`Store`] backend must tell the same way.
//!
//! A backend's test file calls [`conformance_tests!`](crate::conformance_tests)
//! with an async function that returns a [`Harness`] (or `None` to skip, after
//! saying why). Each story below becomes one `#[tokio::test]` in that backend.
//!
//! This module is test code, compiled only with the `conformance` feature that
//! backends enable in their dev-dependencies, so assertions may panic.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod audit;
mod dmarc;
mod domains;
mod fixtures;
mod phish;
mod sessions;
mod sign_in;
mod tokens;
mod users;
mod vault;

use std::sync::Arc;

use async_trait::async_trait;
use portcullis_types::{
    Clock, Email, FixedClock, OfficeId, OfficeName, PersonId, PersonName, Role, SeqRandom, Timestamp,
};

use crate::{AuditQuery, NewAuditEntry, NewOffice, NewPerson, Store, StoreError};

pub use audit::{audit_for_a_missing_office_is_not_found, nul_in_audit_text_is_replaced};
pub use dmarc::{
    a_large_report_is_stored_whole, aggregate_reports_are_stored_once_and_tallied, an_unfinished_report_leaves_nothing,
    failure_reports_expire_and_settings_persist, reverse_names_are_cached_while_fresh, tls_reports_round_trip_once,
    whole_reports_are_stored_together_once,
};
pub use domains::{
    claiming_due_domains_takes_never_checked_first_then_the_stalest, concurrent_claims_never_take_the_same_domain,
    domain_states_are_stored_only_when_they_change, nul_in_domain_text_is_replaced,
    watching_is_per_office_and_duplicate_safe,
};
pub use phish::{
    known_senders_are_per_office_and_unique, phish_knowledge_follows_the_offices_calls,
    phish_reports_round_trip_newest_first_and_per_office, trusted_servers_are_replaced_whole_and_per_office,
};
pub use sessions::{
    deleting_nothing_is_fine, session_round_trip_and_touch, sessions_end_one_at_a_time_or_all_together,
    stale_sessions_are_swept_by_expiry_and_idleness,
};
pub use sign_in::{
    failed_logins_count_clear_and_lock, recovery_code_is_usable_once, replacing_recovery_codes_invalidates_old_ones,
    totp_enrolment_and_removal, totp_step_acceptance_refuses_equal_and_earlier_steps,
};
pub use tokens::{
    concurrent_throttle_hits_get_distinct_counts, invitation_round_trip_consume_once_and_list,
    passkey_removal_is_per_account_and_tracks_the_second_factor, passkeys_add_list_and_update,
    throttle_counts_within_a_window_and_resets_in_a_new_one,
};
pub use users::{
    account_round_trip, email_is_unique_case_insensitively, office_a_never_lists_office_b_users,
    operator_account_has_no_office, user_needs_an_existing_office,
};
pub use vault::{
    another_office_cannot_read_vault_audits, latest_vault_audit_is_per_user,
    vault_audit_of_another_offices_user_is_refused, vault_audits_round_trip_exactly,
    vault_history_is_newest_first_and_limited,
};

/// Opens one test database, as often as asked, for one story.
#[async_trait]
pub trait Harness: Send + Sync {
    /// Open (and migrate) the story's database. Calling it again opens the
    /// same database afresh, as a restart would.
    async fn open(&self) -> Result<Arc<dyn Store>, StoreError>;

    /// Remove the story's database (drop the schema, delete the file).
    async fn cleanup(&self);
}

/// Generate one test per story for a backend.
///
/// `$make` is an async function returning `Option<Box<dyn Harness>>`.
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@each $make;
            migrations_are_idempotent_and_data_survives_reopen,
            offices_round_trip,
            duplicate_office_is_a_conflict,
            people_round_trip_and_sort_by_name,
            person_needs_an_existing_office,
            office_a_never_reads_office_b,
            audit_log_is_append_only_and_newest_first,
            audit_paging_filtering_and_limits,
            concurrent_audit_appends_get_distinct_sequence_numbers,
            text_is_stored_exactly,
            closed_store_refuses_work,
            audit_for_a_missing_office_is_not_found,
            nul_in_audit_text_is_replaced,
            account_round_trip,
            email_is_unique_case_insensitively,
            user_needs_an_existing_office,
            operator_account_has_no_office,
            office_a_never_lists_office_b_users,
            totp_step_acceptance_refuses_equal_and_earlier_steps,
            totp_enrolment_and_removal,
            failed_logins_count_clear_and_lock,
            recovery_code_is_usable_once,
            replacing_recovery_codes_invalidates_old_ones,
            session_round_trip_and_touch,
            sessions_end_one_at_a_time_or_all_together,
            stale_sessions_are_swept_by_expiry_and_idleness,
            deleting_nothing_is_fine,
            throttle_counts_within_a_window_and_resets_in_a_new_one,
            concurrent_throttle_hits_get_distinct_counts,
            invitation_round_trip_consume_once_and_list,
            passkeys_add_list_and_update,
            passkey_removal_is_per_account_and_tracks_the_second_factor,
            watching_is_per_office_and_duplicate_safe,
            domain_states_are_stored_only_when_they_change,
            claiming_due_domains_takes_never_checked_first_then_the_stalest,
            concurrent_claims_never_take_the_same_domain,
            nul_in_domain_text_is_replaced,
            aggregate_reports_are_stored_once_and_tallied,
            an_unfinished_report_leaves_nothing,
            a_large_report_is_stored_whole,
            whole_reports_are_stored_together_once,
            tls_reports_round_trip_once,
            failure_reports_expire_and_settings_persist,
            reverse_names_are_cached_while_fresh,
            phish_reports_round_trip_newest_first_and_per_office,
            known_senders_are_per_office_and_unique,
            phish_knowledge_follows_the_offices_calls,
            trusted_servers_are_replaced_whole_and_per_office,
            vault_audits_round_trip_exactly,
            vault_history_is_newest_first_and_limited,
            latest_vault_audit_is_per_user,
            another_office_cannot_read_vault_audits,
            vault_audit_of_another_offices_user_is_refused,
        );
    };
    (@each $make:path; $($story:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                let Some(harness) = $make().await else { return };
                $crate::conformance::$story(&*harness).await;
                harness.cleanup().await;
            }
        )+
    };
}

struct World {
    clock: FixedClock,
    random: SeqRandom,
}

impl World {
    fn new() -> Self {
        Self {
            clock: FixedClock::new(Timestamp::from_unix_micros(1_764_063_000_123_456).unwrap_or(Timestamp::EPOCH)),
            random: SeqRandom::new(42),
        }
    }

    fn office(&self, name: &str) -> NewOffice {
        self.clock.advance_secs(1);
        NewOffice {
            id: OfficeId::generate(&self.random),
            name: OfficeName::new(name).unwrap_or_else(|e| unreachable_text(&e)),
            created_at: self.clock.now(),
            demo: false,
        }
    }

    fn person(&self, office: OfficeId, name: &str, role: Role) -> NewPerson {
        self.clock.advance_secs(1);
        NewPerson {
            id: PersonId::generate(&self.random),
            office_id: office,
            name: PersonName::new(name).unwrap_or_else(|e| unreachable_text(&e)),
            email: None,
            role,
            created_at: self.clock.now(),
        }
    }

    fn audit(&self, office: OfficeId, action: &str) -> NewAuditEntry {
        self.clock.advance_secs(1);
        NewAuditEntry {
            office_id: office,
            at: self.clock.now(),
            actor: "tester@example.org".into(),
            action: action.into(),
            target: None,
            detail: String::new(),
        }
    }
}

fn unreachable_text(e: &dyn std::fmt::Display) -> ! {
    panic!("story fixture is invalid: {e}")
}

async fn open(h: &dyn Harness) -> Arc<dyn Store> {
    match h.open().await {
        Ok(s) => s,
        Err(e) => panic!("could not open the store: {e}"),
    }
}

/// Opening twice runs migrations twice without harm, and rows persist.
pub async fn migrations_are_idempotent_and_data_survives_reopen(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office of Ada Lovelace MP")).await.unwrap();
    store.close().await;
    let again = open(h).await;
    let third = open(h).await;
    assert_eq!(again.office(office.id).await.unwrap(), Some(office.clone()));
    assert_eq!(third.list_offices().await.unwrap(), vec![office]);
    again.close().await;
    third.close().await;
}

/// An office reads back exactly as written, and lists oldest first.
pub async fn offices_round_trip(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let mut first = w.office("Office of Jane Smith MP");
    first.demo = true;
    let a = store.create_office(&first).await.unwrap();
    let b = store.create_office(&w.office("Office of John Doe MP")).await.unwrap();
    assert_eq!(a.name.as_str(), "Office of Jane Smith MP");
    assert!(a.demo && !b.demo);
    assert_eq!(store.office(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.list_offices().await.unwrap(), vec![a, b]);
    assert_eq!(store.office(OfficeId::generate(&w.random)).await.unwrap(), None);
    store.close().await;
}

/// Creating an office whose id exists fails and changes nothing.
pub async fn duplicate_office_is_a_conflict(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = w.office("Original");
    store.create_office(&office).await.unwrap();
    let mut clash = office.clone();
    clash.name = OfficeName::new("Impostor").unwrap();
    let err = store.create_office(&clash).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    assert_eq!(store.office(office.id).await.unwrap().unwrap().name.as_str(), "Original");
    store.close().await;
}

/// People read back as written and list alphabetically.
pub async fn people_round_trip_and_sort_by_name(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let mut zoe = w.person(office.id, "Zoë Caseworker", Role::Caseworker);
    zoe.email = Some(Email::new("zoe@example.org.uk").unwrap());
    let zoe = store.add_person(&zoe).await.unwrap();
    let amir = store.add_person(&w.person(office.id, "Amir Manager", Role::Manager)).await.unwrap();
    assert_eq!(store.person(office.id, zoe.id).await.unwrap(), Some(zoe.clone()));
    assert_eq!(zoe.email.as_ref().map(Email::as_str), Some("zoe@example.org.uk"));
    assert_eq!(store.list_people(office.id).await.unwrap(), vec![amir.clone(), zoe.clone()]);
    let mut clash = w.person(office.id, "Clash", Role::Staff);
    clash.id = amir.id;
    assert!(matches!(store.add_person(&clash).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.person(office.id, amir.id).await.unwrap().unwrap().name.as_str(), "Amir Manager");
    store.close().await;
}

/// A person cannot be added to an office that does not exist.
pub async fn person_needs_an_existing_office(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let ghost = OfficeId::generate(&w.random);
    let err = store.add_person(&w.person(ghost, "Nobody", Role::Staff)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "got {err:?}");
    assert!(store.list_people(ghost).await.unwrap().is_empty());
    store.close().await;
}

/// The separation every office relies on: asking as office A never returns
/// a row of office B, even when the caller knows B's ids.
pub async fn office_a_never_reads_office_b(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let alice = store.add_person(&w.person(a.id, "Alice", Role::Manager)).await.unwrap();
    let bob = store.add_person(&w.person(b.id, "Bob", Role::Caseworker)).await.unwrap();
    store.append_audit(&w.audit(a.id, "a.did")).await.unwrap();
    store.append_audit(&w.audit(b.id, "b.did")).await.unwrap();

    assert_eq!(store.person(a.id, bob.id).await.unwrap(), None, "office A read office B's person");
    assert_eq!(store.person(b.id, alice.id).await.unwrap(), None, "office B read office A's person");
    assert_eq!(store.list_people(a.id).await.unwrap(), vec![alice]);
    assert_eq!(store.list_people(b.id).await.unwrap(), vec![bob]);
    let a_log = store.list_audit(a.id, &AuditQuery::default()).await.unwrap();
    assert!(a_log.iter().all(|e| e.office_id == a.id) && a_log.len() == 1);
    let b_by_a = AuditQuery { action: Some("b.did".into()), ..AuditQuery::default() };
    assert!(store.list_audit(a.id, &b_by_a).await.unwrap().is_empty());
    store.close().await;
}

/// Entries come back newest first with increasing sequence numbers.
pub async fn audit_log_is_append_only_and_newest_first(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let mut entry = w.audit(office.id, "auth.sign_in");
    entry.target = Some("person:123".into());
    entry.detail = "from 127.0.0.1".into();
    let first = store.append_audit(&entry).await.unwrap();
    let second = store.append_audit(&w.audit(office.id, "auth.sign_out")).await.unwrap();
    assert!(second.seq > first.seq);
    assert_eq!(first.target.as_deref(), Some("person:123"));
    assert_eq!(first.at, entry.at);
    let log = store.list_audit(office.id, &AuditQuery::default()).await.unwrap();
    assert_eq!(log, vec![second, first]);
    store.close().await;
}

/// Paging with `before_seq`, filtering by action, and the limit cap.
pub async fn audit_paging_filtering_and_limits(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    for i in 0..25 {
        let action = if i % 5 == 0 { "export" } else { "view" };
        store.append_audit(&w.audit(office.id, action)).await.unwrap();
    }
    let page1 = store.list_audit(office.id, &AuditQuery { limit: 10, ..AuditQuery::default() }).await.unwrap();
    assert_eq!(page1.len(), 10);
    let last = page1.last().unwrap().seq;
    let page2 = AuditQuery { limit: 10, before_seq: Some(last), ..AuditQuery::default() };
    let page2 = store.list_audit(office.id, &page2).await.unwrap();
    assert_eq!(page2.len(), 10);
    assert!(page2.iter().all(|e| e.seq < last));
    let exports = AuditQuery { action: Some("export".into()), ..AuditQuery::default() };
    assert_eq!(store.list_audit(office.id, &exports).await.unwrap().len(), 5);
    let zero = AuditQuery { limit: 0, ..AuditQuery::default() };
    assert_eq!(store.list_audit(office.id, &zero).await.unwrap().len(), 1, "limit 0 means 1");
    store.close().await;
}

/// Fifty writers at once: every entry stored, no sequence number reused.
pub async fn concurrent_audit_appends_get_distinct_sequence_numbers(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Busy office")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = Arc::clone(&store);
        let entry = w.audit(office.id, &format!("write.{i}"));
        tasks.push(tokio::spawn(async move { store.append_audit(&entry).await }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap().unwrap().seq);
    }
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 50);
    let all = AuditQuery { limit: 100, ..AuditQuery::default() };
    assert_eq!(store.list_audit(office.id, &all).await.unwrap().len(), 50);
    store.close().await;
}

/// Unicode, quotes, markup and SQL metacharacters are stored verbatim.
pub async fn text_is_stored_exactly(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let tricky = "Siân O'Brien <script>alert(1)</script> \"; DROP TABLE people; -- 🏛️";
    let office = store.create_office(&w.office(tricky)).await.unwrap();
    let person = store.add_person(&w.person(office.id, tricky, Role::Mp)).await.unwrap();
    let mut entry = w.audit(office.id, "text.test");
    entry.detail = format!("{tricky}\nsecond line");
    let stored = store.append_audit(&entry).await.unwrap();
    assert_eq!(store.office(office.id).await.unwrap().unwrap().name.as_str(), tricky);
    assert_eq!(store.person(office.id, person.id).await.unwrap().unwrap().name.as_str(), tricky);
    let log = store.list_audit(office.id, &AuditQuery::default()).await.unwrap();
    assert_eq!(log, vec![stored]);
    assert!(log[0].detail.ends_with("second line"));
    store.close().await;
}

/// After `close`, operations fail with an error instead of hanging.
pub async fn closed_store_refuses_work(h: &dyn Harness) {
    let store = open(h).await;
    assert!(store.ping().await.is_ok());
    store.close().await;
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), store.ping()).await;
    assert!(matches!(outcome, Ok(Err(_))), "ping after close should fail promptly, got {outcome:?}");
}
