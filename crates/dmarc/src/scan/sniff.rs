//! Telling what an input is from its first bytes, never from its name:
//! reporters name files inconsistently, and a name is attacker-chosen.

use std::io::{self, Read};

/// What the first bytes of an input say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// gzip magic `1f 8b`.
    Gzip,
    /// A zip local file header (`PK\x03\x04`) or an empty zip's end record.
    Zip,
    /// `<` after an optional byte-order mark and white space (UTF-8 or UTF-16).
    Xml,
    /// `{` (or `[`, so a JSON array gets the JSON parser's error) after an
    /// optional UTF-8 byte-order mark and white space.
    Json,
    /// An RFC 5322 header field on the first line.
    Email,
    /// A `From ` line: an mbox mailbox of one or more emails.
    Mbox,
    /// Nothing at all, or only white space.
    Empty,
    /// None of the above.
    Unknown,
}

/// Bytes read to decide the format, at least.
const PEEK_BYTES: usize = 1024;
/// Leading white space skipped to find the first real byte, at most.
const MAX_PEEK_BYTES: usize = 64 * 1024;

/// Read the start of `reader` (about 1 KiB, more when it is all white
/// space, never more than 64 KiB) and say what it is. The bytes read are
/// returned so the caller can put them back in front of the rest.
pub(crate) fn peek(reader: &mut dyn Read) -> io::Result<(Format, Vec<u8>)> {
    let mut prefix = Vec::with_capacity(PEEK_BYTES);
    let mut want = PEEK_BYTES;
    loop {
        let at_end = fill(reader, &mut prefix, want)?;
        if at_end || !blank(&prefix) || prefix.len() >= MAX_PEEK_BYTES {
            return Ok((sniff(&prefix, at_end), prefix));
        }
        want = (want * 4).min(MAX_PEEK_BYTES);
    }
}

/// Read until `buf` holds `want` bytes; true when the reader ran out first.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let mut chunk = [0u8; 4096];
    while buf.len() < want {
        let room = (want - buf.len()).min(chunk.len());
        let n = match reader.read(chunk.get_mut(..room).unwrap_or_default()) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(true);
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    Ok(false)
}

fn blank(bytes: &[u8]) -> bool {
    strip_bom(bytes).iter().all(u8::is_ascii_whitespace)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// Say what `prefix` (the start of an input) is; `complete` when it is the
/// whole input.
pub(crate) fn sniff(prefix: &[u8], complete: bool) -> Format {
    if prefix.starts_with(&[0x1f, 0x8b]) {
        return Format::Gzip;
    }
    if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
        return Format::Zip;
    }
    if let Some(format) = sniff_utf16(prefix) {
        return format;
    }
    if prefix.starts_with(b"From ") {
        return Format::Mbox;
    }
    if header_line(prefix) {
        return Format::Email;
    }
    let text = strip_bom(prefix);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Format::Xml,
        Some(b'{' | b'[') => Format::Json,
        Some(_) => Format::Unknown,
        None if complete => Format::Empty,
        None => Format::Unknown,
    }
}

/// UTF-16 text with a byte-order mark whose first character (after white
/// space) is `<`: an XML document the XML parser may be able to decode.
fn sniff_utf16(prefix: &[u8]) -> Option<Format> {
    let (rest, little) = if let Some(rest) = prefix.strip_prefix(&[0xff, 0xfe]) {
        (rest, true)
    } else {
        (prefix.strip_prefix(&[0xfe, 0xff])?, false)
    };
    let first = rest
        .chunks_exact(2)
        .filter_map(|pair| <[u8; 2]>::try_from(pair).ok())
        .map(|pair| if little { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) })
        .find(|unit| !matches!(unit, 0x20 | 0x09 | 0x0a | 0x0d));
    Some(match first {
        Some(0x3c) => Format::Xml,
        _ => Format::Unknown,
    })
}

/// The first line is an RFC 5322 header field: a name of printable ASCII
/// (no space, no colon) and then a colon.
fn header_line(prefix: &[u8]) -> bool {
    let Some(colon) = prefix.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = prefix.get(..colon).unwrap_or_default();
    (1..=76).contains(&name.len()) && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn containers_by_magic() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0], false), Format::Gzip);
        assert_eq!(sniff(b"PK\x03\x04rest", false), Format::Zip);
        assert_eq!(sniff(b"PK\x05\x06", true), Format::Zip);
        assert_eq!(sniff(b"PK\x01\x02", true), Format::Unknown);
    }

    #[test]
    fn xml_after_bom_and_space() {
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><feedback/>", true), Format::Xml);
        assert_eq!(sniff(b"\xef\xbb\xbf\r\n  <feedback>", false), Format::Xml);
        let utf16le: Vec<u8> =
            [0xff, 0xfe].into_iter().chain("\n<?xml".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(sniff(&utf16le, false), Format::Xml);
        let utf16be: Vec<u8> = [0xfe, 0xff].into_iter().chain("<f".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(sniff(&utf16be, false), Format::Xml);
        let not_xml: Vec<u8> =
            [0xff, 0xfe].into_iter().chain("hello".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(sniff(&not_xml, true), Format::Unknown);
    }

    #[test]
    fn json_object() {
        assert_eq!(sniff(b"\n{\"organization-name\": 1}", true), Format::Json);
        assert_eq!(sniff(b"[1,2]", true), Format::Json);
        assert_eq!(sniff(b"1,2", true), Format::Unknown);
    }

    #[test]
    fn emails_and_mailboxes() {
        assert_eq!(sniff(b"Received: from a by b\r\nFrom: x@y\r\n", false), Format::Email);
        assert_eq!(sniff(b"MIME-Version: 1.0\n", false), Format::Email);
        assert_eq!(sniff(b"Authentication-Results-Original: x\n", false), Format::Email);
        assert_eq!(sniff(b"From dmarc@example.com Tue Apr 30 02:09:16 2019\nReceived: x\n", false), Format::Mbox);
        assert_eq!(sniff(b"From: someone@example.com\n", false), Format::Email);
        assert_eq!(sniff(b"not a header: line\n", false), Format::Unknown);
        assert_eq!(sniff(b": empty name\n", false), Format::Unknown);
    }

    #[test]
    fn empty_and_blank() {
        assert_eq!(sniff(b"", true), Format::Empty);
        assert_eq!(sniff(b" \r\n\t", true), Format::Empty);
        assert_eq!(sniff(b"\xef\xbb\xbf", true), Format::Empty);
        assert_eq!(sniff(b"    ", false), Format::Unknown);
        assert_eq!(sniff(b"\x00\x01binary", true), Format::Unknown);
    }

    #[test]
    fn peek_reads_past_leading_space_but_not_far() {
        let mut data = vec![b' '; 10_000];
        data.extend_from_slice(b"<feedback/>");
        let (format, prefix) = peek(&mut data.as_slice()).unwrap();
        assert_eq!(format, Format::Xml);
        assert!(prefix.len() <= 16 * 1024);
        assert!(data.starts_with(&prefix));

        let spaces = vec![b' '; 1024 * 1024];
        let (format, prefix) = peek(&mut spaces.as_slice()).unwrap();
        assert_eq!(format, Format::Unknown);
        assert_eq!(prefix.len(), MAX_PEEK_BYTES);
    }

    #[test]
    fn peek_of_short_input_sees_the_end() {
        let (format, prefix) = peek(&mut &b"  "[..]).unwrap();
        assert_eq!(format, Format::Empty);
        assert_eq!(prefix, b"  ");
    }
}
