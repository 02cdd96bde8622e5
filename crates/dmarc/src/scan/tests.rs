//! The driver's own rules, checked with TLS reports (whose parser lives
//! here) so they do not depend on the aggregate parser.

use std::io::{Cursor, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::*;
use crate::{FailureReport, Record, ReportHeader, TlsReport};

#[derive(Default)]
struct Sink {
    tls: Vec<TlsReport>,
    failures: Vec<FailureReport>,
    fail_tls: bool,
}

impl ReportSink for Sink {
    type Error = String;
    fn begin_aggregate(&mut self, _: &ReportHeader) -> Result<bool, String> {
        Ok(true)
    }
    fn records(&mut self, _: Vec<Record>) -> Result<bool, String> {
        Ok(true)
    }
    fn end_aggregate(&mut self) -> Result<(), String> {
        Ok(())
    }
    fn abort_aggregate(&mut self) {}
    fn tls_report(&mut self, report: &TlsReport) -> Result<bool, String> {
        if self.fail_tls {
            return Err("database down".into());
        }
        let seen = self.tls.iter().any(|r| r.report_id == report.report_id);
        self.tls.push(report.clone());
        Ok(!seen)
    }
    fn failure_report(&mut self, report: &FailureReport) -> Result<bool, String> {
        self.failures.push(report.clone());
        Ok(true)
    }
}

fn tls_json(id: &str) -> Vec<u8> {
    format!(
        r#"{{"organization-name":"Org","report-id":"{id}","date-range":{{"start-datetime":"2024-01-09T00:00:00Z",
        "end-datetime":"2024-01-09T23:59:59Z"}},"policies":[{{"policy":{{"policy-type":"sts","policy-domain":"example.com"}},
        "summary":{{"total-successful-session-count":1,"total-failure-session-count":0}}}}]}}"#
    )
    .into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in members {
        writer.start_file(*name, SimpleFileOptions::default()).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn run(bytes: &[u8], limits: &Limits) -> (InputOutcome<String>, Sink) {
    let mut sink = Sink::default();
    let outcome = scan(Cursor::new(bytes), "input", limits, &mut sink);
    (outcome, sink)
}

fn statuses(outcome: &InputOutcome<String>) -> Vec<String> {
    outcome
        .reports
        .iter()
        .map(|f| match &f.status {
            Status::Ingested { records } => format!("ingested {records}"),
            Status::Duplicate => "duplicate".into(),
            Status::Invalid(e) => format!("invalid: {e}"),
            Status::Sink(e) => format!("sink: {e}"),
        })
        .collect()
}

#[test]
fn plain_and_gzipped_json_are_tls_reports() {
    let (outcome, sink) = run(&tls_json("a"), &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1"]);
    assert_eq!(outcome.reports[0].kind, Some(Kind::Tlsrpt));
    assert_eq!(sink.tls.len(), 1);
    let (outcome, _) = run(&gzip(&tls_json("a")), &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1"]);
    assert!(outcome.error.is_none());
}

#[test]
fn every_zip_member_is_read_up_to_the_member_limit() {
    let members: Vec<(&str, Vec<u8>)> =
        vec![("a.json", tls_json("a")), ("readme.txt", b"hello".to_vec()), ("c", tls_json("c"))];
    let (outcome, sink) = run(&zip_of(&members), &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1", "ingested 1"], "the readme is not a report and is skipped");
    assert_eq!(sink.tls.len(), 2);

    let limits = Limits { max_zip_entries: 2, ..Limits::default() };
    let (outcome, sink) = run(&zip_of(&members), &limits);
    assert!(outcome.reports.is_empty());
    assert_eq!(outcome.error, Some(ParseError::TooMany { what: "zip members", limit: 2 }));
    assert!(sink.tls.is_empty(), "nothing is read from a zip with too many members");
}

#[test]
fn member_names_are_ignored() {
    let members: Vec<(&str, Vec<u8>)> = vec![("../../../tmp/x.json", tls_json("a")), ("/etc/passwd", tls_json("b"))];
    let (outcome, _) = run(&zip_of(&members), &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1", "ingested 1"]);
}

#[test]
fn archives_nest_one_level_only() {
    let once = gzip(&tls_json("a"));
    let twice = gzip(&once);
    let (outcome, _) = run(&zip_of(&[("a.json.gz", once.clone())]), &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1"], "gzip inside zip is read");
    let (outcome, _) = run(&twice, &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1"], "gzip inside gzip is read");

    let (outcome, sink) = run(&zip_of(&[("a.json.gz.gz", twice.clone())]), &Limits::default());
    assert_eq!(outcome.reports.len(), 1);
    assert!(matches!(outcome.reports[0].status, Status::Invalid(ParseError::NotAReport { .. })));
    assert!(sink.tls.is_empty());
    let (outcome, _) = run(&gzip(&twice), &Limits::default());
    assert!(matches!(outcome.error, Some(ParseError::NotAReport { .. })), "{:?}", outcome.error);

    let zip_in_gzip = gzip(&zip_of(&[("a.json", tls_json("a"))]));
    let (outcome, sink) = run(&zip_in_gzip, &Limits::default());
    assert!(matches!(outcome.error, Some(ParseError::NotAReport { .. })));
    assert!(sink.tls.is_empty());
}

/// A gzip of `head`, then `mib` MiB of `filler`, then `tail`.
fn bomb(head: &[u8], filler: &[u8], mib: usize, tail: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(head).unwrap();
    let chunk = filler.repeat(1024 * 1024 / filler.len());
    for _ in 0..mib {
        enc.write_all(&chunk).unwrap();
    }
    enc.write_all(tail).unwrap();
    enc.finish().unwrap()
}

const BOMB_MESSAGE: &str =
    "invalid: it expands more than 200 times when unpacked, which only a decompression bomb does";

#[test]
fn a_json_bomb_is_refused_quickly() {
    let bomb = bomb(br#"{"organization-name":""#, b"A", 64, br#""}"#);
    let start = std::time::Instant::now();
    let (outcome, _) = run(&bomb, &Limits::default());
    assert!(start.elapsed() < std::time::Duration::from_secs(1), "took {:?}", start.elapsed());
    assert_eq!(statuses(&outcome), [BOMB_MESSAGE]);
}

/// Small elements the XML parser reads over one by one: only the ratio
/// check can stop this.
#[test]
fn an_xml_bomb_of_small_elements_is_refused_quickly() {
    let element = format!("<x a=\"{}\"/>", "b".repeat(1017));
    let bomb =
        bomb(b"<?xml version=\"1.0\"?><feedback><extension>", element.as_bytes(), 64, b"</extension></feedback>");
    let start = std::time::Instant::now();
    let (outcome, _) = run(&bomb, &Limits::default());
    assert!(start.elapsed() < std::time::Duration::from_secs(1), "took {:?}", start.elapsed());
    assert_eq!(statuses(&outcome), [BOMB_MESSAGE]);
    assert_eq!(outcome.reports[0].kind, Some(Kind::Aggregate));
}

#[test]
fn too_large_and_empty_inputs_are_input_errors() {
    let limits = Limits { max_input_bytes: 10, ..Limits::default() };
    let (outcome, _) = run(&tls_json("a"), &limits);
    assert_eq!(outcome.error, Some(ParseError::TooLarge { what: "the file", limit: 10 }));
    assert!(outcome.reports.is_empty());
    let (outcome, _) = run(b"", &Limits::default());
    assert!(matches!(outcome.error, Some(ParseError::NotAReport { .. })));
    let (outcome, _) = run(b"\x00\x01\x02 random", &Limits::default());
    assert!(matches!(outcome.error, Some(ParseError::NotAReport { .. })));
}

fn email_with_json(id: &str) -> String {
    let body = String::from_utf8(tls_json(id)).unwrap();
    format!(
        "From: reporter@example.org\nSubject: report\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nHello\n--b\nContent-Type: application/tlsrpt+json\n\n{body}\n--b--\n"
    )
}

#[test]
fn emails_and_mailboxes_yield_their_attachments() {
    let (outcome, _) = run(email_with_json("a").as_bytes(), &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1"]);
    let mbox = format!(
        "From x Mon Jan 1 00:00:00 2024\n{}From y Mon Jan 1 00:00:00 2024\n{}",
        email_with_json("a"),
        email_with_json("a")
    );
    let (outcome, _) = run(mbox.as_bytes(), &Limits::default());
    assert_eq!(statuses(&outcome), ["ingested 1", "duplicate"]);

    let plain = "From: a@example.org\nSubject: hi\n\nno report here\n";
    let (outcome, _) = run(plain.as_bytes(), &Limits::default());
    assert!(matches!(outcome.error, Some(ParseError::NotAReport { .. })));
}

#[test]
fn reports_per_input_are_bounded() {
    let mbox: String =
        (0..5).map(|i| format!("From x Mon Jan 1 00:00:00 2024\n{}", email_with_json(&i.to_string()))).collect();
    let limits = Limits { max_reports_per_input: 2, ..Limits::default() };
    let (outcome, sink) = run(mbox.as_bytes(), &limits);
    assert_eq!(statuses(&outcome), ["ingested 1", "ingested 1"]);
    assert_eq!(outcome.error, Some(ParseError::TooMany { what: "reports", limit: 2 }));
    assert_eq!(sink.tls.len(), 2);
}

#[test]
fn a_sink_error_stops_the_input() {
    let members: Vec<(&str, Vec<u8>)> = vec![("a", tls_json("a")), ("b", tls_json("b"))];
    let mut sink = Sink { fail_tls: true, ..Sink::default() };
    let outcome = scan(Cursor::new(zip_of(&members)), "x.zip", &Limits::default(), &mut sink);
    assert_eq!(statuses(&outcome), ["sink: database down"]);
}
