//! Property tests: no input makes the parser panic or break the sink's
//! protocol, and generated records come back as they went in. Also the
//! (ignored) throughput measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::tests::{Calls, record, report};
use super::{Done, parse, parse_all};
use crate::Limits;

/// Whatever happened, the sink saw a well-formed sequence of calls.
fn check_protocol(result: &Result<Done, super::Failure<String>>, calls: &Calls) {
    assert!(calls.headers.len() <= 1);
    assert!(calls.ends + calls.aborts <= 1);
    match result {
        Ok(Done::Kept { records, .. }) => {
            assert_eq!((calls.headers.len(), calls.ends, calls.aborts), (1, 1, 0));
            assert_eq!(*records as usize, calls.records.len());
        }
        Ok(Done::Duplicate) => panic!("this sink never says duplicate"),
        Err(_) => {
            assert_eq!(calls.ends, 0);
            assert_eq!(calls.aborts, calls.headers.len());
        }
    }
}

fn small_limits() -> Limits {
    Limits { max_depth: 12, max_text_bytes: 512, max_records: 50, max_results_per_record: 4, ..Limits::default() }
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        any::<u128>().prop_map(|n| IpAddr::V6(Ipv6Addr::from(n))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut calls = Calls::default();
        let result = parse(&bytes[..], &small_limits(), &mut calls);
        check_protocol(&result, &calls);
    }

    #[test]
    fn damaged_reports_never_panic(
        at in 0usize..1200,
        cut in 0usize..40,
        junk in proptest::collection::vec(any::<u8>(), 0..24),
    ) {
        let mut bytes = report(&(record("192.0.2.1", "3") + &record("2001:db8::1", "4"))).into_bytes();
        let at = at.min(bytes.len());
        let end = (at + cut).min(bytes.len());
        bytes.splice(at..end, junk);
        let mut calls = Calls::default();
        let result = parse(&bytes[..], &small_limits(), &mut calls);
        check_protocol(&result, &calls);
    }

    #[test]
    fn generated_records_round_trip(rows in proptest::collection::vec((ip(), 1u64..=u64::MAX), 0..40)) {
        let records: String = rows.iter().map(|(ip, count)| record(&ip.to_string(), &count.to_string())).collect();
        let (header, parsed) = parse_all(report(&records).as_bytes(), &Limits::default()).unwrap();
        prop_assert_eq!(header.policy.domain.as_str(), "example.com");
        let got: Vec<(IpAddr, u64)> = parsed.iter().map(|r| (r.source_ip, r.count)).collect();
        prop_assert_eq!(got, rows);
    }
}

/// Records like the generator's (`shared/tools/gen-dmarc-reports.py`):
/// two DKIM results, one SPF, about 650 bytes each, indented.
fn big_report(n: usize) -> String {
    let mut xml = String::with_capacity(n * 700 + 1024);
    for i in 0..n {
        xml.push_str(&format!(
            "  <record>\n    <row>\n      <source_ip>54.240.{}.{}</source_ip>\n      <count>{}</count>\n\
             \x20     <policy_evaluated>\n        <disposition>none</disposition>\n        <dkim>pass</dkim>\n\
             \x20       <spf>fail</spf>\n      </policy_evaluated>\n    </row>\n    <identifiers>\n\
             \x20     <envelope_from>bounces.mcsv.net</envelope_from>\n      <header_from>example.net</header_from>\n\
             \x20   </identifiers>\n    <auth_results>\n      <dkim>\n        <domain>example.net</domain>\n\
             \x20       <selector>20230601</selector>\n        <result>pass</result>\n      </dkim>\n\
             \x20     <dkim>\n        <domain>mcsv.net</domain>\n        <selector>s1</selector>\n\
             \x20       <result>pass</result>\n      </dkim>\n      <spf>\n        <domain>bounces.mcsv.net</domain>\n\
             \x20       <result>pass</result>\n      </spf>\n    </auth_results>\n  </record>\n",
            (i / 256) % 256,
            i % 256,
            i % 300 + 1
        ));
    }
    report(&xml)
}

/// This thread's CPU time in seconds (Linux), to measure on a busy machine.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Throughput, in release: `cargo test --release -p portcullis-dmarc
/// aggregate::tests_props::throughput -- --ignored --nocapture`. Set
/// `PORTCULLIS_AGG_BENCH` to a report file to time that instead.
#[test]
#[ignore = "a measurement, not a test; run in release"]
#[allow(clippy::print_stdout)]
fn throughput() {
    let xml = match std::env::var("PORTCULLIS_AGG_BENCH") {
        Ok(path) => std::fs::read(path).unwrap(),
        Err(_) => big_report(200_000).into_bytes(),
    };
    let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
    let mut records = 0;
    for _ in 0..5 {
        let mut calls = Counting::default();
        let (start, cpu_start) = (std::time::Instant::now(), cpu_seconds());
        let reader = std::io::BufReader::with_capacity(64 * 1024, &xml[..]);
        let done = parse(reader, &Limits::default(), &mut calls).unwrap();
        wall = wall.min(start.elapsed().as_secs_f64());
        if let (Some(end), Some(begin)) = (cpu_seconds(), cpu_start) {
            cpu = cpu.min(end - begin);
        }
        let Done::Kept { records: n, .. } = done else { panic!("{done:?}") };
        assert_eq!(n, calls.records);
        records = n;
    }
    let mb = xml.len() as f64 / 1e6;
    let n = records as f64;
    println!("{records} records, {mb:.1} MB: wall {wall:.3} s ({:.0} records/s, {:.0} MB/s)", n / wall, mb / wall);
    println!("cpu {cpu:.3} s ({:.0} records/s, {:.0} MB/s)", n / cpu, mb / cpu);
}

/// Counts records without keeping them.
#[derive(Debug, Default)]
struct Counting {
    records: u64,
}

impl crate::ReportSink for Counting {
    type Error = String;
    fn begin_aggregate(&mut self, _: &crate::ReportHeader) -> Result<bool, String> {
        Ok(true)
    }
    fn records(&mut self, batch: Vec<crate::Record>) -> Result<bool, String> {
        self.records += batch.len() as u64;
        Ok(true)
    }
    fn end_aggregate(&mut self) -> Result<(), String> {
        Ok(())
    }
    fn abort_aggregate(&mut self) {}
    fn tls_report(&mut self, _: &crate::TlsReport) -> Result<bool, String> {
        Ok(false)
    }
    fn failure_report(&mut self, _: &crate::FailureReport) -> Result<bool, String> {
        Ok(false)
    }
}
