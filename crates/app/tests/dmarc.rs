//! DMARC reports as an office meets them: files and mailbox messages go in
//! once each, broken ones are refused without losing the rest, failure
//! reports are kept only when the office chooses, and the summary names
//! the machines that send as the domain only when their names check out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{FakeMailbox, deployment};
use portcullis_app::Actor;
use portcullis_app::dmarc::{DmarcSettings, Folders, IngestOutcome, IngestStatus, Input};
use portcullis_dnscheck::fake::FakeResolver;
use portcullis_dnscheck::fetch::FakeFetcher;
use portcullis_dnscheck::{Rdata, RecordType, reverse_name};
use portcullis_store::AuditQuery;
use portcullis_types::{Clock as _, OfficeId};

const DOMAIN: &str = "jane-smith.test";

/// One record: source, messages, DKIM aligned pass, SPF aligned pass.
type Row<'a> = (&'a str, u64, bool, bool);

fn aggregate(org: &str, id: &str, begin: i64, rows: &[Row<'_>]) -> Vec<u8> {
    let word = |pass: bool| if pass { "pass" } else { "fail" };
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback><report_metadata><org_name>{org}</org_name>\
         <email>noreply-dmarc@{org}</email><report_id>{id}</report_id><date_range><begin>{begin}</begin>\
         <end>{}</end></date_range></report_metadata><policy_published><domain>{DOMAIN}</domain><adkim>r</adkim>\
         <aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>",
        begin + 86_399
    );
    for (ip, count, dkim, spf) in rows {
        let signer = if *dkim { DOMAIN } else { "mailer.example" };
        xml.push_str(&format!(
            "<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>\
             <disposition>none</disposition><dkim>{}</dkim><spf>{}</spf></policy_evaluated></row>\
             <identifiers><header_from>{DOMAIN}</header_from></identifiers><auth_results><dkim>\
             <domain>{signer}</domain><selector>s2026</selector><result>{}</result></dkim><spf>\
             <domain>{DOMAIN}</domain><result>{}</result></spf></auth_results></record>",
            word(*dkim),
            word(*spf),
            word(*dkim),
            word(*spf)
        ));
    }
    xml.push_str("</feedback>\n");
    xml.into_bytes()
}

fn bytes(name: &str, content: Vec<u8>) -> Input {
    Input::Bytes { name: name.to_owned(), bytes: content }
}

async fn office(d: &common::Deployment) -> OfficeId {
    d.app.create_office("Office of Jane Smith MP", false, &Actor::Cli).await.unwrap().id
}

async fn ingest(d: &common::Deployment, office: OfficeId, inputs: Vec<Input>) -> Vec<IngestOutcome> {
    d.app.ingest_reports(office, inputs, Box::new(|_| {})).await.unwrap()
}

fn shared(path: &str) -> PathBuf {
    portcullis_testkit::shared_dir().join(path)
}

/// Yesterday, midnight UTC.
fn yesterday(d: &common::Deployment) -> i64 {
    let now = d.clock.now().unix_seconds();
    now - now.rem_euclid(86_400) - 86_400
}

#[tokio::test]
async fn reports_go_in_once_and_a_broken_one_spoils_nothing_else() {
    let d = deployment().await;
    let office = office(&d).await;
    let day = yesterday(&d);
    let good =
        aggregate("google.com", "g-1", day, &[("192.0.2.10", 90, true, true), ("198.51.100.7", 10, false, false)]);
    let mut truncated = aggregate("yahoo.com", "y-1", day, &[("192.0.2.10", 5, true, true)]);
    truncated.truncate(truncated.len() - 40);
    let second = aggregate("yahoo.com", "y-2", day, &[("192.0.2.10", 7, true, false)]);
    let outcomes = ingest(
        &d,
        office,
        vec![bytes("good.xml", good.clone()), bytes("cut.xml", truncated), bytes("second.xml", second)],
    )
    .await;
    let seen: Vec<(IngestStatus, u64)> = outcomes.iter().map(|o| (o.status, o.records)).collect();
    assert_eq!(seen, vec![(IngestStatus::Ingested, 2), (IngestStatus::Error, 0), (IngestStatus::Ingested, 1)]);
    assert!(outcomes[1].error.as_deref().unwrap().contains("XML"), "{:?}", outcomes[1].error);
    assert_eq!(outcomes[0].kind, "aggregate");

    let again = ingest(&d, office, vec![bytes("good-again.xml", good)]).await;
    assert_eq!((again[0].status, again[0].records), (IngestStatus::Duplicate, 0));

    d.app.finish_ingest(office, &Actor::Cli, &outcomes).await.unwrap();
    let log = d.app.store().list_audit(office, &AuditQuery { limit: 5, ..Default::default() }).await.unwrap();
    assert_eq!(log[0].action, "dmarc.reports_ingested");
    assert!(log[0].detail.contains("2 ingested (3 records)"), "{}", log[0].detail);

    let summary = d.app.dmarc_summary(office, DOMAIN, 30, false).await.unwrap();
    assert_eq!(summary.totals.messages, 107);
    assert_eq!(summary.totals.dmarc_pass.count, 97);
    assert_eq!(summary.totals.failed, 10);
}

