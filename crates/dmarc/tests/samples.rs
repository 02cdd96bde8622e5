//! Every real-world sample in `shared/data/dmarc-samples/` is scanned and
//! what the sink saw (plus each report's status and the input's error) is
//! compared with a golden JSON file in `tests/golden/`, one per sample.
//! `PORTCULLIS_BLESS=1 cargo test -p portcullis-dmarc --test samples`
//! writes them; review the diff before committing.
//!
//! Also: facts about particular samples read off the files by hand, and
//! the report generator's normal output checked against its manifest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use portcullis_dmarc::scan::scan;
use portcullis_dmarc::{FailureReport, InputOutcome, Limits, Record, ReportHeader, ReportSink, Status, TlsReport};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Records shown in full in a golden file; the rest are summed up in a hash.
const RECORDS_SHOWN: usize = 20;

fn shared() -> PathBuf {
    portcullis_testkit::shared_dir()
}

fn samples_dir() -> PathBuf {
    shared().join("data/dmarc-samples")
}

/// What a sink was told, in order.
#[derive(Default)]
struct Collect {
    aggregates: Vec<Aggregate>,
    tls: Vec<TlsReport>,
    failures: Vec<FailureReport>,
}

struct Aggregate {
    header: ReportHeader,
    records: Vec<Record>,
    ended: &'static str,
}

impl ReportSink for Collect {
    type Error = String;
    fn begin_aggregate(&mut self, header: &ReportHeader) -> Result<bool, String> {
        self.aggregates.push(Aggregate { header: header.clone(), records: Vec::new(), ended: "open" });
        Ok(true)
    }
    fn records(&mut self, batch: Vec<Record>) -> Result<bool, String> {
        let current = self.aggregates.last_mut().ok_or("records before begin")?;
        current.records.extend(batch);
        Ok(true)
    }
    fn end_aggregate(&mut self) -> Result<(), String> {
        self.aggregates.last_mut().ok_or("end before begin")?.ended = "kept";
        Ok(())
    }
    fn abort_aggregate(&mut self) {
        if let Some(current) = self.aggregates.last_mut() {
            current.ended = "aborted";
        }
    }
    fn tls_report(&mut self, report: &TlsReport) -> Result<bool, String> {
        self.tls.push(report.clone());
        Ok(true)
    }
    fn failure_report(&mut self, report: &FailureReport) -> Result<bool, String> {
        self.failures.push(report.clone());
        Ok(true)
    }
}

fn status_text(status: &Status<String>) -> String {
    match status {
        Status::Ingested { records } => format!("ingested {records}"),
        Status::Duplicate => "duplicate".into(),
        Status::Invalid(e) => format!("invalid: {e}"),
        Status::Sink(e) => format!("sink error: {e}"),
    }
}

fn scan_file(path: &Path) -> (InputOutcome<String>, Collect) {
    let mut sink = Collect::default();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let outcome = scan(File::open(path).unwrap(), &name, &Limits::default(), &mut sink);
    (outcome, sink)
}

