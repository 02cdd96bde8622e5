//! Opening an index and looking hashes up in it.

use super::ReadAt;
use super::format::{self, FOOTER_LEN, Footer, HEADER_LEN, Header, HeaderProblem};
use crate::hash::{HashKind, PasswordHash};

/// Why an index could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading the index failed.
    #[error("reading the index failed: {0}")]
    Io(#[source] std::io::Error),
    /// Not a Portcullis Pwned Passwords index at all.
    #[error("not a Portcullis Pwned Passwords index (wrong magic)")]
    NotAnIndex,
    /// Written by another version of the format.
    #[error("index format version {0} is not supported (this build reads version 1); rebuild the index")]
    UnsupportedVersion(u16),
    /// The file ends early or has the wrong length: an interrupted build, a
    /// partial copy.
    #[error("the index is truncated or incomplete ({actual} bytes, expected {expected}); rebuild it")]
    Truncated {
        /// Expected length, when known (0 when the end marker is missing).
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// Damaged: a checksum or structure check failed.
    #[error("the index is damaged ({0}); rebuild it")]
    Corrupt(&'static str),
    /// A hash of the other kind (an NTLM hash against a SHA-1 index).
    #[error("this is a {index:?} index; it cannot look up a {hash:?} hash")]
    WrongKind {
        /// The index's kind.
        index: HashKind,
        /// The hash's kind.
        hash: HashKind,
    },
}

/// An open index, queried with positioned reads through `R`.
pub struct Index<R: ReadAt> {
    reader: R,
    header: Header,
    footer: Footer,
    table_offset: u64,
}

impl<R: ReadAt> std::fmt::Debug for Index<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("kind", &self.header.kind)
            .field("prefix_bits", &self.header.prefix_bits)
            .field("entries", &self.footer.entries)
            .finish_non_exhaustive()
    }
}

impl<R: ReadAt> Index<R> {
    /// Opens an index of `len` bytes: checks the header, the footer's
    /// checksum and that the length matches what they describe. Two reads.
    ///
    /// # Errors
    /// [`IndexError::Truncated`], [`IndexError::Corrupt`], [`IndexError::NotAnIndex`] and so on.
    pub fn open(reader: R, len: u64) -> Result<Self, IndexError> {
        if len < HEADER_LEN + FOOTER_LEN {
            return Err(IndexError::Truncated { expected: 0, actual: len });
        }
        let mut raw_header = [0u8; HEADER_LEN as usize];
        reader.read_exact_at(&mut raw_header, 0).map_err(IndexError::Io)?;
        let header = Header::decode(&raw_header).map_err(|problem| match problem {
            HeaderProblem::NotAnIndex => IndexError::NotAnIndex,
            HeaderProblem::Version(v) => IndexError::UnsupportedVersion(v),
            HeaderProblem::Corrupt(what) => IndexError::Corrupt(what),
        })?;
        let mut raw_footer = [0u8; FOOTER_LEN as usize];
        reader.read_exact_at(&mut raw_footer, len - FOOTER_LEN).map_err(IndexError::Io)?;
        if raw_footer.get(56..) != Some(format::END_MAGIC.as_slice()) {
            return Err(IndexError::Truncated { expected: 0, actual: len });
        }
        let footer =
            Footer::decode(&raw_header, &raw_footer).ok_or(IndexError::Corrupt("header or footer checksum"))?;
        let expected = HEADER_LEN
            .checked_add(footer.data_len)
            .and_then(|n| n.checked_add(header.table_len() + FOOTER_LEN))
            .ok_or(IndexError::Corrupt("impossible lengths"))?;
        if expected != len {
            return Err(IndexError::Truncated { expected, actual: len });
        }
        check_footer(header, footer)?;
        Ok(Self { reader, header, footer, table_offset: HEADER_LEN + footer.data_len })
    }

    /// The hash the index holds.
    pub fn kind(&self) -> HashKind {
        self.header.kind
    }

    /// How many hashes it holds.
    pub fn entries(&self) -> u64 {
        self.footer.entries
    }

    /// The largest count in it.
    pub fn max_count(&self) -> u64 {
        self.footer.max_count
    }

    /// Width of the prefix table's key.
    pub fn prefix_bits(&self) -> u8 {
        self.header.prefix_bits
    }

    /// How many times the corpus saw `hash`; 0 when it is not in the corpus.
    /// Two reads: the bucket's bounds, then the bucket.
    ///
    /// # Errors
    /// [`IndexError::WrongKind`] for a hash of the other kind; I/O errors;
    /// [`IndexError::Corrupt`] when the bucket is damaged.
    pub fn lookup(&self, hash: &PasswordHash) -> Result<u64, IndexError> {
        if hash.kind() != self.header.kind {
            return Err(IndexError::WrongKind { index: self.header.kind, hash: hash.kind() });
        }
        let bucket = self.header.bucket_of(hash.as_bytes());
        let (start, end) = self.bucket_bounds(bucket)?;
        if start == end {
            return Ok(0);
        }
        let bytes = self.read_bucket(start, end)?;
        let target = self.header.suffix_of(hash.as_bytes());
        format::scan_bucket(self.header, bucket, &bytes, Some(target))
            .map(|scan| scan.found)
            .ok_or(IndexError::Corrupt("a bucket's records are malformed"))
    }

