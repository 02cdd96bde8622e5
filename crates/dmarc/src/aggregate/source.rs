//! The byte source under the XML reader: it caps how much quick-xml can pull
//! in for one event, so a single enormous text, attribute or comment is
//! refused after about one limit's worth of bytes instead of being buffered
//! whole.
//!
//! quick-xml reads a whole event (a text run, a tag with its attributes, a
//! comment) into its buffer before handing it over. This wrapper counts the
//! bytes consumed since [`Source::start_event`] and fails the next
//! `fill_buf` once they pass the cap; it also hands out at most [`CHUNK`]
//! bytes at a time, so the buffer never jumps far past the cap even when the
//! inner reader is one big in-memory slice.

use std::io::{self, BufRead, Read};

/// Most bytes handed to quick-xml by one `fill_buf`.
pub(super) const CHUNK: usize = 16 * 1024;

/// A [`BufRead`] that refuses to feed one XML event more than `cap` bytes.
#[derive(Debug)]
pub(super) struct Source<R> {
    inner: R,
    /// Bytes consumed since the current event began.
    taken: usize,
    /// Most bytes one event may take.
    cap: usize,
    /// Set once the cap stopped an event.
    tripped: bool,
}

impl<R: BufRead> Source<R> {
    /// Wrap `inner`, letting each event take at most `cap` bytes (plus up to
    /// one [`CHUNK`]).
    pub(super) fn new(inner: R, cap: usize) -> Self {
        Self { inner, taken: 0, cap, tripped: false }
    }

    /// A new event begins: its byte count starts again from zero.
    pub(super) fn start_event(&mut self) {
        self.taken = 0;
    }

    /// True once an event ran past the cap (the I/O error quick-xml reports
    /// then is ours).
    pub(super) fn tripped(&self) -> bool {
        self.tripped
    }

    /// The event being read ran past the cap.
    #[cold]
    #[inline(never)]
    fn trip(&mut self) -> io::Error {
        self.tripped = true;
        io::Error::other("one XML event is larger than the limit")
    }

    /// The next bytes, without consuming them (for sniffing the encoding).
    pub(super) fn peek(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(to), Some(from)) = (out.get_mut(..n), available.get(..n)) {
            to.copy_from_slice(from);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Source<R> {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.taken > self.cap {
            return Err(self.trip());
        }
        let available = self.inner.fill_buf()?;
        Ok(available.get(..CHUNK).unwrap_or(available))
    }

    #[inline]
    fn consume(&mut self, amount: usize) {
        self.taken = self.taken.saturating_add(amount);
        self.inner.consume(amount);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_bounded_chunks_and_trips_past_the_cap() {
        let data = vec![b'a'; CHUNK * 4];
        let mut source = Source::new(&data[..], CHUNK);
        source.start_event();
        let first = source.fill_buf().unwrap().len();
        assert_eq!(first, CHUNK);
        source.consume(first);
        // Exactly at the cap: still allowed.
        assert_eq!(source.fill_buf().unwrap().len(), CHUNK);
        source.consume(1);
        assert!(source.fill_buf().is_err());
        assert!(source.tripped());
    }

    #[test]
    fn a_new_event_starts_counting_again() {
        let data = vec![b'a'; CHUNK * 4];
        let mut source = Source::new(&data[..], 10);
        source.start_event();
        source.consume(8);
        source.start_event();
        source.consume(8);
        assert!(source.fill_buf().is_ok());
        assert!(!source.tripped());
        let mut out = [0u8; 4];
        assert_eq!(source.read(&mut out).unwrap(), 4);
        assert!(source.fill_buf().is_err());
    }
}
