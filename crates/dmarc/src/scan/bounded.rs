//! Readers that count: [`Counted`] counts the compressed bytes a decoder
//! pulls in, and [`Bounded`] counts what comes out and refuses to go past
//! the size limit or the expansion ratio of a decompression bomb.
//!
//! A limit is hit inside `io::Read::read`, where only `io::Error` can be
//! returned, so the [`ParseError`] travels inside the `io::Error` as a
//! [`Tripped`] payload ([`limit_error`] gets it back out) and is also
//! written to a shared [`Trip`] cell. Parsers that turn I/O errors into
//! their own messages cannot lose it: the scanner looks at the trip after
//! every report and prefers what it says.

use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

use crate::ParseError;

/// Output below this many bytes is never called a bomb: tiny files
/// compress far better than real reports, and it costs nothing to read them.
pub(crate) const RATIO_GRACE_BYTES: u64 = 1024 * 1024;

/// The first limit (or decoder failure) hit while reading one input, shared
/// by every [`Bounded`] layer of it.
#[derive(Clone, Default)]
pub(crate) struct Trip(Rc<Cell<Option<ParseError>>>);

impl std::fmt::Debug for Trip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Trip")
    }
}

impl Trip {
    /// Record `error` unless an earlier one is already recorded (the first
    /// cause is the one worth telling).
    fn set(&self, error: ParseError) {
        let earlier = self.0.take();
        self.0.set(Some(earlier.unwrap_or(error)));
    }

    /// Take what was recorded, leaving the trip clear for the next report.
    pub(crate) fn take(&self) -> Option<ParseError> {
        self.0.take()
    }
}

/// A [`ParseError`] carried through `io::Read` as the payload of an
/// `io::Error`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Tripped(pub ParseError);

/// The [`ParseError`] a bounded reader put inside `error`, if it did.
///
/// Parsers that read through the scanner's readers can call this on any
/// I/O error to report the limit that was hit rather than "I/O error".
pub fn limit_error(error: &io::Error) -> Option<ParseError> {
    error.get_ref().and_then(|inner| inner.downcast_ref::<Tripped>()).map(|t| t.0.clone())
}

fn carry(error: ParseError) -> io::Error {
    io::Error::other(Tripped(error))
}

