//! How aggregate records are kept: a report's records are written once and
//! only ever read back whole (summed into tallies), so both backends store
//! them as chunks of up to [`RECORD_BATCH`](portcullis_dmarc::RECORD_BATCH)
//! records, each a JSON array of rows, rather than a row per record.
//!
//! A chunk is one `INSERT` instead of a thousand, which is what lets ingest
//! keep pace with a million-record report; reading sums the rows in Rust,
//! which costs about what `GROUP BY` did. The row layout is fixed here, once
//! for both backends:
//!
//! `[source_ip, count, disposition|null, dkim (0/1), spf (0/1), header_from,
//! dkim_domain|null, dkim_selector|null, spf_domain|null]`

use std::collections::BTreeMap;
use std::net::IpAddr;

use portcullis_dmarc::{AuthResult, Policy, Record, Tally, Verdict};
use serde::{Deserialize, Serialize};

use crate::dmarc_rows::{policy_column, unsigned};
use crate::{StoreError, day_of, verdict};

/// A report's records ready to store: the chunk text and what it adds up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The JSON text.
    pub data: String,
    /// Records in it.
    pub records: i64,
    /// Messages they count (saturating).
    pub messages: i64,
}

/// One stored row, as written.
#[derive(Serialize)]
struct RowOut<'a>(
    IpAddr,
    u64,
    Option<&'static str>,
    u8,
    u8,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

/// One stored row, as read.
#[derive(Deserialize)]
struct RowIn(IpAddr, u64, Option<String>, u8, u8, String, Option<String>, Option<String>, Option<String>);

impl<'a> RowOut<'a> {
    /// The row for `record`: the DKIM result kept is the first passing
    /// signature, else the first; the SPF result kept is the first.
    fn of(record: &'a Record) -> Self {
        let dkim =
            record.dkim_results.iter().find(|d| d.result == AuthResult::Pass).or_else(|| record.dkim_results.first());
        let spf = record.spf_results.first();
        Self(
            record.source_ip,
            record.count,
            record.disposition.map(Policy::as_str),
            u8::from(record.dkim == Verdict::Pass),
            u8::from(record.spf == Verdict::Pass),
            &record.header_from,
            dkim.map(|d| d.domain.as_str()),
            dkim.and_then(|d| d.selector.as_deref()),
            spf.map(|s| s.domain.as_str()),
        )
    }
}

/// `records` as one chunk. JSON escapes control characters, so the text
/// never holds a NUL (which PostgreSQL refuses in text).
pub fn encode(records: &[Record]) -> Result<Chunk, StoreError> {
    let rows: Vec<RowOut<'_>> = records.iter().map(RowOut::of).collect();
    let data = serde_json::to_string(&rows).map_err(|e| StoreError::Database(format!("encoding records: {e}")))?;
    let messages = records.iter().fold(0_i64, |sum, r| sum.saturating_add(i64::try_from(r.count).unwrap_or(i64::MAX)));
    Ok(Chunk { data, records: i64::try_from(records.len()).unwrap_or(i64::MAX), messages })
}

/// A chunk as read back, with its report's start and policy:
/// `begin_at, policy_p, data`.
pub type ChunkRow = (i64, Option<String>, String);

/// What tallies are summed by: everything in a [`Tally`] but the messages.
type Key =
    (i64, IpAddr, String, Option<String>, Option<String>, u8, u8, Option<String>, Option<String>, Option<String>);

/// Chunks summed into tallies per day, source and result, in key order.
pub fn tallies(rows: Vec<ChunkRow>) -> Result<Vec<Tally>, StoreError> {
    let mut sums: BTreeMap<Key, u64> = BTreeMap::new();
    for (begin, policy, data) in rows {
        let decoded: Vec<RowIn> =
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("dmarc_record_chunks.data: {e}")))?;
        for RowIn(ip, count, disposition, dkim, spf, from, dkim_domain, selector, spf_domain) in decoded {
            let key =
                (day_of(begin), ip, from, policy.clone(), disposition, dkim, spf, dkim_domain, selector, spf_domain);
            let sum = sums.entry(key).or_default();
            *sum = sum.saturating_add(count);
        }
    }
    sums.into_iter().map(tally).collect()
}

fn tally((key, messages): (Key, u64)) -> Result<Tally, StoreError> {
    let (day, source_ip, header_from, policy, disposition, dkim, spf, dkim_domain, dkim_selector, spf_domain) = key;
    Ok(Tally {
        day,
        source_ip,
        header_from,
        policy: policy_column("dmarc_reports.policy_p", policy)?,
        disposition: policy_column("dmarc_record_chunks.data disposition", disposition)?,
        dkim: verdict(dkim != 0),
        spf: verdict(spf != 0),
        dkim_domain,
        dkim_selector,
        spf_domain,
        messages: unsigned(i64::try_from(messages).unwrap_or(i64::MAX)),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use portcullis_dmarc::{DkimAuth, SpfAuth};

    use super::*;

    fn record(ip: &str, count: u64, dkim: Verdict) -> Record {
        Record {
            source_ip: ip.parse().unwrap(),
            count,
            disposition: Some(Policy::None),
            dkim,
            spf: Verdict::Fail,
            reasons: vec![],
            header_from: "example.org".into(),
            envelope_from: None,
            envelope_to: None,
            dkim_results: vec![
                DkimAuth { domain: "other.example".into(), selector: None, result: AuthResult::Fail },
                DkimAuth { domain: "example.org".into(), selector: Some("s1".into()), result: AuthResult::Pass },
            ],
            spf_results: vec![SpfAuth { domain: "bounce.example".into(), scope: None, result: AuthResult::Pass }],
        }
    }

    #[test]
    fn a_chunk_reads_back_as_summed_tallies_keeping_the_passing_signature() {
        let one = encode(&[record("192.0.2.1", 3, Verdict::Pass), record("2001:db8::1", 1, Verdict::Fail)]).unwrap();
        let two = encode(&[record("192.0.2.1", 4, Verdict::Pass)]).unwrap();
        assert_eq!((one.records, one.messages), (2, 4));
        let day = 1_735_776_000;
        let rows = vec![(day + 5, Some("none".to_owned()), one.data), (day + 60, Some("none".to_owned()), two.data)];
        let tallies = tallies(rows).unwrap();
        assert_eq!(tallies.len(), 2);
        let v4 = &tallies[0];
        assert_eq!((v4.day, v4.messages, v4.dkim), (day, 7, Verdict::Pass));
        assert_eq!(v4.source_ip, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!((v4.dkim_domain.as_deref(), v4.dkim_selector.as_deref()), (Some("example.org"), Some("s1")));
        assert_eq!(v4.spf_domain.as_deref(), Some("bounce.example"));
        assert_eq!((v4.policy, v4.disposition), (Some(Policy::None), Some(Policy::None)));
        assert_eq!((tallies[1].messages, tallies[1].dkim), (1, Verdict::Fail));
    }

    #[test]
    fn control_characters_are_escaped_and_garbage_is_corrupt() {
        let mut r = record("192.0.2.9", 1, Verdict::Fail);
        r.header_from = "a\u{0}b".into();
        let chunk = encode(&[r]).unwrap();
        assert!(!chunk.data.contains('\u{0}'));
        assert_eq!(tallies(vec![(0, None, chunk.data)]).unwrap()[0].header_from, "a\u{0}b");
        let err = tallies(vec![(0, None, "[[\"not an ip\",1]]".into())]).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
    }
}
