//! The reports the bench reads, made by the shared generator
//! (`shared/tools/gen-dmarc-reports.py`) and kept under the target directory
//! between runs, one directory per set of generator options.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use crate::bench::python;

/// What to generate: a short name and the generator's options.
pub struct Spec {
    /// Names the cache directory, e.g. `small-1000x10-seed1`.
    pub label: String,
    pub args: Vec<String>,
}

impl Spec {
    /// `reports` reports of 10 records each, in the generator's mix of
    /// `xml`, `xml.gz` and `zip`, seed 1.
    pub fn small(reports: usize) -> Self {
        Self::new(format!("small-{reports}x10-seed1"), &["--reports", &reports.to_string(), "--records", "10"], 1)
    }

    /// One `xml.gz` report of `records` records.
    pub fn single(records: usize, seed: u64) -> Self {
        let args = ["--reports", "1", "--records", &records.to_string(), "--formats", "xml.gz"];
        Self::new(format!("one-{records}-seed{seed}"), &args, seed)
    }

    fn new(label: String, args: &[&str], seed: u64) -> Self {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.extend(["--seed".to_owned(), seed.to_string()]);
        Self { label, args: all }
    }
}

/// A generated set of reports.
pub struct Input {
    /// The directory holding only the report files.
    pub dir: PathBuf,
    pub files: u64,
    /// Aggregate records in all files, from the generator's manifest.
    pub records: u64,
}

/// The generated reports for `spec`, made now unless an earlier run left
/// them in `cache` (keyed by the options and the generator's own text).
pub fn prepare(generator: &Path, cache: &Path, spec: &Spec) -> Result<Input> {
    let script = std::fs::read(generator)
        .with_context(|| format!("reading the report generator {} (set PORTCULLIS_SHARED?)", generator.display()))?;
    let mut hasher = DefaultHasher::new();
    (&script, &spec.args).hash(&mut hasher);
    let done = cache.join(format!("{}-{:016x}", spec.label, hasher.finish()));
    if !done.exists() {
        generate(generator, &done, spec)?;
    }
    read(&done)
}

/// Generate into a `.partial` directory and rename it when complete, so an
/// interrupted run never leaves a half-made set that looks finished.
fn generate(generator: &Path, done: &Path, spec: &Spec) -> Result<()> {
    let partial = done.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial).with_context(|| format!("removing {}", partial.display()))?;
    }
    std::fs::create_dir_all(&partial).with_context(|| format!("creating {}", partial.display()))?;
    println!("bench dmarc: generating {} ({})", spec.label, spec.args.join(" "));
    let mut cmd = Command::new("python3");
    cmd.arg(generator).arg("--out").arg(partial.join("reports")).args(&spec.args);
    python::run_quietly(&mut cmd, "gen-dmarc-reports.py")?;
    std::fs::rename(&partial, done).with_context(|| format!("renaming {}", partial.display()))
}

/// Read a finished set: its manifest, checked against the directory.
fn read(done: &Path) -> Result<Input> {
    let dir = done.join("reports");
    let manifest_path = done.join("reports.manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {} (remove {} to regenerate)", manifest_path.display(), done.display()))?;
    let manifest: Value = serde_json::from_str(&text).context("the generator's manifest is not JSON")?;
    let total = |field: &str| manifest.get("totals").and_then(|t| t.get(field)).and_then(Value::as_u64);
    let (Some(files), Some(records)) = (total("files"), total("records")) else {
        bail!("{} has no totals.files and totals.records", manifest_path.display());
    };
    let present = std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?.count();
    if u64::try_from(present).ok() != Some(files) {
        bail!("{} holds {present} files, its manifest {files}: remove {} to regenerate", dir.display(), done.display());
    }
    Ok(Input { dir, files, records })
}
