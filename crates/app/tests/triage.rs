//! Phishing triage as an office meets it: upload a suspicious email and get
//! a verdict and a safe view; the office's call on it changes how the next
//! message from that sender is weighed; its known senders are its own and
//! count only when a mail server the office trusts vouches for them; and
//! no office ever reads, or judges, another office's reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{colleague, office, two_offices};
use portcullis_app::policy::Denied;
use portcullis_app::{AppError, PhishError};
use portcullis_store::{AuditQuery, Outcome};

/// A message from `from` about `subject`, with a link whose words and destination disagree.
fn message(from: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: jane@jane-smith.org.uk\r\nSubject: {subject}\r\n\
         Date: Mon, 24 Nov 2025 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Hello, please see the minutes.</p><script>alert(1)</script>\r\n"
    )
    .into_bytes()
}

fn codes(t: &portcullis_app::Triaged) -> Vec<&'static str> {
    t.triage.reasons.iter().map(|r| r.code).collect()
}

#[tokio::test]
async fn an_upload_is_triaged_stored_without_its_body_and_audited() {
    let (d, sam) = office().await;
    let raw = message("Council Office <minutes@council.example>", "Minutes of Tuesday's meeting");
    let done = d.app.triage_upload(&sam, &raw, "minutes.eml").await.unwrap();
    assert_eq!(done.report.report.from_address, "minutes@council.example");
    assert_eq!(done.report.report.subject, "Minutes of Tuesday's meeting");
    assert_eq!(done.report.report.score, done.triage.score);
    assert_eq!(done.report.report.message_sha256.len(), 64);
    assert_eq!(done.view.headers.subject, "Minutes of Tuesday's meeting");
    assert!(!done.view.body_html.contains("<script"));

    let listed = d.app.phish_reports(&sam).await.unwrap();
    assert_eq!(listed, vec![done.report.clone()]);
    let id = done.report.report.id.to_string();
    assert_eq!(d.app.phish_report(&sam, &id).await.unwrap(), done.report);
    let log = d.app.store().list_audit(sam.user.office_id.unwrap(), &AuditQuery::default()).await.unwrap();
    assert_eq!(log[0].action, "phish.triaged");
    assert_eq!(log[0].target.as_deref(), Some(format!("phish_report:{id}").as_str()));
    assert!(!log[0].detail.contains("Minutes"), "the subject stays out of the audit log");

    let junk = d.app.triage_upload(&sam, b"not an email at all", "notes.txt").await;
    assert!(matches!(&junk, Err(PhishError::Unreadable(m)) if m.contains("notes.txt is not an email")), "{junk:?}");
    assert!(matches!(d.app.triage_upload(&sam, b"", "empty.eml").await, Err(PhishError::Unreadable(_))));
    assert_eq!(d.app.phish_reports(&sam).await.unwrap().len(), 1, "nothing stored for an unreadable file");
}

#[tokio::test]
async fn the_offices_calls_change_how_the_next_message_is_weighed() {
    let (d, sam) = office().await;
    let from = "Accounts <accounts@invoices-portal.example>";
    let first = d.app.triage_upload(&sam, &message(from, "Invoice 1"), "1.eml").await.unwrap();
    assert!(codes(&first).contains(&"new_sender"), "{:?}", codes(&first));
    assert!(!codes(&first).contains(&"office_marked_phishing"));

    d.app.record_phish_outcome(&sam, &first.report.report.id.to_string(), Outcome::Phishing).await.unwrap();
    let stored = d.app.phish_report(&sam, &first.report.report.id.to_string()).await.unwrap();
    assert_eq!((stored.outcome, stored.outcome_by.as_deref()), (Some(Outcome::Phishing), Some("sam@example.org.uk")));
    let second = d.app.triage_upload(&sam, &message(from, "Invoice 2"), "2.eml").await.unwrap();
    assert!(codes(&second).contains(&"office_marked_phishing"), "{:?}", codes(&second));
    assert!(second.triage.score > first.triage.score, "{} then {}", first.triage.score, second.triage.score);

    let friend = "Pat <pat@friends-of-the-park.example>";
    let hello = d.app.triage_upload(&sam, &message(friend, "Park clean-up"), "3.eml").await.unwrap();
    assert!(codes(&hello).contains(&"new_sender"));
    d.app.record_phish_outcome(&sam, &hello.report.report.id.to_string(), Outcome::Safe).await.unwrap();
    let again = d.app.triage_upload(&sam, &message(friend, "Park clean-up, again"), "4.eml").await.unwrap();
    assert!(!codes(&again).contains(&"new_sender"), "{:?}", codes(&again));
    assert!(again.triage.score <= hello.triage.score);

    let office = sam.user.office_id.unwrap();
    let log = d.app.store().list_audit(office, &AuditQuery::default()).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"phish.marked_safe") && actions.contains(&"phish.marked_phishing"), "{actions:?}");
}

