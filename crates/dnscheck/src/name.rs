//! Domain names as people type them, made into what DNS is asked about:
//! lower-case ASCII (internationalised names in punycode), no trailing dot,
//! labels of 1–63 octets, at most 253 in all, and not an IP address.

use std::fmt;

/// A checked domain name, e.g. `jane-smith.org.uk` or `xn--bcher-kva.example`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

/// Why text is not a domain name that can be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing was given.
    #[error("no domain name was given")]
    Empty,
    /// An IP address, not a name.
    #[error("'{0}' is an IP address; give the domain name instead (for example example.org.uk)")]
    IpAddress(String),
    /// Characters or an internationalised form that cannot be converted.
    #[error("'{0}' is not a valid domain name")]
    Invalid(String),
    /// A label longer than 63 characters.
    #[error("'{0}' has a part longer than 63 characters, which DNS does not allow")]
    LabelTooLong(String),
    /// Longer than 253 characters in all.
    #[error("the domain name is longer than 253 characters, which DNS does not allow")]
    TooLong,
    /// A single label (`localhost`, `com`): nothing to check mail for.
    #[error("'{0}' is not a full domain name; give one like example.org.uk")]
    SingleLabel(String),
}

/// The longest name DNS allows, in presentation form without the root dot.
const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;

impl DomainName {
    /// Check and normalise `input` (surrounding spaces and one trailing dot
    /// are dropped; Unicode names become punycode).
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.len() > 4 * MAX_NAME {
            return Err(NameError::TooLong);
        }
        let shown = shorten(trimmed);
        let bare = trimmed.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<std::net::IpAddr>().is_ok() {
            return Err(NameError::IpAddress(shown));
        }
        let ascii = idna::domain_to_ascii(trimmed).map_err(|_| NameError::Invalid(shown.clone()))?;
        Self::from_ascii(&ascii, &shown)
    }

    fn from_ascii(ascii: &str, shown: &str) -> Result<Self, NameError> {
        if ascii.len() > MAX_NAME {
            return Err(NameError::TooLong);
        }
        let mut labels = 0;
        for label in ascii.split('.') {
            labels += 1;
            if label.is_empty() {
                return Err(NameError::Invalid(shown.to_owned()));
            }
            if label.len() > MAX_LABEL {
                return Err(NameError::LabelTooLong(shown.to_owned()));
            }
            let ok = label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok || label.starts_with('-') || label.ends_with('-') {
                return Err(NameError::Invalid(shown.to_owned()));
            }
        }
        if labels < 2 {
            return Err(NameError::SingleLabel(shown.to_owned()));
        }
        Ok(Self(ascii.to_ascii_lowercase()))
    }

    /// The name as DNS is asked about it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `prefix.name` (e.g. `_dmarc` + `example.org` → `_dmarc.example.org`).
    pub fn under(&self, prefix: &str) -> String {
        format!("{prefix}.{}", self.0)
    }

    /// The parent name, if it still has two labels or more.
    pub fn parent(&self) -> Option<Self> {
        let (_, rest) = self.0.split_once('.')?;
        rest.contains('.').then(|| Self(rest.to_owned()))
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// At most 80 characters of what was typed, for messages.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised() {
        assert_eq!(DomainName::parse(" Example.ORG.uk. ").unwrap().as_str(), "example.org.uk");
        assert_eq!(DomainName::parse("bücher.example").unwrap().as_str(), "xn--bcher-kva.example");
        assert_eq!(DomainName::parse("_dmarc.example.org").unwrap().as_str(), "_dmarc.example.org");
    }

    #[test]
    fn hostile_or_wrong_input_is_refused_with_a_reason() {
        assert_eq!(DomainName::parse(""), Err(NameError::Empty));
        assert_eq!(DomainName::parse("."), Err(NameError::Empty));
        assert!(matches!(DomainName::parse("192.0.2.1"), Err(NameError::IpAddress(_))));
        assert!(matches!(DomainName::parse("[2001:db8::1]"), Err(NameError::IpAddress(_))));
        assert!(matches!(DomainName::parse(&format!("{}.test", "a".repeat(64))), Err(NameError::LabelTooLong(_))));
        assert_eq!(DomainName::parse(&format!("{}test", "abcdefghi.".repeat(30))), Err(NameError::TooLong));
        assert_eq!(DomainName::parse(&"x".repeat(100_000)), Err(NameError::TooLong));
        assert!(matches!(DomainName::parse("localhost"), Err(NameError::SingleLabel(_))));
        assert!(matches!(DomainName::parse("a..b"), Err(NameError::Invalid(_))));
        assert!(matches!(DomainName::parse("exa mple.org"), Err(NameError::Invalid(_))));
        assert!(matches!(DomainName::parse("-bad.org"), Err(NameError::Invalid(_))));
    }

    #[test]
    fn parents_stop_above_the_top_level() {
        let name = DomainName::parse("a.b.example.org").unwrap();
        let parents: Vec<_> = std::iter::successors(name.parent(), DomainName::parent).map(|d| d.0).collect();
        assert_eq!(parents, vec!["b.example.org", "example.org"]);
    }
}
