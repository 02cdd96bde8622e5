//! The driver: one input (a file, an email, an mbox, an archive) in,
//! reports out to a [`ReportSink`], and an [`InputOutcome`] that says
//! report by report what happened.
//!
//! What an input is comes from its content, never its name:
//! gzip is unpacked and looked at again, a zip's members are each looked
//! at, XML goes to [`aggregate::parse`], JSON to [`parse_tls`], an email's
//! report attachments are each looked at (or it is a failure report, for
//! [`parse_failure`](crate::failure::parse_failure)), and an mbox is split into its emails.
//!
//! Bounds, all from [`Limits`]: the input's size is checked before reading
//! (by seeking to its end); everything unpacked streams through a reader
//! that refuses more than `max_uncompressed_bytes` and more than
//! `max_ratio` times the compressed bytes it consumed (a bomb is refused
//! after a few MiB); a zip may hold at most `max_zip_entries` members
//! (checked from its end record before the zip library reads the
//! directory); archives nest one level at most (a gzip inside a zip or a
//! gzip is read, a third layer is not, nor a zip inside anything but an
//! email, nor an email inside an archive or attachment, although a
//! forwarded `message/rfc822` email's attachments are read); and one input
//! yields at most `max_reports_per_input` reports.
//! Nothing is ever unpacked to memory except a TLS report's JSON (at most
//! [`MAX_JSON_BYTES`]) and an email, which
//! is read whole to parse its MIME structure (it is bounded by
//! `max_input_bytes`, and its attachments are then read from memory).
//!
//! Zip member names are never used: nothing is written anywhere, so a name
//! like `../../etc/passwd` or `/tmp/x` is harmless and simply ignored,
//! like every other member name; members are told apart by content alone.

mod bounded;
mod email;
mod sniff;
mod unzip;

use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};

use bounded::{Bounded, Counted, InputMeter, Trip};
pub use bounded::{Tripped, limit_error};
use sniff::Format;

use crate::aggregate::{self, Done, Failure};
use crate::tlsrpt::{MAX_JSON_BYTES, parse_tls};
use crate::{Found, InputOutcome, Kind, Limits, ParseError, ReportSink, Status};

/// Archive layers read at most: an archive, and one archive inside it.
const MAX_ARCHIVE_DEPTH: u8 = 2;

/// Read every report in `input` and hand each to `sink`. `name` (the file
/// name) is only a hint, used in messages and to pick a parser for content
/// that is neither XML, JSON, gzip, zip nor an email by its start (a file
/// named `.xml` that is not XML gets the XML parser's error).
///
/// A sink error stops the scan: the last [`Found`] then carries it.
pub fn scan<R: Read + Seek, S: ReportSink>(
    input: R,
    name: &str,
    limits: &Limits,
    sink: &mut S,
) -> InputOutcome<S::Error> {
    let mut scanner = Scanner {
        limits,
        sink,
        name: shown_name(name),
        trip: Trip::default(),
        reports: Vec::new(),
        error: None,
        stopped: false,
    };
    scanner.input(input);
    InputOutcome { reports: scanner.reports, error: scanner.error }
}

/// Where something being read sits, which decides what its problems are.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// What it is expected to be, when that is known.
    kind: Option<Kind>,
    /// It is the whole input: problems with it are the input's error.
    whole_input: bool,
    /// It may well not be a report at all (a zip member, an
    /// `application/octet-stream` attachment): if it is not, say nothing.
    optional: bool,
}

impl Slot {
    const INPUT: Self = Self { kind: None, whole_input: true, optional: false };
}

struct Scanner<'a, S: ReportSink> {
    limits: &'a Limits,
    sink: &'a mut S,
    name: String,
    trip: Trip,
    reports: Vec<Found<S::Error>>,
    error: Option<ParseError>,
    stopped: bool,
}

