//! `bench breach`: the offline Pwned Passwords index and `vault audit`
//! against `keepassxc-cli analyze --hibp`, in the same run.
//!
//! 1. A synthetic corpus of N lines (default 100,000,000) from the shared
//!    `gen-pwned-corpus.py`, with 140 of the vault's passwords listed as
//!    known (chosen counts, a few very common ones); kept under
//!    `target/bench-breach/` and reused by later runs of the same N.
//! 2. `portcullis breach index build`, timed; index size against corpus size.
//! 3. A 500-entry KDBX 4 vault (150 entries breached, reused passwords,
//!    the rest strong) with Argon2d calibrated to open in ~100 ms.
//! 4. `portcullis vault audit` (release binary, 5 runs, median wall time
//!    including start-up and the KDF) and `keepassxc-cli analyze --hibp`
//!    once; the breached titles and counts of both must match the plan.
//! 5. Single lookups through the library: 200,000 hashes, half present
//!    (from the manifest and sampled from the corpus), half absent, after
//!    one warm-up pass.
//!
//! Both tools read the corpus or index warm from the page cache (the
//! index build has just read the corpus, and the audit runs five times).

mod keepassxc;
mod vault;

use std::collections::BTreeMap;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use portcullis_app::vault::local::IndexLookup;
use portcullis_breach::hash::{HashKind, PasswordHash};

use super::server;
use vault::Rng;

/// The generator's seed.
const SEED: &str = "portcullis-bench-breach";
/// `vault audit` runs; the median counts.
const RUNS: usize = 5;
/// The vault's master password (a bench secret, written to a 0600 file).
const MASTER: &str = "bench-breach-master-Quail-7391";
/// Lookups in the microbenchmark (half present, half absent).
const LOOKUPS: usize = 200_000;
/// Present hashes sampled from the corpus for the microbenchmark.
const SAMPLED: usize = 20_000;
/// Targets from the issue.
const TARGET_RATIO: f64 = 300.0;
const TARGET_LOOKUP_US: f64 = 5.0;
const TARGET_INDEX_RATIO: f64 = 0.6;
/// Corpus bytes per line, for the disk-space check before generating.
const BYTES_PER_LINE: u64 = 43;

