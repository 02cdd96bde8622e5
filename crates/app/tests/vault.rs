//! Password audits as the office keeps them: findings recorded from the
//! command line or uploaded as `vault audit --json`, recomputed from their
//! facts, never holding a password; each person sees their own to-do list,
//! the MP and managers see counts only; no office sees another's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{colleague, office, two_offices};
use portcullis_app::AppError;
use portcullis_app::vault::local::run_audit;
use portcullis_breach::Secret;
use portcullis_breach::audit::{MemoryLookup, Report};
use portcullis_breach::twofa::Directory;
use portcullis_breach::vault::Entry;
use portcullis_store::AuditQuery;
use portcullis_types::{Email, SeqRandom};

fn report(d: &common::Deployment, passwords: &[(&str, &str)]) -> Report {
    let entries: Vec<Entry> = passwords
        .iter()
        .map(|(title, password)| Entry {
            title: (*title).to_owned(),
            site: Some(format!("https://{}.example/login", title.to_lowercase())),
            username: Some("kim@home.example".to_owned()),
            password: Secret::from(*password),
            ..Entry::default()
        })
        .collect();
    let directory =
        Directory::from_json(br#"{"Chirp": {"domain": "chirp.example", "tfa": ["totp"], "categories": []}}"#).unwrap();
    let mut breach = MemoryLookup::sha1_of(&[("letmein", 7), ("x", 7)]);
    run_audit(&entries, Some(&directory), Some(&mut breach), d.app.clock(), &SeqRandom::new(1)).unwrap()
}

#[tokio::test]
async fn uploaded_results_are_recorded_recomputed_and_shown_to_their_owner() {
    let (d, sam) = office().await;
    let kim = colleague(&d, &sam, "caseworker", "kim@example.org.uk").await;
    let first = report(&d, &[("Chirp", "letmein"), ("Bank", "letmein"), ("Notes", "x")]);
    let mut forged: serde_json::Value = serde_json::to_value(&first).unwrap();
    forged["summary"]["needs_action"] = 0.into();
    forged["entries"][0]["todo"] = serde_json::json!([]);
    forged["entries"][0]["password"] = "letmein".into();
    let id = d.app.upload_vault_results(&kim, forged.to_string().as_bytes()).await.unwrap();

    let page = d.app.vault_person(&kim, &kim.user.id.to_string()).await.unwrap();
    let latest = page.latest.unwrap();
    assert_eq!(latest, first, "the to-do lists and counts follow from the facts, not the file");
    assert_eq!(page.history.len(), 1);
    assert_eq!(page.history[0].id, id);
    let stored = d.app.store().vault_audit(kim.user.office_id.unwrap(), id).await.unwrap().unwrap();
    assert!(!stored.audit.entries_json.contains("letmein"), "unknown fields are dropped");
    let log = d.app.store().list_audit(kim.user.office_id.unwrap(), &AuditQuery::default()).await.unwrap();
    assert_eq!(log[0].action, "vault.recorded");
    assert!(log[0].detail.contains("3 entries"), "{}", log[0].detail);

    for junk in [&b""[..], b"{\"entries\": 5}", b"not json"] {
        let error = d.app.upload_vault_results(&kim, junk).await.unwrap_err();
        assert!(matches!(error, AppError::Refused(_)), "{error:?}");
    }
}

#[tokio::test]
async fn managers_see_counts_and_progress_but_not_other_peoples_entries() {
    let (d, sam) = office().await;
    let kim = colleague(&d, &sam, "staff", "kim@example.org.uk").await;
    let kim_email = Email::new("kim@example.org.uk").unwrap();
    let office = sam.user.office_id.unwrap();
    d.app
        .record_vault_audit_cli(office, &kim_email, &report(&d, &[("Chirp", "letmein"), ("Bank", "letmein")]))
        .await
        .unwrap();
    d.clock.advance_secs(7 * 86_400);
    let better = report(&d, &[("Chirp", "Glacier-Mango-Typewriter-88-Quay")]);
    d.app.record_vault_audit_cli(office, &kim_email, &better).await.unwrap();

    let overview = d.app.vault_overview(&sam).await.unwrap();
    assert_eq!(overview.len(), 2, "the manager sees everyone");
    let line = overview.iter().find(|p| p.user.id == kim.user.id).unwrap();
    assert_eq!(line.latest.as_ref().unwrap().summary, better.summary, "the newest audit counts");
    assert!(overview.iter().find(|p| p.user.id == sam.user.id).unwrap().latest.is_none());

    let seen_by_sam = d.app.vault_person(&sam, &kim.user.id.to_string()).await.unwrap();
    assert_eq!(seen_by_sam.history.len(), 2, "progress over time");
    assert!(seen_by_sam.history[0].summary.needs_action < seen_by_sam.history[1].summary.needs_action);
    assert!(seen_by_sam.latest.is_none(), "entry names are for Kim alone");

    let kims_view = d.app.vault_overview(&kim).await.unwrap();
    assert_eq!(kims_view.len(), 1, "staff see their own line only");
    let refused = d.app.vault_person(&kim, &sam.user.id.to_string()).await.unwrap_err();
    assert!(matches!(refused, AppError::NotFound(_)), "{refused:?}");

    let stranger = Email::new("nobody@example.org.uk").unwrap();
    let error = d.app.record_vault_audit_cli(office, &stranger, &better).await.unwrap_err();
    assert!(error.to_string().contains("not a member"), "{error}");
}

#[tokio::test]
async fn no_office_sees_another_offices_audits() {
    let (d, a, b) = two_offices().await;
    d.app
        .upload_vault_results(&b, serde_json::to_string(&report(&d, &[("Chirp", "x")])).unwrap().as_bytes())
        .await
        .unwrap();
    let theirs = d.app.vault_person(&a, &b.user.id.to_string()).await.unwrap_err();
    let ghost = d.app.vault_person(&a, "0f8fad5b-d9cb-469f-a165-70867728950e").await.unwrap_err();
    assert_eq!(theirs.to_string(), ghost.to_string(), "another office's person is just not found");
    assert!(d.app.vault_overview(&a).await.unwrap().iter().all(|p| p.user.id != b.user.id));
    let b_email = Email::new(b.user.email.as_str()).unwrap();
    let error = d.app.record_vault_audit_cli(a.user.office_id.unwrap(), &b_email, &report(&d, &[])).await.unwrap_err();
    assert!(error.to_string().contains("not a member"), "{error}");
    assert_eq!(d.app.vault_person(&b, &b.user.id.to_string()).await.unwrap().history.len(), 1);
}
