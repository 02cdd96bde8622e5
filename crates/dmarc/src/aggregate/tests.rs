//! Aggregate parser tests on the shared real-world samples and on small
//! reports built here. The sink is a fake that records every call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::IpAddr;
use std::path::PathBuf;

use super::{Done, Failure, parse, parse_all};
use crate::{
    AuthResult, FailureReport, Limits, ParseError, Policy, RECORD_BATCH, Record, ReportHeader, ReportSink, Schema,
    TlsReport, Verdict,
};

/// A sink that records every call, and can be told to say "duplicate" or
/// to fail on its n-th `records` call.
#[derive(Debug, Default)]
pub(super) struct Calls {
    pub(super) headers: Vec<ReportHeader>,
    pub(super) batches: Vec<usize>,
    pub(super) records: Vec<Record>,
    pub(super) ends: usize,
    pub(super) aborts: usize,
    /// `begin_aggregate` answers "already have it".
    pub(super) duplicate: bool,
    /// `records` fails on this call (0-based).
    pub(super) fail_batch: Option<usize>,
    /// `records` answers "already have it" on this call (0-based).
    pub(super) duplicate_batch: Option<usize>,
}

impl ReportSink for Calls {
    type Error = String;

    fn begin_aggregate(&mut self, header: &ReportHeader) -> Result<bool, String> {
        self.headers.push(header.clone());
        Ok(!self.duplicate)
    }

    fn records(&mut self, batch: Vec<Record>) -> Result<bool, String> {
        if self.fail_batch == Some(self.batches.len()) {
            return Err("the database is gone".to_owned());
        }
        let wanted = self.duplicate_batch != Some(self.batches.len());
        self.batches.push(batch.len());
        self.records.extend(batch);
        Ok(wanted)
    }

    fn end_aggregate(&mut self) -> Result<(), String> {
        self.ends += 1;
        Ok(())
    }

    fn abort_aggregate(&mut self) {
        self.aborts += 1;
    }

    fn tls_report(&mut self, _: &TlsReport) -> Result<bool, String> {
        Err("not expected".to_owned())
    }

    fn failure_report(&mut self, _: &FailureReport) -> Result<bool, String> {
        Err("not expected".to_owned())
    }
}

/// A complete report around `records`.
pub(super) fn report(records: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n<report_metadata><org_name>Reporter</org_name>\
         <email>dmarc@reporter.example</email><report_id>r-1</report_id>\
         <date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>\n\
         <policy_published><domain>Example.com</domain><p>reject</p><pct>100</pct></policy_published>\n\
         {records}</feedback>\n"
    )
}

/// One record from `ip`, `count` messages, passing DKIM.
pub(super) fn record(ip: &str, count: &str) -> String {
    format!(
        "<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>\
         <disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>\
         <identifiers><header_from>example.com</header_from></identifiers><auth_results><dkim>\
         <domain>example.com</domain><selector>s1</selector><result>pass</result></dkim></auth_results></record>\n"
    )
}

pub(super) fn run(xml: &str, limits: &Limits) -> (Result<Done, Failure<String>>, Calls) {
    let mut calls = Calls::default();
    let result = parse(xml.as_bytes(), limits, &mut calls);
    (result, calls)
}

pub(super) fn parse_error(xml: &[u8], limits: &Limits) -> ParseError {
    match parse_all(xml, limits) {
        Err(e) => e,
        Ok((header, records)) => panic!("expected an error, got {header:?} with {} records", records.len()),
    }
}

fn samples() -> PathBuf {
    portcullis_testkit::shared_dir().join("data/dmarc-samples")
}

fn sample(path: &str) -> Result<(ReportHeader, Vec<Record>), ParseError> {
    let bytes = std::fs::read(samples().join(path)).unwrap();
    parse_all(&bytes[..], &Limits::default())
}

#[test]
fn every_xml_sample_parses_or_says_clearly_why_not() {
    let mut seen = 0;
    for dir in ["aggregate", "aggregate_invalid", "extract_report"] {
        for entry in std::fs::read_dir(samples().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "xml") {
                continue;
            }
            seen += 1;
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let result = parse_all(&bytes[..], &Limits::default());
            match (name.as_str(), result) {
                ("invalid_utf_8.xml", Err(e)) => assert!(matches!(e, ParseError::Encoding { .. }), "{name}: {e}"),
                ("invalid_xml.xml", Err(e)) => assert!(matches!(e, ParseError::Malformed { .. }), "{name}: {e}"),
                (_, Err(e)) => panic!("{name} should parse: {e}"),
                (_, Ok((header, records))) => {
                    assert!(!header.org_name.is_empty(), "{name}");
                    assert!(!header.report_id.is_empty(), "{name}");
                    assert!(header.begin <= header.end, "{name}");
                    let expected = String::from_utf8_lossy(&bytes).matches("<record>").count();
                    assert_eq!(records.len(), expected, "{name}");
                    assert!(records.iter().all(|r| r.count > 0 && !r.header_from.is_empty()), "{name}");
                }
            }
        }
    }
    assert!(seen >= 17, "only {seen} samples found");
}

