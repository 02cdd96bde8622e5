//! The "report phishing" mailbox as an office meets it: staff forward
//! suspicious mail to it (as an attachment, a saved file, or inline), each
//! message is triaged into the office's triage log and moved on, members
//! who asked are answered with the verdict and what to do, and nobody else
//! ever gets mail from it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Mutex;

use common::{Deployment, FakeMailbox, PASSWORD, deployment, signed_in};
use portcullis_app::auth::SignedIn;
use portcullis_app::dmarc::Folders;
use portcullis_app::mail::{Delivery, MailError, Mailer, OutgoingMail};
use portcullis_app::phish_mailbox::{Forwarded, MailboxOutcome, MailboxReport, MailboxTriaged, Reply};
use portcullis_app::{AccountForm, Actor};
use portcullis_phish::Verdict;
use portcullis_store::{AuditQuery, ReportSource};

/// Keeps what it is asked to send: (to, subject, body).
#[derive(Debug, Default)]
struct KeptMail(Mutex<Vec<(String, String, String)>>);

#[async_trait::async_trait]
impl Mailer for KeptMail {
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivery, MailError> {
        self.0.lock().unwrap().push((mail.to.to_string(), mail.subject.clone(), mail.body.to_string()));
        Ok(Delivery::Sent)
    }
}

impl KeptMail {
    fn sent(&self) -> Vec<(String, String, String)> {
        self.0.lock().unwrap().clone()
    }
}

/// A tax-refund phish with a bare IP link behind words naming hmrc.gov.uk.
const PHISH: &str = "From: \"HMRC Refunds\" <hmrc.refunds.team@gmail.com>\r\nTo: sam@example.org.uk\r\n\
    Subject: You are eligible for a tax refund\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n\
    <p>Dear Customer, you are eligible for a tax refund of 264.60 GBP. Verify your account within 24 hours:</p>\r\n\
    <a href=\"http://203.0.113.9/hmrc/claim\">www.hmrc.gov.uk/refunds</a>\r\n";

/// A forward from `from` whose second part has `part_headers` and `body`.
fn forward(from: &str, part_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: phishing@example.org.uk\r\nSubject: Fwd: tax refund\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n--fwd\r\nContent-Type: text/plain\r\n\r\n\
         Is this real?\r\n--fwd\r\n{part_headers}\r\n\r\n{body}\r\n--fwd--\r\n"
    )
    .into_bytes()
}

fn as_attachment(from: &str) -> Vec<u8> {
    forward(from, "Content-Type: message/rfc822\r\nContent-Disposition: attachment", PHISH)
}

fn as_eml_file(from: &str) -> Vec<u8> {
    let encoded = data_encoding::BASE64_MIME.encode(PHISH.as_bytes());
    forward(
        from,
        "Content-Type: application/octet-stream; name=\"refund.eml\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"refund.eml\"",
        &encoded,
    )
}

/// A forward with the phish quoted in its body, as "Forward" does.
fn inline(from: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: phishing@example.org.uk\r\nSubject: Fwd: You are eligible for a tax refund\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p>---------- Forwarded message ---------<br>\
         From: HMRC Refunds &lt;hmrc.refunds.team@gmail.com&gt;</p><p>Dear Customer, you are eligible for a tax \
         refund of 264.60 GBP. Verify your account within 24 hours:</p>\
         <a href=\"http://203.0.113.9/hmrc/claim\">www.hmrc.gov.uk/refunds</a>\r\n"
    )
    .into_bytes()
}

const SAM: &str = "Sam Okafor <Sam@Example.org.uk>";
const STRANGER: &str = "Someone <someone@elsewhere.example>";

fn folders() -> Folders {
    Folders { source: "INBOX".into(), processed: "Reported".into(), unreadable: "Unreadable".into() }
}

/// An office set up by its manager, Sam.
async fn office() -> (Deployment, SignedIn) {
    let d = deployment().await;
    let form = AccountForm { name: "Sam Okafor", email: "sam@example.org.uk", password: PASSWORD };
    d.app.set_up("Office of Jane Smith MP", &form).await.unwrap();
    let sam = signed_in(&d, "sam@example.org.uk").await;
    (d, sam)
}