fn golden_value(outcome: &InputOutcome<String>, sink: &Collect) -> Value {
    let reports: Vec<Value> = outcome
        .reports
        .iter()
        .map(|f| json!({ "kind": f.kind.map(|k| k.as_str()), "status": status_text(&f.status) }))
        .collect();
    let aggregates: Vec<Value> = sink
        .aggregates
        .iter()
        .map(|a| {
            let all = serde_json::to_vec(&a.records).unwrap();
            json!({
                "header": a.header,
                "ended": a.ended,
                "record_count": a.records.len(),
                "messages": a.records.iter().map(|r| r.count).sum::<u64>(),
                "records_sha256": hex(&Sha256::digest(&all)),
                "first_records": a.records.iter().take(RECORDS_SHOWN).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "reports": reports,
        "error": outcome.error.as_ref().map(ToString::to_string),
        "aggregates": aggregates,
        "tls": sink.tls,
        "failures": sink.failures,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every sample file (LICENSE and SOURCE are not samples), sorted.
fn sample_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if !matches!(path.file_name().and_then(|n| n.to_str()), Some("LICENSE" | "SOURCE")) {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&samples_dir(), &mut files);
    files.sort();
    files
}

/// `aggregate/Report domain- x.eml` → `tests/golden/aggregate/Report_domain-_x.eml.json`.
fn golden_path(sample: &Path) -> PathBuf {
    let relative = sample.strip_prefix(samples_dir()).unwrap();
    let mut path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    for (i, part) in parts.iter().enumerate() {
        let safe: String =
            part.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
        path.push(if i + 1 == parts.len() { format!("{safe}.json") } else { safe });
    }
    path
}

#[test]
fn every_sample_matches_its_golden_file() {
    let bless = std::env::var("PORTCULLIS_BLESS").is_ok_and(|v| v == "1");
    let files = sample_files();
    assert!(files.len() >= 30, "expected the dmarc samples in {}", samples_dir().display());
    let mut goldens: Vec<PathBuf> = files.iter().map(|f| golden_path(f)).collect();
    goldens.sort();
    goldens.dedup();
    assert_eq!(goldens.len(), files.len(), "two samples map to one golden file name");

    let mut problems = Vec::new();
    for file in &files {
        let (outcome, sink) = scan_file(file);
        assert!(
            !outcome.reports.is_empty() || outcome.error.is_some(),
            "{}: neither a report nor an error",
            file.display()
        );
        let text = serde_json::to_string_pretty(&golden_value(&outcome, &sink)).unwrap() + "\n";
        let golden = golden_path(file);
        if bless {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Err(_) => problems.push(format!("{}: no golden file {}", file.display(), golden.display())),
            Ok(expected) if expected != text => {
                let line = expected.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
                problems.push(format!(
                    "{}: differs from {} at line {}:\n  golden: {}\n  now:    {}",
                    file.display(),
                    golden.display(),
                    line + 1,
                    expected.lines().nth(line).unwrap_or(""),
                    text.lines().nth(line).unwrap_or("")
                ));
            }
            Ok(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} samples differ (PORTCULLIS_BLESS=1 to accept):\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}

/// Facts read off the sample files by hand.
#[test]
fn failure_samples_name_the_reported_domain_and_source() {
    let cases = [
        (
            "DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml",
            "domain.de",
            "10.10.10.10",
            Some("domain.de"),
        ),
        ("[Netease DMARC Failure Report] Rent Reminder.eml", "cardinal.com", "167.89.69.24", Some("cardinal.com")),
        ("dmarc_ruf_report_linkedin.eml", "example.com", "10.10.10.10", Some("example.com")),
        ("dmarc_ruf_report_linkedin.crlf.eml", "example.com", "10.10.10.10", Some("example.com")),
        ("exim_plain_text_only_no_arf_part.eml", "example.com", "203.0.113.68", Some("example.com")),
    ];
    for (name, domain, ip, from) in cases {
        let (outcome, sink) = scan_file(&samples_dir().join("failure").join(name));
        assert!(outcome.error.is_none(), "{name}: {:?}", outcome.error);
        assert_eq!(sink.failures.len(), 1, "{name}");
        let report = &sink.failures[0];
        assert_eq!(report.reported_domain, domain, "{name}");
        assert_eq!(report.source_ip, Some(ip.parse().unwrap()), "{name}");
        assert_eq!(report.from_domain.as_deref(), from, "{name}");
        let json = serde_json::to_string(report).unwrap();
        for local_part in ["peter.pan", "sharepoint@", "recipient@", "redacted", "info@", "user@", "Rent Reminder"] {
            assert!(!json.contains(local_part), "{name}: {local_part} kept in {json}");
        }
    }
}

#[test]
fn tls_samples_keep_their_policies_and_failures() {
    let cases = [
        ("smtp_tls/rfc8460.json", "Company-X", "company-y.example", 5326, 303, 3),
        ("smtp_tls/mail.ru.json", "Mail.ru", "example.com", 0, 1, 2),
        ("smtp_tls/smtp_tls.json", "Example Inc.", "example.com", 0, 3, 2),
    ];
    for (name, org, domain, ok, failed, details) in cases {
        let (outcome, sink) = scan_file(&samples_dir().join(name));
        assert!(outcome.error.is_none(), "{name}: {:?}", outcome.error);
        assert_eq!(sink.tls.len(), 1, "{name}");
        let report = &sink.tls[0];
        assert_eq!(report.org_name, org);
        let policy = &report.policies[0];
        assert_eq!((policy.policy_domain.as_str(), policy.successful, policy.failed), (domain, ok, failed), "{name}");
        assert_eq!(policy.failures.len(), details, "{name}");
    }
    let (outcome, sink) = scan_file(&samples_dir().join("smtp_tls/google.com_smtp_tls_report.eml"));
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(sink.tls.len(), 1);
    assert_eq!(sink.tls[0].org_name, "Google Inc.");
}

/// The generator's normal output, scanned: every file's records (TLS:
/// policies) and messages must equal what its manifest says it wrote.
#[test]
fn generated_reports_match_the_generators_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mix");
    let status = Command::new("python3")
        .arg(shared().join("tools/gen-dmarc-reports.py"))
        .args(["--out"])
        .arg(&out)
        .args(["--reports", "50", "--records", "1", "--records-max", "500", "--v2-ratio", "0.5"])
        .args(["--tlsrpt", "10", "--wrap", "both", "--seed", "11"])
        .output()
        .expect("python3 runs the generator");
    assert!(status.status.success(), "generator failed: {}", String::from_utf8_lossy(&status.stderr));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("mix.manifest.json")).unwrap()).unwrap();
    let entries = manifest["files"].as_array().unwrap();
    assert_eq!(entries.len(), 120);
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for entry in entries {
        let name = entry["file"].as_str().unwrap();
        let (outcome, sink) = scan_file(&out.join(name));
        assert!(outcome.error.is_none(), "{name}: {:?}", outcome.error);
        assert_eq!(outcome.reports.len(), 1, "{name}");
        let Status::Ingested { records } = outcome.reports[0].status else {
            panic!("{name}: {}", status_text(&outcome.reports[0].status));
        };
        assert_eq!(Some(records), entry["records"].as_u64(), "{name}: records");
        let kind = entry["kind"].as_str().unwrap();
        *kinds.entry(kind.to_owned()).or_default() += 1;
        match kind {
            "dmarc-aggregate" => {
                let messages: u64 = sink.aggregates.iter().flat_map(|a| &a.records).map(|r| r.count).sum();
                assert_eq!(Some(messages), entry["messages"].as_u64(), "{name}: messages");
                assert_eq!(sink.aggregates[0].header.report_id, entry["report_id"].as_str().unwrap(), "{name}");
                assert_eq!(sink.aggregates[0].header.policy.domain, entry["domain"].as_str().unwrap(), "{name}");
            }
            "smtp-tls" => {
                assert_eq!(sink.tls[0].report_id, entry["report_id"].as_str().unwrap(), "{name}");
            }
            other => panic!("{name}: unexpected kind {other}"),
        }
    }
    assert_eq!(kinds.get("dmarc-aggregate"), Some(&100));
    assert_eq!(kinds.get("smtp-tls"), Some(&20));
}
