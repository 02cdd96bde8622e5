//! The k-anonymity range format of the Pwned Passwords API: the client sends
//! the first five hex digits of a hash (`GET /range/{PREFIX}`, with
//! `?mode=ntlm` for NTLM), and the answer lists every known hash with that
//! prefix as `SUFFIX:COUNT` lines (the remaining 35 or 27 hex digits, CRLF).
//! With `Add-Padding: true` the server adds `SUFFIX:0` lines so every answer
//! has about the same size; a count of 0 never means "breached".
//!
//! Only the prefix leaves the machine; the suffix comparison happens here.

use crate::hash::PasswordHash;
use crate::index::nibble;

/// Hex digits of the prefix sent to the server.
pub const PREFIX_LEN: usize = 5;
/// The largest response body accepted (a real padded one is about 40 KiB).
pub const MAX_BODY: usize = 8 << 20;
/// The longest line accepted, in bytes.
pub const MAX_LINE: usize = 128;

/// Why a range response could not be read. Lines are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// The body is larger than any real answer.
    #[error("the range response is {bytes} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A line is longer than any real one.
    #[error("range response line {line}: longer than {max} bytes")]
    LineTooLong {
        /// The line.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// Not `SUFFIX:COUNT`.
    #[error("range response line {line}: expected SUFFIX:COUNT")]
    NotSuffixCount {
        /// The line.
        line: usize,
    },
    /// The suffix is not hex or has the wrong number of digits.
    #[error("range response line {line}: expected a suffix of {expected} hex digits")]
    BadSuffix {
        /// The line.
        line: usize,
        /// The digits a suffix of this hash has.
        expected: usize,
    },
    /// The count is not a decimal number that fits 64 bits.
    #[error("range response line {line}: the count is not a whole decimal number")]
    BadCount {
        /// The line.
        line: usize,
    },
}

/// The first five hex digits of `hash`, upper-case: all that is sent.
#[must_use]
pub fn prefix(hash: &PasswordHash) -> String {
    hex_digits(hash).take(PREFIX_LEN).map(char::from).collect()
}

/// The count for `hash` in a range response `body` (for its prefix); 0 when
/// it is not listed or listed only as padding (count 0). Every line is
/// checked, so a damaged answer is an error, not a silent 0.
///
/// # Errors
/// A [`RangeError`] naming the line.
pub fn count_in(body: &[u8], hash: &PasswordHash) -> Result<u64, RangeError> {
    if body.len() > MAX_BODY {
        return Err(RangeError::TooLarge { bytes: body.len(), max: MAX_BODY });
    }
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    if body.is_empty() {
        return Ok(0);
    }
    let expected = hash.kind().hex_len() - PREFIX_LEN;
    let mut found = 0;
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        if raw.len() > MAX_LINE {
            return Err(RangeError::LineTooLong { line, max: MAX_LINE });
        }
        let text = raw.strip_suffix(b"\r").unwrap_or(raw);
        let colon = text.iter().position(|&b| b == b':').ok_or(RangeError::NotSuffixCount { line })?;
        let (suffix, count) = (text.get(..colon).unwrap_or_default(), text.get(colon + 1..).unwrap_or_default());
        if suffix.len() != expected || suffix.iter().any(|&b| nibble(b).is_none()) {
            return Err(RangeError::BadSuffix { line, expected });
        }
        let count = parse_count(count).ok_or(RangeError::BadCount { line })?;
        if count > 0 && found == 0 && suffix_matches(suffix, hash) {
            found = count;
        }
    }
    Ok(found)
}

/// A range response body: `SUFFIX:COUNT` lines as given, joined by CRLF (as
/// the real API does) or LF, with no newline after the last.
#[must_use]
pub fn render(lines: &[(String, u64)], crlf: bool) -> String {
    let separator = if crlf { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(lines.len() * 45);
    for (i, (suffix, count)) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(suffix);
        out.push(':');
        out.push_str(&count.to_string());
    }
    out
}

/// The hash's upper-case hex digits, one at a time (no string holding the
/// whole hash is made).
fn hex_digits(hash: &PasswordHash) -> impl Iterator<Item = u8> + '_ {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    hash.as_bytes()
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0x0f])
        .map(|n| DIGITS.get(usize::from(n)).copied().unwrap_or(b'0'))
}

fn suffix_matches(suffix: &[u8], hash: &PasswordHash) -> bool {
    let mut ours = hex_digits(hash).skip(PREFIX_LEN);
    suffix.iter().all(|&theirs| ours.next() == Some(theirs.to_ascii_uppercase())) && ours.next().is_none()
}

