//! Rows as the rest of the program sees them.

use portcullis_types::{Email, OfficeId, OfficeName, PersonId, PersonName, Role, Timestamp};
use serde::Serialize;

/// An office to create. The caller chooses the id and the time.
#[derive(Debug, Clone)]
pub struct NewOffice {
    /// Identifier.
    pub id: OfficeId,
    /// Display name.
    pub name: OfficeName,
    /// Creation time.
    pub created_at: Timestamp,
    /// A demonstration office with made-up data.
    pub demo: bool,
}

/// A stored office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Office {
    /// Identifier.
    pub id: OfficeId,
    /// Display name.
    pub name: OfficeName,
    /// Creation time.
    pub created_at: Timestamp,
    /// A demonstration office with made-up data.
    pub demo: bool,
}

/// A person to add to an office.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Identifier.
    pub id: PersonId,
    /// The office they work in.
    pub office_id: OfficeId,
    /// Their name.
    pub name: PersonName,
    /// Work email, if known.
    pub email: Option<Email>,
    /// Their role in the office.
    pub role: Role,
    /// When they were added.
    pub created_at: Timestamp,
}

/// A stored person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Identifier.
    pub id: PersonId,
    /// The office they work in.
    pub office_id: OfficeId,
    /// Their name.
    pub name: PersonName,
    /// Work email, if known.
    pub email: Option<Email>,
    /// Their role in the office.
    pub role: Role,
    /// When they were added.
    pub created_at: Timestamp,
}

/// An audit entry to append.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// The office the action concerns.
    pub office_id: OfficeId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it: an account's email, `cli`, `system`, or `anonymous`.
    pub actor: String,
    /// A stable dotted code, e.g. `office.created`, `auth.sign_in_failed`.
    pub action: String,
    /// What it was done to, if anything (an id or a name).
    pub target: Option<String>,
    /// Free-text detail; never a secret.
    pub detail: String,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the log, increasing across the whole store.
    pub seq: i64,
    /// The office the action concerns.
    pub office_id: OfficeId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub target: Option<String>,
    /// Detail.
    pub detail: String,
}

/// Which audit entries to list.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// Only entries whose sequence number is below this (for paging back).
    pub before_seq: Option<i64>,
    /// At most this many (capped at 1,000 by the store).
    pub limit: u32,
    /// Only this action code.
    pub action: Option<String>,
}

impl Default for AuditQuery {
    fn default() -> Self {
        Self { before_seq: None, limit: 100, action: None }
    }
}

impl AuditQuery {
    /// The largest page a store will return.
    pub const MAX_LIMIT: u32 = 1_000;

    /// The limit actually applied.
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}