async fn fetch(
    d: &Deployment,
    sam: &SignedIn,
    mailbox: &mut FakeMailbox,
    reply: Option<&dyn Mailer>,
) -> Vec<MailboxReport> {
    let office = sam.user.office_id.unwrap();
    let mut seen = Vec::new();
    let reports = d
        .app
        .fetch_phish_reports(office, mailbox, &folders(), &Actor::System, reply, |r| seen.push(r.message.clone()))
        .await
        .unwrap();
    assert_eq!(seen, reports.iter().map(|r| r.message.clone()).collect::<Vec<_>>(), "each is reported as it is done");
    reports
}

fn triaged(report: &MailboxReport) -> &MailboxTriaged {
    match &report.outcome {
        MailboxOutcome::Triaged(t) => t,
        MailboxOutcome::Unreadable { reason } => panic!("{} unreadable: {reason}", report.message),
    }
}

#[tokio::test]
async fn forwarded_attachments_are_unwrapped_triaged_and_kept_in_the_triage_log() {
    let (d, sam) = office().await;
    let mut mailbox = FakeMailbox::with(vec![as_attachment(SAM), as_eml_file(SAM)]);
    let reports = fetch(&d, &sam, &mut mailbox, None).await;

    assert_eq!(reports.len(), 2);
    let (first, second) = (triaged(&reports[0]), triaged(&reports[1]));
    assert_eq!((first.how, second.how), (Forwarded::Attachment, Forwarded::EmlFile));
    for t in [first, second] {
        assert_eq!(t.triage.verdict, Verdict::Phishing, "{:?}", t.triage.reasons);
        assert_eq!(
            t.triage.summary.subject, "You are eligible for a tax refund",
            "the forwarded email, not the forward"
        );
        assert_eq!(t.reported_by.as_ref().map(ToString::to_string).as_deref(), Some("sam@example.org.uk"));
        assert_eq!(t.reply, Reply::NotAsked);
        assert_eq!(t.note, None, "nothing was lost by forwarding as an attachment");
    }
    assert_eq!(mailbox.uids("INBOX"), Vec::<u32>::new());
    assert_eq!(mailbox.uids("Reported"), vec![1, 2]);

    let log = d.app.phish_reports(&sam).await.unwrap();
    assert_eq!(log.len(), 2);
    for row in &log {
        assert_eq!(row.report.source, ReportSource::Mailbox);
        assert_eq!(row.report.reported_by, Some(sam.user.id));
        assert_eq!(row.report.from_address, "hmrc.refunds.team@gmail.com");
        assert_eq!(row.report.verdict, "phishing");
    }
    let ids: Vec<_> = log.iter().map(|r| r.report.id).collect();
    assert!(ids.contains(&first.report) && ids.contains(&second.report));
    assert_eq!(log[0].report.message_sha256, log[1].report.message_sha256, "the same email, however it came");

    let audit = d.app.store().list_audit(sam.user.office_id.unwrap(), &AuditQuery::default()).await.unwrap();
    assert_eq!(audit[0].action, "phish.mailbox_fetched");
    assert_eq!(audit[0].actor, "system");
    assert!(audit[0].detail.contains("2 triaged, 0 unreadable"), "{}", audit[0].detail);
    assert_eq!(audit[1].action, "phish.triaged");
    assert!(audit[1].detail.contains("forwarded by sam@example.org.uk"), "{}", audit[1].detail);
    assert!(!audit[1].detail.contains("tax refund"), "the subject stays out of the audit log");
}

