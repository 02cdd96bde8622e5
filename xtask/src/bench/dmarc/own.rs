//! The Portcullis side: `portcullis dmarc ingest DIR --json` into a fresh
//! SQLite database, measured, with its per-file lines checked.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use super::inputs::Input;
use super::measure::{self, Figures};
use crate::bench::python;

/// `Ok` when this build of portcullis has `dmarc ingest`, else why not.
pub fn check(binary: &Path) -> Result<()> {
    let out = Command::new(binary)
        .args(["dmarc", "ingest", "--help"])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("this portcullis has no `dmarc ingest` command yet ({})", python::last_lines(&err, 1));
    }
    Ok(())
}

/// A command on the workload's own database, with its key and data kept
/// in `work` rather than the user's directories.
fn portcullis(binary: &Path, work: &Path, db: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.arg("--db")
        .arg(format!("sqlite://{}", db.display()))
        .env("PORTCULLIS_KEY_FILE", work.join("secret.key"))
        .env("PORTCULLIS_DATA_DIR", work)
        .stdin(Stdio::null());
    cmd
}

/// Ingest `input` `runs` times, each into a new database: the median time
/// and the highest peak RSS. A single run of a tenth of a second is at the
/// mercy of whatever else the machine does in that moment.
pub fn ingest(binary: &Path, work: &Path, name: &str, input: &Input, runs: usize) -> Result<Figures> {
    let mut all = (0..runs.max(1))
        .map(|run| ingest_once(binary, work, &format!("{name}-{run}"), input))
        .collect::<Result<Vec<_>>>()?;
    all.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    let peak_rss = all.iter().map(|f| f.peak_rss).max().unwrap_or(0);
    let median = all.swap_remove(all.len() / 2);
    Ok(Figures { peak_rss, ..median })
}

/// Ingest every file of `input` into a new database `work/<name>.db`.
/// Fails when any file is an error or the records ingested differ from
/// the generator's manifest.
fn ingest_once(binary: &Path, work: &Path, name: &str, input: &Input) -> Result<Figures> {
    let db = work.join(format!("{name}.db"));
    let out = portcullis(binary, work, &db).args(["office", "create", "Bench office"]).output()?;
    if !out.status.success() {
        bail!("portcullis office create failed: {}", python::last_lines(&String::from_utf8_lossy(&out.stderr), 2));
    }
    let mut cmd = portcullis(binary, work, &db);
    cmd.args(["--json", "dmarc", "ingest"]).arg(&input.dir);
    let run = measure::run(&cmd, &work.join(format!("{name}.portcullis.rss")))?;
    // Exit 1 means "found problems worth attention", which reports with
    // failing DMARC are; 2 is a usage or input error.
    if !matches!(run.status.code(), Some(0 | 1)) {
        let err = String::from_utf8_lossy(&run.stderr);
        bail!("portcullis dmarc ingest exited {}: {}", run.status, python::last_lines(&err, 2));
    }
    let stdout = String::from_utf8(run.stdout).context("portcullis printed non-UTF-8")?;
    let tally = tally(&stdout)?;
    if let Some((count, first)) = tally.errors {
        bail!("portcullis reported {count} file(s) with status \"error\", the first: {first}");
    }
    if tally.files != input.files || tally.ingested != input.records {
        bail!(
            "portcullis ingested {} records from {} files ({} duplicate), the generator made {} records in {} files",
            tally.ingested,
            tally.files,
            tally.duplicates,
            input.records,
            input.files
        );
    }
    Ok(Figures { records: tally.ingested, secs: run.secs, peak_rss: run.peak_rss })
}

/// What the `--json` lines add up to.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    /// Lines, one per input file.
    files: u64,
    /// `records` summed over lines with status "ingested".
    ingested: u64,
    duplicates: u64,
    /// How many files had status "error", and the first one's path and error.
    errors: Option<(u64, String)>,
}

fn tally(stdout: &str) -> Result<Tally> {
    let mut t = Tally::default();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).with_context(|| format!("portcullis printed non-JSON: {line}"))?;
        let field = |name: &str| v.get(name).and_then(Value::as_str).unwrap_or_default();
        t.files += 1;
        match field("status") {
            "ingested" => {
                let records = v.get("records").and_then(Value::as_u64);
                t.ingested += records.with_context(|| format!("an ingested file without a record count: {line}"))?;
            }
            "duplicate" => t.duplicates += 1,
            "error" => {
                let (count, _) = t.errors.get_or_insert_with(|| (0, format!("{}: {}", field("path"), field("error"))));
                *count += 1;
            }
            other => bail!("portcullis printed an unknown status {other:?}: {line}"),
        }
    }
    Ok(t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn records_are_summed_over_ingested_files_only() {
        let out = concat!(
            r#"{"path":"a.xml","kind":"aggregate","status":"ingested","records":10,"error":null}"#,
            "\n",
            r#"{"path":"b.xml.gz","kind":"aggregate","status":"duplicate","records":10,"error":null}"#,
            "\n\n",
            r#"{"path":"c.zip","kind":"aggregate","status":"ingested","records":7}"#,
            "\n",
        );
        assert_eq!(tally(out).unwrap(), Tally { files: 3, ingested: 17, duplicates: 1, errors: None });
    }

    #[test]
    fn errors_are_counted_and_the_first_is_kept() {
        let out = concat!(
            r#"{"path":"x.xml","kind":"aggregate","status":"error","records":0,"error":"truncated XML"}"#,
            "\n",
            r#"{"path":"y.xml","kind":"aggregate","status":"error","records":0,"error":"bad namespace"}"#,
        );
        assert_eq!(tally(out).unwrap().errors, Some((2, "x.xml: truncated XML".to_owned())));
    }

    #[test]
    fn unknown_statuses_and_non_json_are_refused() {
        assert!(tally(r#"{"path":"a","status":"skipped","records":1}"#).is_err());
        assert!(tally("ingested a.xml").is_err());
        assert!(tally(r#"{"path":"a","status":"ingested"}"#).is_err());
    }
}