/// Counts the bytes read through it into a shared counter, so a decoder's
/// input can be measured while the decoder owns the reader.
#[derive(Debug)]
pub(crate) struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R> Counted<R> {
    /// Wrap `inner`, counting from zero.
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, count: Rc::default() }
    }

    /// A handle on the count, to read while `self` is owned elsewhere.
    pub(crate) fn counter(&self) -> Rc<Cell<u64>> {
        Rc::clone(&self.count)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

impl<R: Seek> Seek for Counted<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Where a [`Bounded`] reader learns how much compressed input was used.
#[derive(Debug)]
pub(crate) struct InputMeter {
    counter: Rc<Cell<u64>>,
    start: u64,
}

impl InputMeter {
    /// Measure from the counter's present value.
    pub(crate) fn from_now(counter: Rc<Cell<u64>>) -> Self {
        let start = counter.get();
        Self { counter, start }
    }

    fn consumed(&self) -> u64 {
        self.counter.get().saturating_sub(self.start)
    }
}

/// A reader that fails with [`ParseError::TooLarge`] once more than
/// `max_out` bytes came out of it, and with [`ParseError::Bomb`] once more
/// than [`RATIO_GRACE_BYTES`] came out and that is more than `max_ratio`
/// times the compressed input consumed. After the first failure every read
/// fails the same way.
#[derive(Debug)]
pub(crate) struct Bounded<R> {
    inner: R,
    out: u64,
    max_out: u64,
    ratio: Option<(InputMeter, u64)>,
    /// What the inner reader decodes (`gzip`, `zip`): its I/O errors become
    /// [`ParseError::Malformed`] in that format. `None` passes them on.
    format: Option<&'static str>,
    trip: Trip,
    failed: Option<ParseError>,
}

impl<R: Read> Bounded<R> {
    /// Bound plain (not compressed) data to `max_out` bytes.
    pub(crate) fn plain(inner: R, max_out: u64, trip: &Trip) -> Self {
        Self { inner, out: 0, max_out, ratio: None, format: None, trip: trip.clone(), failed: None }
    }

    /// Bound a decoder's output to `max_out` bytes and `max_ratio` times the
    /// input `meter` measures; the decoder's own errors are reported as
    /// malformed `format`.
    pub(crate) fn decoded(
        inner: R,
        format: &'static str,
        meter: InputMeter,
        max_out: u64,
        max_ratio: u64,
        trip: &Trip,
    ) -> Self {
        Self {
            inner,
            out: 0,
            max_out,
            ratio: Some((meter, max_ratio)),
            format: Some(format),
            trip: trip.clone(),
            failed: None,
        }
    }

    /// How many bytes came out so far.
    #[cfg(test)]
    pub(crate) fn produced(&self) -> u64 {
        self.out
    }

    fn fail(&mut self, error: ParseError) -> io::Error {
        self.trip.set(error.clone());
        self.failed = Some(error.clone());
        carry(error)
    }

    fn check(&self) -> Option<ParseError> {
        if self.out > self.max_out {
            return Some(ParseError::TooLarge { what: "the unpacked report", limit: self.max_out });
        }
        let (meter, max_ratio) = self.ratio.as_ref()?;
        if self.out <= RATIO_GRACE_BYTES {
            return None;
        }
        let ratio = self.out / meter.consumed().max(1);
        (ratio > *max_ratio).then_some(ParseError::Bomb { ratio: *max_ratio })
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(error) = &self.failed {
            return Err(carry(error.clone()));
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                return Err(match (limit_error(&e), self.format) {
                    (Some(inner_limit), _) => self.fail(inner_limit),
                    (None, Some(format)) => self.fail(ParseError::Malformed { format, detail: e.to_string() }),
                    (None, None) => e,
                });
            }
        };
        self.out = self.out.saturating_add(n as u64);
        match self.check() {
            Some(error) => Err(self.fail(error)),
            None => Ok(n),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use std::io::{Cursor, Write};

    use flate2::Compression;
    use flate2::read::GzDecoder;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    /// A gzip of `mib` MiB of spaces, written in chunks so the test never
    /// holds the expanded data.
    fn gzip_of_spaces(mib: usize) -> Vec<u8> {
        let chunk = vec![b' '; 1024 * 1024];
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        for _ in 0..mib {
            enc.write_all(&chunk).unwrap();
        }
        enc.finish().unwrap()
    }

    fn gunzip_bounded<'a>(
        data: &'a [u8],
        max_out: u64,
        max_ratio: u64,
        trip: &Trip,
    ) -> Bounded<GzDecoder<Counted<&'a [u8]>>> {
        let counted = Counted::new(data);
        let meter = InputMeter::from_now(counted.counter());
        Bounded::decoded(GzDecoder::new(counted), "gzip", meter, max_out, max_ratio, trip)
    }

    #[test]
    fn a_bomb_is_refused_after_little_output() {
        let bomb = gzip_of_spaces(64);
        let trip = Trip::default();
        let mut reader = gunzip_bounded(&bomb, u64::MAX, 200, &trip);
        let err = io::copy(&mut reader, &mut io::sink()).unwrap_err();
        assert_eq!(limit_error(&err), Some(ParseError::Bomb { ratio: 200 }));
        assert_eq!(trip.take(), Some(ParseError::Bomb { ratio: 200 }));
        // Refused long before the 64 MiB it would expand to.
        assert!(reader.produced() < 16 * 1024 * 1024, "read {} bytes", reader.produced());
        // And it stays refused.
        let again = reader.read(&mut [0; 16]).unwrap_err();
        assert_eq!(limit_error(&again), Some(ParseError::Bomb { ratio: 200 }));
    }

    #[test]
    fn small_files_that_compress_well_are_not_bombs() {
        let small = gzip(&[b' '; 512 * 1024]);
        let trip = Trip::default();
        let mut reader = gunzip_bounded(&small, u64::MAX, 2, &trip);
        let n = io::copy(&mut reader, &mut io::sink()).unwrap();
        assert_eq!(n, 512 * 1024);
        assert_eq!(trip.take(), None);
    }

    #[test]
    fn output_past_the_size_cap_is_too_large() {
        let data = gzip(b"0123456789".repeat(1000).as_slice());
        let trip = Trip::default();
        let mut reader = gunzip_bounded(&data, 5000, u64::MAX, &trip);
        let err = io::copy(&mut reader, &mut io::sink()).unwrap_err();
        let expected = ParseError::TooLarge { what: "the unpacked report", limit: 5000 };
        assert_eq!(limit_error(&err), Some(expected.clone()));
        assert_eq!(trip.take(), Some(expected));
    }

    #[test]
    fn output_at_the_size_cap_is_fine() {
        let trip = Trip::default();
        let mut reader = Bounded::plain(Cursor::new(vec![7u8; 5000]), 5000, &trip);
        assert_eq!(io::copy(&mut reader, &mut io::sink()).unwrap(), 5000);
    }

    #[test]
    fn decoder_errors_are_malformed_in_their_format() {
        let mut garbage = vec![0x1f, 0x8b];
        garbage.extend_from_slice(&[0x55; 100]);
        let trip = Trip::default();
        let mut reader = gunzip_bounded(&garbage, u64::MAX, 200, &trip);
        let err = io::copy(&mut reader, &mut io::sink()).unwrap_err();
        assert!(matches!(limit_error(&err), Some(ParseError::Malformed { format: "gzip", .. })), "{err}");
        assert!(matches!(trip.take(), Some(ParseError::Malformed { format: "gzip", .. })));
    }

    #[test]
    fn an_inner_layer_keeps_the_outer_layers_error() {
        let trip = Trip::default();
        let outer = Bounded::plain(Cursor::new(vec![1u8; 100]), 10, &trip);
        let mut inner = Bounded::plain(outer, u64::MAX, &trip);
        let err = io::copy(&mut inner, &mut io::sink()).unwrap_err();
        let expected = ParseError::TooLarge { what: "the unpacked report", limit: 10 };
        assert_eq!(limit_error(&err), Some(expected.clone()));
        assert_eq!(trip.take(), Some(expected));
    }

    #[test]
    fn the_first_trip_wins() {
        let trip = Trip::default();
        trip.set(ParseError::Bomb { ratio: 1 });
        trip.set(ParseError::Doctype);
        assert_eq!(trip.take(), Some(ParseError::Bomb { ratio: 1 }));
        assert_eq!(trip.take(), None);
    }
}
