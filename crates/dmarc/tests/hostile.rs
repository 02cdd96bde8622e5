//! The report generator's hostile inputs (`--hostile --seed 7`: truncated
//! files, XXE, entity expansion, gzip and zip bombs, zip traversal, huge
//! values, bad encodings, deep nesting, bad counts and dates), each scanned
//! and held to what the generator's manifest expects of a robust ingester.
//! None may panic, bombs must be refused in well under a second, and the
//! whole run must stay under 200 MB of peak memory.
//!
//! The set takes about 30 s to generate; it is generated once under the
//! test target's temporary directory, keyed by a hash of the generator, and
//! reused while the generator is unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use portcullis_dmarc::scan::scan;
use portcullis_dmarc::{
    FailureReport, InputOutcome, Limits, ParseError, Record, ReportHeader, ReportSink, Status, TlsReport,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

const PEAK_RSS_LIMIT_KB: u64 = 200 * 1024;
const BOMB_TIME_LIMIT: Duration = Duration::from_secs(1);
const ANY_FILE_TIME_LIMIT: Duration = Duration::from_secs(10);

fn shared() -> PathBuf {
    portcullis_testkit::shared_dir()
}

/// The hostile set's directory; its manifest is `<dir>.manifest.json`.
fn hostile_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let generator = shared().join("tools/gen-dmarc-reports.py");
        let script = std::fs::read(&generator).expect("the report generator in shared/tools");
        let key: String = Sha256::digest(&script).iter().take(6).map(|b| format!("{b:02x}")).collect();
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let dir = base.join(format!("dmarc-hostile-{key}"));
        if manifest_path(&dir).exists() {
            return dir;
        }
        let staging = base.join(format!("dmarc-hostile-{key}.{}", std::process::id()));
        let output = Command::new("python3")
            .arg(&generator)
            .arg("--out")
            .arg(&staging)
            .args(["--hostile", "--seed", "7"])
            .output()
            .expect("python3 runs the generator");
        assert!(output.status.success(), "generator failed: {}", String::from_utf8_lossy(&output.stderr));
        std::fs::rename(manifest_path(&staging), manifest_path(&dir).with_extension("json.part")).unwrap();
        std::fs::rename(&staging, &dir).unwrap();
        std::fs::rename(manifest_path(&dir).with_extension("json.part"), manifest_path(&dir)).unwrap();
        dir
    })
}

fn manifest_path(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap().to_os_string();
    name.push(".manifest.json");
    dir.with_file_name(name)
}

/// A sink that checks every bound it is promised, and counts.
#[derive(Default)]
struct Checking {
    begun: usize,
    kept: usize,
    records: u64,
    open: bool,
    problems: Vec<String>,
}

impl ReportSink for Checking {
    type Error = String;
    fn begin_aggregate(&mut self, header: &ReportHeader) -> Result<bool, String> {
        let limit = Limits::default().max_text_bytes;
        for (what, text) in
            [("org_name", &header.org_name), ("report_id", &header.report_id), ("domain", &header.policy.domain)]
        {
            if text.len() > limit {
                self.problems.push(format!("{what} of {} bytes", text.len()));
            }
        }
        if header.end < header.begin {
            self.problems.push("period ends before it begins".into());
        }
        self.begun += 1;
        self.open = true;
        Ok(true)
    }
    fn records(&mut self, batch: Vec<Record>) -> Result<bool, String> {
        if !self.open {
            self.problems.push("records outside a report".into());
        }
        if batch.len() > portcullis_dmarc::RECORD_BATCH {
            self.problems.push(format!("a batch of {}", batch.len()));
        }
        for record in &batch {
            if record.count == 0 {
                self.problems.push("a record with count 0".into());
            }
            if record.header_from.len() > Limits::default().max_text_bytes {
                self.problems.push("a huge header_from".into());
            }
        }
        self.records += batch.len() as u64;
        Ok(true)
    }
    fn end_aggregate(&mut self) -> Result<(), String> {
        self.open = false;
        self.kept += 1;
        Ok(())
    }
    fn abort_aggregate(&mut self) {
        self.open = false;
    }
    fn tls_report(&mut self, report: &TlsReport) -> Result<bool, String> {
        if report.end < report.begin {
            self.problems.push("TLS period ends before it begins".into());
        }
        self.kept += 1;
        Ok(true)
    }
    fn failure_report(&mut self, _: &FailureReport) -> Result<bool, String> {
        self.kept += 1;
        Ok(true)
    }
}

struct Seen {
    outcome: InputOutcome<String>,
    sink: Checking,
    took: Duration,
}

impl Seen {
    fn ingested(&self) -> usize {
        self.outcome.reports.iter().filter(|f| matches!(f.status, Status::Ingested { .. } | Status::Duplicate)).count()
    }

    fn errors(&self) -> Vec<&ParseError> {
        let invalid = self.outcome.reports.iter().filter_map(|f| match &f.status {
            Status::Invalid(e) => Some(e),
            _ => None,
        });
        invalid.chain(self.outcome.error.as_ref()).collect()
    }

