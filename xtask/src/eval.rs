//! `eval phish`: how well triage separates phishing from legitimate mail
//! on a labelled set, and how fast. Prints recall, false-positive rates,
//! the confusion matrix, messages/s and which reasons fired in each class
//! (to see why, never to learn weights from: they are set by hand).
//!
//! The set is a folder with `phishing/` and `ham/` inside (more folders of
//! legitimate mail can be added with `--ham DIR`). By default it is the
//! shared dev split, unpacked once under the target directory, plus the
//! shared modern office mail as ham.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use portcullis_phish::{Limits, Office, Triager, Verdict};

use crate::bench::{self, server};

/// Recall wanted: phishing called phishing or suspicious.
const RECALL_TARGET: f64 = 0.95;
/// Legitimate mail called phishing, at most.
const FPR_PHISHING_TARGET: f64 = 0.01;
/// Legitimate mail called phishing or suspicious, at most.
const FPR_SUSPICIOUS_TARGET: f64 = 0.05;

/// A labelled message and what triage said.
struct Scored {
    phishing: bool,
    verdict: Option<Verdict>,
    codes: Vec<&'static str>,
}

/// `eval phish [DIR] [--ham DIR]...`
pub fn phish(args: &[&str]) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = bench::shared_dir(&root);
    let (set, extra_ham) = parse(args, &root, &shared)?;
    let mut files: Vec<(PathBuf, bool)> = list(&set.join("phishing"))?.into_iter().map(|p| (p, true)).collect();
    for ham in std::iter::once(set.join("ham")).chain(extra_ham) {
        files.extend(list(&ham)?.into_iter().map(|p| (p, false)));
    }
    let triager = Triager::new(Office::default(), Limits::default());
    let bytes: Vec<(Vec<u8>, bool)> = files
        .iter()
        .map(|(path, phishing)| {
            std::fs::read(path).map(|b| (b, *phishing)).with_context(|| format!("reading {}", path.display()))
        })
        .collect::<Result<_>>()?;
    let started = Instant::now();
    let scored = score_all(&triager, &bytes);
    let secs = started.elapsed().as_secs_f64();
    report(&scored, secs);
    Ok(())
}

fn parse(args: &[&str], root: &Path, shared: &Path) -> Result<(PathBuf, Vec<PathBuf>)> {
    let mut set = None;
    let mut ham = Vec::new();
    let mut default_ham = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--ham" => {
                ham.push(PathBuf::from(rest.next().context("--ham needs a folder")?));
                default_ham = false;
            }
            dir if !dir.starts_with("--") && set.is_none() => set = Some(PathBuf::from(dir)),
            other => bail!("unknown argument {other}"),
        }
    }
    let set = match set {
        Some(set) => set,
        None => unpack_dev_split(root, shared)?,
    };
    if default_ham {
        ham.push(shared.join("data/modern-ham-dev"));
    }
    Ok((set, ham))
}

/// The shared dev split, unpacked once under the target directory (it is
/// never copied into the repository).
pub(crate) fn unpack_dev_split(root: &Path, shared: &Path) -> Result<PathBuf> {
    let dir = server::target_dir(root)?.join("eval-phish");
    if dir.join("phishing").is_dir() && dir.join("ham").is_dir() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir)?;
    let archive = shared.join("data/email-dev.tar.gz");
    let status = Command::new("tar").arg("xzf").arg(&archive).arg("-C").arg(&dir).status()?;
    if !status.success() {
        bail!("could not unpack {}", archive.display());
    }
    Ok(dir)
}

pub(crate) fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Triage every message on all cores.
fn score_all(triager: &Triager, messages: &[(Vec<u8>, bool)]) -> Vec<Scored> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::with_capacity(messages.len()));
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut mine = Vec::new();
                while let Some((bytes, phishing)) = messages.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let triage = triager.triage(strip_mbox_line(bytes)).ok();
                    mine.push(Scored {
                        phishing: *phishing,
                        verdict: triage.as_ref().map(|t| t.verdict),
                        codes: triage
                            .map(|t| t.reasons.iter().filter(|r| r.weight > 0).map(|r| r.code).collect())
                            .unwrap_or_default(),
                    });
                }
                out.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(mine);
            });
        }
    });
    out.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Some saved emails start with an mbox `From ` line: drop it, as `mail
/// triage` does for a one-email mbox.
fn strip_mbox_line(bytes: &[u8]) -> &[u8] {
    portcullis_types::mbox::split(bytes).next().filter(|_| bytes.starts_with(b"From ")).unwrap_or(bytes)
}

fn report(scored: &[Scored], secs: f64) {
    let count = |phishing: bool, verdict: Option<Verdict>| {
        scored.iter().filter(|s| s.phishing == phishing && s.verdict == verdict).count()
    };
    let (phish_total, ham_total) =
        (scored.iter().filter(|s| s.phishing).count(), scored.iter().filter(|s| !s.phishing).count());
    println!("eval phish: {} phishing, {} legitimate messages", phish_total, ham_total);
    println!("                      called phishing  suspicious   clean   error");
    for (label, phishing) in [("phishing", true), ("legitimate", false)] {
        println!(
            "  {label:<18} {:>16} {:>11} {:>7} {:>7}",
            count(phishing, Some(Verdict::Phishing)),
            count(phishing, Some(Verdict::Suspicious)),
            count(phishing, Some(Verdict::Clean)),
            count(phishing, None)
        );
    }
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let recall = ratio(count(true, Some(Verdict::Phishing)) + count(true, Some(Verdict::Suspicious)), phish_total);
    let fpr_phishing = ratio(count(false, Some(Verdict::Phishing)), ham_total);
    let fpr_suspicious =
        ratio(count(false, Some(Verdict::Phishing)) + count(false, Some(Verdict::Suspicious)), ham_total);
    let pass = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!(
        "  recall (phishing or suspicious)      {recall:.3}   target ≥ {RECALL_TARGET}: {}",
        pass(recall >= RECALL_TARGET)
    );
    println!(
        "  false positives called phishing      {fpr_phishing:.4}  target ≤ {FPR_PHISHING_TARGET}: {}",
        pass(fpr_phishing <= FPR_PHISHING_TARGET)
    );
    println!(
        "  false positives phishing/suspicious  {fpr_suspicious:.4}  target ≤ {FPR_SUSPICIOUS_TARGET}: {}",
        pass(fpr_suspicious <= FPR_SUSPICIOUS_TARGET)
    );
    println!(
        "  speed  {:.0} messages/s ({} messages in {secs:.2} s, all cores, in memory)",
        scored.len() as f64 / secs,
        scored.len()
    );
    for (label, phishing) in [("phishing", true), ("legitimate", false)] {
        let mut fired: BTreeMap<&str, usize> = BTreeMap::new();
        for s in scored.iter().filter(|s| s.phishing == phishing) {
            for code in &s.codes {
                *fired.entry(code).or_default() += 1;
            }
        }
        let mut fired: Vec<_> = fired.into_iter().collect();
        fired.sort_by_key(|entry| std::cmp::Reverse(entry.1));
        let shown: Vec<String> = fired.iter().take(12).map(|(c, n)| format!("{c} {n}")).collect();
        println!("  reasons in {label}: {}", shown.join(", "));
    }
}
