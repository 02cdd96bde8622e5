//! `portcullis mail fetch` end to end against a real dovecot: a phish
//! forwarded as an attachment to the "report phishing" mailbox is triaged
//! into the office's triage log, its message moved on, junk set aside, a
//! stranger never answered, and the exit code says something needs
//! attention.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use portcullis_net::imap::{ImapSecurity, Mailbox};
use portcullis_store::{PhishStore as _, Store as _};
use serde_json::Value;

fn portcullis(dir: &Path, args: &[&str], smtp: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    command
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_DATA_DIR", dir.join("data"))
        .env("PORTCULLIS_KEY_FILE", dir.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .env_remove("PORTCULLIS_SMTP_URL")
        .env_remove("PORTCULLIS_MAIL_FROM")
        .env_remove("RUST_LOG");
    if let Some(url) = smtp {
        command.env("PORTCULLIS_SMTP_URL", url);
    }
    command.output().expect("the portcullis binary runs")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A tax-refund phish with a bare IP link behind words naming hmrc.gov.uk,
/// forwarded as an attachment by someone outside the office.
const FORWARDED: &str = "From: Someone <someone@elsewhere.example>\r\nTo: phishing@example.org.uk\r\n\
    Subject: Fwd: refund\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n\
    --fwd\r\nContent-Type: text/plain\r\n\r\nIs this real?\r\n--fwd\r\nContent-Type: message/rfc822\r\n\
    Content-Disposition: attachment\r\n\r\n\
    From: \"HMRC Refunds\" <hmrc.refunds.team@gmail.com>\r\nTo: caseworker@example.org.uk\r\n\
    Subject: You are eligible for a tax refund\r\nContent-Type: text/html\r\n\r\n\
    <p>Dear Customer, you are eligible for a tax refund of 264.60 GBP. Verify your account within 24 hours:</p>\r\n\
    <a href=\"http://203.0.113.9/hmrc/claim\">www.hmrc.gov.uk/refunds</a>\r\n--fwd--\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_phish_is_triaged_from_a_real_dovecot_into_the_triage_log() {
    let Some(server) = portcullis_testkit::dovecot::Dovecot::start() else { return };
    let account = |security, port| common::imap_account(&server, security, port);
    let mut mailbox = Mailbox::connect(&account(ImapSecurity::StartTls, server.port)).await.unwrap();
    mailbox.append("INBOX", FORWARDED.as_bytes()).await.unwrap();
    mailbox.append("INBOX", b"\r\n").await.unwrap();
    mailbox.logout().await;

    let dir = tempfile::tempdir().unwrap();
    let created = portcullis(dir.path(), &["office", "create", "Office of Jane Smith MP"], None);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let args = common::fetch_args("mail", &server, dir.path());

    // Replies need a mail server: asking without one is a usage error, and
    // nothing is read.
    let (dir_path, no_smtp) = (dir.path().to_owned(), args.clone());
    let refused = tokio::task::spawn_blocking(move || {
        let mut args: Vec<&str> = no_smtp.iter().map(String::as_str).collect();
        args.push("--reply");
        portcullis(&dir_path, &args, None)
    })
    .await
    .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("PORTCULLIS_SMTP_URL"), "{refused:?}");

    let sink = portcullis_testkit::smtp::SmtpSink::start().await.unwrap();
    let (dir_path, url) = (dir.path().to_owned(), sink.url());
    let out = tokio::task::spawn_blocking(move || {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push("--reply");
        portcullis(&dir_path, &args, Some(&url))
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "phishing needs attention: {stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{lines:?} {stderr}");
    let phish = &lines[0];
    assert_eq!(phish["status"], "triaged", "{phish}");
    assert_eq!(phish["forwarded"], "attachment", "{phish}");
    assert_eq!(phish["verdict"], "phishing", "{phish}");
    assert!(phish["score"].as_u64().unwrap() >= 70, "{phish}");
    assert!(phish["message"].as_str().unwrap().starts_with(&format!("imap://{}/INBOX;UID=", server.host)));
    assert_eq!(phish["reply"], "not_a_member", "a stranger is never answered: {phish}");
    assert!(phish["reported_by"].is_null() && phish["error"].is_null(), "{phish}");
    assert!(!phish["reasons"].as_array().unwrap().is_empty(), "{phish}");
    assert_eq!(lines[1]["status"], "unreadable", "{}", lines[1]);
    assert_eq!(lines[1]["error"], "the message is empty", "{}", lines[1]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&server.password));
    assert!(!stderr.contains(&server.password));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(sink.messages().is_empty(), "no mail left Portcullis");

    let mut mailbox = Mailbox::connect(&account(ImapSecurity::Tls, server.tls_port))
        .await
        .unwrap_or_else(|_| panic!("{}", server.log()));
    assert!(mailbox.message_uids("INBOX").await.unwrap().is_empty());
    assert_eq!(mailbox.message_uids("Phishing-Triaged").await.unwrap().len(), 1);
    assert_eq!(mailbox.message_uids("Phishing-Unreadable").await.unwrap().len(), 1);
    mailbox.logout().await;

    let store = portcullis_store_sqlite::SqliteStore::open(&dir.path().join("data/portcullis.db")).await.unwrap();
    let office = store.list_offices().await.unwrap()[0].id;
    let reports = store.phish_reports(office, 10).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].report.id.to_string(), phish["report_id"].as_str().unwrap());
    assert_eq!(reports[0].report.source, portcullis_store::ReportSource::Mailbox);
    assert_eq!(reports[0].report.subject, "You are eligible for a tax refund");
    store.close().await;
}