fn parse(args: &[&str]) -> Result<u64> {
    let mut lines = 100_000_000;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match *flag {
            "--lines" => lines = value.parse().with_context(|| format!("{flag} takes a whole number"))?,
            other => bail!("unknown option {other}"),
        }
    }
    if lines < 10_000 {
        bail!("--lines must be at least 10000");
    }
    Ok(lines)
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Run the benchmark.
pub fn run(args: &[&str]) -> Result<()> {
    let lines = parse(args)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let generator = super::shared_dir(&root).join("tools/gen-pwned-corpus.py");
    if !generator.is_file() {
        bail!("the corpus generator is missing: {} (set PORTCULLIS_SHARED)", generator.display());
    }
    let python = Command::new("python3").arg("--version").stdin(Stdio::null()).output();
    if !python.is_ok_and(|o| o.status.success()) {
        bail!("python3 is needed to run {}", generator.display());
    }
    let peer = match keepassxc::find_or_install() {
        Ok(peer) => Some(peer),
        Err(why) => {
            println!("peer: {why}; peer not run");
            None
        }
    };
    let work = server::target_dir(&root)?.join("bench-breach");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let binary = server::release_binary(&root)?;
    let data = tempfile::Builder::new().prefix("data-").tempdir_in(&work)?;

    let plan = vault::plan();
    let known = work.join("known.tsv");
    vault::write_known(&plan, &known)?;
    let (corpus, manifest) = corpus(&generator, &work, lines, &known)?;
    let index = work.join(format!("pwned-{lines}.index"));
    let built = build_index(&binary, data.path(), &corpus, &index)?;

    let db = work.join("vault-500.kdbx");
    let password_file = work.join("master-password.txt");
    vault::write_secret(&password_file, MASTER)?;
    let written = vault::write(&plan.entries, &db, MASTER)?;
    println!(
        "vault: {} entries, Argon2d {} MiB × {} iteration(s), 2 lanes; opens in {:.0} ms (keepass crate)",
        plan.entries.len(),
        written.memory >> 20,
        written.iterations,
        written.open.as_secs_f64() * 1e3
    );
    if let Some(exe) = &peer {
        let secs = keepassxc::open_secs(exe, &db, MASTER)?;
        println!("       keepassxc-cli db-info on it: {:.0} ms (with start-up)", secs * 1e3);
    }

    let expected: BTreeMap<String, u64> = {
        let counts: BTreeMap<&str, u64> = plan.known.iter().map(|(pw, c)| (pw.as_str(), *c)).collect();
        plan.entries.iter().filter_map(|e| counts.get(e.password.as_str()).map(|c| (e.title.clone(), *c))).collect()
    };
    let (ours, times) = audit(&binary, data.path(), &db, &password_file, &index)?;
    let median = median(&times);
    println!(
        "portcullis vault audit: median {median:.3} s of {RUNS} (min {:.3}, max {:.3}); {} breached entries",
        times.iter().copied().fold(f64::INFINITY, f64::min),
        times.iter().copied().fold(0.0, f64::max),
        ours.len()
    );
    let mut all_match = compare("portcullis vs plan", &expected, &ours);
    let peer_secs = match &peer {
        Some(exe) => {
            println!("keepassxc-cli analyze --hibp: running once over {lines} lines…");
            let (theirs, secs) = keepassxc::analyze(exe, &corpus, &db, MASTER)?;
            println!("keepassxc-cli analyze --hibp: {secs:.3} s; {} breached entries", theirs.len());
            all_match &= compare("portcullis vs keepassxc-cli", &theirs, &ours);
            Some(secs)
        }
        None => None,
    };

    let lookup_us = lookups(&index, &corpus, &manifest)?;

    println!();
    println!("summary (bench breach, {lines} corpus lines, {} vault entries)", plan.entries.len());
    match peer_secs {
        Some(peer) => {
            let ratio = peer / median;
            println!("  keepassxc-cli analyze --hibp   {peer:>9.3} s");
            println!("  portcullis vault audit         {median:>9.3} s   (median of {RUNS}, with start-up and KDF)");
            println!(
                "  ratio                          {ratio:>9.1}×   target ≥ {TARGET_RATIO}×: {}",
                pass(ratio >= TARGET_RATIO)
            );
        }
        None => {
            println!("  portcullis vault audit         {median:>9.3} s   (median of {RUNS}, with start-up and KDF)");
            println!("  keepassxc-cli                  peer not run (no ratio)");
        }
    }
    println!("  same breached entries/counts   {:>9}", if all_match { "MATCH" } else { "DIFFER" });
    println!(
        "  single lookup                  {lookup_us:>9.3} µs  target < {TARGET_LOOKUP_US} µs: {}",
        pass(lookup_us < TARGET_LOOKUP_US)
    );
    println!(
        "  index / corpus                 {:>9.3}    target ≤ {TARGET_INDEX_RATIO}: {}   ({:.0} MiB / {:.0} MiB, built in {:.1} s)",
        built.ratio,
        pass(built.ratio <= TARGET_INDEX_RATIO),
        mib(built.index_bytes),
        mib(built.corpus_bytes),
        built.seconds
    );
    println!("  work dir {} (corpus kept for later runs)", work.display());
    Ok(())
}

/// Free bytes on the file system holding `dir`, from `df`.
fn free_bytes(dir: &Path) -> Result<u64> {
    let out = Command::new("df").args(["-B1", "--output=avail"]).arg(dir).output().context("running df")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().nth(1).and_then(|l| l.trim().parse().ok()).context("df printed no free space")
}

/// FNV-1a of `bytes`, to name a corpus after its known list.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The corpus and its manifest for `lines` lines, generated unless a
/// finished one with the same lines, seed and known list is there.
fn corpus(generator: &Path, work: &Path, lines: u64, known: &Path) -> Result<(PathBuf, PathBuf)> {
    let stem = format!("pwned-{lines}-{:08x}", fingerprint(&std::fs::read(known)?) as u32);
    let corpus = work.join(format!("{stem}.txt"));
    let manifest = work.join(format!("{stem}.manifest.tsv"));
    if corpus.is_file() && manifest.is_file() {
        let size = std::fs::metadata(&corpus)?.len();
        println!("corpus: reusing {} ({:.0} MiB)", corpus.display(), mib(size));
        return Ok((corpus, manifest));
    }
    let estimate = lines * BYTES_PER_LINE;
    let free = free_bytes(work)?;
    if free < 3 * estimate {
        bail!(
            "not enough disk space in {}: {:.1} GiB free, need 3 × the corpus ({:.1} GiB) for the corpus and the index",
            work.display(),
            mib(free) / 1024.0,
            mib(estimate) / 1024.0
        );
    }
    let partial = work.join(format!("{stem}.partial"));
    let partial_manifest = work.join(format!("{stem}.manifest.partial"));
    println!("corpus: generating {lines} lines with gen-pwned-corpus.py (about {:.1} GiB)…", mib(estimate) / 1024.0);
    let started = Instant::now();
    let status = Command::new("python3")
        .arg(generator)
        .args(["--lines", &lines.to_string(), "--seed", SEED, "--workers", "2", "-q", "--known"])
        .arg(known)
        .arg("--manifest")
        .arg(&partial_manifest)
        .arg("-o")
        .arg(&partial)
        .stdin(Stdio::null())
        .status()
        .context("running gen-pwned-corpus.py")?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        bail!("gen-pwned-corpus.py failed ({status})");
    }
    std::fs::rename(&partial_manifest, &manifest)?;
    std::fs::rename(&partial, &corpus)?;
    println!("corpus: {} in {:.1} s", corpus.display(), started.elapsed().as_secs_f64());
    Ok((corpus, manifest))
}