/// Reports read whole are stored together, and a big one is streamed: the
/// outcome of each still says truly whether it was new, a repeat within
/// the same ingest, or already stored, and every record counts once.
#[tokio::test]
async fn small_reports_stored_together_and_big_ones_streamed_each_say_what_happened() {
    let d = deployment().await;
    let office = office(&d).await;
    let day = yesterday(&d);
    let rows: Vec<(String, u64)> = (0..2_345_u32).map(|i| (format!("10.9.{}.{}", i / 256, i % 256), 1)).collect();
    let big_rows: Vec<Row<'_>> = rows.iter().map(|(ip, n)| (ip.as_str(), *n, true, true)).collect();
    let big = aggregate("google.com", "big-1", day, &big_rows);
    let small = |id: &str| aggregate("yahoo.com", id, day, &[("192.0.2.10", 3, true, false)]);
    let first = ingest(
        &d,
        office,
        vec![
            bytes("a.xml", small("s-1")),
            bytes("big.xml", big.clone()),
            bytes("b.xml", small("s-2")),
            bytes("a-again.xml", small("s-1")),
        ],
    )
    .await;
    let seen: Vec<(IngestStatus, u64)> = first.iter().map(|o| (o.status, o.records)).collect();
    assert_eq!(seen[1..3], [(IngestStatus::Ingested, 2_345), (IngestStatus::Ingested, 1)]);
    // Inputs are read side by side, so which copy of s-1 counts as the
    // repeat may vary; exactly one of them is stored.
    let mut copies = [seen[0], seen[3]];
    copies.sort_by_key(|(_, records)| std::cmp::Reverse(*records));
    assert_eq!(copies, [(IngestStatus::Ingested, 1), (IngestStatus::Duplicate, 0)]);
    let gained: Vec<usize> = first.iter().map(|o| o.domains.len()).collect();
    assert_eq!(gained.iter().sum::<usize>(), 3, "the three stored inputs each gained the domain: {first:?}");
    assert!(first.iter().filter(|o| o.status == IngestStatus::Ingested).all(|o| o.domains == [DOMAIN]));

    let again = ingest(&d, office, vec![bytes("big-again.xml", big), bytes("b-again.xml", small("s-2"))]).await;
    let seen: Vec<(IngestStatus, u64)> = again.iter().map(|o| (o.status, o.records)).collect();
    assert_eq!(seen, vec![(IngestStatus::Duplicate, 0), (IngestStatus::Duplicate, 0)]);
    let summary = d.app.dmarc_summary(office, DOMAIN, 30, false).await.unwrap();
    assert_eq!(summary.totals.messages, 2_345 + 3 + 3);
}

/// A mailbox file holding several reports, some already stored: its
/// outcome counts only the new ones, whichever order they come in.
#[tokio::test]
async fn an_mbox_with_new_and_repeated_reports_counts_only_the_new() {
    let d = deployment().await;
    let office = office(&d).await;
    let day = yesterday(&d);
    // Report `id` with `n` records (sources 192.0.2.1…n, one message each).
    let ips: Vec<String> = (1..=4).map(|i| format!("192.0.2.{i}")).collect();
    let report = |id: &str, n: usize| {
        let rows: Vec<Row<'_>> = ips.iter().take(n).map(|ip| (ip.as_str(), 1, true, true)).collect();
        aggregate("google.com", id, day, &rows)
    };
    let old =
        ingest(&d, office, vec![bytes("old.xml", report("m-old", 2)), bytes("old2.xml", report("m-old2", 3))]).await;
    assert!(old.iter().all(|o| o.status == IngestStatus::Ingested), "{old:?}");
    let mut mbox = Vec::new();
    for (id, n) in [("m-new", 1), ("m-old", 2), ("m-old2", 3), ("m-new2", 4)] {
        mbox.extend_from_slice(b"From dmarc@google.com Mon Nov 30 00:00:00 2026\n");
        mbox.extend_from_slice(&email_with(&report(id, n)).replace_crlf());
        mbox.push(b'\n');
    }
    let outcome = ingest(&d, office, vec![bytes("reports.mbox", mbox)]).await;
    assert_eq!((outcome[0].status, outcome[0].records), (IngestStatus::Ingested, 1 + 4), "{outcome:?}");
    let summary = d.app.dmarc_summary(office, DOMAIN, 30, false).await.unwrap();
    assert_eq!(summary.totals.messages, 2 + 3 + 1 + 4);
}

