//! `portcullis dmarc …` end to end: the `--json` contract of `ingest` on
//! the shared samples and on hostile files (bounded memory, clear errors,
//! nothing written outside the store), `summary`, `settings`, and `fetch`
//! from a real dovecot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn shared() -> PathBuf {
    portcullis_testkit::shared_dir()
}

fn portcullis(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_DATA_DIR", dir.join("data"))
        .env("PORTCULLIS_KEY_FILE", dir.join("secret.key"))
        .env("PORTCULLIS_REPORT_PEAK_RSS", "1")
        .env_remove("PORTCULLIS_DB")
        .env_remove("PORTCULLIS_RESOLVER")
        .env_remove("RUST_LOG")
        .output()
        .expect("the portcullis binary runs")
}

fn office(dir: &Path) {
    let out = portcullis(dir, &["office", "create", "Office of Jane Smith MP"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn peak_mib(out: &Output) -> u64 {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find_map(|l| l.strip_prefix("peak-rss-kib: ")).expect("peak memory reported");
    line.trim().parse::<u64>().unwrap() / 1024
}

/// Every line keeps the DESIGN.md shape.
fn check_contract(line: &Value) {
    let keys: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["error", "kind", "path", "records", "status"], "{line}");
    assert!(["aggregate", "tlsrpt", "failure"].contains(&line["kind"].as_str().unwrap()), "{line}");
    let status = line["status"].as_str().unwrap();
    assert!(["ingested", "duplicate", "error"].contains(&status), "{line}");
    assert!(line["records"].is_u64(), "{line}");
    assert_eq!(line["error"].is_string(), status == "error", "an error, and only an error, says why: {line}");
}

#[test]
fn ingest_json_keeps_the_contract_and_a_second_run_finds_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    office(dir.path());
    let samples = shared().join("data/dmarc-samples");
    let aggregate = samples.join("aggregate");
    let tls = samples.join("smtp_tls");
    let args = ["dmarc", "ingest", "--json", aggregate.to_str().unwrap(), tls.to_str().unwrap()];
    let first = portcullis(dir.path(), &args);
    let lines = json_lines(&first);
    let files = std::fs::read_dir(&aggregate).unwrap().count() + std::fs::read_dir(&tls).unwrap().count();
    assert_eq!(lines.len(), files, "one line per file");
    lines.iter().for_each(check_contract);
    let status = |l: &Value| l["status"].as_str().unwrap().to_owned();
    let stored = lines.iter().filter(|l| status(l) == "ingested").count();
    assert!(stored + 3 >= files, "nearly every sample is readable: {lines:#?}");
    assert!(lines.iter().any(|l| l["kind"] == "tlsrpt" && status(l) == "ingested"), "{lines:#?}");
    let invalid = lines.iter().find(|l| l["path"].as_str().unwrap().ends_with("invalid_xml.xml")).unwrap();
    assert_eq!(status(invalid), "error", "{invalid}");
    assert_eq!(first.status.code(), Some(1), "some files could not be read");

    let second = json_lines(&portcullis(dir.path(), &args));
    for (before, after) in lines.iter().zip(&second) {
        let expected = if status(before) == "error" { "error" } else { "duplicate" };
        assert_eq!(status(after), expected, "{after}");
    }

    let text = portcullis(dir.path(), &["dmarc", "summary", "example.com", "--days", "366", "--offline", "--json"]);
    let summary: Value = serde_json::from_slice(&text.stdout).unwrap();
    assert_eq!(summary["domain"], "example.com");
    assert!(summary["readiness"]["headline"].is_string(), "{summary}");
    let readable = portcullis(dir.path(), &["dmarc", "summary", "example.com", "--offline"]);
    assert!(String::from_utf8_lossy(&readable.stdout).contains("Policy:"));
}

/// The hostile files, generated once per test run.
fn hostile() -> &'static (PathBuf, Vec<Value>) {
    static DIR: OnceLock<(PathBuf, Vec<Value>)> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("portcullis-hostile-{}", std::process::id()));
        let out = root.join("bad");
        let status = Command::new("python3")
            .arg(shared().join("tools/gen-dmarc-reports.py"))
            .args(["--out", out.to_str().unwrap(), "--hostile", "--seed", "7"])
            .status()
            .expect("python3 runs the generator");
        assert!(status.success());
        let manifest: Value = serde_json::from_slice(&std::fs::read(root.join("bad.manifest.json")).unwrap()).unwrap();
        let files = manifest["files"].as_array().cloned().unwrap_or_default();
        (out, files)
    })
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { found.extend(listing(&path)) } else { found.push(path) }
    }
    found.sort();
    found
}

