//! `bench domain`: `portcullis domain check` over N lab domains against
//! the peer, checkdmarc, both asking the same private authoritative knotd
//! on loopback in the same run, so neither gets a warmer cache or a
//! different network. Prints figures for a person to read; it fails only
//! when portcullis itself cannot run.

mod knot;
mod peer;
mod zones;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use super::server;

/// The goal this bench measures against.
const TARGET_RATIO: f64 = 10.0;

struct Options {
    domains: usize,
    lab: PathBuf,
}

fn parse(args: &[&str], root: &Path) -> Result<Options> {
    let mut o = Options { domains: 1000, lab: root.join("../shared/dns-lab") };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match *flag {
            "--domains" => o.domains = value.parse().context("--domains takes a whole number")?,
            "--lab" => o.lab = PathBuf::from(value),
            other => bail!("unknown option {other}"),
        }
    }
    if o.domains == 0 {
        bail!("--domains must be at least 1");
    }
    Ok(o)
}

/// Run the benchmark and print the figures and the findings comparison.
pub fn run(args: &[&str]) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let o = parse(args, &root)?;
    let target = server::target_dir(&root)?;
    let binary = server::release_binary(&root)?;
    // Installed before the server starts, so pip's time is never inside it.
    let peer = peer::prepare(&target);
    let work = tempfile::tempdir().context("creating a temporary directory")?;
    let zone_dir = work.path().join("zones");
    std::fs::create_dir(&zone_dir).context("creating the zone directory")?;
    let generated = zones::generate(&o.lab, &zone_dir, o.domains, &knot::ADDR.to_string())?;
    let domains: Vec<String> = generated.domains.iter().map(|d| d.domain.clone()).collect();
    let list = work.path().join("domains.txt");
    std::fs::write(&list, domains.join("\n") + "\n").context("writing the domain list")?;
    println!(
        "bench domain: {} lab domains ({} unsigned scenarios from {}), {} zones on a private knotd at {}:53",
        domains.len(),
        generated.scenarios,
        o.lab.display(),
        generated.zones.len(),
        knot::ADDR
    );

    let server = knot::start(work.path(), &zone_dir, &generated.zones)?;
    let own = check_with_portcullis(&binary, &domains);
    let theirs = peer.and_then(|p| {
        let out = work.path().join("checkdmarc.json");
        peer::run(&p, &knot::ADDR.to_string(), &list, &out).map(|r| (p.version, r))
    });
    // Stopped before printing: the figures need nothing more from it.
    drop(server);

    report(&generated.domains, &own, &theirs);
    own.map(|_| ())
}

/// Portcullis's figures and findings, by domain.
struct Own {
    secs: f64,
    lines: usize,
    failing: usize,
    /// Failing on something other than `https`: the lab serves no web
    /// pages, so every domain fails that check by design.
    failing_not_https: usize,
    findings: HashMap<String, Vec<Value>>,
}

fn check_with_portcullis(binary: &Path, domains: &[String]) -> Result<Own> {
    let resolver = format!("{}:53", knot::ADDR);
    let start = Instant::now();
    let out = Command::new(binary)
        .args(["--json", "domain", "check", "--resolver", &resolver])
        .args(domains)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    let secs = start.elapsed().as_secs_f64();
    // Exit 1 means "problems found", which the lab domains are meant to have.
    if !matches!(out.status.code(), Some(0 | 1)) {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("portcullis domain check exited {}: {}", out.status, err.lines().last().unwrap_or(""));
    }
    let stdout = String::from_utf8(out.stdout).context("portcullis printed non-UTF-8")?;
    let mut own = Own { secs, lines: 0, failing: 0, failing_not_https: 0, findings: HashMap::new() };
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        own.lines += 1;
        let v: Value = serde_json::from_str(line).with_context(|| format!("portcullis printed non-JSON: {line}"))?;
        let domain = v.get("domain").and_then(Value::as_str).unwrap_or_default().to_owned();
        let findings = v.get("findings").and_then(Value::as_array).cloned().unwrap_or_default();
        let fails: Vec<&str> =
            findings.iter().filter(|f| text(f, "status") == "fail").map(|f| text(f, "check")).collect();
        own.failing += usize::from(!fails.is_empty());
        own.failing_not_https += usize::from(fails.iter().any(|c| *c != "https"));
        own.findings.insert(domain, findings);
    }
    Ok(own)
}

