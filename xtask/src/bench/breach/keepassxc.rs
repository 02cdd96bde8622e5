//! The peer: `keepassxc-cli analyze --hibp CORPUS DB` (Debian `keepassxc`,
//! 2.7), which scans the whole corpus line by line for every run.
//!
//! Its findings are lines on stdout, one per breached entry, in no
//! particular order, naming the entry by its group path below the root:
//!
//! ```text
//! Password for 'Office/Bank 3' has been leaked 9600000 times!
//! Password for 'Router 1' has been leaked 1 time!
//! ```

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};

const EXE: &str = "keepassxc-cli";

/// `keepassxc-cli` when it runs, installing Debian's `keepassxc` first
/// when it is missing and this is root; `None` (and why) when it cannot be had.
pub fn find_or_install() -> Result<PathBuf, String> {
    if let Some(version) = version() {
        println!("peer: keepassxc-cli {version}");
        return Ok(PathBuf::from(EXE));
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return Err(
            "keepassxc-cli is not installed; as root: apt-get install -y --no-install-recommends keepassxc".into()
        );
    }
    println!("peer: keepassxc-cli missing; running apt-get install -y --no-install-recommends keepassxc");
    let status = Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends", "keepassxc"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status();
    match (status, version()) {
        (Ok(s), Some(version)) if s.success() => {
            println!("peer: installed keepassxc-cli {version}");
            Ok(PathBuf::from(EXE))
        }
        _ => Err("apt-get install keepassxc failed".into()),
    }
}

fn version() -> Option<String> {
    let out = Command::new(EXE).arg("--version").stdin(Stdio::null()).output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !version.is_empty()).then_some(version)
}

/// Run `keepassxc-cli` with `args`, the master password on stdin; stdout
/// and the wall time in seconds.
fn run(exe: &Path, args: &[&std::ffi::OsStr], master: &str) -> Result<(String, f64)> {
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting keepassxc-cli")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(format!("{master}\n").as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("keepassxc-cli failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), secs))
}

/// `keepassxc-cli db-info -q DB`: opening the vault, with start-up.
pub fn open_secs(exe: &Path, db: &Path, master: &str) -> Result<f64> {
    let args: [&std::ffi::OsStr; 3] = ["db-info".as_ref(), "-q".as_ref(), db.as_os_str()];
    run(exe, &args, master).map(|(_, secs)| secs)
}

/// `keepassxc-cli analyze -q --hibp CORPUS DB`: breached entry titles
/// with their counts, and the wall time in seconds.
pub fn analyze(exe: &Path, corpus: &Path, db: &Path, master: &str) -> Result<(BTreeMap<String, u64>, f64)> {
    let args: [&std::ffi::OsStr; 5] =
        ["analyze".as_ref(), "-q".as_ref(), "--hibp".as_ref(), corpus.as_os_str(), db.as_os_str()];
    let (stdout, secs) = run(exe, &args, master)?;
    Ok((parse(&stdout)?, secs))
}

/// The findings in `analyze`'s output, by entry title (the last part of
/// the path); other lines are ignored.
fn parse(stdout: &str) -> Result<BTreeMap<String, u64>> {
    let mut found = BTreeMap::new();
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("Password for '") else { continue };
        let Some((path, tail)) = rest.rsplit_once("' has been leaked ") else { continue };
        let count = tail.trim_end_matches(" times!").trim_end_matches(" time!");
        let count: u64 = count.parse().with_context(|| format!("keepassxc-cli printed an odd count: {line}"))?;
        let title = path.rsplit_once('/').map_or(path, |(_, title)| title);
        if found.insert(title.to_owned(), count).is_some() {
            bail!("keepassxc-cli named {title:?} twice; the bench needs unique titles");
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn parses_both_forms() {
        let out = "Evaluating database entries against HIBP file, this will take a while…\n\
                   Password for 'Office/Bank 3' has been leaked 9600000 times!\n\
                   Password for 'Router 1' has been leaked 1 time!\n";
        let found = parse(out).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found["Bank 3"], 9_600_000);
        assert_eq!(found["Router 1"], 1);
    }
}