#[tokio::test]
async fn an_inline_forward_is_triaged_as_it_is_and_says_what_was_lost() {
    let (d, sam) = office().await;
    let mut mailbox = FakeMailbox::with(vec![inline(SAM)]);
    let kept = KeptMail::default();
    let reports = fetch(&d, &sam, &mut mailbox, Some(&kept)).await;

    let t = triaged(&reports[0]);
    assert_eq!(t.how, Forwarded::Inline);
    assert_ne!(t.triage.verdict, Verdict::Clean, "{:?}", t.triage.reasons);
    assert!(t.note.as_deref().unwrap().contains("original headers"), "{:?}", t.note);
    assert_eq!(t.reply, Reply::Sent(Delivery::Sent));
    let sent = kept.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].2.contains("Forward as attachment"), "the reply says how to forward next time: {}", sent[0].2);
    assert_eq!(mailbox.uids("Reported"), vec![1]);
}

#[tokio::test]
async fn members_get_the_verdict_and_advice_and_nobody_else_gets_anything() {
    let (d, sam) = office().await;
    let auto = format!("Auto-Submitted: auto-replied\r\n{}", String::from_utf8(as_attachment(SAM)).unwrap());
    let mut mailbox = FakeMailbox::with(vec![as_attachment(SAM), as_attachment(STRANGER), auto.into_bytes()]);
    let kept = KeptMail::default();
    let reports = fetch(&d, &sam, &mut mailbox, Some(&kept)).await;

    assert_eq!(triaged(&reports[0]).reply, Reply::Sent(Delivery::Sent));
    assert_eq!(triaged(&reports[1]).reply, Reply::NotAMember);
    assert_eq!(triaged(&reports[1]).reported_by, None);
    assert_eq!(triaged(&reports[2]).reply, Reply::Automatic, "a machine's message is never answered");
    let sent = kept.sent();
    assert_eq!(sent.len(), 1, "only the member was answered: {sent:?}");
    let (to, subject, body) = &sent[0];
    assert_eq!(to, "sam@example.org.uk");
    assert_eq!(subject, "The email you reported is phishing");
    assert!(body.contains("Portcullis's verdict: phishing"), "{body}");
    assert!(body.contains("What to do now:") && body.contains("report@phishing.gov.uk"), "{body}");
    assert!(!body.contains("http://203.0.113.9"), "no live link from the phish: {body}");

    let log = d.app.phish_reports(&sam).await.unwrap();
    assert_eq!(log.len(), 3, "a stranger's report is still triaged and kept");
    assert_eq!(log.iter().filter(|r| r.report.reported_by.is_none()).count(), 1);
}

#[tokio::test]
async fn what_cannot_be_read_goes_to_the_unreadable_folder_and_stops_nothing() {
    let (d, sam) = office().await;
    let broken_msg = forward(
        SAM,
        "Content-Type: application/octet-stream; name=\"scan.msg\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"scan.msg\"",
        &data_encoding::BASE64_MIME.encode(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]),
    );
    let mut mailbox = FakeMailbox::with(vec![b"   \r\n".to_vec(), broken_msg, as_attachment(SAM)]);
    let reports = fetch(&d, &sam, &mut mailbox, None).await;

    let reasons: Vec<Option<&str>> = reports
        .iter()
        .map(|r| match &r.outcome {
            MailboxOutcome::Unreadable { reason } => Some(reason.as_str()),
            MailboxOutcome::Triaged(_) => None,
        })
        .collect();
    assert_eq!(reasons[0], Some("the message is empty"));
    assert!(reasons[1].unwrap().contains("forwarded email could not be read"), "{reasons:?}");
    assert_eq!(reasons[2], None);
    assert_eq!(mailbox.uids("Unreadable"), vec![1, 2]);
    assert_eq!(mailbox.uids("Reported"), vec![3]);
    assert_eq!(d.app.phish_reports(&sam).await.unwrap().len(), 1, "nothing is stored for an unreadable message");

    let office = sam.user.office_id.unwrap();
    let entries = d.app.store().list_audit(office, &AuditQuery::default()).await.unwrap().len();
    let again = fetch(&d, &sam, &mut mailbox, None).await;
    assert!(again.is_empty(), "nothing is triaged twice");
    let after = d.app.store().list_audit(office, &AuditQuery::default()).await.unwrap().len();
    assert_eq!(after, entries, "an empty mailbox leaves nothing in the log");
}
