//! Stories about watched domains and the history of their checks.

use std::collections::BTreeSet;

use portcullis_types::{OfficeId, Timestamp};

use super::{Harness, World, open};
use crate::{DomainState, NewDomainState, StoreError, WatchedDomain};

impl World {
    /// A check's outcome, found a second after the last thing that happened.
    fn check(&self, key: &str, worst: &str, report: &str) -> NewDomainState {
        NewDomainState {
            checked_at: self.tick(),
            state_key: key.to_owned(),
            worst: worst.to_owned(),
            report_json: report.to_owned(),
        }
    }
}

/// What a state should read back as, given the check that first found it.
fn state_of(office: OfficeId, domain: &str, first: &NewDomainState, last: &NewDomainState, id: i64) -> DomainState {
    DomainState {
        id,
        office_id: office,
        domain: domain.to_owned(),
        first_seen_at: first.checked_at,
        last_seen_at: last.checked_at,
        state_key: last.state_key.clone(),
        worst: last.worst.clone(),
        report_json: last.report_json.clone(),
    }
}

/// Just who and when a claim took, for comparing claims.
fn claimed(domains: &[WatchedDomain]) -> Vec<(OfficeId, &str, Option<Timestamp>)> {
    domains.iter().map(|d| (d.office_id, d.domain.as_str(), d.last_checked_at)).collect()
}

/// An office watches its own domains: another office never sees them, may
/// watch the same name independently, and cannot remove them. Watching twice
/// is a conflict that changes nothing, watching needs an existing office,
/// and unwatching forgets the domain's history.
pub async fn watching_is_per_office_and_duplicate_safe(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let at = w.tick();
    let mine = store.watch_domain(a.id, "example.org", at, "sam@a.uk").await.unwrap();
    let expected = WatchedDomain {
        office_id: a.id,
        domain: "example.org".into(),
        added_at: at,
        added_by: "sam@a.uk".into(),
        last_checked_at: None,
    };
    assert_eq!(mine, expected);
    let beta = store.watch_domain(a.id, "beta.example", w.tick(), "cli").await.unwrap();
    let theirs = store.watch_domain(b.id, "example.org", w.tick(), "bob@b.uk").await.unwrap();
    assert_eq!(store.watched_domains(a.id).await.unwrap(), vec![beta.clone(), mine.clone()], "by name");
    assert_eq!(store.watched_domains(b.id).await.unwrap(), vec![theirs.clone()]);
    assert_eq!(store.watched_domain(a.id, "example.org").await.unwrap(), Some(mine.clone()));
    assert_eq!(store.watched_domain(b.id, "beta.example").await.unwrap(), None, "office B read office A's domain");

    let err = store.watch_domain(a.id, "example.org", w.tick(), "impostor@a.uk").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.watched_domain(a.id, "example.org").await.unwrap(), Some(mine.clone()));
    let ghost = OfficeId::generate(&w.random);
    let err = store.watch_domain(ghost, "example.org", w.tick(), "cli").await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound(m) if *m == format!("office {ghost}")), "{err:?}");
    assert!(store.watched_domains(ghost).await.unwrap().is_empty());

    store.record_domain_state(a.id, "example.org", &w.check("k1", "ok", "{}")).await.unwrap();
    store.record_domain_state(b.id, "example.org", &w.check("k1", "ok", "{}")).await.unwrap();
    assert!(!store.unwatch_domain(b.id, "beta.example").await.unwrap(), "not office B's to remove");
    assert!(!store.unwatch_domain(a.id, "missing.example").await.unwrap());
    assert!(store.unwatch_domain(a.id, "example.org").await.unwrap());
    assert!(!store.unwatch_domain(a.id, "example.org").await.unwrap(), "already gone");
    assert_eq!(store.watched_domains(a.id).await.unwrap(), vec![beta]);
    assert!(store.domain_states(a.id, "example.org", 10).await.unwrap().is_empty());
    assert_eq!(store.domain_states(b.id, "example.org", 10).await.unwrap().len(), 1, "office B's history stays");
    // Watching again starts afresh: the history was removed, not hidden.
    store.watch_domain(a.id, "example.org", w.tick(), "sam@a.uk").await.unwrap();
    assert!(store.domain_states(a.id, "example.org", 10).await.unwrap().is_empty());
    store.close().await;
}

