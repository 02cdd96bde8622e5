//! Building the index from the `HASH:COUNT` corpus in one streaming pass.

use std::io::{BufRead, Read as _, Write};

use super::format::{self, Footer, Header, MAX_COUNT, MAX_PREFIX_BITS, MIN_PREFIX_BITS};
use crate::hash::HashKind;

/// The longest corpus line accepted, in bytes (a real one is at most 52).
const MAX_LINE: usize = 128;
/// Prefix bits when there is no size hint.
const DEFAULT_PREFIX_BITS: u8 = 20;
/// Entries per bucket the prefix width aims for.
const TARGET_PER_BUCKET: u64 = 32;
/// How often (in corpus bytes) progress is reported.
const PROGRESS_STEP: u64 = 4 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How to build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// About how many lines the corpus has (for example its size / 43), to
    /// pick the prefix width; 20 bits when `None`.
    pub expected_lines: Option<u64>,
}

/// What a build wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSummary {
    /// The corpus's hash, from its first line.
    pub kind: HashKind,
    /// Lines (hashes) indexed.
    pub entries: u64,
    /// Size of the index.
    pub bytes_written: u64,
    /// Width of the prefix table's key.
    pub prefix_bits: u8,
    /// The largest count in the corpus.
    pub max_count: u64,
}

/// Why a build failed. Input problems name the 1-based line; the caller adds
/// the file name.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Reading the corpus failed.
    #[error("reading the corpus failed: {0}")]
    Read(#[source] std::io::Error),
    /// Writing the index failed.
    #[error("writing the index failed: {0}")]
    Write(#[source] std::io::Error),
    /// The corpus has no lines.
    #[error("the corpus is empty: expected HASH:COUNT lines")]
    Empty,
    /// A line is longer than any real corpus line.
    #[error("line {line}: longer than {max} bytes; this is not a HASH:COUNT corpus")]
    LineTooLong {
        /// The line.
        line: u64,
        /// The limit in bytes.
        max: usize,
    },
    /// A blank line with more lines after it.
    #[error("line {line}: blank line in the middle of the corpus")]
    BlankLine {
        /// The blank line.
        line: u64,
    },
    /// No colon.
    #[error("line {line}: expected HASH:COUNT (a hex hash, a colon, a count)")]
    NotHashCount {
        /// The line.
        line: u64,
    },
    /// The hash has a character that is not a hex digit.
    #[error("line {line}: the hash is not hexadecimal")]
    BadHex {
        /// The line.
        line: u64,
    },
    /// The hash is neither 40 (SHA-1) nor 32 (NTLM) digits.
    #[error("line {line}: the hash has {digits} hex digits; expected 40 (SHA-1) or 32 (NTLM)")]
    HashLength {
        /// The line.
        line: u64,
        /// Digits found.
        digits: usize,
    },
    /// SHA-1 and NTLM lines in one corpus.
    #[error("line {line}: {found:?} hash in a {expected:?} corpus (from line 1); SHA-1 and NTLM cannot be mixed")]
    MixedKinds {
        /// The line.
        line: u64,
        /// This line's kind.
        found: HashKind,
        /// The corpus's kind.
        expected: HashKind,
    },
    /// The count is not a decimal number.
    #[error("line {line}: the count is not a whole decimal number")]
    BadCount {
        /// The line.
        line: u64,
    },
    /// The count is 0.
    #[error("line {line}: the count is 0; every corpus line is a password seen at least once")]
    ZeroCount {
        /// The line.
        line: u64,
    },
    /// The count is over 4,294,967,295.
    #[error("line {line}: the count is larger than {max}")]
    CountTooLarge {
        /// The line.
        line: u64,
        /// The limit.
        max: u64,
    },
    /// The hash sorts before the previous line's.
    #[error(
        "line {line}: the hash sorts before the one on line {previous_line}; the corpus must be sorted by hash \
         (as downloaded), e.g. `LC_ALL=C sort -o sorted.txt corpus.txt`"
    )]
    OutOfOrder {
        /// The line.
        line: u64,
        /// The line before it.
        previous_line: u64,
    },
    /// The same hash twice.
    #[error("line {line}: the same hash as line {first_line}; each hash must appear once")]
    Duplicate {
        /// The second occurrence.
        line: u64,
        /// The first occurrence.
        first_line: u64,
    },
}

