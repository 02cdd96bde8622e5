//! The bytes of the index file: header, footer, records, checksums. See the
//! module documentation of [`crate::index`] for the layout.

use crate::hash::HashKind;

/// Magic at the start of the file.
pub(super) const MAGIC: &[u8; 8] = b"PCULPWND";
/// Magic at the very end of the file.
pub(super) const END_MAGIC: &[u8; 8] = b"PCPWNEND";
/// The format version this code writes and reads.
pub(super) const VERSION: u16 = 1;
/// Count encoding: unsigned LEB128.
const COUNT_LEB128: u8 = 1;
/// Header length in bytes.
pub(super) const HEADER_LEN: u64 = 32;
/// Footer length in bytes.
pub(super) const FOOTER_LEN: u64 = 64;
/// Fewest and most prefix bits.
pub(super) const MIN_PREFIX_BITS: u8 = 8;
/// Most prefix bits: the table has at most 2^24 + 1 entries.
pub(super) const MAX_PREFIX_BITS: u8 = 24;
/// Largest count a record holds (five LEB128 bytes at most).
pub(super) const MAX_COUNT: u64 = u32::MAX as u64;
/// Longest count encoding.
pub(super) const MAX_VARINT: usize = 5;

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    pub kind: HashKind,
    pub prefix_bits: u8,
}

impl Header {
    /// Bytes of each hash kept in a record.
    pub const fn suffix_len(self) -> usize {
        self.kind.len() - (self.prefix_bits as usize) / 8
    }

    /// Number of buckets, 2^p.
    pub const fn buckets(self) -> u64 {
        1u64 << self.prefix_bits
    }

    /// Bytes of the prefix table.
    pub const fn table_len(self) -> u64 {
        (self.buckets() + 1) * 8
    }

    pub fn encode(self) -> [u8; HEADER_LEN as usize] {
        let mut out = [0u8; HEADER_LEN as usize];
        let suffix = u8::try_from(self.suffix_len()).unwrap_or(0);
        let fields = [kind_code(self.kind), self.prefix_bits, suffix, COUNT_LEB128];
        put(&mut out, 0, MAGIC);
        put(&mut out, 8, &VERSION.to_le_bytes());
        put(&mut out, 10, &fields);
        out
    }

    /// Decodes and checks a header; the error says what is wrong.
    pub fn decode(raw: &[u8; HEADER_LEN as usize]) -> Result<Self, HeaderProblem> {
        if raw.get(..8) != Some(MAGIC.as_slice()) {
            return Err(HeaderProblem::NotAnIndex);
        }
        let version = u16::from_le_bytes([byte(raw, 8), byte(raw, 9)]);
        if version != VERSION {
            return Err(HeaderProblem::Version(version));
        }
        let kind = match byte(raw, 10) {
            1 => HashKind::Sha1,
            2 => HashKind::Ntlm,
            _ => return Err(HeaderProblem::Corrupt("unknown hash kind")),
        };
        let prefix_bits = byte(raw, 11);
        if !(MIN_PREFIX_BITS..=MAX_PREFIX_BITS).contains(&prefix_bits) {
            return Err(HeaderProblem::Corrupt("prefix width out of range"));
        }
        let header = Self { kind, prefix_bits };
        if usize::from(byte(raw, 12)) != header.suffix_len() || byte(raw, 13) != COUNT_LEB128 {
            return Err(HeaderProblem::Corrupt("record layout fields disagree"));
        }
        if raw.get(14..).is_some_and(|rest| rest.iter().any(|&b| b != 0)) {
            return Err(HeaderProblem::Corrupt("reserved header bytes are not zero"));
        }
        Ok(header)
    }

    /// The bucket (top `prefix_bits` bits) of a hash of this kind.
    pub fn bucket_of(self, hash: &[u8]) -> u64 {
        let top = u32::from_be_bytes([byte(hash, 0), byte(hash, 1), byte(hash, 2), byte(hash, 3)]);
        u64::from(top >> (32 - u32::from(self.prefix_bits)))
    }

    /// The part of a hash stored in its record.
    pub fn suffix_of(self, hash: &[u8]) -> &[u8] {
        hash.get(usize::from(self.prefix_bits / 8)..).unwrap_or_default()
    }
}

/// Why a header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeaderProblem {
    NotAnIndex,
    Version(u16),
    Corrupt(&'static str),
}

/// What the footer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Footer {
    pub entries: u64,
    pub data_len: u64,
    pub max_count: u64,
    pub max_bucket: u64,
    pub table_sum: u64,
    pub data_sum: u64,
}

impl Footer {
    pub fn encode(self, header: &[u8; HEADER_LEN as usize]) -> [u8; FOOTER_LEN as usize] {
        let mut out = [0u8; FOOTER_LEN as usize];
        let fields = [self.entries, self.data_len, self.max_count, self.max_bucket, self.table_sum, self.data_sum];
        for (i, value) in fields.iter().enumerate() {
            put(&mut out, i * 8, &value.to_le_bytes());
        }
        let sum = checksum(header, &out);
        put(&mut out, 48, &sum.to_le_bytes());
        put(&mut out, 56, END_MAGIC);
        out
    }

