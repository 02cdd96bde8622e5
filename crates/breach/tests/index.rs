#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! The offline index: build from small corpora, look everything up, refuse
//! bad corpora with the right line, refuse damaged index files.

use std::collections::BTreeMap;

use portcullis_breach::Secret;
use portcullis_breach::hash::{HashKind, PasswordHash};
use portcullis_breach::index::{self, BuildError, BuildOptions, BuildSummary, Index, IndexError};
use proptest::prelude::*;

const PASSWORDS: &[(&str, u64)] =
    &[("password", 9_545_824), ("123456", 37_359_195), ("letmein", 1), ("Tr0ub4dor&3", 42), ("hunter2", 128)];

fn hash_of(kind: HashKind, password: &str) -> PasswordHash {
    kind.of(&Secret::from(password))
}

/// A sorted corpus of `HASH:COUNT` lines, LF, with a final newline.
fn corpus_of(kind: HashKind, entries: &[(&str, u64)]) -> String {
    let sorted: BTreeMap<String, u64> = entries.iter().map(|(p, c)| (hash_of(kind, p).to_hex(), *c)).collect();
    sorted.iter().map(|(h, c)| format!("{h}:{c}\n")).collect()
}

fn build_with(text: &[u8], options: &BuildOptions) -> Result<(Vec<u8>, BuildSummary), BuildError> {
    let mut out = Vec::new();
    let summary = index::build(text, &mut out, options, &mut |_| {})?;
    Ok((out, summary))
}

fn build_ok(text: &str) -> Index<Vec<u8>> {
    let (bytes, summary) = build_with(text.as_bytes(), &BuildOptions::default()).unwrap();
    assert_eq!(summary.bytes_written, bytes.len() as u64);
    let len = bytes.len() as u64;
    let index = Index::open(bytes, len).unwrap();
    index.verify().unwrap();
    index
}

fn error_of(text: &[u8]) -> BuildError {
    build_with(text, &BuildOptions::default()).expect_err("the build should fail")
}

fn raw_hash(kind: HashKind, bytes: &[u8]) -> PasswordHash {
    PasswordHash::from_bytes(kind, bytes).unwrap()
}

#[test]
fn every_known_password_is_found_with_its_exact_count() {
    let index = build_ok(&corpus_of(HashKind::Sha1, PASSWORDS));
    assert_eq!((index.kind(), index.entries(), index.max_count()), (HashKind::Sha1, 5, 37_359_195));
    for (password, count) in PASSWORDS {
        assert_eq!(index.lookup(&hash_of(HashKind::Sha1, password)).unwrap(), *count, "{password}");
    }
    for absent in ["correct horse battery staple", "", "Password", "passwordd"] {
        assert_eq!(index.lookup(&hash_of(HashKind::Sha1, absent)).unwrap(), 0, "{absent}");
    }
}

#[test]
fn the_summary_describes_the_file() {
    let text = corpus_of(HashKind::Sha1, PASSWORDS);
    let (bytes, summary) = build_with(text.as_bytes(), &BuildOptions::default()).unwrap();
    assert_eq!(summary.kind, HashKind::Sha1);
    assert_eq!((summary.entries, summary.max_count, summary.prefix_bits), (5, 37_359_195, 20));
    assert_eq!(summary.bytes_written, bytes.len() as u64);
    let mut seen = Vec::new();
    index::build(text.as_bytes(), Vec::new(), &BuildOptions::default(), &mut |n| seen.push(n)).unwrap();
    assert_eq!(seen.last(), Some(&(text.len() as u64)), "progress ends at the whole corpus");
}