impl BuildError {
    /// The corpus line the problem is on, if it is about one line.
    #[must_use]
    pub const fn line(&self) -> Option<u64> {
        match self {
            Self::Read(_) | Self::Write(_) | Self::Empty => None,
            Self::LineTooLong { line, .. }
            | Self::BlankLine { line }
            | Self::NotHashCount { line }
            | Self::BadHex { line }
            | Self::HashLength { line, .. }
            | Self::MixedKinds { line, .. }
            | Self::BadCount { line }
            | Self::ZeroCount { line }
            | Self::CountTooLarge { line, .. }
            | Self::OutOfOrder { line, .. }
            | Self::Duplicate { line, .. } => Some(*line),
        }
    }
}

/// Builds the index from `corpus` into `out`, calling `progress` with the
/// corpus bytes consumed every few MiB and at the end. See the
/// [module documentation](crate::index) for the format.
///
/// # Errors
/// A [`BuildError`] naming the line for any input problem; I/O errors. On
/// error `out` holds a partial index that [`super::Index::open`] refuses.
pub fn build<R: BufRead, W: Write>(
    corpus: R,
    out: W,
    options: &BuildOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<BuildSummary, BuildError> {
    let prefix_bits = options.expected_lines.map_or(DEFAULT_PREFIX_BITS, prefix_bits_for);
    let mut lines = Lines::new(corpus);
    let mut writer = Writer::new(out, prefix_bits);
    let mut previous: Option<([u8; 20], u64)> = None;
    let mut next_report = PROGRESS_STEP;
    while let Some(parsed) = lines.next_entry(writer.header.map(|h| h.kind))? {
        if let Some((hash, line)) = &previous {
            check_order(hash, line, &parsed.hash, lines.line)?;
        }
        writer.push(&parsed)?;
        previous = Some((parsed.hash, lines.line));
        if lines.consumed >= next_report {
            progress(lines.consumed);
            next_report = lines.consumed + PROGRESS_STEP;
        }
    }
    let summary = writer.finish()?;
    progress(lines.consumed);
    Ok(summary)
}

/// About `TARGET_PER_BUCKET` entries per bucket, within the allowed widths.
fn prefix_bits_for(lines: u64) -> u8 {
    let mut bits = MIN_PREFIX_BITS;
    while bits < MAX_PREFIX_BITS && (lines >> bits) > TARGET_PER_BUCKET {
        bits += 1;
    }
    bits
}

fn check_order(previous: &[u8; 20], previous_line: &u64, hash: &[u8; 20], line: u64) -> Result<(), BuildError> {
    match previous.cmp(hash) {
        std::cmp::Ordering::Less => Ok(()),
        std::cmp::Ordering::Equal => Err(BuildError::Duplicate { line, first_line: *previous_line }),
        std::cmp::Ordering::Greater => Err(BuildError::OutOfOrder { line, previous_line: *previous_line }),
    }
}

/// One parsed corpus line.
struct Entry {
    /// The hash, zero-padded to 20 bytes (NTLM uses 16).
    hash: [u8; 20],
    kind: HashKind,
    count: u64,
}

/// Reads the corpus a bounded line at a time.
struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    /// The current line number (1-based once a line is read).
    line: u64,
    consumed: u64,
    /// The first blank line seen, if any: fine at the end, not before text.
    blank: Option<u64>,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Self { reader, buf: Vec::with_capacity(MAX_LINE + 1), line: 0, consumed: 0, blank: None }
    }

    /// The next entry, skipping trailing blank lines; `None` at the end.
    fn next_entry(&mut self, kind: Option<HashKind>) -> Result<Option<Entry>, BuildError> {
        loop {
            if !self.read_line()? {
                return Ok(None);
            }
            let text = self.text();
            if text.is_empty() {
                self.blank = self.blank.or(Some(self.line));
                continue;
            }
            if let Some(blank) = self.blank {
                return Err(BuildError::BlankLine { line: blank });
            }
            return parse_line(text, self.line, kind).map(Some);
        }
    }

    /// Reads one line into `buf`; false at the end of the corpus.
    fn read_line(&mut self) -> Result<bool, BuildError> {
        self.buf.clear();
        let limit = u64::try_from(MAX_LINE + 1).unwrap_or(u64::MAX);
        let read = (&mut self.reader).take(limit).read_until(b'\n', &mut self.buf).map_err(BuildError::Read)?;
        if read == 0 {
            return Ok(false);
        }
        self.line += 1;
        self.consumed += u64::try_from(read).unwrap_or(u64::MAX);
        if read > MAX_LINE && self.buf.last() != Some(&b'\n') {
            return Err(BuildError::LineTooLong { line: self.line, max: MAX_LINE });
        }
        Ok(true)
    }

    /// The line without its end (LF or CRLF) and, on line 1, without a BOM.
    fn text(&self) -> &[u8] {
        let mut text = self.buf.as_slice();
        text = text.strip_suffix(b"\n").unwrap_or(text);
        text = text.strip_suffix(b"\r").unwrap_or(text);
        if self.line == 1 {
            text = text.strip_prefix(BOM).unwrap_or(text);
        }
        text
    }
}

