//! Stories about phishing triage reports, the office's calls on them, its
//! known senders and the receiving mail servers it trusts.

use portcullis_types::{OfficeId, UserId};

use super::{Harness, World, open};
use crate::{
    KnownSender, NewPhishReport, Outcome, PhishKnowledge, PhishReport, ReportId, ReportSource, StoreError, StoredReason,
};

impl World {
    /// A triaged message from `from`, a second after the last thing that happened.
    fn report(&self, office: OfficeId, from: &str, verdict: &str, score: u8) -> NewPhishReport {
        NewPhishReport {
            id: ReportId::generate(&self.random),
            office_id: office,
            reported_at: self.tick(),
            reported_by: Some(UserId::generate(&self.random)),
            source: ReportSource::Upload,
            subject: format!("Message from {from}"),
            from_address: from.to_owned(),
            message_sha256: "ab".repeat(32),
            verdict: verdict.to_owned(),
            score,
            reasons: vec![
                StoredReason {
                    code: "link_text_mismatch".into(),
                    weight: 60,
                    explanation: "A link says \"hmrc.gov.uk\" but goes to evil.example".into(),
                },
                StoredReason { code: "known_sender".into(), weight: -20, explanation: "Known".into() },
            ],
        }
    }

    fn sender(&self, office: OfficeId, value: &str) -> KnownSender {
        KnownSender {
            office_id: office,
            value: value.to_owned(),
            note: format!("{value}: our supplier"),
            added_by: "sam@a.uk".into(),
            added_at: self.tick(),
        }
    }
}

fn unjudged(report: NewPhishReport) -> PhishReport {
    PhishReport { report, outcome: None, outcome_by: None, outcome_at: None }
}

