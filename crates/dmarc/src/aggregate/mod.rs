//! Aggregate reports: a streaming reader over quick-xml that hands the
//! header and then batches of records to a [`ReportSink`], never holding
//! more than one batch.
//!
//! What it reads: RFC 7489 Appendix C reports (no namespace) and RFC 9990
//! ones (`urn:ietf:params:xml:ns:dmarc-2.0`, prefixed or not), and the
//! deviations real reporters produce: upper-case values, empty or missing
//! optional fields, padding around values, a byte order mark, unknown
//! elements (skipped, but their nesting still counts), an old draft's
//! layout, and `<feedback>` wrapped in a stray `<xs:schema>`.
//!
//! What it refuses, before it costs more than a limit: nesting deeper than
//! [`Limits::max_depth`]; any one text, tag or comment longer than
//! [`Limits::max_text_bytes`] (the byte source stops feeding quick-xml
//! past that, so such a value is never buffered whole); more than
//! [`Limits::max_records`] records (counted whether kept or not); any DOCTYPE; any entity other than XML's
//! five (nothing is ever expanded or fetched); control characters; bytes
//! that are not UTF-8. A declared ISO-8859-1 encoding is read (each byte is
//! one character, and all markup is ASCII, so this costs nothing); UTF-16
//! and every other declared encoding are refused with a message saying so.
//!
//! Choices worth knowing: a record with `<count>0</count>` is skipped; a bad
//! count, IP address or timestamp fails the whole report; a
//! `<disposition>pass</disposition>` (as RFC 9990's sample has) means
//! [`Policy::None`](crate::Policy); a DKIM/SPF result we do not know is
//! [`AuthResult::Temperror`](crate::AuthResult); results with an empty
//! domain and reasons with neither type nor comment are dropped; a missing
//! `header_from` is the policy domain; two `report_metadata` (or
//! `policy_published`) sections, or either after a record, fail the report.
//! The report ends at `</feedback>`: nothing after it is read.

use std::convert::Infallible;
use std::io::BufRead;

use crate::report::{ParseError, ReportSink};
use crate::{FailureReport, Limits, Record, ReportHeader, TlsReport};

mod header;
mod node;
mod reader;
mod record;
mod root;
mod source;
mod values;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;
#[cfg(test)]
mod tests_props;

/// How an aggregate report ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// The sink kept it: this many records, this many messages.
    Kept {
        /// Records read.
        records: u64,
        /// Sum of their counts.
        messages: u64,
    },
    /// The sink already had it; the rest was not read.
    Duplicate,
}

/// Why [`parse`] stopped.
#[derive(Debug)]
pub enum Failure<E> {
    /// The report is broken (the sink was told to abort it, if it had begun).
    Parse(ParseError),
    /// The sink failed.
    Sink(E),
}

/// Read one aggregate report from `reader`.
///
/// The sink sees `begin_aggregate` once the header is complete (at the
/// first `<record>`, or at `</feedback>` if there are none), then batches of
/// at most [`RECORD_BATCH`](crate::RECORD_BATCH) records, then
/// `end_aggregate`. If the report turns out broken, or the sink fails while
/// taking records, after `begin_aggregate` said yes, the sink is told
/// `abort_aggregate` before this returns. It is not told when
/// `begin_aggregate` itself failed (nothing began) or when `end_aggregate`
/// failed (that was already its one closing call).
pub fn parse<R: BufRead, S: ReportSink>(reader: R, limits: &Limits, sink: &mut S) -> Result<Done, Failure<S::Error>> {
    let mut parser = reader::Parser::new(reader, limits);
    let result = parser.run(sink);
    if result.is_err() && parser.is_open() {
        sink.abort_aggregate();
    }
    result
}

/// Read one aggregate report whole: its header and all its records. For
/// tests and golden files; everything else should stream with [`parse`].
pub fn parse_all<R: BufRead>(reader: R, limits: &Limits) -> Result<(ReportHeader, Vec<Record>), ParseError> {
    let mut sink = Collect::default();
    match parse(reader, limits, &mut sink) {
        Ok(_) => sink.header.map(|header| (header, sink.records)).ok_or(ParseError::Missing("header")),
        Err(Failure::Parse(e)) => Err(e),
        Err(Failure::Sink(never)) => match never {},
    }
}

/// Keeps everything it is given.
#[derive(Debug, Default)]
struct Collect {
    header: Option<ReportHeader>,
    records: Vec<Record>,
}

impl ReportSink for Collect {
    type Error = Infallible;

    fn begin_aggregate(&mut self, header: &ReportHeader) -> Result<bool, Infallible> {
        self.header = Some(header.clone());
        Ok(true)
    }

    fn records(&mut self, batch: Vec<Record>) -> Result<bool, Infallible> {
        self.records.extend(batch);
        Ok(true)
    }

    fn end_aggregate(&mut self) -> Result<(), Infallible> {
        Ok(())
    }

    fn abort_aggregate(&mut self) {
        self.header = None;
        self.records.clear();
    }

    fn tls_report(&mut self, _: &TlsReport) -> Result<bool, Infallible> {
        Ok(false)
    }

    fn failure_report(&mut self, _: &FailureReport) -> Result<bool, Infallible> {
        Ok(false)
    }
}