impl<S: ReportSink> Scanner<'_, S> {
    fn input<R: Read + Seek>(&mut self, mut input: R) {
        let size = match input.seek(SeekFrom::End(0)).and_then(|size| input.seek(SeekFrom::Start(0)).map(|_| size)) {
            Ok(size) => size,
            Err(e) => return self.fail_input(unreadable(&e)),
        };
        if size > self.limits.max_input_bytes {
            return self.fail_input(ParseError::TooLarge { what: "the file", limit: self.limits.max_input_bytes });
        }
        self.seekable(input, Slot::INPUT);
    }

    /// Something that can be read again from its start: a whole input or
    /// an email attachment. Only these can be zips (the zip directory is at
    /// the end) or emails (read whole).
    fn seekable<R: Read + Seek>(&mut self, mut input: R, slot: Slot) {
        let format =
            match sniff::peek(&mut input).and_then(|(format, _)| input.seek(SeekFrom::Start(0)).map(|_| format)) {
                Ok(format) => format,
                Err(e) => return self.broken(slot, unreadable(&e)),
            };
        match format {
            Format::Zip => self.unzip(input, slot),
            Format::Email | Format::Mbox if slot.whole_input => self.mail(input, format),
            _ => {
                let mut bounded = Bounded::plain(input, self.limits.max_uncompressed_bytes, &self.trip);
                self.dispatch(format, &mut bounded, 0, slot);
            }
        }
    }

    /// Something that can only be read forward (what a decoder produces).
    fn stream(&mut self, reader: &mut dyn Read, depth: u8, slot: Slot) {
        self.trip.take();
        let (format, prefix) = match sniff::peek(reader) {
            Ok(peeked) => peeked,
            Err(e) => {
                let error = self.trip.take().or_else(|| limit_error(&e)).unwrap_or_else(|| unreadable(&e));
                return self.broken(slot, error);
            }
        };
        let mut whole = Cursor::new(prefix).chain(reader);
        self.dispatch(format, &mut whole, depth, slot);
    }

    fn dispatch(&mut self, format: Format, reader: &mut dyn Read, depth: u8, slot: Slot) {
        match format {
            Format::Xml => self.aggregate(reader),
            Format::Json => self.tls(reader),
            Format::Gzip if depth < MAX_ARCHIVE_DEPTH => self.gunzip(reader, depth + 1, slot),
            Format::Gzip => self.broken(slot, not_a_report("an archive inside an archive inside an archive")),
            Format::Zip => self.broken(slot, not_a_report("a zip archive inside another archive, which is not read")),
            Format::Email | Format::Mbox => self.not_report(slot, "an email inside an archive or attachment"),
            Format::Empty => self.not_report(slot, "it is empty"),
            Format::Unknown if slot.whole_input && depth == 0 => self.by_name(reader),
            Format::Unknown => self.not_report(slot, "neither XML nor JSON"),
        }
    }

    /// Content that is nothing we know by its start: trust the file name's
    /// extension only to choose which parser explains what is wrong.
    fn by_name(&mut self, reader: &mut dyn Read) {
        let lower = self.name.to_ascii_lowercase();
        if lower.ends_with(".xml") {
            self.aggregate(reader);
        } else if lower.ends_with(".json") {
            self.tls(reader);
        } else {
            let detail = format!("'{}' is neither XML, JSON, gzip, zip nor an email", self.name);
            self.fail_input(ParseError::NotAReport { detail });
        }
    }

    fn gunzip(&mut self, reader: &mut dyn Read, depth: u8, slot: Slot) {
        let counted = Counted::new(reader);
        let meter = InputMeter::from_now(counted.counter());
        // A small read-ahead keeps the ratio check close to the truth (the
        // zip library reads members 8 KiB at a time too).
        let decoder = flate2::bufread::GzDecoder::new(BufReader::with_capacity(8 * 1024, counted));
        let limits = self.limits;
        let mut bounded =
            Bounded::decoded(decoder, "gzip", meter, limits.max_uncompressed_bytes, limits.max_ratio, &self.trip);
        self.stream(&mut bounded, depth, slot);
    }

    fn aggregate(&mut self, reader: &mut dyn Read) {
        if self.full() {
            return;
        }
        self.trip.take();
        let result = aggregate::parse(BufReader::with_capacity(64 * 1024, reader), self.limits, self.sink);
        let tripped = self.trip.take();
        let status = match result {
            Ok(Done::Kept { records, .. }) => Status::Ingested { records },
            Ok(Done::Duplicate) => Status::Duplicate,
            Err(Failure::Parse(e)) => Status::Invalid(tripped.unwrap_or(e)),
            Err(Failure::Sink(e)) => Status::Sink(e),
        };
        self.push(Some(Kind::Aggregate), status);
    }

    fn tls(&mut self, reader: &mut dyn Read) {
        if self.full() {
            return;
        }
        self.trip.take();
        let mut json = Vec::new();
        let read = reader.take(MAX_JSON_BYTES + 1).read_to_end(&mut json);
        let tripped = self.trip.take();
        let parsed = match read {
            Err(e) => Err(tripped.or_else(|| limit_error(&e)).unwrap_or_else(|| unreadable(&e))),
            Ok(n) if n as u64 > MAX_JSON_BYTES => {
                Err(ParseError::TooLarge { what: "the TLS report", limit: MAX_JSON_BYTES })
            }
            Ok(_) => parse_tls(&json, self.limits),
        };
        drop(json);
        let status = match parsed {
            Err(e) => Status::Invalid(e),
            Ok(report) => match self.sink.tls_report(&report) {
                Ok(true) => Status::Ingested { records: report.policies.len() as u64 },
                Ok(false) => Status::Duplicate,
                Err(e) => Status::Sink(e),
            },
        };
        self.push(Some(Kind::Tlsrpt), status);
    }

    /// True (and the input's error set) once the input yielded as many
    /// reports as it may.
    fn full(&mut self) -> bool {
        if self.reports.len() >= self.limits.max_reports_per_input {
            let limit = self.limits.max_reports_per_input as u64;
            self.fail_input(ParseError::TooMany { what: "reports", limit });
            self.stopped = true;
        }
        self.stopped
    }

    fn push(&mut self, kind: Option<Kind>, status: Status<S::Error>) {
        if matches!(status, Status::Sink(_)) {
            self.stopped = true;
        }
        self.reports.push(Found { kind, status });
    }

    /// A problem with the input as a whole; the first one is kept.
    fn fail_input(&mut self, error: ParseError) {
        self.error.get_or_insert(error);
    }

    /// Something that should have been readable was not.
    fn broken(&mut self, slot: Slot, error: ParseError) {
        if slot.whole_input {
            self.fail_input(error);
        } else if !self.full() {
            self.push(slot.kind, Status::Invalid(error));
        }
    }

    /// Something turned out not to be a report.
    fn not_report(&mut self, slot: Slot, detail: &str) {
        if !slot.optional {
            self.broken(slot, not_a_report(detail));
        }
    }
}

fn not_a_report(detail: &str) -> ParseError {
    ParseError::NotAReport { detail: detail.to_owned() }
}

/// An I/O error that is not one of our limits (the caller's reader failed).
fn unreadable(error: &std::io::Error) -> ParseError {
    limit_error(error).unwrap_or_else(|| ParseError::Malformed { format: "file", detail: error.to_string() })
}

/// The name as shown in messages: no control characters, at most 100 characters.
fn shown_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(100).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
