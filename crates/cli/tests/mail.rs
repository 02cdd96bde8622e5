//! `portcullis mail triage` end to end: the `--json` contract, exit codes,
//! mbox and folders, refused inputs, and the shared modern office mail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn shared() -> PathBuf {
    portcullis_testkit::shared_dir()
}

fn triage(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["--json", "mail", "triage"])
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_DATA_DIR", dir.join("data"))
        .env_remove("PORTCULLIS_DB")
        .env_remove("RUST_LOG")
        .output()
        .expect("the portcullis binary runs")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A verdict line keeps the DESIGN.md shape.
fn check_contract(line: &Value) {
    let keys: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["path", "reasons", "score", "verdict"], "{line}");
    assert!(["phishing", "suspicious", "clean"].contains(&line["verdict"].as_str().unwrap()), "{line}");
    assert!(line["score"].as_u64().unwrap() <= 100, "{line}");
    for reason in line["reasons"].as_array().unwrap() {
        let keys: Vec<&str> = reason.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, vec!["code", "explanation", "weight"], "{reason}");
        assert!(!reason["explanation"].as_str().unwrap().is_empty());
    }
}

const PHISH: &str = "From: \"HMRC Refunds\" <hmrc.refunds.team@gmail.com>\r\n\
Subject: You are eligible for a tax refund\r\n\
Content-Type: text/html\r\n\
\r\n\
<p>Dear Customer, you are eligible for a tax refund of 264.60 GBP. Verify your account within 24 hours:</p>\r\n\
<a href=\"http://203.0.113.9/hmrc/claim\">www.hmrc.gov.uk/refunds</a>\r\n";

const CONSTITUENT: &str = "From: Mary Jones <mary.jones1957@gmail.com>\r\n\
To: office@mp.example\r\n\
Subject: Bus route 42 cancelled\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Dear Ms Smith,\r\n\r\nThe council has cancelled the 42 bus that I take to the hospital. Can you help?\r\n\r\nMary\r\n";

#[test]
fn phishing_is_called_phishing_with_reasons_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("refund.eml"), PHISH).unwrap();
    let out = triage(dir.path(), &["refund.eml"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = lines(&out);
    assert_eq!(lines.len(), 1);
    check_contract(&lines[0]);
    assert_eq!(lines[0]["verdict"], "phishing", "{}", lines[0]);
    let codes: Vec<&str> =
        lines[0]["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    for expected in ["brand_impersonation", "ip_link", "credential_lure", "prize_or_refund"] {
        assert!(codes.contains(&expected), "{expected} missing from {codes:?}");
    }
    // Strongest first.
    let weights: Vec<i64> =
        lines[0]["reasons"].as_array().unwrap().iter().map(|r| r["weight"].as_i64().unwrap()).collect();
    assert!(weights.windows(2).all(|w| w[0].abs() >= w[1].abs()), "{weights:?}");
}

#[test]
fn an_ordinary_letter_is_clean_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("letter.eml"), CONSTITUENT).unwrap();
    let out = triage(dir.path(), &["letter.eml"]);
    assert_eq!(out.status.code(), Some(0));
    let lines = lines(&out);
    check_contract(&lines[0]);
    assert_eq!((lines[0]["verdict"].as_str(), lines[0]["score"].as_u64()), (Some("clean"), Some(0)), "{}", lines[0]);
}

#[test]
fn folders_mboxes_and_unreadable_files_each_get_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    std::fs::write(mail.join("a.eml"), CONSTITUENT).unwrap();
    let mbox = format!("From a@b Mon Jan  1 00:00:00 2024\n{CONSTITUENT}\nFrom c@d Mon Jan  1 00:00:00 2024\n{PHISH}");
    std::fs::write(mail.join("b.mbox"), mbox).unwrap();
    std::fs::write(mail.join("c.msg"), [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]).unwrap();
    std::fs::write(mail.join("d.eml"), "").unwrap();
    let out = triage(dir.path(), &["mail"]);
    assert_eq!(out.status.code(), Some(1));
    let lines = lines(&out);
    let paths: Vec<&str> = lines.iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["mail/a.eml", "mail/b.mbox#1", "mail/b.mbox#2", "mail/c.msg", "mail/d.eml"]);
    assert_eq!(lines[1]["verdict"], "clean");
    assert_eq!(lines[2]["verdict"], "phishing");
    assert!(lines[3]["error"].as_str().unwrap().contains("Outlook .msg file that is damaged"), "{}", lines[3]);
    assert!(lines[4]["error"].as_str().unwrap().contains("not an email"), "{}", lines[4]);
}

#[test]
fn every_modern_office_email_gets_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let modern = shared().join("data/modern-ham-dev");
    let out = triage(dir.path(), &[modern.to_str().unwrap()]);
    let lines = lines(&out);
    let emails = std::fs::read_dir(&modern)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
        .count();
    assert!(emails >= 100, "expected the shared modern mail, found {emails}");
    let verdicts = lines.iter().filter(|l| l.get("verdict").is_some()).count();
    assert!(verdicts >= emails, "{verdicts} verdicts for {emails} emails");
    for line in lines.iter().filter(|l| l.get("verdict").is_some()) {
        check_contract(line);
    }
}

/// An Outlook `.msg` as Outlook writes one: the internet headers and the
/// HTML body as property streams in a Compound File.
fn outlook_msg(headers: &str, html: &str) -> Vec<u8> {
    use std::io::Write as _;
    let utf16: Vec<u8> = headers.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    file.create_stream("/__properties_version1.0").unwrap().write_all(&[0; 32]).unwrap();
    file.create_stream("/__substg1.0_007D001F").unwrap().write_all(&utf16).unwrap();
    file.create_stream("/__substg1.0_10130102").unwrap().write_all(html.as_bytes()).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

#[test]
fn an_outlook_msg_file_is_triaged_like_the_email_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let msg = outlook_msg(
        "From: \"Microsoft 365\" <admin@m365-mailbox-verify.example>\r\nSubject: Your mailbox is full\r\n\r\n",
        "<p>Your mailbox is full. Validate your mailbox within 24 hours:</p>\
         <form action=\"https://collect.example/p\"><input type=password name=p></form>",
    );
    std::fs::write(dir.path().join("full.msg"), msg).unwrap();
    let out = triage(dir.path(), &["full.msg"]);
    let lines = lines(&out);
    check_contract(&lines[0]);
    assert_eq!(lines[0]["verdict"], "phishing", "{}", lines[0]);
    let codes: Vec<&str> =
        lines[0]["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"password_form") && codes.contains(&"brand_impersonation"), "{codes:?}");
}
