//! The event loop: pulls events from quick-xml one at a time, enforces the
//! limits on each before anything grows, and hands values to the header and
//! record builders and finished records, a batch at a time, to the sink.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};

use super::header::HeaderBuilder;
use super::node::Node;
use super::record::RecordBuilder;
use super::root::{self, Bindings, Root};
use super::source::Source;
use super::values::{shown, shown_max};
use super::{Done, Failure};
use crate::{Limits, ParseError, RECORD_BATCH, Record, ReportSink, Schema};

/// Capacity the event buffer and the text buffer fall back to after a
/// large event, so one big value does not keep its memory for the rest of
/// the report.
const KEEP_CAPACITY: usize = 8 * 1024;

/// Where the parser is in the sink's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading the header; the sink has not been told anything.
    Header,
    /// `begin_aggregate` said yes; records are flowing.
    Open,
    /// `end_aggregate` has been called.
    Closed,
}

/// One aggregate report being read.
#[derive(Debug)]
pub(super) struct Parser<'l, R> {
    xml: Reader<Source<R>>,
    limits: &'l Limits,
    /// The elements open now, root first.
    stack: Vec<Node>,
    /// The text of the value element open now.
    text: String,
    header: HeaderBuilder,
    record: RecordBuilder,
    batch: Vec<Record>,
    schema: Schema,
    /// The declaration said ISO-8859-1: every byte is one character.
    latin1: bool,
    /// Some event has been read (so a declaration now is not the first).
    started: bool,
    /// The root element was seen.
    rooted: bool,
    /// The `<xs:schema>` wrapper's namespace declarations, if there is one.
    wrapper: Option<Bindings>,
    phase: Phase,
    /// The policy domain, once the header is done (stands in for a
    /// record's missing `header_from`).
    policy_domain: String,
    /// `<record>` elements seen, kept or not.
    seen: u64,
    /// Records handed to the sink.
    kept: u64,
    /// Sum of their counts.
    messages: u64,
}

impl<'l, R: BufRead> Parser<'l, R> {
    /// A parser reading `reader` within `limits`.
    pub(super) fn new(reader: R, limits: &'l Limits) -> Self {
        let mut xml = Reader::from_reader(Source::new(reader, limits.max_text_bytes));
        let config = xml.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        // Whitespace-only text outside values is dropped by quick-xml
        // itself; see `sync_trim`.
        config.trim_text(true);
        Self {
            xml,
            limits,
            stack: Vec::with_capacity(limits.max_depth.min(64)),
            text: String::new(),
            header: HeaderBuilder::default(),
            record: RecordBuilder::new(limits.max_results_per_record),
            batch: Vec::new(),
            schema: Schema::Rfc7489,
            latin1: false,
            started: false,
            rooted: false,
            wrapper: None,
            phase: Phase::Header,
            policy_domain: String::new(),
            seen: 0,
            kept: 0,
            messages: 0,
        }
    }

    /// True while the sink holds a report begun but neither ended nor
    /// aborted.
    pub(super) fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Read the whole report.
    pub(super) fn run<S: ReportSink>(&mut self, sink: &mut S) -> Result<Done, Failure<S::Error>> {
        self.sniff().map_err(Failure::Parse)?;
        let mut buf = Vec::with_capacity(KEEP_CAPACITY);
        loop {
            self.xml.get_mut().start_event();
            let step = match self.xml.read_event_into(&mut buf) {
                Ok(event) => self.event(event, sink),
                Err(e) => Err(Failure::Parse(self.xml_error(&e))),
            };
            buf.clear();
            if buf.capacity() > 4 * KEEP_CAPACITY {
                buf.shrink_to(KEEP_CAPACITY);
            }
            if let Some(done) = step? {
                return Ok(done);
            }
        }
    }

    /// Refuse UTF-16 before quick-xml reads it as bytes.
    fn sniff(&mut self) -> Result<(), ParseError> {
        let head = self.xml.get_mut().peek().map_err(|e| io_error(&e))?;
        let utf16 = [[0xFE, 0xFF], [0xFF, 0xFE], [0x00, b'<'], [b'<', 0x00]];
        if utf16.iter().any(|bom| head.starts_with(bom)) {
            return Err(ParseError::Encoding { detail: " (it is UTF-16; reports must be UTF-8)".to_owned() });
        }
        Ok(())
    }

