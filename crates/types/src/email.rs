//! Email addresses as people type them into forms.
//!
//! Deliberately modest: one `@`, a non-empty local part, a domain with a dot,
//! no spaces or control characters, at most 254 characters (RFC 5321 §4.5.3.1.3).
//! The domain is lower-cased; the local part is kept as given.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An address that was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{shown}' is not an email address like name@example.org.uk")]
pub struct EmailError {
    shown: String,
}

/// A syntactically plausible email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Validate and normalise (trim, lower-case the domain).
    pub fn new(raw: &str) -> Result<Self, EmailError> {
        let err = || EmailError { shown: raw.chars().take(80).collect() };
        let s = raw.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(err());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(err)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.split('.').all(|label| !label.is_empty() && label.len() <= 63);
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(err());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_domain_only() {
        let e = Email::new(" Jane.Smith@Parliament.UK ").unwrap();
        assert_eq!(e.as_str(), "Jane.Smith@parliament.uk");
        assert_eq!(e.domain(), "parliament.uk");
    }

    #[test]
    fn refuses_things_that_are_not_addresses() {
        for bad in ["", "jane", "jane@", "@x.uk", "jane@localhost", "jane smith@x.uk", "a@b..uk", "a@.b.uk"] {
            assert!(Email::new(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::new(&format!("{}@x.uk", "a".repeat(65))).is_err());
    }
}