/// A string field of a JSON object, or "" when absent.
fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn report(instances: &[zones::Instance], own: &Result<Own>, theirs: &Result<(String, peer::PeerRun)>) {
    let n = instances.len();
    let own_rate = match own {
        Ok(o) => {
            let rate = n as f64 / o.secs;
            println!(
                "portcullis  domains {n:6}  answered {:6}  with a fail {:6} ({} not https)  secs {:8.2}  domains/s {:9.1}",
                o.lines, o.failing, o.failing_not_https, o.secs, rate
            );
            Some(rate)
        }
        Err(e) => {
            println!("portcullis  FAILED: {e:#}");
            None
        }
    };
    let their_rate = match theirs {
        Ok((_, r)) => {
            let rate = n as f64 / r.secs;
            let invalid = r.results.iter().filter(|v| peer::invalid_spf_or_dmarc(v)).count();
            println!(
                "checkdmarc  domains {n:6}  answered {:6}  spf/dmarc invalid {invalid:6}  secs {:8.2}  domains/s {:9.1}",
                r.results.len(),
                r.secs,
                rate
            );
            Some(rate)
        }
        Err(e) => {
            println!("checkdmarc  not run: {e:#}");
            None
        }
    };
    match (own_rate, their_rate) {
        (Some(a), Some(b)) => {
            let ratio = a / b;
            let met = if ratio >= TARGET_RATIO { "met" } else { "not met" };
            println!("ratio       portcullis/checkdmarc {ratio:8.1}×  target ≥ {TARGET_RATIO}× checkdmarc: {met}");
        }
        _ => println!("ratio       n/a (both tools must run)  target ≥ {TARGET_RATIO}× checkdmarc: not measured"),
    }
    notes(theirs);
    if let (Ok(o), Ok((_, r))) = (own, theirs) {
        compare(instances, o, &r.results);
    }
}

fn notes(theirs: &Result<(String, peer::PeerRun)>) {
    println!(
        "notes: portcullis = release build, `--json domain check --resolver {}:53 <all domains>` (one process);",
        knot::ADDR
    );
    if let Ok((version, r)) = theirs {
        println!("       checkdmarc {version} = one process, {}", r.flags);
    }
    println!(
        "       both query the same authoritative knotd (no recursive cache in between); wall-clock time per tool"
    );
}

/// Scenario, check, and what the lab expects: the problems to compare.
const ROWS: [(&str, &str, &str); 10] = [
    ("spf-too-many-lookups", "spf", "14 lookups > 10"),
    ("spf-missing", "spf", "no SPF record"),
    ("spf-plusall", "spf", "+all"),
    ("spf-void-lookups", "spf", "3 void lookups"),
    ("dmarc-missing", "dmarc", "no DMARC record"),
    ("dmarc-pnone", "dmarc", "p=none"),
    ("dmarc-syntax-error", "dmarc", "p=rejected"),
    ("dmarc-multiple-records", "dmarc", "two records"),
    ("dmarc-rua-external-no-auth", "dmarc", "rua not authorised"),
    ("dkim-valid", "dmarc", "control: all good"),
];

fn compare(instances: &[zones::Instance], own: &Own, theirs: &[Value]) {
    let present = |scenario: &str| instances.iter().any(|i| i.scenario == scenario);
    if !ROWS.iter().any(|(scenario, _, _)| present(scenario)) {
        println!("findings: none of the compared scenarios is among so few domains");
        return;
    }
    println!("findings: instances flagged / instances (portcullis: a warn or fail finding for the check;");
    println!("          checkdmarc: the record is not valid or has warnings), then the first instance's reason");
    println!("  {:28} {:6} {:20} {:40} checkdmarc", "scenario", "check", "lab expects", "portcullis");
    for (scenario, check, expected) in ROWS.into_iter().filter(|(scenario, _, _)| present(scenario)) {
        let mine: Vec<&zones::Instance> = instances.iter().filter(|i| i.scenario == scenario).collect();
        let ours: Vec<(bool, String)> = mine.iter().map(|i| own_flag(own, &i.domain, check)).collect();
        let theirs: Vec<(bool, String)> = mine
            .iter()
            .map(|i| {
                peer::result_for(theirs, &i.domain).map_or((false, "no result".to_owned()), |r| peer::flags(r, check))
            })
            .collect();
        println!("  {scenario:28} {check:6} {expected:20} {:40} {}", summary(&ours, 30), summary(&theirs, 60));
    }
}

/// Whether portcullis flags `check` for `domain`, and its most telling
/// finding: a fail, else a specific warning, else the summary line.
fn own_flag(own: &Own, domain: &str, check: &str) -> (bool, String) {
    let Some(findings) = own.findings.get(domain) else { return (false, "no output".to_owned()) };
    let rank = |f: &&Value| match (text(f, "status"), text(f, "code").ends_with(".valid")) {
        ("fail", _) => 0,
        ("warn", false) => 1,
        ("warn", true) => 2,
        _ => 3,
    };
    let best = findings.iter().filter(|f| text(f, "check") == check).min_by_key(rank);
    match best {
        Some(f) => (rank(&f) < 3, format!("{} {}", text(f, "status"), text(f, "code"))),
        None => (false, "no finding".to_owned()),
    }
}

fn summary(flags: &[(bool, String)], width: usize) -> String {
    let flagged = flags.iter().filter(|(f, _)| *f).count();
    let reason = flags.first().map_or("", |(_, r)| r.as_str());
    let short: String = reason.chars().take(width).collect();
    let more = if reason.chars().count() > width { "…" } else { "" };
    format!("{flagged}/{} {short}{more}", flags.len())
}
