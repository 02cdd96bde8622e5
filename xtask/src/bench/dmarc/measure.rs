//! Wall time and peak RSS of one command.
//!
//! The command runs under GNU time (`/usr/bin/time -f %M -o FILE`), which
//! waits for it with wait4(2) and writes its peak resident set size in KiB
//! to FILE: the kernel's own high-water mark, for the command and every
//! descendant it waited for, with nothing sampled and no unsafe code here.
//! Wall time is taken around the whole command; GNU time adds about a
//! millisecond to it.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};

use crate::bench::python;

/// GNU time, from Debian's `time` package.
const GNU_TIME: &str = "/usr/bin/time";

/// What one measured command did.
pub struct Measured {
    /// Wall-clock seconds for the whole command.
    pub secs: f64,
    /// Peak resident set size in bytes.
    pub peak_rss: u64,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A tool's figures for one workload.
pub struct Figures {
    pub records: u64,
    pub secs: f64,
    /// Peak resident set size in bytes.
    pub peak_rss: u64,
}

impl Figures {
    /// Records per second.
    pub fn rate(&self) -> f64 {
        self.records as f64 / self.secs.max(f64::EPSILON)
    }
}

/// Make sure GNU time is there, installing Debian's `time` package if not.
pub fn ensure_gnu_time() -> Result<()> {
    if Path::new(GNU_TIME).exists() {
        return Ok(());
    }
    println!("bench dmarc: {GNU_TIME} is missing; installing Debian's time package for peak RSS");
    python::run_quietly(Command::new("apt-get").args(["install", "--yes", "--quiet", "time"]), "apt-get install time")
        .context("peak RSS needs GNU time: install Debian's time package")?;
    if !Path::new(GNU_TIME).exists() {
        bail!("apt-get installed the time package but {GNU_TIME} is still missing");
    }
    Ok(())
}

/// Run `cmd` (its program, arguments, environment and directory) under GNU
/// time with stdin closed, collecting its output; `rss_file` receives GNU
/// time's report. Any exit status is returned for the caller to judge.
pub fn run(cmd: &Command, rss_file: &Path) -> Result<Measured> {
    let mut timed = Command::new(GNU_TIME);
    timed.args(["-f", "%M", "-o"]).arg(rss_file).arg(cmd.get_program()).args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => timed.env(key, v),
            None => timed.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let name = Path::new(cmd.get_program()).file_name().unwrap_or_default().to_string_lossy().into_owned();
    let start = Instant::now();
    let out = timed.stdin(Stdio::null()).output().with_context(|| format!("running {name} under {GNU_TIME}"))?;
    let secs = start.elapsed().as_secs_f64();
    let peak_rss = read_peak_kib(rss_file).with_context(|| format!("reading {name}'s peak RSS"))? * 1024;
    Ok(Measured { secs, peak_rss, status: out.status, stdout: out.stdout, stderr: out.stderr })
}

/// The last line of GNU time's report is `%M`; a line about the exit
/// status or a signal may come before it.
fn read_peak_kib(file: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
    last.trim().parse().with_context(|| format!("GNU time wrote {last:?} where a size in KiB belongs"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_size_is_the_last_line_after_a_status_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rss");
        std::fs::write(&file, "Command exited with non-zero status 3\n1592\n").unwrap();
        assert_eq!(read_peak_kib(&file).unwrap(), 1592);
        std::fs::write(&file, "Command terminated by signal 9\n").unwrap();
        assert!(read_peak_kib(&file).is_err());
    }

    #[test]
    fn a_command_that_holds_memory_shows_it_in_its_peak() {
        if !Path::new(GNU_TIME).exists() {
            return; // nothing to measure with on this machine
        }
        let dir = tempfile::tempdir().unwrap();
        let mut small = Command::new("python3");
        small.args(["-c", "pass"]);
        let mut big = Command::new("python3");
        big.args(["-c", "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"]);
        let a = run(&small, &dir.path().join("a")).unwrap();
        let b = run(&big, &dir.path().join("b")).unwrap();
        assert!(a.status.success() && b.status.success());
        assert!(b.peak_rss >= 200 * 1024 * 1024, "peak {} bytes", b.peak_rss);
        assert!(a.peak_rss < 100 * 1024 * 1024, "peak {} bytes", a.peak_rss);
    }
}
