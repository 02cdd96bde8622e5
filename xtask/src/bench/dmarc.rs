//! `bench dmarc`: `portcullis dmarc ingest` against the peer, parsedmarc,
//! on the same generated reports in the same run: records per second,
//! peak RSS and the ratio, per workload, against the targets.
//! Prints figures for a person to read; it fails only when portcullis
//! itself cannot ingest a workload correctly.

mod inputs;
mod measure;
mod own;
mod peer;

use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};

use self::inputs::{Input, Spec};
use self::measure::Figures;
use super::server;

/// The bytes in a megabyte, as the targets count them.
const MB: f64 = 1_000_000.0;

/// What a workload must show.
#[derive(Clone, Copy)]
enum Target {
    /// Portcullis's records/s at least this many times parsedmarc's.
    Ratio(f64),
    /// Portcullis's peak RSS below this many bytes (parsedmarc not run).
    PeakRssBelow(u64),
}

struct Workload {
    name: &'static str,
    title: String,
    spec: Spec,
    target: Target,
    /// Times portcullis ingests it (the median is reported).
    runs: usize,
}

/// Portcullis runs per timed workload.
const RUNS: usize = 5;

struct Options {
    small: usize,
    big: usize,
    huge: usize,
    skip_peer: bool,
}

fn parse(args: &[&str]) -> Result<Options> {
    let mut o = Options { small: 1000, big: 100_000, huge: 1_000_000, skip_peer: false };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if *flag == "--skip-peer" {
            o.skip_peer = true;
            continue;
        }
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let n: usize = value.parse().with_context(|| format!("{flag} takes a whole number"))?;
        match *flag {
            "--small" => o.small = n,
            "--big" => o.big = n,
            "--huge" => o.huge = n,
            other => bail!("unknown option {other}"),
        }
    }
    // The generator's limit for one report.
    if o.big > 1_000_000 || o.huge > 1_000_000 {
        bail!("--big and --huge take at most 1000000 records (the generator's limit per report)");
    }
    Ok(o)
}

/// The workloads the options ask for; 0 leaves one out.
fn workloads(o: &Options) -> Vec<Workload> {
    let mut all = Vec::new();
    if o.small > 0 {
        all.push(Workload {
            name: "small",
            title: format!("{} reports × 10 records (xml, xml.gz and zip; seed 1)", o.small),
            spec: Spec::small(o.small),
            target: Target::Ratio(100.0),
            runs: RUNS,
        });
    }
    if o.big > 0 {
        all.push(Workload {
            name: "big",
            title: format!("one {}-record report (xml.gz; seed 2)", o.big),
            spec: Spec::single(o.big, 2),
            target: Target::Ratio(300.0),
            runs: RUNS,
        });
    }
    if o.huge > 0 {
        all.push(Workload {
            name: "huge",
            title: format!("one {}-record report (xml.gz; seed 3), portcullis only", o.huge),
            spec: Spec::single(o.huge, 3),
            target: Target::PeakRssBelow(100_000_000),
            runs: 1,
        });
    }
    all
}