#[test]
fn rfc9990_sample() {
    let (header, records) = sample("aggregate/rfc9990-sample.xml").unwrap();
    assert_eq!(header.schema, Schema::Rfc9990);
    assert_eq!(header.report_id, "3v98abbp8ya9n3va8yr8oa3ya");
    assert_eq!(header.org_name, "Sample Reporter");
    assert_eq!((header.begin, header.end), (302_832_000, 302_918_399));
    assert_eq!(header.policy.p, Some(Policy::Quarantine));
    assert_eq!(header.policy.np, Some(Policy::None));
    assert!(!header.policy.testing);
    let [r] = &records[..] else { panic!("one record expected") };
    assert_eq!(r.source_ip, "192.0.2.123".parse::<IpAddr>().unwrap());
    assert_eq!(r.count, 123);
    assert_eq!(r.disposition, Some(Policy::None));
    assert_eq!((r.dkim, r.spf), (Verdict::Pass, Verdict::Fail));
    assert_eq!(r.envelope_from.as_deref(), Some("example.com"));
    assert_eq!(r.dkim_results[0].selector.as_deref(), Some("abc123"));
    assert_eq!(r.spf_results[0].result, AuthResult::Fail);
}

#[test]
fn rfc9990_fields_without_the_namespace() {
    let (header, records) = sample("aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml").unwrap();
    assert_eq!(header.schema, Schema::Rfc7489);
    assert!(header.policy.testing);
    assert_eq!(header.policy.np, Some(Policy::Reject));
    assert_eq!(records.len(), 2);
    let reason = &records[1].reasons[0];
    assert_eq!((reason.kind.as_str(), reason.comment.as_deref()), ("other", Some("sender not authorized")));
    assert_eq!(records[1].disposition, Some(Policy::Reject));
}

#[test]
fn upper_case_values_and_padded_org_name() {
    let (header, records) = sample("aggregate_invalid/report_with_upper_cased_pass.xml").unwrap();
    assert_eq!(header.org_name, "example.com");
    let r = &records[0];
    assert_eq!((r.dkim, r.spf, r.disposition), (Verdict::Pass, Verdict::Pass, Some(Policy::None)));
    assert_eq!(r.dkim_results[0].result, AuthResult::Pass);
    assert_eq!(r.spf_results[0].result, AuthResult::Pass);
}

#[test]
fn empty_org_name_falls_back_to_the_email_domain() {
    let (header, records) = sample("aggregate/!example.com!1538204542!1538463818.xml").unwrap();
    assert_eq!(header.org_name, "accurateplastics.com");
    assert_eq!(header.policy.sp, Some(Policy::Reject));
    // The SPF result names no domain: it says nothing and is dropped.
    assert!(records[0].spf_results.is_empty());
}

#[test]
fn empty_reason_and_extra_elements() {
    let (_, records) = sample("aggregate/empty_reason.xml").unwrap();
    let r = &records[0];
    assert!(r.reasons.is_empty());
    assert_eq!(r.envelope_to.as_deref(), Some("example.net"));
    assert_eq!(r.dkim_results[0].selector.as_deref(), Some("example"));
    assert_eq!(r.spf_results[0].scope.as_deref(), Some("mfrom"));
}

#[test]
fn feedback_wrapped_in_a_stray_schema_element() {
    let (header, records) = sample("aggregate/ikea.com!example.de!1538690400!1538776800.xml").unwrap();
    assert_eq!(header.org_name, "ikea.com");
    assert_eq!(header.policy.domain, "example.de");
    assert_eq!(records[0].spf_results[0].scope.as_deref(), Some("helo"));
}