fn parse_count(text: &[u8]) -> Option<u64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    text.iter().try_fold(0u64, |value, &d| value.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::Secret;
    use crate::hash::HashKind;

    fn password() -> PasswordHash {
        HashKind::Sha1.of(&Secret::from("password"))
    }

    #[test]
    fn prefix_is_the_first_five_upper_case_digits() {
        assert_eq!(prefix(&password()), "5BAA6");
        assert_eq!(prefix(&HashKind::Ntlm.of(&Secret::from("password"))), "8846F");
    }

    #[test]
    fn finds_the_suffix_in_either_case_and_line_ending() {
        let ours = "1E4C9B93F3F0682250B6CF8331B7EE68FD8";
        let lines = vec![("0018A45C4D1DEF81644B54AB7F969B88D65".to_owned(), 1), (ours.to_owned(), 9_545_824)];
        for crlf in [true, false] {
            let body = render(&lines, crlf);
            assert_eq!(count_in(body.as_bytes(), &password()).unwrap(), 9_545_824);
            assert_eq!(count_in(body.to_lowercase().as_bytes(), &password()).unwrap(), 9_545_824);
            assert_eq!(count_in(format!("{body}\r\n").as_bytes(), &password()).unwrap(), 9_545_824);
        }
        assert_eq!(count_in(b"", &password()).unwrap(), 0);
    }

    #[test]
    fn padding_never_counts() {
        let body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:0\r\n0018A45C4D1DEF81644B54AB7F969B88D65:3";
        assert_eq!(count_in(body.as_bytes(), &password()).unwrap(), 0);
    }

    #[test]
    fn damage_is_an_error_naming_the_line() {
        let good = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n";
        let cases: [(&str, RangeError); 5] = [
            ("no colon here", RangeError::NotSuffixCount { line: 2 }),
            ("0018A45C4D1DEF81644B54AB7F969B88D6:1", RangeError::BadSuffix { line: 2, expected: 35 }),
            ("0018A45C4D1DEF81644B54AB7F969B88D6G:1", RangeError::BadSuffix { line: 2, expected: 35 }),
            ("0018A45C4D1DEF81644B54AB7F969B88D65:-1", RangeError::BadCount { line: 2 }),
            ("0018A45C4D1DEF81644B54AB7F969B88D65:99999999999999999999999", RangeError::BadCount { line: 2 }),
        ];
        for (bad, error) in cases {
            assert_eq!(count_in(format!("{good}{bad}").as_bytes(), &password()), Err(error), "{bad}");
        }
        let long = format!("{good}{}:1", "A".repeat(200));
        assert_eq!(count_in(long.as_bytes(), &password()), Err(RangeError::LineTooLong { line: 2, max: MAX_LINE }));
        let huge = vec![b'A'; MAX_BODY + 1];
        assert!(matches!(count_in(&huge, &password()), Err(RangeError::TooLarge { .. })));
        let blank = format!("{good}\r\n{good}");
        assert_eq!(count_in(blank.as_bytes(), &password()), Err(RangeError::NotSuffixCount { line: 2 }));
    }

    #[test]
    fn ntlm_suffixes_have_27_digits() {
        let hash = HashKind::Ntlm.of(&Secret::from("password"));
        let body = render(&[("7EAEE8FB117AD06BDD830B7586C".to_owned(), 4)], true);
        assert_eq!(count_in(body.as_bytes(), &hash).unwrap(), 4);
        assert_eq!(count_in(body.as_bytes(), &password()), Err(RangeError::BadSuffix { line: 1, expected: 35 }));
    }

    proptest::proptest! {
        #[test]
        fn every_listed_hash_is_found_and_others_are_not(
            seeds in proptest::collection::btree_set("[a-z0-9]{1,12}", 1..40),
            padding in proptest::collection::vec("[0-9A-F]{35}", 0..20),
            crlf: bool,
            lower: bool,
        ) {
            let hashes: Vec<PasswordHash> =
                seeds.iter().map(|s| HashKind::Sha1.of(&Secret::from(format!("5BAA6{s}").as_str()))).collect();
            let mut lines: Vec<(String, u64)> =
                hashes.iter().enumerate().map(|(i, h)| (h.to_hex()[5..].to_owned(), i as u64 + 1)).collect();
            lines.extend(padding.into_iter().map(|p| (p, 0)));
            lines.sort();
            let mut body = render(&lines, crlf);
            if lower {
                body = body.to_lowercase();
            }
            for (i, hash) in hashes.iter().enumerate() {
                // Each hash is looked up in a body for all prefixes: only its suffix matters here.
                proptest::prop_assert_eq!(count_in(body.as_bytes(), hash).unwrap(), i as u64 + 1);
            }
            let absent = HashKind::Sha1.of(&Secret::from("not listed at all, surely"));
            proptest::prop_assert_eq!(count_in(body.as_bytes(), &absent).unwrap(), 0);
        }
    }
}