#[test]
fn the_prefix_width_follows_the_hint_and_lookups_work_at_every_width() {
    let text = corpus_of(HashKind::Sha1, PASSWORDS);
    for (hint, bits) in [(None, 20), (Some(0), 8), (Some(20_000), 10), (Some(100_000_000), 22), (Some(u64::MAX), 24)] {
        let (bytes, summary) = build_with(text.as_bytes(), &BuildOptions { expected_lines: hint }).unwrap();
        assert_eq!(summary.prefix_bits, bits);
        let len = bytes.len() as u64;
        let index = Index::open(bytes, len).unwrap();
        assert_eq!(index.prefix_bits(), bits);
        for (password, count) in PASSWORDS {
            assert_eq!(index.lookup(&hash_of(HashKind::Sha1, password)).unwrap(), *count);
        }
        assert_eq!(index.lookup(&hash_of(HashKind::Sha1, "absent")).unwrap(), 0);
    }
}

#[test]
fn first_and_last_buckets_and_empty_buckets() {
    let lowest = "0".repeat(40);
    let highest = "F".repeat(40);
    let near_low = format!("{}1", "0".repeat(39));
    let near_high = format!("{}E", "F".repeat(39));
    let text = format!("{lowest}:3\n{near_low}:4\n{near_high}:5\n{highest}:6\n");
    for hint in [None, Some(0), Some(20_000)] {
        let (bytes, _) = build_with(text.as_bytes(), &BuildOptions { expected_lines: hint }).unwrap();
        let len = bytes.len() as u64;
        let index = Index::open(bytes, len).unwrap();
        index.verify().unwrap();
        let at = |b: &str| index.lookup(&raw_hash(HashKind::Sha1, &hex(b))).unwrap();
        assert_eq!((at(&lowest), at(&near_low), at(&near_high), at(&highest)), (3, 4, 5, 6));
        // Same buckets, absent hashes; then buckets with nothing in them.
        assert_eq!(at(&format!("{}2", "0".repeat(39))), 0);
        assert_eq!(at(&format!("{}D", "F".repeat(39))), 0);
        assert_eq!(at(&format!("8{}", "0".repeat(39))), 0);
        assert_eq!(at(&format!("7{}", "F".repeat(39))), 0);
    }
}

#[test]
fn ntlm_corpora_and_the_wrong_kind() {
    let index = build_ok(&corpus_of(HashKind::Ntlm, PASSWORDS));
    assert_eq!(index.kind(), HashKind::Ntlm);
    for (password, count) in PASSWORDS {
        assert_eq!(index.lookup(&hash_of(HashKind::Ntlm, password)).unwrap(), *count);
    }
    assert_eq!(index.lookup(&hash_of(HashKind::Ntlm, "absent")).unwrap(), 0);
    let wrong = index.lookup(&hash_of(HashKind::Sha1, "password")).unwrap_err();
    assert!(matches!(wrong, IndexError::WrongKind { index: HashKind::Ntlm, hash: HashKind::Sha1 }), "{wrong}");
}