#[tokio::test]
async fn known_senders_are_listed_checked_and_audited() {
    let (d, sam) = office().await;
    let value = d.app.add_known_sender(&sam, " @Printing.Example.co.uk ", "Our printers").await.unwrap();
    assert_eq!(value, "printing.example.co.uk");
    assert!(matches!(d.app.add_known_sender(&sam, "printing.example.co.uk", "").await, Err(PhishError::AlreadyListed)));
    assert!(matches!(d.app.add_known_sender(&sam, "not a domain", "").await, Err(PhishError::Sender(_))));
    let listed = d.app.known_senders(&sam).await.unwrap();
    assert_eq!((listed.len(), listed[0].note.as_str()), (1, "Our printers"));

    let known = d.app.triage_upload(&sam, &message("jo@printing.example.co.uk", "Proofs"), "p.eml").await.unwrap();
    assert!(!codes(&known).contains(&"new_sender"), "a known sender is not new: {:?}", codes(&known));

    d.app.remove_known_sender(&sam, "printing.example.co.uk").await.unwrap();
    assert!(matches!(d.app.remove_known_sender(&sam, "printing.example.co.uk").await, Err(PhishError::NotListed)));
    let log = d.app.store().list_audit(sam.user.office_id.unwrap(), &AuditQuery::default()).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"phish.sender_added") && actions.contains(&"phish.sender_removed"), "{actions:?}");
}

