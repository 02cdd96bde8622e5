//! The peer: parsedmarc (PyPI), pinned, in a venv under the target
//! directory, run offline on the same files and measured the same way.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::inputs::Input;
use super::measure::{self, Figures};
use crate::bench::python;

/// The version measured: the one the issue's figures came from.
const VERSION: &str = "11.1.0";

/// An installed parsedmarc.
pub struct Peer {
    exe: PathBuf,
    pub version: String,
}

/// Make the venv and install parsedmarc unless it is already there.
pub fn prepare(target_dir: &Path) -> Result<Peer> {
    let venv = format!("bench-venv-parsedmarc-{VERSION}");
    let exe = python::install(target_dir, &venv, &format!("parsedmarc=={VERSION}"), "parsedmarc")?;
    let version = python::version(&exe)?;
    Ok(Peer { exe, version })
}

/// The command line, for the printed notes.
pub const FLAGS: &str = "--offline --silent -o DIR REPORT_DIR (one process, writing aggregate.json and .csv)";

/// Parse every file of `input` into `work/<name>.parsedmarc/`, then count
/// the records in its `aggregate.json`; they must match the manifest.
pub fn parse(peer: &Peer, work: &Path, name: &str, input: &Input) -> Result<Figures> {
    let out_dir = work.join(format!("{name}.parsedmarc"));
    let mut cmd = Command::new(&peer.exe);
    cmd.args(["--offline", "--silent", "-o"]).arg(&out_dir).arg(&input.dir);
    // --offline already skips DNS and the downloads of its IP and
    // reverse-DNS maps; this makes sure nothing else leaves the machine.
    python::block_web(&mut cmd);
    let run = measure::run(&cmd, &work.join(format!("{name}.parsedmarc.rss")))?;
    if !run.status.success() {
        let err = String::from_utf8_lossy(&run.stderr);
        bail!("parsedmarc exited {}: {}", run.status, python::last_lines(&err, 3));
    }
    let records = count_records(&out_dir.join("aggregate.json"))?;
    if records != input.records {
        let err = String::from_utf8_lossy(&run.stderr);
        bail!(
            "parsedmarc output {records} records in {:.1} s, the generator made {}: {}",
            run.secs,
            input.records,
            python::last_lines(&err, 2)
        );
    }
    Ok(Figures { records, secs: run.secs, peak_rss: run.peak_rss })
}

/// One aggregate report in parsedmarc's JSON output; only its records
/// are counted, without keeping them.
#[derive(Deserialize)]
struct Report {
    records: Vec<IgnoredAny>,
}

/// The records in parsedmarc's `aggregate.json` (an array of reports),
/// read as a stream: at 100,000 records the file is about 150 MB.
fn count_records(path: &Path) -> Result<u64> {
    let file = File::open(path).with_context(|| format!("opening parsedmarc's {}", path.display()))?;
    let reports: Vec<Report> =
        serde_json::from_reader(BufReader::new(file)).context("reading parsedmarc's aggregate.json")?;
    Ok(reports.iter().map(|r| r.records.len() as u64).sum())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_across_reports() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aggregate.json");
        let json = r#"[
            {"report_metadata": {"org_name": "a"}, "records": [{"count": 3}, {"count": 1, "source": {"ip_address": "192.0.2.1"}}]},
            {"report_metadata": {"org_name": "b"}, "records": []},
            {"report_metadata": {"org_name": "c"}, "records": [{"count": 9}]}
        ]"#;
        std::fs::write(&path, json).unwrap();
        assert_eq!(count_records(&path).unwrap(), 3);
        std::fs::write(&path, r#"[{"report_metadata": {}}]"#).unwrap();
        assert!(count_records(&path).is_err(), "a report without records is not a parsedmarc report");
    }
}
