//! The peer: checkdmarc (PyPI), installed into a venv under the target
//! directory and pointed at the bench's private name server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use crate::bench::python;

/// checkdmarc's DNS timeout in seconds: its own default, stated so the
/// printed notes say exactly what ran.
const TIMEOUT: &str = "2.0";

/// An installed checkdmarc.
pub struct Peer {
    exe: PathBuf,
    pub version: String,
}

/// One timed run over all domains.
pub struct PeerRun {
    pub secs: f64,
    pub results: Vec<Value>,
    pub flags: String,
}

/// Make the venv and install checkdmarc unless it is already there.
pub fn prepare(target_dir: &Path) -> Result<Peer> {
    let exe = python::install(target_dir, "bench-venv", "checkdmarc", "checkdmarc")?;
    let version = python::version(&exe)?;
    Ok(Peer { exe, version })
}

/// Check every domain listed in `domains_file` (one a line) through
/// `nameserver`, writing JSON to `out_json`; time it and read the results.
pub fn run(peer: &Peer, nameserver: &str, domains_file: &Path, out_json: &Path) -> Result<PeerRun> {
    let mut cmd = Command::new(&peer.exe);
    // The file goes first: -n and -o take one or more values and would swallow it.
    cmd.arg(domains_file).args(["-n", nameserver, "-t", TIMEOUT, "-o"]).arg(out_json);
    // checkdmarc fetches the MTA-STS policy and BIMI assets with `requests`,
    // which resolves host names through the system resolver, off loopback:
    // a closed loopback proxy makes those fetches fail at once (the lab
    // serves no HTTPS anyway, so the outcome, "unreachable", is the same).
    python::block_web(&mut cmd).stdin(Stdio::null()).stdout(Stdio::null());
    let start = Instant::now();
    let out = cmd.stderr(Stdio::piped()).output().context("running checkdmarc")?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("checkdmarc exited {}: {}", out.status, python::last_lines(&String::from_utf8_lossy(&out.stderr), 3));
    }
    let text = std::fs::read_to_string(out_json).context("reading checkdmarc's JSON output")?;
    // One domain gives an object, several an array.
    let results = match serde_json::from_str(&text).context("parsing checkdmarc's JSON output")? {
        Value::Array(items) => items,
        one => vec![one],
    };
    let flags = format!(
        "DOMAINS_FILE -n {nameserver} -t {TIMEOUT} -o FILE.json (no --check-mx-tls: SMTP TLS probing is off by \
         default in this version; --skip-tls is a no-op); HTTPS fetches sent to a closed loopback proxy"
    );
    Ok(PeerRun { secs, results, flags })
}

/// The checkdmarc result for a domain, by its `domain` field.
pub fn result_for<'a>(results: &'a [Value], domain: &str) -> Option<&'a Value> {
    results.iter().find(|r| r.get("domain").and_then(Value::as_str) == Some(domain))
}

/// Whether checkdmarc flags `check` ("spf", "dmarc"): the record is not
/// valid or carries warnings. Also returns its first reason, for the report.
pub fn flags(result: &Value, check: &str) -> (bool, String) {
    let Some(section) = result.get(check) else { return (false, "no section".to_owned()) };
    let invalid = section.get("valid").and_then(Value::as_bool) == Some(false);
    let warnings: Vec<&str> =
        section.get("warnings").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let error = section.get("error").and_then(Value::as_str);
    let reason = match (error, warnings.first()) {
        (Some(e), _) => format!("error: {e}"),
        (None, Some(w)) => format!("warning: {w}"),
        (None, None) => "valid, no warnings".to_owned(),
    };
    (invalid || !warnings.is_empty(), reason)
}

/// Whether checkdmarc calls the SPF or the DMARC record not valid.
pub fn invalid_spf_or_dmarc(result: &Value) -> bool {
    ["spf", "dmarc"].iter().any(|c| result.get(c).and_then(|s| s.get("valid")).and_then(Value::as_bool) == Some(false))
}
