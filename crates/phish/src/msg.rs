//! Outlook `.msg` files (MS-OXMSG): a Compound File (CFB) holding the
//! message's properties as streams. What triage needs is turned back into
//! an RFC 5322 email — the original internet headers Outlook keeps
//! (`PR_TRANSPORT_MESSAGE_HEADERS`), or headers made from the sender and
//! subject properties when it has none, then the plain and HTML bodies and
//! the attachments as MIME parts — so the one email parser reads both.
//!
//! Bounds: every stream is read through `take`, the total is capped by the
//! message size limit and the attachments by the parts limit.

use std::io::{Cursor, Read};

use crate::{Limits, TriageError};

/// The first bytes of every Compound File.
pub const CFB_MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

// Property streams (MS-OXPROPS): tag then type, 001F = UTF-16LE string,
// 001E = 8-bit string, 0102 = binary.
const HEADERS: &str = "007D";
const SUBJECT: &str = "0037";
const SENDER_NAME: &str = "0C1A";
const SENDER_EMAIL: &str = "0C1F";
const SENDER_SMTP: &str = "5D01";
const BODY: &str = "1000";
const HTML: &str = "1013";
const ATTACH_DATA: &str = "37010102";
const ATTACH_LONG_NAME: &str = "3707";
const ATTACH_NAME: &str = "3704";
const ATTACH_MIME: &str = "370E";

/// Header fields dropped from the kept headers: the MIME structure is rebuilt.
const MIME_FIELDS: &[&str] = &["content-type", "content-transfer-encoding", "mime-version"];

/// Whether `bytes` is a Compound File (so possibly a `.msg`).
pub fn is_msg(bytes: &[u8]) -> bool {
    bytes.starts_with(&CFB_MAGIC)
}

/// Rebuild the email a `.msg` file holds.
pub fn to_email(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, TriageError> {
    let file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|_| TriageError::NotAnEmail("an Outlook .msg file that is damaged"))?;
    let mut reader = Reader { file, budget: limits.max_message_bytes };
    if !reader.exists("/__properties_version1.0") {
        return Err(TriageError::NotAnEmail("a Compound File that is not an Outlook message"));
    }
    let headers = reader.text("/", HEADERS).map_or_else(|| made_headers(&mut reader), |h| kept_headers(&h));
    let mut out = headers.into_bytes();
    out.extend_from_slice(b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_portcullis_msg\"\r\n\r\n");
    if let Some(body) = reader.text("/", BODY) {
        part(&mut out, "text/plain; charset=utf-8", None, body.as_bytes());
    }
    if let Some(html) = reader.binary(&format!("/__substg1.0_{HTML}0102")) {
        part(&mut out, "text/html; charset=utf-8", None, &html);
    }
    for index in 0..limits.max_parts {
        let storage = format!("/__attach_version1.0_#{index:08X}");
        if !reader.exists(&storage) {
            break;
        }
        let Some(data) = reader.binary(&format!("{storage}/__substg1.0_{ATTACH_DATA}")) else { continue };
        let name = reader.text(&storage, ATTACH_LONG_NAME).or_else(|| reader.text(&storage, ATTACH_NAME));
        let mime = reader.text(&storage, ATTACH_MIME).unwrap_or_else(|| "application/octet-stream".to_owned());
        part(&mut out, &clean(&mime), name.as_deref(), &data);
    }
    out.extend_from_slice(b"--=_portcullis_msg--\r\n");
    Ok(out)
}

struct Reader<'b> {
    file: cfb::CompoundFile<Cursor<&'b [u8]>>,
    /// Bytes still allowed to be read.
    budget: usize,
}

impl Reader<'_> {
    fn exists(&self, path: &str) -> bool {
        self.file.exists(path)
    }

    fn binary(&mut self, path: &str) -> Option<Vec<u8>> {
        if !self.file.is_stream(path) {
            return None;
        }
        let stream = self.file.open_stream(path).ok()?;
        let mut data = Vec::new();
        stream.take(self.budget as u64).read_to_end(&mut data).ok()?;
        self.budget = self.budget.saturating_sub(data.len());
        Some(data)
    }

    /// A string property of the storage at `dir`, UTF-16 or 8-bit.
    fn text(&mut self, dir: &str, tag: &str) -> Option<String> {
        let base = dir.trim_end_matches('/');
        if let Some(utf16) = self.binary(&format!("{base}/__substg1.0_{tag}001F")) {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p.first().copied().unwrap_or(0), p.get(1).copied().unwrap_or(0)]))
                .collect();
            return Some(String::from_utf16_lossy(&units).trim_end_matches('\0').to_owned());
        }
        let bytes = self.binary(&format!("{base}/__substg1.0_{tag}001E"))?;
        Some(String::from_utf8_lossy(&bytes).trim_end_matches('\0').to_owned())
    }
}

/// The original headers without their MIME fields (and the lines that
/// continue them), ending in a line break.
fn kept_headers(headers: &str) -> String {
    let mut out = String::with_capacity(headers.len());
    let mut skipping = false;
    for line in headers.lines() {
        if line.starts_with([' ', '\t']) {
            if !skipping {
                out.push_str(line);
                out.push_str("\r\n");
            }
            continue;
        }
        let name = line.split(':').next().unwrap_or_default().trim().to_ascii_lowercase();
        skipping = MIME_FIELDS.contains(&name.as_str()) || line.trim().is_empty();
        if !skipping {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out
}

/// Headers from the message's own properties, when Outlook kept none (a
/// message composed or saved locally).
fn made_headers(reader: &mut Reader<'_>) -> String {
    let name = reader.text("/", SENDER_NAME).unwrap_or_default();
    let address = reader
        .text("/", SENDER_SMTP)
        .filter(|a| a.contains('@'))
        .or_else(|| reader.text("/", SENDER_EMAIL))
        .unwrap_or_default();
    let subject = reader.text("/", SUBJECT).unwrap_or_default();
    format!("From: \"{}\" <{}>\r\nSubject: {}\r\n", clean(&name).replace('"', "'"), clean(&address), clean(&subject))
}

/// One MIME part, base64 encoded.
fn part(out: &mut Vec<u8>, content_type: &str, name: Option<&str>, data: &[u8]) {
    out.extend_from_slice(b"--=_portcullis_msg\r\n");
    out.extend_from_slice(format!("Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n").as_bytes());
    if let Some(name) = name {
        let name = clean(name).replace('"', "'");
        out.extend_from_slice(format!("Content-Disposition: attachment; filename=\"{name}\"\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    for line in data_encoding::BASE64.encode(data).as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
}

/// No line breaks or other control characters (they would forge headers).
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub(crate) mod tests;