#[test]
fn the_large_sample_streams_in_batches() {
    let bytes = std::fs::read(samples().join("aggregate/!large-example.com!1711897200!1711983600.xml")).unwrap();
    let expected = String::from_utf8_lossy(&bytes).matches("<record>").count();
    assert!(expected > RECORD_BATCH, "the sample should span batches");
    let mut calls = Calls::default();
    let done = parse(&bytes[..], &Limits::default(), &mut calls).unwrap();
    assert_eq!(done, Done::Kept { records: expected as u64, messages: calls.records.iter().map(|r| r.count).sum() });
    assert!(calls.batches.iter().all(|&n| n <= RECORD_BATCH));
    assert_eq!(calls.batches.iter().sum::<usize>(), expected);
    assert_eq!((calls.headers.len(), calls.ends, calls.aborts), (1, 1, 0));
}

#[test]
fn the_same_report_twice_differs_only_in_what_changed() {
    let (nice, nice_records) = sample("extract_report/nice-input.xml").unwrap();
    let (changed, changed_records) = sample("extract_report/changed-input.xml").unwrap();
    assert_eq!((nice.org_name.as_str(), changed.org_name.as_str()), ("google.com", "fred.com"));
    assert_eq!(nice_records, changed_records);
}

#[test]
fn batches_are_full_except_the_last() {
    let records: String = (0..2500).map(|i| record(&format!("10.0.{}.{}", i / 256, i % 256), "2")).collect();
    let (result, calls) = run(&report(&records), &Limits::default());
    assert_eq!(result.unwrap(), Done::Kept { records: 2500, messages: 5000 });
    assert_eq!(calls.batches, [1000, 1000, 500]);
    assert_eq!((calls.headers.len(), calls.ends, calls.aborts), (1, 1, 0));
    assert_eq!(calls.records[2499].source_ip, "10.0.9.195".parse::<IpAddr>().unwrap());
}

#[test]
fn a_duplicate_is_not_read_further() {
    // The second record is broken: a sink that already has the report
    // never makes the parser look at it.
    let xml = report(&(record("192.0.2.1", "1") + &record("192.0.2.2", "-1")));
    let mut calls = Calls { duplicate: true, ..Calls::default() };
    let done = parse(xml.as_bytes(), &Limits::default(), &mut calls).unwrap();
    assert_eq!(done, Done::Duplicate);
    assert_eq!((calls.headers.len(), calls.batches.len(), calls.ends, calls.aborts), (1, 0, 0, 0));
}

#[test]
fn a_sink_that_finds_the_report_late_stops_the_parser_there() {
    // The last record is broken: a sink that says "already have it" on the
    // second batch never makes the parser read it, and nothing is ended.
    let mut records: String = (0..2500).map(|i| record(&format!("10.3.{}.{}", i / 256, i % 256), "1")).collect();
    records.push_str(&record("192.0.2.9", "-1"));
    let mut calls = Calls { duplicate_batch: Some(1), ..Calls::default() };
    let done = parse(report(&records).as_bytes(), &Limits::default(), &mut calls).unwrap();
    assert_eq!(done, Done::Duplicate);
    assert_eq!((calls.batches.as_slice(), calls.ends, calls.aborts), (&[1000, 1000][..], 0, 0));
    // Said of the final, partial batch, it still stops the report unended.
    let small = report(&record("192.0.2.1", "1"));
    let mut calls = Calls { duplicate_batch: Some(0), ..Calls::default() };
    assert_eq!(parse(small.as_bytes(), &Limits::default(), &mut calls).unwrap(), Done::Duplicate);
    assert_eq!((calls.ends, calls.aborts), (0, 0));
}

#[test]
fn a_failure_mid_report_aborts_what_was_begun() {
    let mut records: String = (0..1500).map(|i| record(&format!("10.1.{}.{}", i / 256, i % 256), "1")).collect();
    records.push_str(&record("192.0.2.9", "1e3"));
    let (result, calls) = run(&report(&records), &Limits::default());
    let Err(Failure::Parse(ParseError::Invalid { field, value })) = result else { panic!("{result:?}") };
    assert_eq!((field, value.as_str()), ("record count", "1e3"));
    assert_eq!(calls.batches, [1000]);
    assert_eq!((calls.ends, calls.aborts), (0, 1));
}

#[test]
fn a_sink_failure_aborts_and_is_reported_as_the_sink_s() {
    let records: String = (0..2100).map(|i| record(&format!("10.2.{}.{}", i / 256, i % 256), "1")).collect();
    let mut calls = Calls { fail_batch: Some(1), ..Calls::default() };
    let result = parse(report(&records).as_bytes(), &Limits::default(), &mut calls);
    assert!(matches!(result, Err(Failure::Sink(ref e)) if e == "the database is gone"), "{result:?}");
    assert_eq!((calls.batches.len(), calls.ends, calls.aborts), (1, 0, 1));
}