#[test]
fn crlf_lowercase_bom_and_no_final_newline_are_accepted() {
    let plain = corpus_of(HashKind::Sha1, PASSWORDS);
    let variants = [
        plain.replace('\n', "\r\n"),
        plain.to_lowercase(),
        format!("\u{FEFF}{plain}"),
        plain.trim_end().to_owned(),
        format!("\u{FEFF}{}", plain.replace('\n', "\r\n").to_lowercase().trim_end()),
        format!("{plain}\n\r\n"),
    ];
    for text in variants {
        let index = build_ok(&text);
        assert_eq!(index.entries(), 5);
        for (password, count) in PASSWORDS {
            assert_eq!(index.lookup(&hash_of(HashKind::Sha1, password)).unwrap(), *count, "{text:?}");
        }
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

const A: &str = "0000000000000000000000000000000000000001";
const B: &str = "0000000000000000000000000000000000000002";
const C: &str = "0000000000000000000000000000000000000003";

/// Whether an error is the one a case expects.
type IsExpected = fn(&BuildError) -> bool;

#[test]
fn bad_corpora_are_refused_with_the_line() {
    let cases: Vec<(String, u64, IsExpected)> = vec![
        (format!("{A}:1\n{B} 2\n"), 2, |e| matches!(e, BuildError::NotHashCount { .. })),
        (format!("{A}:1\n{B}:2\nnonsense\n"), 3, |e| matches!(e, BuildError::NotHashCount { .. })),
        (format!("{A}:1\n{}G:2\n", &B[..39]), 2, |e| matches!(e, BuildError::BadHex { .. })),
        (format!("{A}:1\n{B}0:2\n"), 2, |e| matches!(e, BuildError::HashLength { digits: 41, .. })),
        (format!("{}:1\n", &A[..20]), 1, |e| matches!(e, BuildError::HashLength { digits: 20, .. })),
        (format!("{A}:1\n{}:2\n", "F".repeat(32)), 2, |e| {
            matches!(e, BuildError::MixedKinds { found: HashKind::Ntlm, expected: HashKind::Sha1, .. })
        }),
        (format!("{A}:1\n{B}:x\n"), 2, |e| matches!(e, BuildError::BadCount { .. })),
        (format!("{A}:1\n{B}:\n"), 2, |e| matches!(e, BuildError::BadCount { .. })),
        (format!("{A}:1\n{B}:-3\n"), 2, |e| matches!(e, BuildError::BadCount { .. })),
        (format!("{A}:1\n{B}:2 \n"), 2, |e| matches!(e, BuildError::BadCount { .. })),
        (format!("{A}:1\n{B}:0\n"), 2, |e| matches!(e, BuildError::ZeroCount { .. })),
        (format!("{A}:1\n{B}:4294967296\n"), 2, |e| matches!(e, BuildError::CountTooLarge { .. })),
        (format!("{A}:1\n{C}:1\n{B}:1\n"), 3, |e| matches!(e, BuildError::OutOfOrder { previous_line: 2, .. })),
        (format!("{A}:1\n{B}:1\n{B}:1\n"), 3, |e| matches!(e, BuildError::Duplicate { first_line: 2, .. })),
        (format!("{A}:1\n{}:1\n", B.to_lowercase().replace('2', "1")), 2, |e| {
            matches!(e, BuildError::Duplicate { first_line: 1, .. })
        }),
        (format!("{A}:1\n\n{B}:1\n"), 2, |e| matches!(e, BuildError::BlankLine { .. })),
        (format!("{A}:1\r\n\r\n{B}:1\r\n"), 2, |e| matches!(e, BuildError::BlankLine { .. })),
        (format!("{A}:1\n{}\n", "A".repeat(300)), 2, |e| matches!(e, BuildError::LineTooLong { .. })),
        (format!("\u{FEFF}{A}:1\n\u{FEFF}{B}:1\n"), 2, |e| matches!(e, BuildError::BadHex { .. })),
    ];
    for (text, line, expected) in cases {
        let error = error_of(text.as_bytes());
        assert!(expected(&error), "{text:?} gave {error:?}");
        assert_eq!(error.line(), Some(line), "{text:?} gave {error}");
        assert!(error.to_string().starts_with(&format!("line {line}: ")), "{error}");
    }
}

#[test]
fn the_messages_explain_what_to_do() {
    let unsorted = error_of(format!("{B}:1\n{A}:1\n").as_bytes()).to_string();
    assert!(unsorted.contains("sorted by hash") && unsorted.contains("LC_ALL=C sort"), "{unsorted}");
    let duplicate = error_of(format!("{A}:1\n{A}:1\n").as_bytes()).to_string();
    assert!(duplicate.contains("line 2") && duplicate.contains("line 1"), "{duplicate}");
    let mixed = error_of(format!("{A}:1\n{}:2\n", "F".repeat(32)).as_bytes()).to_string();
    assert!(mixed.contains("cannot be mixed"), "{mixed}");
}

#[test]
fn empty_corpora_are_refused() {
    for text in ["", "\n", "\r\n\r\n", "\u{FEFF}", "\u{FEFF}\n"] {
        let error = error_of(text.as_bytes());
        assert!(matches!(error, BuildError::Empty), "{text:?} gave {error:?}");
        assert_eq!(error.line(), None);
    }
}

#[test]
fn an_endless_line_is_refused_without_reading_it_all() {
    let mut text = format!("{A}:1\n").into_bytes();
    text.extend(std::iter::repeat_n(b'A', 10 << 20));
    assert!(matches!(error_of(&text), BuildError::LineTooLong { line: 2, max: 128 }));
}

struct Failing;

impl std::io::Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk on fire"))
    }
}