/// Mailbox files keep lines ending in a bare line feed.
trait ReplaceCrlf {
    fn replace_crlf(&self) -> Vec<u8>;
}

impl ReplaceCrlf for Vec<u8> {
    fn replace_crlf(&self) -> Vec<u8> {
        String::from_utf8_lossy(self).replace("\r\n", "\n").into_bytes()
    }
}

#[tokio::test]
async fn the_shared_samples_go_in_from_files() {
    let d = deployment().await;
    let office = office(&d).await;
    let dir = shared("data/dmarc-samples/aggregate");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let outcomes = ingest(&d, office, files.iter().cloned().map(Input::File).collect()).await;
    assert_eq!(outcomes.len(), files.len());
    let stored: Vec<&IngestOutcome> = outcomes.iter().filter(|o| o.status == IngestStatus::Ingested).collect();
    assert!(stored.len() >= files.len() - 3, "most samples are readable: {outcomes:#?}");
    for failed in outcomes.iter().filter(|o| o.status == IngestStatus::Error) {
        assert!(!failed.error.as_deref().unwrap_or_default().is_empty(), "an error says why: {failed:?}");
    }
    let domains = d.app.store().reported_domains(office).await.unwrap();
    assert!(domains.iter().any(|r| r.domain == "example.com" && r.reports > 5), "{domains:?}");
}

#[tokio::test]
async fn failure_reports_are_kept_only_when_the_office_chooses_and_then_expire() {
    let d = deployment().await;
    let office = office(&d).await;
    let sample = std::fs::read(shared("data/dmarc-samples/failure/dmarc_ruf_report_linkedin.eml")).unwrap();
    let off = ingest(&d, office, vec![bytes("ruf.eml", sample.clone())]).await;
    assert_eq!((off[0].status, off[0].kind), (IngestStatus::Error, "failure"));
    assert!(off[0].error.as_deref().unwrap().contains("does not keep them"), "{:?}", off[0].error);
    assert!(d.app.store().failure_reports(office, None, 10).await.unwrap().is_empty());

    let keep = DmarcSettings { keep_failure_reports: true, failure_retention_days: 2 };
    assert!(
        d.app
            .set_dmarc_settings(office, &Actor::Cli, DmarcSettings { failure_retention_days: 0, ..keep })
            .await
            .is_err()
    );
    d.app.set_dmarc_settings(office, &Actor::Cli, keep).await.unwrap();
    let on = ingest(&d, office, vec![bytes("ruf.eml", sample.clone())]).await;
    assert_eq!((on[0].status, on[0].records), (IngestStatus::Ingested, 1), "{:?}", on[0].error);
    let kept = d.app.store().failure_reports(office, None, 10).await.unwrap();
    assert_eq!(kept.len(), 1);
    let text = serde_json::to_string(&kept[0].report).unwrap();
    assert!(!text.contains('@'), "no address is kept whole: {text}");
    assert_eq!(ingest(&d, office, vec![bytes("ruf.eml", sample)]).await[0].status, IngestStatus::Duplicate);

    d.clock.advance_secs(2 * 86_400);
    d.app.finish_ingest(office, &Actor::Cli, &[]).await.unwrap();
    assert!(d.app.store().failure_reports(office, None, 10).await.unwrap().is_empty(), "expired and purged");
}