    fn describe(&self) -> String {
        let reports: Vec<String> = self
            .outcome
            .reports
            .iter()
            .map(|f| match &f.status {
                Status::Ingested { records } => format!("ingested {records}"),
                Status::Duplicate => "duplicate".into(),
                Status::Invalid(e) => format!("invalid: {e}"),
                Status::Sink(e) => format!("sink: {e}"),
            })
            .collect();
        format!(
            "reports {reports:?}, error {:?}, {:?}",
            self.outcome.error.as_ref().map(ToString::to_string),
            self.took
        )
    }
}

fn scan_path(path: &Path) -> Seen {
    let mut sink = Checking::default();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let start = Instant::now();
    let outcome = scan(File::open(path).unwrap(), &name, &Limits::default(), &mut sink);
    Seen { outcome, sink, took: start.elapsed() }
}

/// What the manifest's `expect` asks, as a check; `None` when it is met.
fn unmet(expect: &str, seen: &Seen) -> Option<String> {
    let ingested = seen.ingested();
    let errors = seen.errors();
    let said_something = ingested > 0 || !errors.is_empty();
    let ok = match expect {
        "reject" => ingested == 0 && !errors.is_empty(),
        "accept" | "accept-escaped" => ingested > 0 && errors.is_empty(),
        "reject-or-first-xml" => ingested <= 1 && said_something,
        "accept-or-reject-no-write"
        | "reject-or-warn"
        | "reject-or-replace"
        | "reject-or-accept-bounded"
        | "reject-record"
        | "reject-or-first"
        | "accept-or-warn"
        | "warn" => said_something,
        other => return Some(format!("unknown expectation {other}: teach this test about it")),
    };
    (!ok).then(|| format!("expected {expect}"))
}

/// A test of what was seen.
type Check = fn(&Seen) -> bool;

/// Where we knowingly do other than the manifest asks: why, and what we
/// do instead.
fn deviation(name: &str) -> Option<(&'static str, Check)> {
    match name {
        "h16-utf16-bom.xml" => Some((
            "UTF-16 is refused with an encoding error: the aggregate parser reads UTF-8 and declared ISO-8859-1 only, \
             and no reporter is known to send UTF-16",
            |seen| seen.ingested() == 0 && seen.errors().iter().any(|e| matches!(e, ParseError::Encoding { .. })),
        )),
        _ => None,
    }
}

/// Errors must be one plain sentence a person can read.
fn unclear(error: &ParseError) -> Option<String> {
    let text = error.to_string();
    (text.is_empty() || text.len() > 600 || text.chars().any(char::is_control))
        .then(|| format!("unclear error: {text:?}"))
}

#[test]
fn hostile_inputs_are_refused_or_bounded() {
    let dir = hostile_dir();
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest_path(dir)).unwrap()).unwrap();
    let entries = manifest["files"].as_array().unwrap();
    assert!(entries.len() >= 40, "expected the whole hostile set");
    let traversal_target = Path::new("/tmp/dmarc-pwned.xml");
    let traversal_target_existed = traversal_target.exists();

    let mut problems = Vec::new();
    for entry in entries {
        let name = entry["file"].as_str().unwrap();
        let expect = entry["expect"].as_str().unwrap();
        let category = entry["category"].as_str().unwrap();
        let seen = scan_path(&dir.join(name));
        if std::env::var_os("HOSTILE_VERBOSE").is_some() {
            eprintln!("{name}: {}", seen.describe());
        }
        let mut complaints: Vec<String> = seen.sink.problems.clone();
        complaints.extend(match deviation(name) {
            Some((why, check)) => (!check(&seen)).then(|| format!("expected our deviation: {why}")),
            None => unmet(expect, &seen),
        });
        complaints.extend(seen.errors().into_iter().filter_map(unclear));
        if seen.sink.open {
            complaints.push("an aggregate report was begun and never ended or aborted".into());
        }
        if category == "decompression-bomb" && seen.took > BOMB_TIME_LIMIT {
            complaints.push(format!("a bomb took {:?} to refuse", seen.took));
        }
        if seen.took > ANY_FILE_TIME_LIMIT {
            complaints.push(format!("took {:?}", seen.took));
        }
        if !complaints.is_empty() {
            problems.push(format!("{name} ({category}): {}\n    {}", complaints.join("; "), seen.describe()));
        }
    }
    if !traversal_target_existed {
        assert!(!traversal_target.exists(), "a zip member name was used as a path");
    }
    let peak = peak_rss_kb();
    if std::env::var_os("HOSTILE_VERBOSE").is_some() {
        eprintln!("peak memory: {} KiB", peak);
    }
    if peak >= PEAK_RSS_LIMIT_KB {
        problems.push(format!("peak memory {} MB is over the limit", peak / 1024));
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// The process's peak resident memory (VmHWM), in KiB.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/self/status");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