fn parse_line(text: &[u8], line: u64, expected: Option<HashKind>) -> Result<Entry, BuildError> {
    let colon = match (text.get(40), text.get(32)) {
        (Some(b':'), _) => 40,
        (_, Some(b':')) => 32,
        _ => text.iter().position(|&b| b == b':').ok_or(BuildError::NotHashCount { line })?,
    };
    let hex = text.get(..colon).unwrap_or_default();
    let count_text = text.get(colon + 1..).unwrap_or_default();
    let mut hash = [0u8; 20];
    let kind = decode_hash(hex, &mut hash, line)?;
    if let Some(expected) = expected.filter(|&e| e != kind) {
        return Err(BuildError::MixedKinds { line, found: kind, expected });
    }
    let count = parse_count(count_text, line)?;
    Ok(Entry { hash, kind, count })
}

fn decode_hash(hex: &[u8], out: &mut [u8; 20], line: u64) -> Result<HashKind, BuildError> {
    let Some(kind) = HashKind::from_hex_len(hex.len()) else {
        return Err(if hex.iter().any(|&b| nibble(b).is_none()) {
            BuildError::BadHex { line }
        } else {
            BuildError::HashLength { line, digits: hex.len() }
        });
    };
    let mut bad = 0u8;
    for (slot, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        if let [high, low] = pair {
            let (high, low) = (hex_value(*high), hex_value(*low));
            bad |= high | low;
            *slot = (high << 4) | (low & 0x0f);
        }
    }
    if bad & INVALID != 0 {
        return Err(BuildError::BadHex { line });
    }
    Ok(kind)
}

/// What [`hex_value`] gives for a byte that is not a hex digit.
const INVALID: u8 = 0x10;

/// The value of a hex digit, or [`INVALID`] (branch-light, for the hot loop).
const fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => INVALID,
    }
}

/// The value of a hex digit, either case.
pub(crate) const fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

fn parse_count(text: &[u8], line: u64) -> Result<u64, BuildError> {
    if text.is_empty() || text.iter().any(|b| !b.is_ascii_digit()) {
        return Err(BuildError::BadCount { line });
    }
    let mut value = 0u64;
    for &digit in text {
        value = value * 10 + u64::from(digit - b'0');
        if value > MAX_COUNT {
            return Err(BuildError::CountTooLarge { line, max: MAX_COUNT });
        }
    }
    if value == 0 {
        return Err(BuildError::ZeroCount { line });
    }
    Ok(value)
}

/// Writes records as they come and keeps the prefix table.
struct Writer<W: Write> {
    out: std::io::BufWriter<W>,
    prefix_bits: u8,
    header: Option<Header>,
    /// Start offset of each bucket reached so far.
    starts: Vec<u64>,
    data_len: u64,
    entries: u64,
    max_count: u64,
    data_sum: format::Fnv,
}

impl<W: Write> Writer<W> {
    fn new(out: W, prefix_bits: u8) -> Self {
        Self {
            out: std::io::BufWriter::with_capacity(1 << 20, out),
            prefix_bits,
            header: None,
            starts: Vec::new(),
            data_len: 0,
            entries: 0,
            max_count: 0,
            data_sum: format::Fnv::new(),
        }
    }