/// A supplier's invoice as it arrives through Microsoft 365: its header on
/// top, with no authserv-id, saying the sender passed every check.
fn through_microsoft_365(from: &str) -> Vec<u8> {
    format!(
        "Authentication-Results: spf=pass (sender IP is 192.0.2.25) smtp.mailfrom=supplier.example;          dkim=pass (signature was verified) header.d=supplier.example;dmarc=pass action=none          header.from=supplier.example;compauth=pass reason=100\r\n         Authentication-Results: mx.forger.example; dmarc=pass header.from=supplier.example\r\n{}",
        String::from_utf8(message(from, "Invoice for November")).unwrap()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_known_sender_counts_only_when_a_trusted_server_vouches_for_it() {
    let (d, sam) = office().await;
    d.app.add_known_sender(&sam, "supplier.example", "Our stationery supplier").await.unwrap();
    let raw = through_microsoft_365("Supplier Accounts <accounts@supplier.example>");

    let untrusted = d.app.triage_upload(&sam, &raw, "before.eml").await.unwrap();
    assert!(!codes(&untrusted).contains(&"known_sender"), "{:?}", codes(&untrusted));
    assert!(!codes(&untrusted).contains(&"dmarc_pass"), "no server is trusted yet: {:?}", codes(&untrusted));
    assert!(d.app.trusted_servers(&sam).await.unwrap().is_empty());

    let set = d.app.set_trusted_servers(&sam, " Microsoft-365 ").await.unwrap();
    assert_eq!(set, vec!["microsoft-365".to_owned()]);
    assert_eq!(d.app.trusted_servers(&sam).await.unwrap(), set);
    let trusted = d.app.triage_upload(&sam, &raw, "after.eml").await.unwrap();
    assert!(codes(&trusted).contains(&"known_sender"), "{:?}", codes(&trusted));
    assert!(codes(&trusted).contains(&"dmarc_pass"), "{:?}", codes(&trusted));

    let log = d.app.store().list_audit(sam.user.office_id.unwrap(), &AuditQuery::default()).await.unwrap();
    let entry = log.iter().find(|e| e.action == "phish.servers_set").unwrap();
    assert_eq!(entry.detail, "microsoft-365");

    let both = d.app.set_trusted_servers(&sam, "mx.google.com,\nmicrosoft-365 MX.GOOGLE.COM").await.unwrap();
    assert_eq!(both, vec!["microsoft-365".to_owned(), "mx.google.com".to_owned()], "sorted, each once");
    assert!(d.app.set_trusted_servers(&sam, "").await.unwrap().is_empty(), "an empty list clears it");
    let cleared = d.app.triage_upload(&sam, &raw, "cleared.eml").await.unwrap();
    assert!(!codes(&cleared).contains(&"known_sender"), "{:?}", codes(&cleared));
}

#[tokio::test]
async fn a_bad_server_list_is_refused_and_only_managers_may_set_one() {
    let (d, sam) = office().await;
    d.app.set_trusted_servers(&sam, "microsoft-365").await.unwrap();
    let bad = d.app.set_trusted_servers(&sam, "mx.google.com, mail_2.example").await.unwrap_err();
    let named = "\"mail_2.example\" is not a mail server name";
    assert!(matches!(&bad, PhishError::Servers(m) if m.contains(named)), "{bad:?}");
    let bad = d.app.set_trusted_servers(&sam, "<script>alert(1)</script>").await.unwrap_err();
    assert!(matches!(bad, PhishError::Servers(_)), "{bad:?}");
    let many: Vec<String> = (0..11).map(|i| format!("mx{i}.example.org")).collect();
    let bad = d.app.set_trusted_servers(&sam, &many.join(", ")).await.unwrap_err();
    assert!(matches!(&bad, PhishError::Servers(m) if m.contains("at most 10")), "{bad:?}");
    assert_eq!(d.app.trusted_servers(&sam).await.unwrap(), vec!["microsoft-365".to_owned()], "unchanged");

    for (role, email) in [("caseworker", "kim@example.org.uk"), ("readonly", "rae@example.org.uk")] {
        let who = colleague(&d, &sam, role, email).await;
        let refused = d.app.set_trusted_servers(&who, "mx.google.com").await.unwrap_err();
        assert!(matches!(refused, PhishError::Other(AppError::Denied(Denied::Forbidden))), "{role}: {refused:?}");
        assert_eq!(d.app.trusted_servers(&who).await.unwrap(), vec!["microsoft-365".to_owned()], "{role} may read");
    }
}

#[tokio::test]
async fn an_office_never_reads_or_judges_another_offices_report() {
    let (d, a, b) = two_offices().await;
    let theirs = d.app.triage_upload(&b, &message("x@evil.example", "B's casework"), "b.eml").await.unwrap();
    let id = theirs.report.report.id.to_string();
    let missing = "0f8fad5b-d9cb-469f-a165-70867728950e";

    let read = d.app.phish_report(&a, &id).await.unwrap_err();
    let ghost = d.app.phish_report(&a, missing).await.unwrap_err();
    assert!(matches!(read, AppError::NotFound(_)), "{read:?}");
    assert_eq!(read.to_string(), ghost.to_string(), "another office's report is just not found");
    assert!(matches!(d.app.phish_report(&a, "not-an-id").await, Err(AppError::NotFound(_))));

    let judged = d.app.record_phish_outcome(&a, &id, Outcome::Safe).await.unwrap_err();
    let judged_ghost = d.app.record_phish_outcome(&a, missing, Outcome::Safe).await.unwrap_err();
    assert_eq!(judged.to_string(), judged_ghost.to_string());
    assert_eq!(d.app.phish_report(&b, &id).await.unwrap().outcome, None, "office B's report is untouched");
    assert!(d.app.phish_reports(&a).await.unwrap().is_empty());

    // Office B's call teaches only office B.
    d.app.record_phish_outcome(&b, &id, Outcome::Phishing).await.unwrap();
    let in_a = d.app.triage_upload(&a, &message("x@evil.example", "Hello"), "a.eml").await.unwrap();
    assert!(!codes(&in_a).contains(&"office_marked_phishing"), "{:?}", codes(&in_a));
}