    /// Reads the whole index and checks it: the table's checksum and order,
    /// every bucket's records, the entry count and the largest count. Reads
    /// everything once, in bucket-sized pieces.
    ///
    /// # Errors
    /// [`IndexError::Corrupt`] naming what is wrong; I/O errors.
    pub fn verify(&self) -> Result<(), IndexError> {
        let mut sum = format::Fnv::new();
        let mut totals = Totals { scan: format::Scan::default(), data_sum: format::Fnv::new() };
        let mut chunk = vec![0u8; 8 * 4096];
        let mut previous_end = 0;
        let mut bucket = 0u64;
        let mut offset = 0u64;
        let table_len = self.header.table_len();
        while offset < table_len {
            let take = usize::try_from((table_len - offset).min(chunk.len() as u64)).unwrap_or(0);
            let piece = chunk.get_mut(..take).ok_or(IndexError::Corrupt("table"))?;
            self.reader.read_exact_at(piece, self.table_offset + offset).map_err(IndexError::Io)?;
            sum.update(piece);
            for raw in piece.chunks_exact(8) {
                let end = format::u64_at(raw, 0);
                if offset == 0 && bucket == 0 && end != 0 {
                    return Err(IndexError::Corrupt("the table does not start at 0"));
                }
                if bucket > 0 {
                    self.verify_bucket(bucket - 1, previous_end, end, &mut totals)?;
                }
                previous_end = end;
                bucket += 1;
            }
            offset += take as u64;
        }
        self.check_totals(sum.finish(), previous_end, totals)
    }

    fn verify_bucket(&self, bucket: u64, start: u64, end: u64, totals: &mut Totals) -> Result<(), IndexError> {
        if end < start || end - start > self.footer.max_bucket {
            return Err(IndexError::Corrupt("the table is out of order"));
        }
        if start == end {
            return Ok(());
        }
        let bytes = self.read_bucket(start, end)?;
        let scan = format::scan_bucket(self.header, bucket, &bytes, None)
            .ok_or(IndexError::Corrupt("a bucket's records are malformed"))?;
        totals.data_sum.update(&bytes);
        totals.scan.entries += scan.entries;
        totals.scan.max_count = totals.scan.max_count.max(scan.max_count);
        Ok(())
    }

    fn check_totals(&self, table_sum: u64, last_end: u64, totals: Totals) -> Result<(), IndexError> {
        if table_sum != self.footer.table_sum {
            return Err(IndexError::Corrupt("table checksum"));
        }
        if last_end != self.footer.data_len {
            return Err(IndexError::Corrupt("the table does not end at the end of the records"));
        }
        if totals.data_sum.finish() != self.footer.data_sum {
            return Err(IndexError::Corrupt("records checksum"));
        }
        if totals.scan.entries != self.footer.entries || totals.scan.max_count != self.footer.max_count {
            return Err(IndexError::Corrupt("the records disagree with the footer's totals"));
        }
        Ok(())
    }

    /// Reads the two table entries that bound `bucket` and checks them.
    fn bucket_bounds(&self, bucket: u64) -> Result<(u64, u64), IndexError> {
        let mut raw = [0u8; 16];
        self.reader.read_exact_at(&mut raw, self.table_offset + bucket * 8).map_err(IndexError::Io)?;
        let (start, end) = (format::u64_at(&raw, 0), format::u64_at(&raw, 8));
        if start > end || end > self.footer.data_len || end - start > self.footer.max_bucket {
            return Err(IndexError::Corrupt("a prefix table entry is out of range"));
        }
        Ok((start, end))
    }

    fn read_bucket(&self, start: u64, end: u64) -> Result<Vec<u8>, IndexError> {
        let len = usize::try_from(end - start).map_err(|_| IndexError::Corrupt("bucket too large"))?;
        let mut bytes = vec![0u8; len];
        self.reader.read_exact_at(&mut bytes, HEADER_LEN + start).map_err(IndexError::Io)?;
        Ok(bytes)
    }
}

/// What [`Index::verify`] adds up as it goes.
struct Totals {
    scan: format::Scan,
    data_sum: format::Fnv,
}

/// Footer values that cannot be right for this header.
fn check_footer(header: Header, footer: Footer) -> Result<(), IndexError> {
    let smallest = header.suffix_len() as u64 + 1;
    let largest = header.suffix_len() as u64 + format::MAX_VARINT as u64;
    let plausible = footer.entries.checked_mul(smallest).is_some_and(|n| n <= footer.data_len)
        && footer.entries.checked_mul(largest).is_some_and(|n| n >= footer.data_len)
        && footer.max_bucket <= footer.data_len
        && footer.max_count <= format::MAX_COUNT
        && (footer.entries == 0) == (footer.max_count == 0);
    if plausible { Ok(()) } else { Err(IndexError::Corrupt("the footer's totals do not fit the file")) }
}