impl std::io::Write for Failing {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk full"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::other("disk full"))
    }
}

#[test]
fn io_errors_are_their_own_variants() {
    let read = index::build(std::io::BufReader::new(Failing), Vec::new(), &BuildOptions::default(), &mut |_| {});
    assert!(matches!(read, Err(BuildError::Read(_))));
    let text = corpus_of(HashKind::Sha1, PASSWORDS);
    let write = index::build(text.as_bytes(), Failing, &BuildOptions::default(), &mut |_| {});
    assert!(matches!(write, Err(BuildError::Write(_))));
}

fn small_index() -> Vec<u8> {
    let text = corpus_of(HashKind::Sha1, PASSWORDS);
    build_with(text.as_bytes(), &BuildOptions { expected_lines: Some(0) }).unwrap().0
}

#[test]
fn truncated_indexes_are_refused_by_open() {
    let bytes = small_index();
    for cut in 0..bytes.len() {
        let short = bytes[..cut].to_vec();
        let error = Index::open(short, cut as u64).unwrap_err();
        assert!(matches!(error, IndexError::Truncated { .. }), "cut at {cut}: {error:?}");
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 8]);
    assert!(Index::open(longer.clone(), longer.len() as u64).is_err());
    // A length that lies about the bytes behind it.
    assert!(matches!(Index::open(bytes.clone(), bytes.len() as u64 + 1), Err(IndexError::Io(_))));
}

#[test]
fn any_damaged_byte_is_caught_by_open_lookup_or_verify() {
    let bytes = small_index();
    let len = bytes.len() as u64;
    for at in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= flip;
            let Ok(index) = Index::open(damaged, len) else { continue };
            assert!(index.verify().is_err(), "byte {at} ^ {flip:#x} went unnoticed by verify");
            for (password, count) in PASSWORDS {
                // Never a panic; a wrong answer only where verify objects.
                if let Ok(found) = index.lookup(&hash_of(HashKind::Sha1, password)) {
                    let _ = (found, count);
                }
            }
        }
    }
}

#[test]
fn damaged_header_and_footer_are_caught_by_open() {
    let bytes = small_index();
    let len = bytes.len();
    for at in (0..32).chain(len - 64..len) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        assert!(Index::open(damaged, len as u64).is_err(), "byte {at}");
    }
    let mut other = bytes.clone();
    other[..8].copy_from_slice(b"SQLite f");
    assert!(matches!(Index::open(other, len as u64), Err(IndexError::NotAnIndex)));
}

#[test]
fn a_damaged_bucket_is_an_error_not_a_wrong_answer() {
    let bytes = small_index();
    let len = bytes.len() as u64;
    let index = Index::open(bytes.clone(), len).unwrap();
    // Set the continuation bit on the last record's count: the bucket no
    // longer parses to its end.
    let last_count = 32 + (len as usize - 32 - 64 - 8 * 257) - 1;
    let mut damaged = bytes;
    damaged[last_count] |= 0x80;
    let damaged = Index::open(damaged, len).unwrap();
    let errors = PASSWORDS.iter().filter(|(p, _)| damaged.lookup(&hash_of(HashKind::Sha1, p)).is_err()).count();
    assert!(errors >= 1, "the damaged bucket went unnoticed");
    assert!(index.verify().is_ok());
    assert!(damaged.verify().is_err());
}

