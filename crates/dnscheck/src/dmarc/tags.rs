//! The `tag=value; tag=value` syntax that DMARC, TLS-RPT, MTA-STS and BIMI
//! records share (the DKIM tag-list of RFC 6376 3.2, which RFC 7489 6.3
//! adopts), and TXT lookups that tell "no record" apart from "could not ask".
//!
//! Shared by the DMARC, TLS-RPT, MTA-STS and BIMI checks (crate-private).

use crate::resolver::{LookupError, RecordType, Resolver};

/// The longest TXT record any of these checks will read. Real records are a
/// few hundred bytes; the bound keeps a hostile zone from making us parse
/// megabytes.
pub(crate) const MAX_RECORD_LEN: usize = 4096;

/// The longest piece of a record quoted back in a message.
const SHOWN: usize = 60;

/// A record split into `(name, value)` pairs, names lower-cased, in order.
pub(crate) type Tags = Vec<(String, String)>;

/// Split a tag-list. Whitespace around `;` and `=` is allowed; empty
/// segments (a trailing `;`) are skipped. A segment without `=`, a bad tag
/// name or a tag given twice makes the whole list invalid (RFC 6376 3.2:
/// "if a tag name does occur more than once, the entire tag-list is
/// invalid").
pub(crate) fn split(record: &str) -> Result<Tags, String> {
    if record.len() > MAX_RECORD_LEN {
        return Err(format!("the record is {} characters long, more than the {MAX_RECORD_LEN} allowed", record.len()));
    }
    let mut tags: Tags = Vec::new();
    for segment in record.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((name, value)) = segment.split_once('=') else {
            return Err(format!("'{}' is not in the form name=value", shown(segment)));
        };
        let name = name.trim().to_ascii_lowercase();
        if !is_tag_name(&name) {
            return Err(format!("'{}' is not a valid tag name", shown(&name)));
        }
        if tags.iter().any(|(n, _)| *n == name) {
            return Err(format!("the tag '{name}' appears more than once"));
        }
        tags.push((name, value.trim().to_owned()));
    }
    Ok(tags)
}

/// `ALPHA *ALNUMPUNC` (RFC 6376 3.2), also allowing `-` and `.` which the
/// MTA-STS and TLS-RPT extension names use.
fn is_tag_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether `record` starts with the version tag `v=<version>` (whitespace
/// around `=` allowed), followed by `;`, whitespace or the end. The version
/// is matched as given (the RFCs' ABNF makes it case-sensitive).
pub(crate) fn starts_with_version(record: &str, version: &str) -> bool {
    let rest = record.trim_start();
    let Some(rest) = rest.strip_prefix('v').or_else(|| rest.strip_prefix('V')) else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix('=') else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix(version) else {
        return false;
    };
    rest.chars().next().is_none_or(|c| c == ';' || c.is_ascii_whitespace())
}

/// At most 60 characters of `text`, control characters dropped, for quoting
/// in a message.
pub(crate) fn shown(text: &str) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).take(SHOWN).collect();
    if text.chars().count() > SHOWN {
        out.push('…');
    }
    out
}

/// The TXT records at `name` (empty when the name does not exist or has no
/// TXT records: both mean "no record"). A failed lookup is an error, never
/// an empty answer.
pub(crate) async fn texts(dns: &dyn Resolver, name: &str) -> Result<TxtAnswer, LookupError> {
    let answer = dns.lookup(name, RecordType::Txt).await?;
    let target = answer.cnames.last().map(|(_, to)| to.clone());
    Ok(TxtAnswer { texts: answer.texts(), alias_of: target, aliases: answer.cnames.len() })
}

/// What a TXT lookup found.
#[derive(Debug, Clone, Default)]
pub(crate) struct TxtAnswer {
    /// Each record, its strings joined.
    pub texts: Vec<String>,
    /// Where the CNAME chain (if any) ended.
    pub alias_of: Option<String>,
    /// How many CNAMEs were followed.
    pub aliases: usize,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_tolerate_spaces_and_a_trailing_separator() {
        let tags = split(" v = DMARC1 ;P=reject;; rua= mailto:a@b.test ; ").unwrap();
        assert_eq!(
            tags,
            vec![
                ("v".to_owned(), "DMARC1".to_owned()),
                ("p".to_owned(), "reject".to_owned()),
                ("rua".to_owned(), "mailto:a@b.test".to_owned())
            ]
        );
    }

    #[test]
    fn broken_tag_lists_are_refused_with_a_reason() {
        assert!(split("v=DMARC1; p").unwrap_err().contains("name=value"));
        assert!(split("v=DMARC1; p=none; P=reject").unwrap_err().contains("more than once"));
        assert!(split("v=DMARC1; =x").unwrap_err().contains("tag name"));
        assert!(split(&"a".repeat(MAX_RECORD_LEN + 1)).unwrap_err().contains("long"));
    }

    #[test]
    fn version_prefixes_are_recognised() {
        assert!(starts_with_version("v=DMARC1; p=none", "DMARC1"));
        assert!(starts_with_version("  V = DMARC1", "DMARC1"));
        assert!(!starts_with_version("v=DMARC10; p=none", "DMARC1"));
        assert!(!starts_with_version("v=spf1 -all", "DMARC1"));
        assert!(!starts_with_version("p=none; v=DMARC1", "DMARC1"));
    }

    #[test]
    fn long_quotes_are_shortened() {
        assert_eq!(shown(&"x".repeat(100)).chars().count(), SHOWN + 1);
        assert_eq!(shown("a\nb"), "ab");
    }
}
