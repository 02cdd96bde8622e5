#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! The range format against the index: a range answer cut from a corpus
//! gives the same count as the index built from that corpus.

use std::collections::BTreeMap;

use portcullis_breach::Secret;
use portcullis_breach::hash::{HashKind, PasswordHash};
use portcullis_breach::index::{self, BuildOptions, Index};
use portcullis_breach::range::{self, RangeError};
use proptest::prelude::*;

/// The corpus as the range API serves it: suffix lines by prefix.
fn ranges_of(corpus: &BTreeMap<String, u64>) -> BTreeMap<String, Vec<(String, u64)>> {
    let mut ranges: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for (hash, count) in corpus {
        ranges.entry(hash[..5].to_owned()).or_default().push((hash[5..].to_owned(), *count));
    }
    ranges
}

fn index_of(corpus: &BTreeMap<String, u64>) -> Index<Vec<u8>> {
    let text: String = corpus.iter().map(|(h, c)| format!("{h}:{c}\r\n")).collect();
    let mut out = Vec::new();
    index::build(text.as_bytes(), &mut out, &BuildOptions { expected_lines: Some(0) }, &mut |_| {}).unwrap();
    let len = out.len() as u64;
    Index::open(out, len).unwrap()
}

fn answer(ranges: &BTreeMap<String, Vec<(String, u64)>>, hash: &PasswordHash, padding: &[String]) -> String {
    let mut lines = ranges.get(&range::prefix(hash)).cloned().unwrap_or_default();
    let digits = hash.kind().hex_len() - 5;
    lines.extend(padding.iter().map(|p| (p[..digits].to_owned(), 0)));
    lines.sort();
    range::render(&lines, true)
}

#[test]
fn the_prefix_is_all_that_leaves() {
    let hash = HashKind::Sha1.of(&Secret::from("password"));
    assert_eq!(range::prefix(&hash), "5BAA6");
    assert_eq!(range::prefix(&hash).len(), range::PREFIX_LEN);
    let body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n";
    assert_eq!(range::count_in(body.as_bytes(), &hash).unwrap(), 9_545_824);
}

#[test]
fn a_prefix_mismatch_in_the_body_is_refused() {
    // An NTLM answer read for a SHA-1 hash: the suffixes have the wrong length.
    let hash = HashKind::Sha1.of(&Secret::from("password"));
    let body = "7EAEE8FB117AD06BDD830B7586C:4\r\n";
    assert_eq!(range::count_in(body.as_bytes(), &hash), Err(RangeError::BadSuffix { line: 1, expected: 35 }));
}

fn kinds() -> impl Strategy<Value = HashKind> {
    prop_oneof![Just(HashKind::Sha1), Just(HashKind::Ntlm)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn range_answers_agree_with_the_index(
        kind in kinds(),
        passwords in prop::collection::btree_map("[ -~]{0,16}", 1u64..100_000, 1..80),
        probes in prop::collection::vec("[ -~]{0,16}", 0..20),
        padding in prop::collection::vec("[0-9A-F]{35}", 0..30),
    ) {
        let hashes: BTreeMap<String, u64> =
            passwords.iter().map(|(p, c)| (kind.of(&Secret::from(p.as_str())).to_hex(), *c)).collect();
        let ranges = ranges_of(&hashes);
        let index = index_of(&hashes);
        for password in passwords.keys().chain(probes.iter()) {
            let hash = kind.of(&Secret::from(password.as_str()));
            let body = answer(&ranges, &hash, &padding);
            let from_range = range::count_in(body.as_bytes(), &hash).unwrap();
            prop_assert_eq!(from_range, index.lookup(&hash).unwrap());
            prop_assert_eq!(range::count_in(body.to_lowercase().replace("\r\n", "\n").as_bytes(), &hash).unwrap(), from_range);
        }
    }
}