    fn event<S: ReportSink>(&mut self, event: Event<'_>, sink: &mut S) -> Result<Option<Done>, Failure<S::Error>> {
        let first = !self.started;
        self.started = true;
        match event {
            Event::Start(e) => self.open(&e, sink),
            Event::Empty(e) => match self.open(&e, sink)? {
                Some(done) => Ok(Some(done)),
                None => self.close(sink),
            },
            Event::End(_) => self.close(sink),
            Event::Text(e) => self.text(&e).map(|()| None).map_err(Failure::Parse),
            Event::CData(e) => self.text(&e).map(|()| None).map_err(Failure::Parse),
            Event::GeneralRef(e) => self.reference(&e).map(|()| None).map_err(Failure::Parse),
            Event::Decl(e) if first => self.declaration(&e).map(|()| None).map_err(Failure::Parse),
            Event::Decl(e) => self.markup(&e).map(|()| None).map_err(Failure::Parse),
            Event::Comment(e) => self.markup(&e).map(|()| None).map_err(Failure::Parse),
            Event::PI(e) => self.markup(&e).map(|()| None).map_err(Failure::Parse),
            Event::DocType(_) => Err(Failure::Parse(ParseError::Doctype)),
            Event::Eof => Err(Failure::Parse(self.eof())),
        }
    }

