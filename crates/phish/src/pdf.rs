//! Just enough of PDF to see what an attached document hides from mail
//! filters: the web links of its link annotations (`/URI (…)`), and
//! whether it is locked with a password (`/Encrypt`). This reads the
//! file's bytes as they are, without decompressing streams: links in
//! compressed object streams are not found, which errs towards silence.

/// Longest link read from a PDF, in bytes.
const MAX_URI: usize = 2048;

/// Whether `bytes` is a PDF file.
pub(crate) fn is_pdf(bytes: &[u8]) -> bool {
    bytes.get(..1024).unwrap_or(bytes).windows(5).any(|w| w == b"%PDF-")
}

/// Whether the PDF is encrypted (opening it needs a password, or its
/// contents are at least scrambled for mail filters).
pub(crate) fn is_encrypted(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

/// The web and mail links of the PDF's link actions, at most `max`.
pub(crate) fn uris(bytes: &[u8], max: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = bytes;
    while found.len() < max {
        let Some(at) = rest.windows(4).position(|w| w == b"/URI") else { break };
        rest = rest.get(at + 4..).unwrap_or_default();
        let after = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
        if rest.get(after) == Some(&b'(')
            && let Some(uri) = literal(rest.get(after + 1..).unwrap_or_default())
            && is_link(&uri)
        {
            found.push(uri);
        }
    }
    found
}

/// A PDF literal string up to its closing bracket (escapes resolved
/// simply), or `None` when it runs on too long.
fn literal(bytes: &[u8]) -> Option<String> {
    let mut out = Vec::new();
    let mut escaped = false;
    for &b in bytes.iter().take(MAX_URI) {
        match (escaped, b) {
            (false, b'\\') => escaped = true,
            (false, b')') => return String::from_utf8(out).ok().map(|s| s.trim().to_owned()),
            _ => {
                escaped = false;
                out.push(b);
            }
        }
    }
    None
}

fn is_link(uri: &str) -> bool {
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn link_actions_are_read() {
        let pdf = b"%PDF-1.7\n1 0 obj <</Type/Annot/A <</S/URI/URI (https://evil.example/login\\)x)>> >>\n\
                    2 0 obj <</URI(http://second.example/)>>\n3 0 obj <</URI (mailto:a@b.example)>>";
        assert!(is_pdf(pdf));
        assert_eq!(uris(pdf, 10), vec!["https://evil.example/login)x", "http://second.example/"]);
        assert_eq!(uris(pdf, 1).len(), 1);
        assert!(!is_encrypted(pdf));
        assert!(is_encrypted(b"%PDF-1.4 trailer <</Encrypt 5 0 R>>"));
    }

    #[test]
    fn an_unterminated_link_is_dropped() {
        let mut pdf = b"%PDF-1.7 /URI (https://".to_vec();
        pdf.extend(std::iter::repeat_n(b'a', 5000));
        assert!(uris(&pdf, 10).is_empty());
        assert!(!is_pdf(b"not a pdf"));
    }
}
