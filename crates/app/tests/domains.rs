//! Watched domains as an office manager meets them: add one and it is
//! checked; a later check that finds a change is audited and emailed to the
//! managers; the daily job re-checks what is due; other offices and roles
//! see nothing they should not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::{Arc, Mutex};

use common::{PASSWORD, deployment, signed_in};
use portcullis_app::mail::{Delivery, MailError, Mailer, OutgoingMail};
use portcullis_app::{AccountForm, AppError, DomainError, RECHECK_AFTER_SECS};
use portcullis_dnscheck::fake::FakeResolver;
use portcullis_dnscheck::fetch::FakeFetcher;
use portcullis_dnscheck::{Rdata, RecordType, Status};
use portcullis_store::AuditQuery;

/// Keeps every message "sent".
#[derive(Debug, Default)]
struct Outbox(Mutex<Vec<(String, String, String)>>);

#[async_trait::async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivery, MailError> {
        self.0.lock().unwrap().push((mail.to.to_string(), mail.subject.clone(), mail.body.to_string()));
        Ok(Delivery::Sent)
    }
}

/// The office's domain as published: good SPF, and DMARC at `policy`.
fn dns(policy: &str) -> Arc<FakeResolver> {
    Arc::new(
        FakeResolver::new()
            .record("jane-smith.test", RecordType::Soa, Rdata::Soa)
            .mx("jane-smith.test", 10, "mx.jane-smith.test")
            .a("mx.jane-smith.test", [192, 0, 2, 25])
            .txt("jane-smith.test", &["v=spf1 mx -all"])
            .txt("_dmarc.jane-smith.test", &[&format!("v=DMARC1; p={policy}; rua=mailto:d@jane-smith.test")]),
    )
}

/// An office (set up by its manager, Sam) that watches jane-smith.test.
async fn watching_office() -> (common::Deployment, portcullis_app::auth::SignedIn) {
    let mut d = deployment().await;
    d.app = d.app.clone().with_network(dns("reject"), Arc::new(FakeFetcher::new()));
    let form = AccountForm { name: "Sam Okafor", email: "sam@example.org.uk", password: PASSWORD };
    d.app.set_up("Office of Jane Smith MP", &form).await.unwrap();
    let sam = signed_in(&d, "sam@example.org.uk").await;
    d.app.watch_domain(&sam, "jane-smith.test").await.unwrap();
    (d, sam)
}

#[tokio::test]
async fn a_domain_is_checked_when_added_and_a_change_is_audited_and_emailed() {
    let mut d = deployment().await;
    let outbox = Arc::new(Outbox::default());
    d.app = d.app.clone().with_mailer(outbox.clone()).with_network(dns("reject"), Arc::new(FakeFetcher::new()));
    let form = AccountForm { name: "Sam Okafor", email: "sam@example.org.uk", password: PASSWORD };
    let (office, _) = d.app.set_up("Office of Jane Smith MP", &form).await.unwrap();
    let sam = signed_in(&d, "sam@example.org.uk").await;

    let name = d.app.watch_domain(&sam, " Jane-Smith.TEST. ").await.unwrap();
    assert_eq!(name.as_str(), "jane-smith.test");
    assert!(matches!(d.app.watch_domain(&sam, "jane-smith.test").await, Err(DomainError::AlreadyWatched)));
    assert!(
        matches!(d.app.watch_domain(&sam, "192.0.2.1").await, Err(DomainError::Name(m)) if m.contains("IP address"))
    );
    let first = d.app.domain_detail(&sam, "jane-smith.test").await.unwrap();
    let report = first.report.unwrap();
    let dmarc = report.findings.iter().find(|f| f.code.starts_with("dmarc.")).unwrap();
    assert_eq!(dmarc.status, Status::Ok);
    assert_eq!(first.history.len(), 1);
    assert!(outbox.0.lock().unwrap().is_empty(), "the first check is not a change");

    // Checked again with nothing changed: no new state, no alert.
    d.app.recheck_domain(&sam, "jane-smith.test").await.unwrap();
    assert_eq!(d.app.domain_detail(&sam, "jane-smith.test").await.unwrap().history.len(), 1);

    // Someone weakens DMARC to p=none: the next check says so.
    d.clock.advance_secs(3600);
    let weakened = d.app.clone().with_network(dns("none"), Arc::new(FakeFetcher::new()));
    weakened.recheck_domain(&sam, "jane-smith.test").await.unwrap();
    let after = weakened.domain_detail(&sam, "jane-smith.test").await.unwrap();
    assert_eq!(after.history.len(), 2);
    assert!(
        after.history[0].changes.iter().any(|l| l.starts_with("DMARC: ok → warn")),
        "{:?}",
        after.history[0].changes
    );
    let log = d.app.store().list_audit(office.id, &AuditQuery { limit: 50, ..Default::default() }).await.unwrap();
    let changed = log.iter().find(|e| e.action == "domain.changed").unwrap();
    assert!(changed.detail.contains("DMARC: ok → warn"), "{}", changed.detail);
    let sent = outbox.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "sam@example.org.uk");
    assert!(sent[0].1.contains("jane-smith.test") && sent[0].2.contains("/domains/jane-smith.test"));
}

#[tokio::test]
async fn the_daily_job_rechecks_only_what_is_due() {
    let (d, sam) = watching_office().await;

    assert_eq!(d.app.run_due_domain_checks(100).await.unwrap(), 0, "just checked");
    d.clock.advance_secs(RECHECK_AFTER_SECS + 1);
    assert_eq!(d.app.run_due_domain_checks(100).await.unwrap(), 1);
    assert_eq!(d.app.run_due_domain_checks(100).await.unwrap(), 0, "claimed once");
    let listed = d.app.domains(&sam).await.unwrap();
    assert_eq!(listed[0].last_checked_at, Some(portcullis_types::Clock::now(&*d.clock)));
}

#[tokio::test]
async fn roles_and_offices_see_only_what_they_should() {
    let (d, sam) = watching_office().await;
    d.app
        .add_operator(&AccountForm { name: "Ola Operator", email: "ops@service.example.org", password: PASSWORD })
        .await
        .unwrap();
    let op = signed_in(&d, "ops@service.example.org").await;

    assert!(matches!(d.app.domains(&op).await, Err(AppError::Denied(_))), "the operator sees no office's checks");
    assert!(matches!(d.app.domain_detail(&op, "jane-smith.test").await, Err(DomainError::Other(AppError::Denied(_)))));
    assert!(matches!(d.app.domain_detail(&sam, "other.test").await, Err(DomainError::NotWatched)));
    d.app.unwatch_domain(&sam, "jane-smith.test").await.unwrap();
    assert!(d.app.domains(&sam).await.unwrap().is_empty());
    assert!(matches!(d.app.unwatch_domain(&sam, "jane-smith.test").await, Err(DomainError::NotWatched)));
}