/// A check that finds what the last one found moves that state's "last
/// seen" (and keeps the newer report) instead of adding a row; a different
/// finding adds a state, listed newest first. Either way the domain is
/// marked checked. Recording needs a domain the office watches, and one
/// office's history is invisible to another.
pub async fn domain_states_are_stored_only_when_they_change(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let d = "example.org";
    store.watch_domain(a.id, d, w.tick(), "sam@a.uk").await.unwrap();
    store.watch_domain(b.id, d, w.tick(), "bob@b.uk").await.unwrap();
    store.watch_domain(b.id, "only-b.example", w.tick(), "bob@b.uk").await.unwrap();

    let first = w.check("spf:ok|dmarc:warn", "warn", r#"{"run":1}"#);
    assert!(store.record_domain_state(a.id, d, &first).await.unwrap(), "a first state is a change");
    let states = store.domain_states(a.id, d, 10).await.unwrap();
    assert_eq!(states, vec![state_of(a.id, d, &first, &first, states[0].id)]);
    let first_id = states[0].id;

    let again = w.check("spf:ok|dmarc:warn", "warn", r#"{"run":2}"#);
    assert!(!store.record_domain_state(a.id, d, &again).await.unwrap(), "same key, no change");
    assert_eq!(store.domain_states(a.id, d, 10).await.unwrap(), vec![state_of(a.id, d, &first, &again, first_id)]);
    assert_eq!(store.watched_domain(a.id, d).await.unwrap().unwrap().last_checked_at, Some(again.checked_at));

    let worse = w.check("spf:fail|dmarc:warn", "fail", r#"{"run":3}"#);
    assert!(store.record_domain_state(a.id, d, &worse).await.unwrap());
    let states = store.domain_states(a.id, d, 10).await.unwrap();
    assert!(states[0].id > first_id);
    assert_eq!(
        states,
        vec![state_of(a.id, d, &worse, &worse, states[0].id), state_of(a.id, d, &first, &again, first_id)]
    );
    assert_eq!(store.domain_states(a.id, d, 1).await.unwrap(), states[..1].to_vec(), "the limit keeps the newest");
    assert_eq!(store.watched_domain(a.id, d).await.unwrap().unwrap().last_checked_at, Some(worse.checked_at));

    // Only the newest state is compared: going back to an earlier finding is a change too.
    let back = w.check("spf:ok|dmarc:warn", "warn", r#"{"run":4}"#);
    assert!(store.record_domain_state(a.id, d, &back).await.unwrap());
    assert_eq!(store.domain_states(a.id, d, 10).await.unwrap().len(), 3);

    for (office, domain) in [(a.id, "missing.example"), (a.id, "only-b.example")] {
        let err = store.record_domain_state(office, domain, &w.check("k", "ok", "{}")).await.unwrap_err();
        assert!(matches!(&err, StoreError::NotFound(m) if m.contains(domain)), "{domain}: {err:?}");
    }
    assert!(store.domain_states(a.id, "missing.example", 10).await.unwrap().is_empty());
    assert!(store.domain_states(b.id, d, 10).await.unwrap().is_empty(), "office B read office A's history");
    assert!(store.domain_states(a.id, "only-b.example", 10).await.unwrap().is_empty());
    let theirs = store.watched_domain(b.id, d).await.unwrap().unwrap();
    assert_eq!(theirs.last_checked_at, None, "office A's checks marked office B's domain");
    store.close().await;
}

/// The scheduled re-check, across offices: never-checked domains first (the
/// longest-watched first), then the stalest; no more than the limit; none
/// checked at or after the cutoff. What one claim takes is marked checked at
/// once, so a second claim at the same moment gets the rest and not those.
pub async fn claiming_due_domains_takes_never_checked_first_then_the_stalest(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    for (office, domain) in
        [(a.id, "a-old.example"), (b.id, "b-new.example"), (b.id, "b-stale.example"), (a.id, "a-stale.example")]
    {
        store.watch_domain(office, domain, w.tick(), "cli").await.unwrap();
    }
    store.record_domain_state(b.id, "b-stale.example", &w.check("k", "ok", "{}")).await.unwrap();
    store.record_domain_state(a.id, "a-stale.example", &w.check("k", "ok", "{}")).await.unwrap();
    let cutoff = w.tick();
    store.watch_domain(a.id, "a-edge.example", w.tick(), "cli").await.unwrap();
    let edge = NewDomainState { checked_at: cutoff, ..w.check("k", "ok", "{}") };
    store.record_domain_state(a.id, "a-edge.example", &edge).await.unwrap();
    store.watch_domain(a.id, "a-fresh.example", w.tick(), "cli").await.unwrap();
    let fresh = w.check("k", "ok", "{}");
    store.record_domain_state(a.id, "a-fresh.example", &fresh).await.unwrap();
    let now = w.tick();

    let first = store.claim_due_domains(now, cutoff, 3).await.unwrap();
    let expected = [(a.id, "a-old.example"), (b.id, "b-new.example"), (b.id, "b-stale.example")];
    assert_eq!(claimed(&first), expected.map(|(o, d)| (o, d, Some(now))));
    assert_eq!(first[0].added_by, "cli");
    assert_eq!(store.watched_domain(b.id, "b-stale.example").await.unwrap().unwrap().last_checked_at, Some(now));
    let second = store.claim_due_domains(now, cutoff, 10).await.unwrap();
    assert_eq!(claimed(&second), vec![(a.id, "a-stale.example", Some(now))], "the rest, and not the first claim's");
    assert!(store.claim_due_domains(now, cutoff, 10).await.unwrap().is_empty(), "nothing left is due");

    // Later, everything is due again: the stalest first, ties in the order they were watched.
    let later = w.tick();
    assert!(store.claim_due_domains(later, later, 0).await.unwrap().is_empty(), "a limit of 0 takes nothing");
    let all = store.claim_due_domains(later, later, 10).await.unwrap();
    let order: Vec<&str> = all.iter().map(|d| d.domain.as_str()).collect();
    let stalest_first =
        ["a-edge.example", "a-fresh.example", "a-old.example", "b-new.example", "b-stale.example", "a-stale.example"];
    assert_eq!(order, stalest_first);
    assert!(all.iter().all(|d| d.last_checked_at == Some(later)));
    store.close().await;
}

/// Two servers running the scheduled re-check at the same moment (two store
/// handles, claims in flight together) never take the same domain, and
/// between them take everything due.
pub async fn concurrent_claims_never_take_the_same_domain(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let other = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let mut due = BTreeSet::new();
    for i in 0..20 {
        let office = if i % 2 == 0 { a.id } else { b.id };
        let domain = format!("d{i:02}.example");
        store.watch_domain(office, &domain, w.tick(), "cli").await.unwrap();
        due.insert((office, domain));
    }
    // Each round finds everything due again, since the last round's claims
    // are older than this round's cutoff.
    for round in 0..3 {
        let now = w.tick();
        let (mine, theirs) = tokio::join!(store.claim_due_domains(now, now, 12), other.claim_due_domains(now, now, 12));
        let (mine, theirs) = (mine.unwrap(), theirs.unwrap());
        assert!(mine.len() <= 12 && theirs.len() <= 12, "round {round}: a claim exceeded its limit");
        let taken: BTreeSet<_> = mine.iter().chain(&theirs).map(|d| (d.office_id, d.domain.clone())).collect();
        assert_eq!(taken.len(), mine.len() + theirs.len(), "round {round}: a domain was claimed twice");
        assert_eq!(taken, due, "round {round}: a due domain was left unclaimed");
        assert!(mine.iter().chain(&theirs).all(|d| d.last_checked_at == Some(now)));
        assert!(store.claim_due_domains(now, now, 20).await.unwrap().is_empty());
    }
    other.close().await;
    store.close().await;
}

/// A NUL character (U+0000) in a domain's text is stored as U+FFFD, as in the
/// audit log, on every backend (PostgreSQL cannot hold NUL in text); a lookup
/// by the text as the caller knows it still finds it.
pub async fn nul_in_domain_text_is_replaced(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let watched = store.watch_domain(office.id, "nul\0.example", w.tick(), "sam\0@x.uk").await.unwrap();
    assert_eq!((watched.domain.as_str(), watched.added_by.as_str()), ("nul\u{FFFD}.example", "sam\u{FFFD}@x.uk"));
    assert_eq!(store.watched_domain(office.id, "nul\0.example").await.unwrap(), Some(watched.clone()));
    assert_eq!(store.watched_domains(office.id).await.unwrap(), vec![watched]);
    let check = w.check("key\0", "ok\0", "{\"pasted\":\"\0\"}");
    assert!(store.record_domain_state(office.id, "nul\0.example", &check).await.unwrap());
    let stored = store.domain_states(office.id, "nul\0.example", 10).await.unwrap();
    assert_eq!((stored[0].worst.as_str(), stored[0].report_json.as_str()), ("ok\u{FFFD}", "{\"pasted\":\"\u{FFFD}\"}"));
    let again = w.check("key\0", "ok", "{}");
    assert!(!store.record_domain_state(office.id, "nul\0.example", &again).await.unwrap(), "same key, no change");
    let states = store.domain_states(office.id, "nul\0.example", 10).await.unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!((states[0].domain.as_str(), states[0].state_key.as_str()), ("nul\u{FFFD}.example", "key\u{FFFD}"));
    assert_eq!((states[0].first_seen_at, states[0].last_seen_at), (check.checked_at, again.checked_at));
    let replaced = NewDomainState { state_key: "key\u{FFFD}".into(), worst: "ok\u{FFFD}".into(), ..check.clone() };
    assert!(!store.record_domain_state(office.id, "nul\u{FFFD}.example", &replaced).await.unwrap());
    assert!(store.unwatch_domain(office.id, "nul\0.example").await.unwrap());
    store.close().await;
}