#[test]
fn a_header_error_before_any_record_does_not_begin() {
    let xml = report(&record("192.0.2.1", "1")).replace("<report_id>r-1</report_id>", "");
    let (result, calls) = run(&xml, &Limits::default());
    assert!(matches!(result, Err(Failure::Parse(ParseError::Missing("report id")))), "{result:?}");
    assert_eq!((calls.headers.len(), calls.aborts), (0, 0));
}

#[test]
fn a_report_without_records_is_still_a_report() {
    let (result, calls) = run(&report(""), &Limits::default());
    assert_eq!(result.unwrap(), Done::Kept { records: 0, messages: 0 });
    assert_eq!((calls.headers.len(), calls.batches.len(), calls.ends), (1, 0, 1));
    assert_eq!(calls.headers[0].policy.domain, "example.com");
}

#[test]
fn zero_counts_are_skipped_but_parsing_goes_on() {
    let xml = report(&(record("192.0.2.1", "0") + &record("192.0.2.2", " 7 ")));
    let (_, records) = parse_all(xml.as_bytes(), &Limits::default()).unwrap();
    let [r] = &records[..] else { panic!("{records:?}") };
    assert_eq!((r.source_ip, r.count), ("192.0.2.2".parse::<IpAddr>().unwrap(), 7));
}

#[test]
fn a_missing_header_from_is_the_policy_domain() {
    let xml = report(&record("2001:db8::1", "3").replace("<header_from>example.com</header_from>", ""));
    let (_, records) = parse_all(xml.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(records[0].header_from, "example.com");
    assert_eq!(records[0].source_ip, "2001:db8::1".parse::<IpAddr>().unwrap());
}

#[test]
fn metadata_after_records_is_refused() {
    let xml = report(&record("192.0.2.1", "1")).replace("</feedback>", "<policy_published/></feedback>");
    let (result, calls) = run(&xml, &Limits::default());
    let Err(Failure::Parse(e)) = result else { panic!("{result:?}") };
    assert_eq!(e.to_string(), "the report has no metadata before its records");
    assert_eq!(calls.aborts, 1);
}

#[test]
fn prefixed_rfc9990_elements() {
    let xml = report(&record("192.0.2.1", "4"))
        .replace("<feedback>", "<d:feedback xmlns:d=\"urn:ietf:params:xml:ns:dmarc-2.0\">")
        .replace("</feedback>", "</d:feedback>")
        .replace("<record>", "<d:record>")
        .replace("</record>", "</d:record>")
        .replace("<count>", "<d:count>")
        .replace("</count>", "</d:count>");
    let (header, records) = parse_all(xml.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(header.schema, Schema::Rfc9990);
    assert_eq!(records[0].count, 4);
}

#[test]
fn escapes_cdata_and_a_bom() {
    let xml = report("").replace(
        "<org_name>Reporter</org_name>",
        "<org_name> A&amp;B &#67;&#x44; <![CDATA[<E>]]> </org_name><error>x</error><error>y</error>",
    );
    let bytes = [&b"\xEF\xBB\xBF"[..], xml.as_bytes()].concat();
    let (header, _) = parse_all(&bytes[..], &Limits::default()).unwrap();
    assert_eq!(header.org_name, "A&B CD <E>");
    assert_eq!(header.errors, ["x", "y"]);
}

#[test]
fn declared_latin1_is_read() {
    let xml = report("").replace("UTF-8", "ISO-8859-1");
    let mut bytes = xml.into_bytes();
    let at = bytes.windows(8).position(|w| w == b"Reporter").unwrap();
    bytes.splice(at..at + 8, b"Soci\xe9t\xe9".iter().copied());
    let (header, _) = parse_all(&bytes[..], &Limits::default()).unwrap();
    assert_eq!(header.org_name, "Société");
}

#[test]
fn too_many_records_and_too_many_results() {
    let limits = Limits { max_records: 3, max_results_per_record: 1, ..Limits::default() };
    let dkim = "<dkim><domain>a.example</domain><result>pass</result></dkim>";
    let one = record("192.0.2.1", "1").replace("</auth_results>", &format!("{dkim}{dkim}</auth_results>"));
    let (_, records) = parse_all(report(&one.repeat(3)).as_bytes(), &limits).unwrap();
    assert!(records.iter().all(|r| r.dkim_results.len() == 1));
    let e = parse_error(report(&one.repeat(4)).as_bytes(), &limits);
    assert_eq!(e, ParseError::TooMany { what: "records", limit: 3 });
}
