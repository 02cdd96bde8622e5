//! Gathering entries within [`Limits`], and small helpers every reader uses.

use portcullis_types::Timestamp;

use super::{Entry, Limits, VaultError};

/// Collects entries, refusing more than [`Limits::max_entries`] and any
/// field longer than [`Limits::max_field_bytes`].
pub(crate) struct Collector {
    entries: Vec<Entry>,
    limits: Limits,
}

impl Collector {
    /// An empty collector.
    pub(crate) fn new(limits: &Limits) -> Self {
        Self { entries: Vec::new(), limits: *limits }
    }

    /// Adds `entry`, found at `at` ("line 4", "item 3").
    pub(crate) fn push(&mut self, at: impl Fn() -> String, mut entry: Entry) -> Result<(), VaultError> {
        if self.entries.len() >= self.limits.max_entries {
            return Err(VaultError::TooManyEntries { limit: self.limits.max_entries });
        }
        let limit = self.limits.max_field_bytes;
        let fields = [
            ("title", entry.title.len()),
            ("site", entry.site.as_ref().map_or(0, String::len)),
            ("username", entry.username.as_ref().map_or(0, String::len)),
            ("folder", entry.folder.as_ref().map_or(0, String::len)),
            ("password", entry.password.expose().len()),
        ];
        if let Some((field, _)) = fields.iter().find(|(_, len)| *len > limit) {
            return Err(VaultError::FieldTooLong { at: at(), field: (*field).to_owned(), limit });
        }
        if entry.title.is_empty() {
            entry.title = fallback_title(entry.site.as_deref(), entry.username.as_deref());
        }
        self.entries.push(entry);
        Ok(())
    }

    /// The entries collected.
    pub(crate) fn finish(self) -> Vec<Entry> {
        self.entries
    }
}

/// A title for an entry that has none: the site's host, else the site or
/// user name as written, else "(untitled)".
fn fallback_title(site: Option<&str>, username: Option<&str>) -> String {
    if let Some(site) = site {
        let host = url::Url::parse(site).ok().and_then(|u| u.host_str().map(str::to_owned));
        return host.unwrap_or_else(|| site.to_owned());
    }
    username.map_or_else(|| "(untitled)".to_owned(), str::to_owned)
}

/// `text` if it is not blank, trimmed.
pub(crate) fn non_blank(text: Option<String>) -> Option<String> {
    let text = text?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_owned())
    }
}

/// The first address of a field that may hold several, one a line or
/// comma-separated (Bitwarden's `login_uri`, 1Password's `Url`).
pub(crate) fn first_address(list: &str) -> Option<String> {
    list.split(['\n', ',']).map(str::trim).find(|u| !u.is_empty()).map(str::to_owned)
}

/// A time given as whole seconds since the epoch, if in range.
pub(crate) fn from_unix_seconds(seconds: i64) -> Option<Timestamp> {
    Timestamp::from_unix_micros(seconds.checked_mul(1_000_000)?).ok().filter(|t| *t != Timestamp::EPOCH)
}

/// A time given as milliseconds since the epoch, if in range.
pub(crate) fn from_unix_millis(millis: i64) -> Option<Timestamp> {
    Timestamp::from_unix_micros(millis.checked_mul(1_000)?).ok().filter(|t| *t != Timestamp::EPOCH)
}

/// A time written in RFC 3339, if it parses.
pub(crate) fn from_rfc3339(text: Option<&str>) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(text?.trim()).ok()
}
