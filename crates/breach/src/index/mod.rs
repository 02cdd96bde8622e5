//! The offline Pwned Passwords index: built once from the published
//! `HASH:COUNT` corpus (SHA-1 or NTLM, sorted by hash), then queried by hash
//! with two positioned reads per lookup. The count it returns is exact.
//!
//! # Building
//!
//! [`build`] streams the corpus from a [`std::io::BufRead`] to a
//! [`std::io::Write`] in one pass. It holds one line and the prefix table in
//! memory (at most 2^24 + 1 offsets, 128 MiB; 8 MiB at the default 20 bits),
//! never the corpus. Every input problem is a [`BuildError`] that names the
//! line: the corpus must be sorted by hash with no duplicates (as downloaded;
//! otherwise `LC_ALL=C sort -o sorted.txt corpus.txt`). CRLF or LF, upper- or
//! lower-case hex, a UTF-8 byte-order mark and a missing final newline are
//! all accepted; blank lines only at the end.
//!
//! # On-disk format (version 1; all integers little-endian)
//!
//! ```text
//! header   32 bytes  magic "PCULPWND", version u16 = 1, kind u8 (1 = SHA-1,
//!                    2 = NTLM), prefix bits p u8 (8..=24), suffix length s u8
//!                    (hash length - floor(p / 8)), count encoding u8 = 1
//!                    (LEB128), 18 zero bytes
//! records  D bytes   one per corpus line, sorted by hash: the hash minus its
//!                    first floor(p / 8) bytes (s bytes), then the count as an
//!                    unsigned LEB128 varint (1..=5 bytes; 1 byte up to 127)
//! table    8 * (2^p + 1) bytes: u64 offset into the records where the bucket
//!                    of each p-bit hash prefix starts; the last one is D
//! footer   64 bytes  entries u64, D u64, max count u64, largest bucket in
//!                    bytes u64, FNV-1a 64 of the table u64, FNV-1a 64 of the
//!                    records u64, FNV-1a 64 of header + footer[..48] u64,
//!                    magic "PCPWNEND"
//! ```
//!
//! The file length must be exactly `32 + D + 8 * (2^p + 1) + 64`, so a
//! truncated or half-written index fails in [`Index::open`]. `p` is chosen
//! from [`BuildOptions::expected_lines`] for about 32 entries per bucket
//! (20 bits without a hint). A lookup reads the two table entries around its
//! bucket (16 bytes), then the bucket (about 32 × 19 bytes), and scans it.
//! The scan checks the bucket's structure (sorted suffixes, the prefix bits
//! that share a byte with the suffix, well-formed counts, exact length), so a
//! damaged bucket is an error rather than a wrong answer; [`Index::verify`]
//! reads the whole file and checks it against the footer's checksums (a
//! changed count is only caught there).

mod build;
pub(crate) use build::nibble;
mod format;
mod query;

pub use build::{BuildError, BuildOptions, BuildSummary, build};
pub use query::{Index, IndexError};

/// Positioned reads: the index is queried through this, so the crate needs no
/// file handle of its own (and no memory map). A file wrapper implements it
/// with `std::os::unix::fs::FileExt::read_exact_at` or its Windows twin.
pub trait ReadAt {
    /// Fills `buf` from `offset`, or fails (`UnexpectedEof` past the end).
    ///
    /// # Errors
    /// Any I/O error, or `UnexpectedEof` when fewer bytes remain.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()>;
}

impl ReadAt for [u8] {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        let source = usize::try_from(offset)
            .ok()
            .and_then(|start| Some(start..start.checked_add(buf.len())?))
            .and_then(|range| self.get(range))
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "read past the end"))?;
        buf.copy_from_slice(source);
        Ok(())
    }
}

impl ReadAt for Vec<u8> {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for Box<T> {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for std::sync::Arc<T> {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }
}