    fn push(&mut self, entry: &Entry) -> Result<(), BuildError> {
        let header = match self.header {
            Some(header) => header,
            None => self.start(entry.kind)?,
        };
        let bucket = header.bucket_of(&entry.hash);
        self.open_buckets_through(bucket);
        let mut record = [0u8; 20 + format::MAX_VARINT];
        let suffix = header.suffix_of(entry.hash.get(..header.kind.len()).unwrap_or_default());
        let mut count = [0u8; format::MAX_VARINT];
        let count_len = format::put_varint(entry.count, &mut count);
        let total = suffix.len() + count_len;
        if let Some(slot) = record.get_mut(..suffix.len()) {
            slot.copy_from_slice(suffix);
        }
        if let Some(slot) = record.get_mut(suffix.len()..total) {
            slot.copy_from_slice(count.get(..count_len).unwrap_or_default());
        }
        let record = record.get(..total).unwrap_or_default();
        self.data_sum.update(record);
        self.out.write_all(record).map_err(BuildError::Write)?;
        self.data_len += u64::try_from(total).unwrap_or(0);
        self.entries += 1;
        self.max_count = self.max_count.max(entry.count);
        Ok(())
    }

    /// The first entry fixes the kind: write the header.
    fn start(&mut self, kind: HashKind) -> Result<Header, BuildError> {
        let header = Header { kind, prefix_bits: self.prefix_bits };
        self.out.write_all(&header.encode()).map_err(BuildError::Write)?;
        self.starts = Vec::with_capacity(usize::try_from(header.buckets() + 1).unwrap_or(0));
        self.header = Some(header);
        Ok(header)
    }

    /// Every bucket up to and including `bucket` starts at or before here.
    fn open_buckets_through(&mut self, bucket: u64) {
        while (self.starts.len() as u64) <= bucket {
            self.starts.push(self.data_len);
        }
    }

    fn finish(mut self) -> Result<BuildSummary, BuildError> {
        let header = self.header.ok_or(BuildError::Empty)?;
        self.open_buckets_through(header.buckets());
        let mut table_sum = format::Fnv::new();
        let mut max_bucket = 0;
        for pair in self.starts.windows(2) {
            if let [start, end] = pair {
                max_bucket = max_bucket.max(end - start);
            }
        }
        for start in &self.starts {
            let bytes = start.to_le_bytes();
            table_sum.update(&bytes);
            self.out.write_all(&bytes).map_err(BuildError::Write)?;
        }
        let footer = Footer {
            entries: self.entries,
            data_len: self.data_len,
            max_count: self.max_count,
            max_bucket,
            table_sum: table_sum.finish(),
            data_sum: self.data_sum.finish(),
        };
        self.out.write_all(&footer.encode(&header.encode())).map_err(BuildError::Write)?;
        self.out.flush().map_err(BuildError::Write)?;
        let bytes_written = format::HEADER_LEN + self.data_len + header.table_len() + format::FOOTER_LEN;
        Ok(BuildSummary {
            kind: header.kind,
            entries: self.entries,
            bytes_written,
            prefix_bits: header.prefix_bits,
            max_count: self.max_count,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn prefix_width_aims_for_tens_per_bucket() {
        assert_eq!(prefix_bits_for(0), 8);
        assert_eq!(prefix_bits_for(20_000), 10);
        assert_eq!(prefix_bits_for(10_000_000), 19);
        assert_eq!(prefix_bits_for(100_000_000), 22);
        assert_eq!(prefix_bits_for(2_000_000_000), 24);
    }

    #[test]
    fn counts_parse_strictly() {
        assert_eq!(parse_count(b"007", 1).unwrap(), 7);
        assert!(matches!(parse_count(b"", 1), Err(BuildError::BadCount { .. })));
        assert!(matches!(parse_count(b"+5", 1), Err(BuildError::BadCount { .. })));
        assert!(matches!(parse_count(b"0", 1), Err(BuildError::ZeroCount { .. })));
        assert!(matches!(parse_count(b"4294967296", 1), Err(BuildError::CountTooLarge { .. })));
        assert!(matches!(parse_count(b"99999999999999999999999", 1), Err(BuildError::CountTooLarge { .. })));
    }
}