#[test]
fn read_at_on_slices_refuses_reads_past_the_end() {
    use portcullis_breach::index::ReadAt;
    let data = vec![1u8, 2, 3];
    let mut buf = [0u8; 2];
    data.read_exact_at(&mut buf, 1).unwrap();
    assert_eq!(buf, [2, 3]);
    assert!(data.read_exact_at(&mut buf, 2).is_err());
    assert!(data.read_exact_at(&mut buf, u64::MAX).is_err());
}

fn kind_strategy() -> impl Strategy<Value = HashKind> {
    prop_oneof![Just(HashKind::Sha1), Just(HashKind::Ntlm)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_corpora_round_trip(
        kind in kind_strategy(),
        entries in prop::collection::btree_map(prop::array::uniform20(any::<u8>()), 1..=u64::from(u32::MAX), 1..300),
        others in prop::collection::vec(prop::array::uniform20(any::<u8>()), 0..50),
        hint in 0u64..100_000,
        crlf: bool,
    ) {
        let n = kind.len();
        let entries: BTreeMap<Vec<u8>, u64> = entries.into_iter().map(|(h, c)| (h[..n].to_vec(), c)).collect();
        let end = if crlf { "\r\n" } else { "\n" };
        let text: String = entries.iter().map(|(h, c)| format!("{}:{c}{end}", raw_hash(kind, h).to_hex())).collect();
        let (bytes, summary) = build_with(text.as_bytes(), &BuildOptions { expected_lines: Some(hint) }).unwrap();
        prop_assert_eq!(summary.entries, entries.len() as u64);
        let len = bytes.len() as u64;
        let index = Index::open(bytes, len).unwrap();
        index.verify().unwrap();
        for (hash, count) in &entries {
            prop_assert_eq!(index.lookup(&raw_hash(kind, hash)).unwrap(), *count);
        }
        for other in &others {
            let expected = entries.get(&other[..n]).copied().unwrap_or(0);
            prop_assert_eq!(index.lookup(&raw_hash(kind, &other[..n])).unwrap(), expected);
        }
    }
}

/// The real generator, with known passwords; every manifest entry is found.
#[test]
fn round_trip_against_the_corpus_generator() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/gen-pwned-corpus.py");
    let shared =
        std::env::var_os("PORTCULLIS_SHARED").map(|s| std::path::PathBuf::from(s).join("tools/gen-pwned-corpus.py"));
    let script = shared.filter(|s| s.exists()).unwrap_or(script);
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known.tsv");
    std::fs::write(&known, "correct horse battery staple\t7\nTr0ub4dor&3\t4242\nzebra-crossing\nпароль\t99\n").unwrap();
    let (manifest, corpus) = (dir.path().join("manifest.tsv"), dir.path().join("corpus.txt"));
    let run = std::process::Command::new("python3")
        .arg(&script)
        .args(["-q", "-n", "20000", "--seed", "7", "--known"])
        .arg(&known)
        .arg("--manifest")
        .arg(&manifest)
        .arg("-o")
        .arg(&corpus)
        .output();
    let output = match run {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: python3 is not installed");
            return;
        }
        Err(e) => panic!("running {}: {e}", script.display()),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{} failed: {stderr}", script.display());
    let text = std::fs::read(&corpus).unwrap();
    let (bytes, summary) = build_with(&text, &BuildOptions { expected_lines: Some(text.len() as u64 / 43) }).unwrap();
    assert_eq!(summary.entries, 20_000);
    let len = bytes.len() as u64;
    let index = Index::open(bytes, len).unwrap();
    index.verify().unwrap();
    let manifest = std::fs::read_to_string(&manifest).unwrap();
    let mut checked = 0;
    for line in manifest.lines() {
        let mut fields = line.splitn(3, '\t');
        let (hex_hash, count, password) = (fields.next().unwrap(), fields.next().unwrap(), fields.next().unwrap());
        let count: u64 = count.parse().unwrap();
        let hash = hash_of(HashKind::Sha1, password);
        assert_eq!(hash.to_hex(), hex_hash.to_uppercase(), "{password}");
        assert_eq!(index.lookup(&hash).unwrap(), count, "{password}");
        checked += 1;
    }
    assert!(checked >= 4, "the manifest lists the known passwords");
    assert_eq!(index.lookup(&hash_of(HashKind::Sha1, "not in it")).unwrap_or(1), 0);
}