/// Reports read back exactly as written, newest first and at most as many
/// as asked; an office never reads, lists or judges another office's
/// report, even knowing its id; ids are unique and the office must exist.
pub async fn phish_reports_round_trip_newest_first_and_per_office(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let written = w.report(a.id, "x@evil.example", "phishing", 91);
    let first = store.add_phish_report(&written).await.unwrap();
    assert_eq!(first, unjudged(written));
    let mut second = w.report(a.id, "", "clean", 0);
    second.reported_by = None;
    second.source = ReportSource::Cli;
    second.reasons.clear();
    second.subject = "Siân's \"urgent\" <b>invoice</b> 🏛️\0".into();
    let second = store.add_phish_report(&second).await.unwrap();
    assert_eq!(second.report.subject, "Siân's \"urgent\" <b>invoice</b> 🏛️\u{FFFD}", "NUL replaced");
    let theirs = store.add_phish_report(&w.report(b.id, "y@evil.example", "suspicious", 45)).await.unwrap();

    assert_eq!(store.phish_reports(a.id, 10).await.unwrap(), vec![second.clone(), first.clone()]);
    assert_eq!(store.phish_reports(a.id, 1).await.unwrap(), vec![second.clone()]);
    assert!(store.phish_reports(a.id, 0).await.unwrap().is_empty());
    assert_eq!(store.phish_reports(b.id, 10).await.unwrap(), vec![theirs.clone()]);
    assert_eq!(store.phish_report(a.id, first.report.id).await.unwrap(), Some(first.clone()));
    assert_eq!(store.phish_report(a.id, theirs.report.id).await.unwrap(), None, "office A read office B's report");
    assert_eq!(store.phish_report(b.id, first.report.id).await.unwrap(), None, "office B read office A's report");

    let at = w.tick();
    assert!(!store.set_phish_outcome(a.id, theirs.report.id, Outcome::Safe, "sam@a.uk", at).await.unwrap());
    assert_eq!(store.phish_report(b.id, theirs.report.id).await.unwrap(), Some(theirs.clone()), "unchanged");
    assert!(store.set_phish_outcome(a.id, first.report.id, Outcome::Phishing, "sam@a.uk", at).await.unwrap());
    let judged = store.phish_report(a.id, first.report.id).await.unwrap().unwrap();
    assert_eq!(
        (judged.outcome, judged.outcome_by.as_deref(), judged.outcome_at),
        (Some(Outcome::Phishing), Some("sam@a.uk"), Some(at))
    );

    let mut clash = w.report(a.id, "z@evil.example", "clean", 1);
    clash.id = first.report.id;
    assert!(matches!(store.add_phish_report(&clash).await, Err(StoreError::Conflict(_))));
    let ghost = OfficeId::generate(&w.random);
    let err = store.add_phish_report(&w.report(ghost, "a@b.example", "clean", 0)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    store.close().await;
}

/// Known senders are the office's own: listed by value, unique per office
/// (another office may list the same), removed only by their office.
pub async fn known_senders_are_per_office_and_unique(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let printer = w.sender(a.id, "printer.example");
    let agent = w.sender(a.id, "agent@lettings.example");
    store.add_known_sender(&printer).await.unwrap();
    store.add_known_sender(&agent).await.unwrap();
    let theirs = w.sender(b.id, "printer.example");
    store.add_known_sender(&theirs).await.unwrap();
    assert_eq!(store.known_senders(a.id).await.unwrap(), vec![agent.clone(), printer.clone()], "by value");
    assert_eq!(store.known_senders(b.id).await.unwrap(), vec![theirs.clone()]);

    let err = store.add_known_sender(&w.sender(a.id, "printer.example")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let ghost = OfficeId::generate(&w.random);
    assert!(matches!(store.add_known_sender(&w.sender(ghost, "x.example")).await, Err(StoreError::NotFound(_))));

    assert!(!store.remove_known_sender(b.id, "agent@lettings.example").await.unwrap(), "not office B's");
    assert!(store.remove_known_sender(a.id, "printer.example").await.unwrap());
    assert!(!store.remove_known_sender(a.id, "printer.example").await.unwrap(), "already gone");
    assert_eq!(store.known_senders(a.id).await.unwrap(), vec![agent]);
    assert_eq!(store.known_senders(b.id).await.unwrap(), vec![theirs], "office B's copy stays");
    store.close().await;
}

/// What triage learns is the office's own: its known senders, and the
/// senders of the reports it called phishing or safe (distinct, sorted; a
/// changed call moves the sender; empty addresses and other offices' calls
/// are left out).
pub async fn phish_knowledge_follows_the_offices_calls(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    assert_eq!(store.phish_knowledge(a.id).await.unwrap(), PhishKnowledge::default());
    store.add_known_sender(&w.sender(a.id, "printer.example")).await.unwrap();
    let mut ids = Vec::new();
    for from in ["z@evil.example", "z@evil.example", "a@evil.example", "friend@ok.example", ""] {
        ids.push(store.add_phish_report(&w.report(a.id, from, "suspicious", 50)).await.unwrap().report.id);
    }
    let theirs = store.add_phish_report(&w.report(b.id, "b@elsewhere.example", "clean", 0)).await.unwrap();
    let at = w.tick();
    for (i, outcome) in [(0, Outcome::Phishing), (1, Outcome::Phishing), (2, Outcome::Safe), (3, Outcome::Safe)] {
        store.set_phish_outcome(a.id, ids[i], outcome, "sam@a.uk", at).await.unwrap();
    }
    store.set_phish_outcome(a.id, ids[4], Outcome::Phishing, "sam@a.uk", at).await.unwrap();
    store.set_phish_outcome(b.id, theirs.report.id, Outcome::Phishing, "bob@b.uk", at).await.unwrap();
    // a@evil.example was called safe, then phishing after all.
    store.set_phish_outcome(a.id, ids[2], Outcome::Phishing, "sam@a.uk", w.tick()).await.unwrap();

    let knowledge = store.phish_knowledge(a.id).await.unwrap();
    assert_eq!(
        knowledge,
        PhishKnowledge {
            known_senders: vec!["printer.example".into()],
            marked_phishing: vec!["a@evil.example".into(), "z@evil.example".into()],
            seen_safe: vec!["friend@ok.example".into()],
            trusted_servers: Vec::new(),
        }
    );
    let theirs = store.phish_knowledge(b.id).await.unwrap();
    assert_eq!(theirs.marked_phishing, vec!["b@elsewhere.example".to_owned()]);
    assert!(theirs.known_senders.is_empty() && theirs.seen_safe.is_empty());
    store.close().await;
}

/// The receiving servers an office trusts are its own list: set whole,
/// replaced whole (a value given twice is kept once), read back sorted in
/// the office's knowledge, never seen by another office, cleared by an
/// empty list; a missing office is not found.
pub async fn trusted_servers_are_replaced_whole_and_per_office(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
    assert!(store.phish_knowledge(a.id).await.unwrap().trusted_servers.is_empty(), "none until set");

    store.set_trusted_servers(a.id, &list(&["mx.office-a.example", "microsoft-365"])).await.unwrap();
    store.set_trusted_servers(b.id, &list(&["mx.google.com"])).await.unwrap();
    let servers = |k: PhishKnowledge| k.trusted_servers;
    assert_eq!(
        servers(store.phish_knowledge(a.id).await.unwrap()),
        list(&["microsoft-365", "mx.office-a.example"]),
        "sorted"
    );

    store
        .set_trusted_servers(a.id, &list(&["relay.office-a.example", "mx.google.com", "mx.google.com"]))
        .await
        .unwrap();
    assert_eq!(
        servers(store.phish_knowledge(a.id).await.unwrap()),
        list(&["mx.google.com", "relay.office-a.example"]),
        "the old list is gone, the duplicate kept once"
    );
    assert_eq!(servers(store.phish_knowledge(b.id).await.unwrap()), list(&["mx.google.com"]), "office B's own");

    store.set_trusted_servers(a.id, &[]).await.unwrap();
    assert!(servers(store.phish_knowledge(a.id).await.unwrap()).is_empty(), "an empty list clears");
    assert_eq!(servers(store.phish_knowledge(b.id).await.unwrap()), list(&["mx.google.com"]), "office B's stays");

    let ghost = OfficeId::generate(&w.random);
    let err = store.set_trusted_servers(ghost, &list(&["mx.google.com"])).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let err = store.set_trusted_servers(ghost, &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    store.close().await;
}