fn email_with(report: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(report).unwrap();
    let attachment = data_encoding::BASE64_MIME.encode(&gz.finish().unwrap());
    format!(
        "From: noreply-dmarc-support@google.com\r\nTo: dmarc@{DOMAIN}\r\nSubject: Report domain: {DOMAIN}\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: text/plain\r\n\r\nThis is an aggregate report.\r\n--b1\r\n\
         Content-Type: application/gzip; name=\"google.com!{DOMAIN}!1.xml.gz\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\n{attachment}\r\n--b1--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_mailbox_is_emptied_into_processed_and_unreadable_folders() {
    let d = deployment().await;
    let office = office(&d).await;
    let report = aggregate("google.com", "mail-1", yesterday(&d), &[("192.0.2.10", 12, true, true)]);
    let mut mailbox = FakeMailbox::default();
    let inbox = mailbox.folders.entry("INBOX".into()).or_default();
    inbox.insert(1, email_with(&report));
    inbox.insert(2, b"From: someone@example.net\r\nSubject: hello\r\n\r\nNot a report.\r\n".to_vec());
    inbox.insert(3, email_with(&report));
    let folders = Folders { source: "INBOX".into(), processed: "Done".into(), unreadable: "Unreadable".into() };
    let mut printed = Vec::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let outcomes = d
        .app
        .fetch_reports(office, &mut mailbox, &folders, &Actor::System, Box::new(move |o| tx.send(o.status).unwrap()))
        .await
        .unwrap();
    printed.extend(rx.try_iter());
    let statuses: Vec<IngestStatus> = outcomes.iter().map(|o| o.status).collect();
    assert_eq!(statuses, vec![IngestStatus::Ingested, IngestStatus::Error, IngestStatus::Duplicate]);
    assert_eq!(printed, statuses, "each outcome is reported as it happens");
    assert_eq!(outcomes[0].path, "fake/INBOX/1");
    assert!(mailbox.folders["INBOX"].is_empty());
    assert_eq!(mailbox.folders["Done"].keys().copied().collect::<Vec<_>>(), vec![1, 3]);
    assert_eq!(mailbox.folders["Unreadable"].keys().copied().collect::<Vec<_>>(), vec![2]);
    assert_eq!(d.app.dmarc_summary(office, DOMAIN, 7, false).await.unwrap().totals.messages, 12);
}

#[tokio::test]
async fn sending_machines_are_named_only_when_their_names_point_back() {
    let mut d = deployment().await;
    let office = office(&d).await;
    let honest: std::net::IpAddr = "192.0.2.10".parse().unwrap();
    let liar: std::net::IpAddr = "198.51.100.7".parse().unwrap();
    let dns = FakeResolver::new()
        .record(
            &reverse_name(honest),
            RecordType::Ptr,
            Rdata::Ptr("mail-am6eur05.outbound.protection.outlook.com".into()),
        )
        .a("mail-am6eur05.outbound.protection.outlook.com", [192, 0, 2, 10])
        .record(&reverse_name(liar), RecordType::Ptr, Rdata::Ptr("mx.outbound.protection.outlook.com".into()))
        .a("mx.outbound.protection.outlook.com", [203, 0, 113, 1]);
    d.app = d.app.clone().with_network(Arc::new(dns), Arc::new(FakeFetcher::new()));
    let report = aggregate(
        "google.com",
        "names",
        yesterday(&d),
        &[("192.0.2.10", 50, true, true), ("198.51.100.7", 5, false, false)],
    );
    ingest(&d, office, vec![bytes("r.xml", report)]).await;

    let offline = d.app.dmarc_summary(office, DOMAIN, 30, false).await.unwrap();
    assert!(offline.senders.iter().all(|s| s.id.provider.is_none()), "offline: nothing looked up");
    let named = d.app.dmarc_summary(office, DOMAIN, 30, true).await.unwrap();
    let provider = |ip: std::net::IpAddr| {
        named.senders.iter().find(|s| s.sources.iter().any(|src| src.ip == ip)).and_then(|s| s.id.provider)
    };
    assert!(provider(honest).is_some(), "a forward-confirmed Microsoft name: {:#?}", named.senders);
    assert!(provider(liar).is_none(), "a name that does not point back is not believed");

    // The confirmed name is cached: later summaries need no DNS.
    d.app = d.app.clone().with_network(Arc::new(FakeResolver::new()), Arc::new(FakeFetcher::new()));
    let cached = d.app.dmarc_summary(office, DOMAIN, 30, false).await.unwrap();
    assert_eq!(cached.senders, named.senders);
}