    /// A start (or empty) tag.
    fn open<S: ReportSink>(&mut self, e: &BytesStart<'_>, sink: &mut S) -> Result<Option<Done>, Failure<S::Error>> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Failure::Parse(ParseError::TooDeep { limit: self.limits.max_depth }));
        }
        self.markup(e).map_err(Failure::Parse)?;
        let node = match self.stack.last() {
            None => self.root(e).map_err(Failure::Parse)?,
            Some(&parent) => {
                let node = parent.child(e.local_name().into_inner());
                if node == Node::Feedback {
                    let bindings = self.wrapper.take().unwrap_or_default();
                    self.schema = root::wrapped_feedback(e, &bindings).map_err(Failure::Parse)?;
                }
                node
            }
        };
        let done = self.enter(node, sink)?;
        self.stack.push(node);
        self.sync_trim();
        Ok(done)
    }

    /// Let quick-xml trim text, and so skip the indentation between
    /// elements, everywhere except inside a value element, whose text must
    /// reach us whole: trimming there would also eat the spaces around an
    /// entity or CDATA section (`A &amp; B`). Values are trimmed as a whole
    /// once complete.
    fn sync_trim(&mut self) {
        let trim = !self.stack.last().is_some_and(|node| node.is_leaf());
        let config = self.xml.config_mut();
        config.trim_text_start = trim;
        config.trim_text_end = trim;
    }

    /// The root element: `<feedback>`, or the wrapper around it.
    fn root(&mut self, e: &BytesStart<'_>) -> Result<Node, ParseError> {
        if self.rooted {
            return Err(malformed("it has a second root element".to_owned()));
        }
        self.rooted = true;
        match root::root(e)? {
            Root::Feedback(schema) => {
                self.schema = schema;
                Ok(Node::Feedback)
            }
            Root::Wrapper(bindings) => {
                self.wrapper = Some(bindings);
                Ok(Node::Wrapper)
            }
        }
    }

    /// What happens as `node` begins.
    fn enter<S: ReportSink>(&mut self, node: Node, sink: &mut S) -> Result<Option<Done>, Failure<S::Error>> {
        match node {
            Node::Metadata | Node::Policy => {
                if self.phase != Phase::Header {
                    return Err(Failure::Parse(ParseError::Missing("metadata before its records")));
                }
                self.header.open_section(node).map_err(Failure::Parse)?;
            }
            Node::Record => {
                if self.phase == Phase::Header
                    && let Some(done) = self.begin(sink)?
                {
                    return Ok(Some(done));
                }
                self.seen += 1;
                if self.seen > self.limits.max_records {
                    return Err(Failure::Parse(ParseError::TooMany {
                        what: "records",
                        limit: self.limits.max_records,
                    }));
                }
                self.record.start();
            }
            Node::AuthDkim | Node::AuthSpf | Node::Reason => self.record.open_entry(),
            _ => {}
        }
        Ok(None)
    }

    /// An end tag (or the end of an empty one).
    fn close<S: ReportSink>(&mut self, sink: &mut S) -> Result<Option<Done>, Failure<S::Error>> {
        let Some(node) = self.stack.pop() else {
            return Err(Failure::Parse(malformed("it has an end tag with no start tag".to_owned())));
        };
        self.sync_trim();
        if node.is_leaf() {
            self.value(node).map_err(Failure::Parse)?;
            return Ok(None);
        }
        match node {
            Node::AuthDkim | Node::AuthSpf | Node::Reason => self.record.close_entry(node),
            Node::Record => return self.end_record(sink),
            Node::Feedback => return self.finish(sink).map(Some),
            Node::Wrapper => {
                let detail = "its <xs:schema> wrapper holds no <feedback>".to_owned();
                return Err(Failure::Parse(ParseError::NotAReport { detail }));
            }
            _ => {}
        }
        Ok(None)
    }

    /// A value element ended: give its text to the header or the record.
    fn value(&mut self, node: Node) -> Result<(), ParseError> {
        let text = std::mem::take(&mut self.text);
        let result = if node.is_header_leaf() {
            self.header.set(node, &text, self.limits.max_results_per_record)
        } else {
            self.record.set(node, &text)
        };
        self.text = text;
        self.text.clear();
        if self.text.capacity() > 4 * KEEP_CAPACITY {
            self.text.shrink_to(KEEP_CAPACITY);
        }
        result
    }

    /// The header is complete: tell the sink.
    fn begin<S: ReportSink>(&mut self, sink: &mut S) -> Result<Option<Done>, Failure<S::Error>> {
        let header = self.header.finish(self.schema).map_err(Failure::Parse)?;
        if !sink.begin_aggregate(&header).map_err(Failure::Sink)? {
            return Ok(Some(Done::Duplicate));
        }
        self.phase = Phase::Open;
        self.policy_domain = header.policy.domain;
        Ok(None)
    }

    fn end_record<S: ReportSink>(&mut self, sink: &mut S) -> Result<Option<Done>, Failure<S::Error>> {
        let Some(record) = self.record.finish(&self.policy_domain).map_err(Failure::Parse)? else {
            return Ok(None);
        };
        self.kept += 1;
        self.messages = self.messages.saturating_add(record.count);
        self.batch.push(record);
        if self.batch.len() >= RECORD_BATCH {
            return self.flush(sink);
        }
        Ok(None)
    }

    /// Hand the batch to the sink; `Done::Duplicate` when the sink found
    /// it already has the report (nothing more is read of it).
    fn flush<S: ReportSink>(&mut self, sink: &mut S) -> Result<Option<Done>, Failure<S::Error>> {
        if !self.batch.is_empty() {
            // A full batch is likely followed by another; a short one
            // (most reports) is not, and gets no more room than it used.
            let next = if self.batch.len() >= RECORD_BATCH { RECORD_BATCH } else { 0 };
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(next));
            let wanted = sink.records(batch).map_err(Failure::Sink)?;
            if !wanted {
                self.phase = Phase::Closed;
                return Ok(Some(Done::Duplicate));
            }
        }
        Ok(None)
    }

    /// `</feedback>`: the report is whole.
    fn finish<S: ReportSink>(&mut self, sink: &mut S) -> Result<Done, Failure<S::Error>> {
        if self.phase == Phase::Header
            && let Some(done) = self.begin(sink)?
        {
            return Ok(done);
        }
        if let Some(done) = self.flush(sink)? {
            return Ok(done);
        }
        self.phase = Phase::Closed;
        sink.end_aggregate().map_err(Failure::Sink)?;
        Ok(Done::Kept { records: self.kept, messages: self.messages })
    }

    /// Character data (plain or CDATA): checked wherever it is, kept only
    /// inside a value element.
    fn text(&mut self, raw: &[u8]) -> Result<(), ParseError> {
        self.check_size(raw.len())?;
        let keep = self.stack.last().is_some_and(|node| node.is_leaf());
        if !keep && raw.iter().all(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r')) {
            // Indentation: by far the most common text, and nothing to check.
            return Ok(());
        }
        if let Some(at) = raw.iter().position(|&b| is_forbidden_control(b)) {
            return Err(control_error(self.offset(raw.len(), at)));
        }
        if self.latin1 {
            if keep {
                self.text.extend(raw.iter().copied().map(char::from));
            }
        } else {
            let text = std::str::from_utf8(raw).map_err(|e| encoding_error(self.offset(raw.len(), e.valid_up_to())))?;
            if keep {
                self.text.push_str(text);
            }
        }
        if keep {
            self.check_size(self.text.len())?;
        } else if self.stack.is_empty() && !raw.iter().all(u8::is_ascii_whitespace) {
            return Err(malformed("it has text outside its root element".to_owned()));
        }
        Ok(())
    }

    /// `&name;` or `&#…;`: only XML's five entities and character
    /// references mean anything; nothing is ever looked up or expanded.
    fn reference(&mut self, reference: &BytesRef<'_>) -> Result<(), ParseError> {
        let c = match reference.as_ref() {
            b"lt" => '<',
            b"gt" => '>',
            b"amp" => '&',
            b"apos" => '\'',
            b"quot" => '"',
            _ if reference.is_char_ref() => match reference.resolve_char_ref() {
                Ok(Some(c)) => c,
                _ => {
                    let name = String::from_utf8_lossy(reference.as_ref()).into_owned();
                    return Err(malformed(format!("it has an invalid character reference &{};", shown(&name))));
                }
            },
            name => {
                let name = String::from_utf8_lossy(name).into_owned();
                return Err(malformed(format!(
                    "it refers to the entity &{};, which is not defined (entities are never expanded)",
                    shown(&name)
                )));
            }
        };
        if u8::try_from(c).is_ok_and(is_forbidden_control) {
            return Err(control_error(self.xml.buffer_position()));
        }
        if self.stack.is_empty() {
            return Err(malformed("it has text outside its root element".to_owned()));
        }
        if self.stack.last().is_some_and(|node| node.is_leaf()) {
            self.text.push(c);
            self.check_size(self.text.len())?;
        }
        Ok(())
    }

    /// The XML declaration: only UTF-8 (or ASCII, its subset) and
    /// ISO-8859-1 are read.
    fn declaration(&mut self, declaration: &BytesDecl<'_>) -> Result<(), ParseError> {
        self.markup(declaration)?;
        let Some(encoding) = declaration.encoding() else {
            return Ok(());
        };
        let encoding = encoding.map_err(|e| malformed(format!("its XML declaration is broken: {e}")))?;
        let label = String::from_utf8_lossy(&encoding).trim().to_ascii_lowercase();
        match label.as_str() {
            "utf-8" | "utf8" | "us-ascii" | "ascii" => Ok(()),
            "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" => {
                self.latin1 = true;
                Ok(())
            }
            _ => Err(ParseError::Encoding {
                detail: format!(" (it declares encoding {}; reports must be UTF-8)", shown(&label)),
            }),
        }
    }

    /// A tag, comment or processing instruction: bounded, and UTF-8 unless
    /// the report is ISO-8859-1.
    fn markup(&self, raw: &[u8]) -> Result<(), ParseError> {
        self.check_size(raw.len())?;
        if !self.latin1
            && !raw.is_ascii()
            && let Err(e) = std::str::from_utf8(raw)
        {
            return Err(encoding_error(self.offset(raw.len(), e.valid_up_to())));
        }
        Ok(())
    }

    fn check_size(&self, len: usize) -> Result<(), ParseError> {
        if len > self.limits.max_text_bytes {
            return Err(ParseError::TooLarge {
                what: "a value in the report",
                limit: self.limits.max_text_bytes as u64,
            });
        }
        Ok(())
    }

    /// Roughly where byte `at` of the event just read (`len` bytes long)
    /// lies in the input.
    fn offset(&self, len: usize, at: usize) -> u64 {
        let back = len.saturating_sub(at) as u64;
        self.xml.buffer_position().saturating_sub(back)
    }

    /// The input ended before `</feedback>`.
    fn eof(&self) -> ParseError {
        if self.rooted {
            malformed("it ends before the report is complete".to_owned())
        } else if self.xml.buffer_position() == 0 {
            ParseError::NotAReport { detail: "it is empty".to_owned() }
        } else {
            ParseError::NotAReport { detail: "it holds no XML element".to_owned() }
        }
    }

    fn xml_error(&self, error: &XmlError) -> ParseError {
        let at = self.xml.error_position();
        match error {
            XmlError::Io(_) if self.xml.get_ref().tripped() => {
                ParseError::TooLarge { what: "a value in the report", limit: self.limits.max_text_bytes as u64 }
            }
            XmlError::Io(e) => io_error(e),
            XmlError::Encoding(_) => encoding_error(at),
            XmlError::Syntax(SyntaxError::InvalidBangMarkup) => {
                malformed(format!("{} (near byte {at})", shown_max(&error.to_string(), 200)))
            }
            XmlError::Syntax(e) => malformed(format!("it ends before the report is complete ({e})")),
            other => malformed(format!("{} (near byte {at})", shown_max(&other.to_string(), 200))),
        }
    }
}

/// C0 control characters other than tab, line feed and carriage return:
/// XML 1.0 does not allow them, and they have no place in a report.
const fn is_forbidden_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

fn malformed(detail: String) -> ParseError {
    ParseError::Malformed { format: "XML", detail }
}

fn control_error(at: u64) -> ParseError {
    malformed(format!("it contains a control character, which XML does not allow (near byte {at})"))
}

fn encoding_error(at: u64) -> ParseError {
    ParseError::Encoding { detail: format!(" (near byte {at})") }
}

fn io_error(error: &std::io::Error) -> ParseError {
    malformed(format!("it could not be read: {}", shown_max(&error.to_string(), 200)))
}
