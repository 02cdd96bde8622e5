//! Emails and mbox mailboxes. An email is read whole (it is bounded by
//! `max_input_bytes`) and parsed with mail-parser. A DMARC failure report
//! (ARF) is handed to [`parse_failure`]; otherwise every part whose content
//! type can carry a report is looked at by content, including the parts of
//! forwarded (`message/rfc822`) emails. An email with no report attachment
//! is tried as a plain-text failure report before it is called "no report".

use std::io::{Cursor, Read};

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::sniff::Format;
use portcullis_types::mbox;

use super::{Kind, ParseError, ReportSink, Scanner, Slot, unreadable};
use crate::Status;
use crate::failure::{is_feedback_report, parse_failure};

/// Forwarded emails looked into, at most (mail-parser nests no deeper).
const MAX_FORWARD_DEPTH: u8 = 4;

impl<S: ReportSink> Scanner<'_, S> {
    /// A whole input that is an email or an mbox.
    pub(super) fn mail<R: Read>(&mut self, input: R, format: Format) {
        let mut raw = Vec::new();
        if let Err(e) = input.take(self.limits.max_input_bytes).read_to_end(&mut raw) {
            return self.fail_input(unreadable(&e));
        }
        if format == Format::Mbox {
            for message in mbox::split(&raw) {
                if self.full() {
                    break;
                }
                self.email(message);
            }
        } else {
            self.email(&raw);
        }
    }

    fn email(&mut self, raw: &[u8]) {
        let Some(message) = MessageParser::new().parse(raw) else {
            return self
                .fail_input(ParseError::Malformed { format: "email", detail: "it has no header fields".into() });
        };
        if is_feedback_report(&message) {
            return self.failure(&message, raw);
        }
        let before = self.reports.len();
        self.parts(&message, 0);
        if self.reports.len() == before && !self.stopped {
            self.failure(&message, raw);
        }
    }

    fn parts(&mut self, message: &Message, depth: u8) {
        for part in &message.parts {
            if self.full() {
                return;
            }
            match &part.body {
                PartType::Message(forwarded) if depth < MAX_FORWARD_DEPTH => self.parts(forwarded, depth + 1),
                PartType::Multipart(_) | PartType::Message(_) => {}
                _ => {
                    if let Some((kind, optional)) = report_type(part) {
                        self.trip.take();
                        let slot = Slot { kind, whole_input: false, optional };
                        self.seekable(Cursor::new(part.contents()), slot);
                    }
                }
            }
        }
    }

    fn failure(&mut self, message: &Message, raw: &[u8]) {
        if self.full() {
            return;
        }
        let status = match parse_failure(message, raw) {
            Err(ParseError::NotAReport { detail }) => {
                let detail = if is_feedback_report(message) {
                    detail
                } else {
                    "an email with no DMARC aggregate, SMTP TLS or failure report in it".into()
                };
                return self.fail_input(ParseError::NotAReport { detail });
            }
            Err(e) => Status::Invalid(e),
            Ok(report) => match self.sink.failure_report(&report) {
                Ok(true) => Status::Ingested { records: 1 },
                Ok(false) => Status::Duplicate,
                Err(e) => Status::Sink(e),
            },
        };
        self.push(Some(Kind::Failure), status);
    }
}

/// Whether a part can carry a report, and if so what kind it suggests and
/// whether it may turn out not to be one (`application/octet-stream`).
fn report_type(part: &MessagePart) -> Option<(Option<Kind>, bool)> {
    let ct = part.content_type()?;
    let full = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase();
    Some(match full.as_str() {
        "application/gzip"
        | "application/x-gzip"
        | "application/zip"
        | "application/x-zip-compressed"
        | "application/x-zip" => (None, false),
        "text/xml" | "application/xml" => (Some(Kind::Aggregate), false),
        "application/tlsrpt+gzip" | "application/tlsrpt+json" | "application/json" => (Some(Kind::Tlsrpt), false),
        "application/octet-stream" => (None, true),
        _ => return None,
    })
}