    /// Decodes a footer; `None` when its checksum or end magic is wrong.
    pub fn decode(header: &[u8; HEADER_LEN as usize], raw: &[u8; FOOTER_LEN as usize]) -> Option<Self> {
        if raw.get(56..) != Some(END_MAGIC.as_slice()) || checksum(header, raw) != u64_at(raw, 48) {
            return None;
        }
        Some(Self {
            entries: u64_at(raw, 0),
            data_len: u64_at(raw, 8),
            max_count: u64_at(raw, 16),
            max_bucket: u64_at(raw, 24),
            table_sum: u64_at(raw, 32),
            data_sum: u64_at(raw, 40),
        })
    }
}

fn checksum(header: &[u8], footer: &[u8]) -> u64 {
    let mut sum = Fnv::new();
    sum.update(header);
    sum.update(footer.get(..48).unwrap_or_default());
    sum.finish()
}

/// 64-bit FNV-1a: a cheap checksum against damage, not against an attacker.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fnv(u64);

impl Fnv {
    pub const fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub const fn finish(self) -> u64 {
        self.0
    }
}

/// The record's count bytes; returns how many were used.
pub(super) fn put_varint(mut value: u64, out: &mut [u8; MAX_VARINT]) -> usize {
    let mut used = 0;
    for slot in out.iter_mut() {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        used += 1;
        if value == 0 {
            *slot = low;
            break;
        }
        *slot = low | 0x80;
    }
    used
}

/// Reads a count at the start of `bytes`: `(value, bytes used)`, or `None`
/// for a malformed, overlong or non-minimal encoding.
pub(super) fn get_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().take(MAX_VARINT).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            let minimal = i == 0 || b != 0;
            return (minimal && value <= MAX_COUNT).then_some((value, i + 1));
        }
    }
    None
}

/// What a bucket scan found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Scan {
    /// The count of the target, 0 when absent.
    pub found: u64,
    pub entries: u64,
    pub max_count: u64,
}

/// Walks one bucket's records, checking their structure, and finds `target`
/// (a hash's stored suffix) if given. `None` means the bucket is damaged.
pub(super) fn scan_bucket(header: Header, bucket: u64, bytes: &[u8], target: Option<&[u8]>) -> Option<Scan> {
    let suffix_len = header.suffix_len();
    let shared_bits = u32::from(header.prefix_bits % 8);
    let mut scan = Scan::default();
    let mut rest = bytes;
    let mut previous: Option<&[u8]> = None;
    while !rest.is_empty() {
        let suffix = rest.get(..suffix_len)?;
        let (count, used) = get_varint(rest.get(suffix_len..)?)?;
        if count == 0 || previous.is_some_and(|p| p >= suffix) || !shares_prefix(bucket, suffix, shared_bits) {
            return None;
        }
        if target == Some(suffix) {
            scan.found = count;
        }
        scan.entries += 1;
        scan.max_count = scan.max_count.max(count);
        previous = Some(suffix);
        rest = rest.get(suffix_len + used..)?;
    }
    Some(scan)
}

/// The low bits of the bucket number live in the top bits of the first stored
/// byte when the prefix is not a whole number of bytes: check they agree.
fn shares_prefix(bucket: u64, suffix: &[u8], shared_bits: u32) -> bool {
    if shared_bits == 0 {
        return true;
    }
    let mask = (1u64 << shared_bits) - 1;
    let first = u64::from(suffix.first().copied().unwrap_or(0));
    first >> (8 - shared_bits) == bucket & mask
}

pub(super) const fn kind_code(kind: HashKind) -> u8 {
    match kind {
        HashKind::Sha1 => 1,
        HashKind::Ntlm => 2,
    }
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(slot) = out.get_mut(at..at + bytes.len()) {
        slot.copy_from_slice(bytes);
    }
}

fn byte(raw: &[u8], at: usize) -> u8 {
    raw.get(at).copied().unwrap_or(0)
}

pub(super) fn u64_at(raw: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    if let Some(src) = raw.get(at..at + 8) {
        bytes.copy_from_slice(src);
    }
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn varints_round_trip_and_reject_bad_encodings() {
        for value in [1u64, 127, 128, 300, 16_383, 16_384, 1 << 28, MAX_COUNT] {
            let mut buf = [0u8; MAX_VARINT];
            let used = put_varint(value, &mut buf);
            assert_eq!(get_varint(&buf[..used]), Some((value, used)));
        }
        assert_eq!(get_varint(&[0x80, 0x00]), None, "non-minimal");
        assert_eq!(get_varint(&[0xff, 0xff, 0xff, 0xff, 0x7f]), None, "over u32");
        assert_eq!(get_varint(&[0x80]), None, "cut short");
        assert_eq!(get_varint(&[0x80; 6]), None, "too long");
    }

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let header = Header { kind: HashKind::Ntlm, prefix_bits: 20 };
        let raw = header.encode();
        assert_eq!(Header::decode(&raw), Ok(header));
        assert_eq!(header.suffix_len(), 14);
        let mut bad = raw;
        bad[12] = 3;
        assert!(matches!(Header::decode(&bad), Err(HeaderProblem::Corrupt(_))));
        bad = raw;
        bad[0] = b'X';
        assert_eq!(Header::decode(&bad), Err(HeaderProblem::NotAnIndex));
    }

    #[test]
    fn bucket_of_takes_the_top_bits() {
        let header = Header { kind: HashKind::Sha1, prefix_bits: 12 };
        let mut hash = [0u8; 20];
        hash[0] = 0xAB;
        hash[1] = 0xCD;
        assert_eq!(header.bucket_of(&hash), 0xABC);
        assert_eq!(header.suffix_of(&hash).len(), 19);
    }
}
