//! Folder names as IMAP servers expect them: non-ASCII letters in the
//! "modified UTF-7" of RFC 3501 section 5.1.3, then quoted.

use super::ImapError;

/// A folder name ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Folder {
    /// As the caller wrote it.
    pub(crate) name: String,
    /// Encoded, as servers list it.
    pub(crate) encoded: String,
    /// Encoded and quoted, for commands.
    pub(crate) quoted: String,
}

impl Folder {
    /// Check and encode a folder name.
    pub(crate) fn new(name: &str) -> Result<Self, ImapError> {
        let bad = |reason: &str| ImapError::BadFolderName { folder: name.to_owned(), reason: reason.to_owned() };
        if name.is_empty() {
            return Err(bad("it is empty"));
        }
        if name.chars().any(char::is_control) {
            return Err(bad("it contains a control character"));
        }
        let encoded = modified_utf7(name);
        let quoted = format!("\"{}\"", encoded.replace('\\', "\\\\").replace('"', "\\\""));
        Ok(Self { name: name.to_owned(), encoded, quoted })
    }

    /// Whether a name the server listed is this folder (INBOX in any case).
    pub(crate) fn is(&self, listed: &[u8]) -> bool {
        if self.encoded.eq_ignore_ascii_case("INBOX") {
            listed.eq_ignore_ascii_case(b"INBOX")
        } else {
            listed == self.encoded.as_bytes()
        }
    }

    /// Whether two names are the same folder.
    pub(crate) fn same_as(&self, other: &Folder) -> bool {
        other.is(self.encoded.as_bytes())
    }
}

/// Printable ASCII stays (with `&` as `&-`); runs of anything else become
/// `&` + base64 of their UTF-16 (`,` for `/`, no padding) + `-`.
fn modified_utf7(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut run: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush_run(&mut run, &mut out);
            if c == '&' { out.push_str("&-") } else { out.push(c) }
        } else {
            let mut units = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush_run(&mut run, &mut out);
    out
}

fn flush_run(run: &mut Vec<u16>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    let bytes: Vec<u8> = run.drain(..).flat_map(u16::to_be_bytes).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let b = [0, 1, 2].map(|i| u32::from(chunk.get(i).copied().unwrap_or(0)));
        let group = (b[0] << 16) | (b[1] << 8) | b[2];
        // 3 bytes make 4 characters; a short last chunk makes one more than its bytes.
        for k in 0..=chunk.len() {
            let index = (group >> (18 - 6 * k)) & 0x3f;
            if let Some(&ch) = ALPHABET.get(index as usize) {
                out.push(char::from(ch));
            }
        }
    }
    out.push('-');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_rfc_3501_shows() {
        // The examples of RFC 3501 section 5.1.3.
        assert_eq!(
            modified_utf7("~peter/mail/\u{65e5}\u{672c}\u{8a9e}/\u{53f0}\u{5317}"),
            "~peter/mail/&ZeVnLIqe-/&U,BTFw-"
        );
        assert_eq!(modified_utf7("Rapports é & co"), "Rapports &AOk- &- co");
        assert_eq!(modified_utf7("Processed"), "Processed");
    }

    #[test]
    fn quotes_and_refuses_what_cannot_be_sent() {
        assert_eq!(Folder::new("a\"b\\c").unwrap().quoted, "\"a\\\"b\\\\c\"");
        assert!(matches!(Folder::new(""), Err(ImapError::BadFolderName { .. })));
        assert!(matches!(Folder::new("a\r\nb"), Err(ImapError::BadFolderName { .. })));
    }

    #[test]
    fn inbox_matches_in_any_case() {
        assert!(Folder::new("inbox").unwrap().is(b"INBOX"));
        assert!(!Folder::new("processed").unwrap().is(b"Processed"));
    }
}