/// A file through positioned reads, as the program opens an index.
#[cfg(unix)]
struct FileAt(std::fs::File);

#[cfg(unix)]
impl index::ReadAt for FileAt {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.0, buf, offset)
    }
}

/// Measures build speed, size and lookup time on a real-sized corpus:
/// `PWNED_CORPUS=/tmp/pwned-10M.txt cargo test --release -p portcullis-breach
/// --test index -- --ignored --nocapture measure`.
#[cfg(unix)]
#[test]
#[ignore = "needs PWNED_CORPUS, a large corpus file; run in release"]
fn measure_build_and_lookup() {
    use std::io::BufRead as _;
    use std::time::Instant;
    let corpus = std::path::PathBuf::from(std::env::var_os("PWNED_CORPUS").expect("set PWNED_CORPUS"));
    let corpus_len = std::fs::metadata(&corpus).unwrap().len();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pwned.idx");
    let reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&corpus).unwrap());
    let started = Instant::now();
    let options = BuildOptions { expected_lines: Some(corpus_len / 43) };
    let summary = index::build(reader, std::fs::File::create(&path).unwrap(), &options, &mut |_| {}).unwrap();
    let build = started.elapsed().as_secs_f64();
    println!("build: {} lines in {build:.2} s = {:.0} lines/s", summary.entries, summary.entries as f64 / build);
    println!(
        "size: index {} bytes / corpus {corpus_len} bytes = {:.3} (prefix bits {})",
        summary.bytes_written,
        summary.bytes_written as f64 / corpus_len as f64,
        summary.prefix_bits
    );
    let started = Instant::now();
    let index = Index::open(FileAt(std::fs::File::open(&path).unwrap()), summary.bytes_written).unwrap();
    println!("open: {:.1} µs", started.elapsed().as_secs_f64() * 1e6);
    let mut present = Vec::new();
    let lines = std::io::BufReader::new(std::fs::File::open(&corpus).unwrap()).lines();
    for line in lines.step_by(usize::try_from(summary.entries / 2000).unwrap().max(1)) {
        let line = line.unwrap();
        let (hash, count) = line.trim_end().split_once(':').unwrap();
        present.push((raw_hash(summary.kind, &hex(hash)), count.parse::<u64>().unwrap()));
    }
    let absent: Vec<PasswordHash> = (0..2000).map(|i| hash_of(summary.kind, &format!("absent {i}"))).collect();
    for (hash, count) in &present {
        assert_eq!(index.lookup(hash).unwrap(), *count);
    }
    let rounds = 50;
    let started = Instant::now();
    for _ in 0..rounds {
        for (hash, _) in &present {
            std::hint::black_box(index.lookup(hash).unwrap());
        }
    }
    let hit = started.elapsed().as_secs_f64() * 1e6 / (rounds * present.len()) as f64;
    let started = Instant::now();
    for _ in 0..rounds {
        for hash in &absent {
            assert_eq!(index.lookup(hash).unwrap(), 0);
        }
    }
    let miss = started.elapsed().as_secs_f64() * 1e6 / (rounds * absent.len()) as f64;
    println!("lookup (page cache): {hit:.2} µs present, {miss:.2} µs absent");
    let started = Instant::now();
    index.verify().unwrap();
    println!("verify: {:.2} s", started.elapsed().as_secs_f64());
}