#[test]
fn hostile_files_get_clear_errors_in_bounded_memory_and_write_nothing() {
    let (bad, manifest) = hostile();
    let dir = tempfile::tempdir().unwrap();
    office(dir.path());
    let inputs_before = listing(bad);
    let home_before = listing(dir.path());
    let out = portcullis(dir.path(), &["dmarc", "ingest", "--json", bad.to_str().unwrap()]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), inputs_before.len(), "{}", String::from_utf8_lossy(&out.stderr));
    lines.iter().for_each(check_contract);
    let by_file: BTreeMap<String, &Value> = lines
        .iter()
        .map(|l| (Path::new(l["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned(), l))
        .collect();
    for entry in manifest {
        let file = entry["file"].as_str().unwrap();
        let line = by_file.get(file).unwrap_or_else(|| panic!("no line for {file}"));
        let status = line["status"].as_str().unwrap();
        match entry["expect"].as_str().unwrap() {
            "reject" => assert_eq!(status, "error", "{file} ({}) must be refused: {line}", entry["description"]),
            // UTF-16 is refused on purpose, with a reason (see the dmarc crate's notes).
            "accept"
                if entry["category"] == "encoding" && line["error"].as_str().is_some_and(|e| e.contains("UTF-16")) => {}
            // Several hostile files reuse one report's id: the first stores it.
            "accept" => assert!(
                status == "ingested" || status == "duplicate",
                "{file} ({}) must be stored: {line}",
                entry["description"]
            ),
            _ => {}
        }
        if status == "error" {
            let why = line["error"].as_str().unwrap();
            assert!(why.len() < 400 && !why.contains("Error {"), "{file}: a plain sentence: {why}");
        }
    }
    let peak = peak_mib(&out);
    eprintln!("hostile batch: peak memory {peak} MiB");
    assert!(peak < 200, "peak memory {peak} MiB");
    assert_eq!(listing(bad), inputs_before, "nothing written beside the inputs");
    let home_after: Vec<PathBuf> =
        listing(dir.path()).into_iter().filter(|p| !p.starts_with(dir.path().join("data"))).collect();
    let home_before: Vec<PathBuf> =
        home_before.into_iter().filter(|p| !p.starts_with(dir.path().join("data"))).collect();
    assert_eq!(home_after, home_before, "nothing written in the working folder");
    assert!(!Path::new("/tmp/evil.txt").exists() && !dir.path().join("../evil.txt").exists());
}

#[test]
fn failure_reports_need_the_office_to_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    office(dir.path());
    let ruf = shared().join("data/dmarc-samples/failure/dmarc_ruf_report_linkedin.eml");
    let off = json_lines(&portcullis(dir.path(), &["dmarc", "ingest", "--json", ruf.to_str().unwrap()]));
    assert_eq!((off[0]["kind"].as_str(), off[0]["status"].as_str()), (Some("failure"), Some("error")));
    let set = portcullis(dir.path(), &["dmarc", "settings", "--failure-reports", "on", "--retention-days", "14"]);
    assert!(String::from_utf8_lossy(&set.stdout).contains("14 days"), "{set:?}");
    let on = json_lines(&portcullis(dir.path(), &["dmarc", "ingest", "--json", ruf.to_str().unwrap()]));
    assert_eq!((on[0]["status"].as_str(), on[0]["records"].as_u64()), (Some("ingested"), Some(1)), "{on:?}");
}

#[test]
fn a_missing_path_is_a_usage_error_and_no_office_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let none = portcullis(dir.path(), &["dmarc", "ingest", "/no/such/file.xml"]);
    assert_eq!(none.status.code(), Some(2));
    let sample = shared().join("data/dmarc-samples/aggregate/example.net!example.com!1529366400!1529452799.xml");
    let no_office = portcullis(dir.path(), &["dmarc", "ingest", sample.to_str().unwrap()]);
    assert_eq!(no_office.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_office.stderr).contains("no office yet"), "{no_office:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_moves_processed_mail_out_of_a_real_dovecot_inbox() {
    let Some(server) = portcullis_testkit::dovecot::Dovecot::start() else { return };
    use portcullis_net::imap::{ImapSecurity, Mailbox};
    let account = |security, port| common::imap_account(&server, security, port);
    let mut mailbox = Mailbox::connect(&account(ImapSecurity::StartTls, server.port)).await.unwrap();
    let samples = shared().join("data/dmarc-samples");
    for sample in ["aggregate/twilight.eml", "smtp_tls/google.com_smtp_tls_report.eml"] {
        mailbox.append("INBOX", &std::fs::read(samples.join(sample)).unwrap()).await.unwrap();
    }
    mailbox.append("INBOX", b"From: a@example.net\r\nSubject: hi\r\n\r\nNot a report.\r\n").await.unwrap();
    mailbox.logout().await;

    let dir = tempfile::tempdir().unwrap();
    office(dir.path());
    let args = common::fetch_args("dmarc", &server, dir.path());
    let dir_path = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        portcullis(&dir_path, &args)
    })
    .await
    .unwrap();
    let lines = json_lines(&out);
    let statuses: Vec<&str> = lines.iter().map(|l| l["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["ingested", "ingested", "error"], "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&server.password));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&server.password));

    let mut mailbox = Mailbox::connect(&account(ImapSecurity::Tls, server.tls_port))
        .await
        .unwrap_or_else(|_| panic!("{}", server.log()));
    assert!(mailbox.message_uids("INBOX").await.unwrap().is_empty());
    assert_eq!(mailbox.message_uids("DMARC-Processed").await.unwrap().len(), 2);
    assert_eq!(mailbox.message_uids("DMARC-Unreadable").await.unwrap().len(), 1);
    mailbox.logout().await;
}