/// Run the benchmark and print a table per workload.
pub fn run(args: &[&str]) -> Result<()> {
    let o = parse(args)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = server::target_dir(&root)?;
    let bench_dir = target.join("bench-dmarc");
    measure::ensure_gnu_time()?;
    let binary = server::release_binary(&root)?;
    let generator = super::shared_dir(&root).join("tools/gen-dmarc-reports.py");
    let workloads = workloads(&o);
    let inputs: Vec<Input> = workloads
        .iter()
        .map(|w| inputs::prepare(&generator, &bench_dir.join("inputs"), &w.spec))
        .collect::<Result<_>>()?;
    let peer = if o.skip_peer { Err(anyhow!("skipped (--skip-peer)")) } else { peer::prepare(&target) };
    let ingest = own::check(&binary);
    match (&ingest, &peer) {
        (Err(e), _) => println!("bench dmarc: portcullis cannot run: {e:#}"),
        (_, Err(e)) if !o.skip_peer => println!("bench dmarc: parsedmarc not available, portcullis only: {e:#}"),
        _ => {}
    }
    let work = tempfile::tempdir_in(&bench_dir).context("creating a temporary directory")?;
    let mut failed = Vec::new();
    for (w, input) in workloads.iter().zip(&inputs) {
        let own = match &ingest {
            Ok(()) => own::ingest(&binary, work.path(), w.name, input, w.runs),
            Err(e) => Err(anyhow!("not run: {e:#}")),
        };
        let theirs = match (&w.target, &peer) {
            (Target::PeakRssBelow(_), _) => None,
            (Target::Ratio(_), Ok(p)) => Some(peer::parse(p, work.path(), w.name, input)),
            (Target::Ratio(_), Err(e)) => Some(Err(anyhow!("not run: {e:#}"))),
        };
        let version = peer.as_ref().map_or("", |p| p.version.as_str());
        table(w, input, &own, theirs.as_ref(), version);
        if own.is_err() {
            failed.push(w.name);
        }
    }
    notes(&peer);
    if !failed.is_empty() {
        bail!("portcullis did not ingest every workload correctly ({})", failed.join(", "));
    }
    Ok(())
}

fn table(w: &Workload, input: &Input, own: &Result<Figures>, theirs: Option<&Result<Figures>>, version: &str) {
    println!();
    println!("{} — {}: {} records in {} files", w.name, w.title, input.records, input.files);
    println!("  {:20} {:>10} {:>9} {:>12} {:>13}", "tool", "records", "secs", "records/s", "peak RSS MB");
    row("portcullis", own);
    if let Some(theirs) = theirs {
        row(&format!("parsedmarc {version}"), theirs);
    }
    let verdict = |pass: bool| if pass { "PASS" } else { "FAIL" };
    match (w.target, own, theirs) {
        (Target::Ratio(goal), Ok(a), Some(Ok(b))) => {
            let ratio = a.rate() / b.rate().max(f64::EPSILON);
            let memory = b.peak_rss as f64 / a.peak_rss.max(1) as f64;
            println!("  {:20} {:>10} {:>9} {:>11.1}× {:>12.1}×", "ratio", "", "", ratio, memory);
            println!("  target: records/s ≥ {goal}× parsedmarc's: {}", verdict(ratio >= goal));
        }
        (Target::Ratio(goal), _, _) => println!("  target: records/s ≥ {goal}× parsedmarc's: not measured"),
        (Target::PeakRssBelow(limit), Ok(a), _) => {
            let mb = limit as f64 / MB;
            println!("  target: peak RSS < {mb} MB: {}", verdict(a.peak_rss < limit));
        }
        (Target::PeakRssBelow(limit), Err(_), _) => {
            println!("  target: peak RSS < {} MB: not measured", limit as f64 / MB);
        }
    }
}

fn row(tool: &str, figures: &Result<Figures>) {
    match figures {
        Ok(f) => println!(
            "  {tool:20} {:>10} {:>9.2} {:>12.1} {:>13.1}",
            f.records,
            f.secs,
            f.rate(),
            f.peak_rss as f64 / MB
        ),
        Err(e) => println!("  {tool:20} FAILED: {e:#}"),
    }
}

fn notes(peer: &Result<peer::Peer>) {
    println!();
    println!("notes: portcullis = release build, `--db sqlite://FILE --json dmarc ingest REPORT_DIR` (one process,");
    println!("       a fresh database per run, records summed over the files it says it ingested; the median of");
    println!("       {RUNS} runs, 1 for huge, and the highest peak RSS of them);");
    if let Ok(p) = peer {
        println!("       parsedmarc {} = {};", p.version, peer::FLAGS);
        println!("       its records counted in its aggregate.json;");
    }
    println!("       both must account for every record in the generator's manifest; the same files, read warm");
    println!("       from the page cache; wall time for the whole command; peak RSS = the kernel's high-water mark");
    println!("       for the process and its children (GNU time's %M); ratio row = records/s and memory saved");
}