/// What `breach index build --json` reports.
#[derive(Debug, serde::Deserialize)]
struct Built {
    entries: u64,
    index_bytes: u64,
    corpus_bytes: u64,
    ratio: f64,
    #[serde(skip)]
    seconds: f64,
}

fn portcullis(binary: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--json")
        .env("PORTCULLIS_KEY_FILE", data.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .stdin(Stdio::null());
    cmd
}

fn build_index(binary: &Path, data: &Path, corpus: &Path, index: &Path) -> Result<Built> {
    let _ = std::fs::remove_file(index);
    println!("index: building {}…", index.display());
    let started = Instant::now();
    let out = portcullis(binary, data)
        .args(["breach", "index", "build"])
        .arg(corpus)
        .arg("--out")
        .arg(index)
        .output()
        .context("running portcullis breach index build")?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("portcullis breach index build failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')).context("index build printed no JSON")?;
    let mut built: Built = serde_json::from_str(line).context("index build printed unexpected JSON")?;
    built.seconds = seconds;
    let on_disk = std::fs::metadata(index)?.len();
    if on_disk != built.index_bytes {
        println!("index: note: {on_disk} bytes on disk, the CLI said {}", built.index_bytes);
    }
    println!(
        "index: {} entries in {seconds:.1} s ({:.2} M lines/s); {:.1} MiB for a {:.1} MiB corpus: ratio {:.3}, target ≤ {TARGET_INDEX_RATIO}: {}",
        built.entries,
        built.entries as f64 / seconds / 1e6,
        mib(built.index_bytes),
        mib(built.corpus_bytes),
        built.ratio,
        pass(built.ratio <= TARGET_INDEX_RATIO)
    );
    Ok(built)
}

/// `vault audit` RUNS times: breached titles with counts (from the last
/// run) and each run's wall time.
fn audit(
    binary: &Path,
    data: &Path,
    db: &Path,
    password_file: &Path,
    index: &Path,
) -> Result<(BTreeMap<String, u64>, Vec<f64>)> {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let mut cmd = portcullis(binary, data);
        cmd.args(["vault", "audit"])
            .arg(db)
            .args(["--format", "keepass", "--password-file"])
            .arg(password_file)
            .arg("--index")
            .arg(index);
        let started = Instant::now();
        let out = cmd.output().context("running portcullis vault audit")?;
        times.push(started.elapsed().as_secs_f64());
        // 1 means "there are findings", which is the point here.
        if !matches!(out.status.code(), Some(0 | 1)) {
            bail!("portcullis vault audit failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
        }
        last = Some(out.stdout);
    }
    let stdout = last.context("no audit ran")?;
    let report: serde_json::Value = serde_json::from_slice(&stdout).context("vault audit printed no JSON object")?;
    let entries = report.get("entries").and_then(serde_json::Value::as_array).context("the audit has no entries")?;
    let mut breached = BTreeMap::new();
    for entry in entries {
        let title = entry.get("title").and_then(serde_json::Value::as_str).unwrap_or_default();
        if let Some(count) = entry.get("breached").and_then(serde_json::Value::as_u64).filter(|c| *c > 0)
            && breached.insert(title.to_owned(), count).is_some()
        {
            bail!("the audit named {title:?} twice");
        }
    }
    if entries.len() != vault::ENTRIES {
        println!(
            "portcullis vault audit: note: {} entries in the report, {} in the vault",
            entries.len(),
            vault::ENTRIES
        );
    }
    Ok((breached, times))
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Print MATCH or the differences between two title → count maps.
fn compare(what: &str, want: &BTreeMap<String, u64>, got: &BTreeMap<String, u64>) -> bool {
    let mut diffs = Vec::new();
    for (title, count) in want {
        match got.get(title) {
            None => diffs.push(format!("{title:?}: {count} vs not breached")),
            Some(c) if c != count => diffs.push(format!("{title:?}: {count} vs {c}")),
            Some(_) => {}
        }
    }
    for (title, count) in got {
        if !want.contains_key(title) {
            diffs.push(format!("{title:?}: not breached vs {count}"));
        }
    }
    if diffs.is_empty() {
        println!("  {what}: MATCH ({} breached entries, same counts)", want.len());
        return true;
    }
    println!("  {what}: {} difference(s):", diffs.len());
    for diff in diffs.iter().take(20) {
        println!("    {diff}");
    }
    false
}

/// Hash and count from a corpus line `HEX40:COUNT`.
fn corpus_line(line: &str) -> Option<(PasswordHash, u64)> {
    let (hex, count) = line.trim_end_matches('\r').split_once(':')?;
    let bytes = data_encoding::HEXUPPER.decode(hex.as_bytes()).ok()?;
    Some((PasswordHash::from_bytes(HashKind::Sha1, &bytes)?, count.parse().ok()?))
}

/// Present hashes with their counts: the manifest's, and lines sampled at
/// random offsets of the corpus.
fn present_hashes(corpus: &Path, manifest: &Path) -> Result<Vec<(PasswordHash, u64)>> {
    let mut present = Vec::new();
    for line in std::fs::read_to_string(manifest)?.lines() {
        let mut fields = line.splitn(3, '\t');
        if let (Some(hex), Some(count)) = (fields.next(), fields.next())
            && let Some(found) = corpus_line(&format!("{hex}:{count}"))
        {
            present.push(found);
        }
    }
    let file = std::fs::File::open(corpus)?;
    let len = file.metadata()?.len();
    let mut rng = Rng::new(0x005A_3D1E);
    let mut offsets: Vec<u64> = (0..SAMPLED).map(|_| rng.next_u64() % len.saturating_sub(200).max(1)).collect();
    offsets.sort_unstable();
    let mut buf = [0u8; 160];
    for offset in offsets {
        let n = file.read_at(&mut buf, offset)?;
        let text = String::from_utf8_lossy(buf.get(..n).unwrap_or_default());
        if let Some(line) = text.split('\n').nth(1)
            && let Some(found) = corpus_line(line)
        {
            present.push(found);
        }
    }
    Ok(present)
}

/// Mean µs per lookup over LOOKUPS hashes (half present, half absent),
/// after a warm-up pass; also checks every present count.
fn lookups(index: &Path, corpus: &Path, manifest: &Path) -> Result<f64> {
    let lookup = IndexLookup::open(index)?;
    let present = present_hashes(corpus, manifest)?;
    if present.is_empty() {
        bail!("no present hashes to look up");
    }
    let mut rng = Rng::new(0x00AB_5E17);
    let mut queries: Vec<(PasswordHash, Option<u64>)> = Vec::with_capacity(LOOKUPS);
    for i in 0..LOOKUPS / 2 {
        let (hash, count) = present.get(i % present.len()).context("no present hash")?;
        queries.push((hash.clone(), Some(*count)));
        let mut absent = [0u8; 20];
        for chunk in absent.chunks_mut(8) {
            let bytes = rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or_default());
        }
        queries.push((PasswordHash::from_bytes(HashKind::Sha1, &absent).context("hash")?, None));
    }
    rng.shuffle(&mut queries);
    let mut wrong = 0_usize;
    for (hash, want) in &queries {
        let got = lookup.count(hash)?;
        wrong += usize::from(want.is_some_and(|w| w != got) || (want.is_none() && got != 0));
    }
    let started = Instant::now();
    let mut total = 0_u64;
    for (hash, _) in &queries {
        total = total.wrapping_add(lookup.count(hash)?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let us = elapsed * 1e6 / queries.len() as f64;
    let time_of = |present: bool| -> Result<f64> {
        let chosen: Vec<&PasswordHash> =
            queries.iter().filter(|(_, w)| w.is_some() == present).map(|(h, _)| h).collect();
        let started = Instant::now();
        for hash in &chosen {
            std::hint::black_box(lookup.count(hash)?);
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / chosen.len().max(1) as f64)
    };
    let (hit, miss) = (time_of(true)?, time_of(false)?);
    println!(
        "lookup: {} lookups ({} distinct present hashes, half absent), warm: {us:.3} µs mean (present {hit:.3}, absent {miss:.3}); target < {TARGET_LOOKUP_US} µs: {}",
        queries.len(),
        present.len(),
        pass(us < TARGET_LOOKUP_US)
    );
    std::hint::black_box(total);
    if wrong > 0 {
        bail!("{wrong} lookups returned the wrong count");
    }
    println!("lookup: every present hash gave its corpus count, every absent one 0");
    Ok(us)
}
