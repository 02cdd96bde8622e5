//! Python peers for the benches: a venv under the target directory holding
//! one PyPI package, kept between runs, and running its tools quietly.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

/// A closed loopback port: web fetches sent to it as a proxy fail at once,
/// without any lookup leaving the machine.
const DEAD_PROXY: &str = "http://127.0.0.1:9";

/// Make the venv `name` under `target_dir` and pip-install `requirement`
/// into it unless its `bin/<exe>` is already there; return that executable.
/// Put the version in `name` when `requirement` pins one, so a new pin gets
/// a new venv.
pub fn install(target_dir: &Path, name: &str, requirement: &str, exe: &str) -> Result<PathBuf> {
    let venv = target_dir.join(name);
    let path = venv.join("bin").join(exe);
    if !path.exists() {
        run_quietly(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv")?;
        let pip = venv.join("bin/pip");
        let what = format!("pip install {requirement}");
        run_quietly(Command::new(&pip).args(["install", "--quiet", requirement]), &what)?;
    }
    Ok(path)
}

/// What `exe --version` prints on stdout, trimmed.
pub fn version(exe: &Path) -> Result<String> {
    let name = exe.file_name().unwrap_or_default().to_string_lossy();
    let out = Command::new(exe).arg("--version").output().with_context(|| format!("running {name} --version"))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || version.is_empty() {
        bail!("{name} --version failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(version)
}

/// Run a setup command, keeping its output unless it fails.
pub fn run_quietly(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("{what} failed ({}): {}", out.status, last_lines(&err, 3));
    }
    Ok(())
}

/// The last `n` lines of `text`, joined with " | " to fit one line.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().skip(lines.len().saturating_sub(n)).copied().collect::<Vec<_>>().join(" | ")
}

/// Send the command's HTTP(S) fetches (Python's `requests` and `urllib`
/// honour these variables) to a closed loopback port.
pub fn block_web(cmd: &mut Command) -> &mut Command {
    for var in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"] {
        cmd.env(var, DEAD_PROXY);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy")
}
