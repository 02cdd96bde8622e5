//! Password audits as the office keeps them: one row per audit of one
//! person's password-manager export, holding the audit's summary and its
//! per-entry findings as JSON text the app wrote (the store treats both as
//! opaque). No password, hash or other secret from the export is ever
//! stored: the app audits the export where it was read and hands the store
//! only its findings.

use async_trait::async_trait;
use portcullis_types::{OfficeId, Timestamp, UserId};
use serde::Serialize;

use crate::StoreError;

portcullis_types::uuid_id!(
    /// A password audit's identifier.
    VaultAuditId
);

/// How an audit's results reached the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditSource {
    /// A results file uploaded on the passwords page.
    Upload,
    /// `portcullis vault audit` on the command line.
    Cli,
}

impl AuditSource {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Cli => "cli",
        }
    }

    /// The source by its stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Upload, Self::Cli].into_iter().find(|s| s.as_str() == raw)
    }
}

/// One audit of one person's password-manager export, to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVaultAudit {
    /// Identifier (the caller makes it).
    pub id: VaultAuditId,
    /// The office.
    pub office_id: OfficeId,
    /// Whose password manager was audited: an account of this office.
    pub user_id: UserId,
    /// When the results were recorded.
    pub recorded_at: Timestamp,
    /// Who recorded them (`None` from the command line).
    pub recorded_by: Option<UserId>,
    /// How they arrived.
    pub source: AuditSource,
    /// The export's format name, e.g. `bitwarden-json`.
    pub format: String,
    /// How many entries the export held (copied out of the summary so that
    /// lists need not parse it); not negative.
    pub entries: i64,
    /// How many of them need action; not negative.
    pub needs_action: i64,
    /// The audit's summary, JSON as the app wrote it.
    pub summary_json: String,
    /// The per-entry findings, JSON as the app wrote it.
    pub entries_json: String,
}

/// A stored password audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultAudit {
    /// What was stored.
    pub audit: NewVaultAudit,
}

/// Password audits.
#[async_trait]
pub trait VaultStore: Send + Sync {
    /// Store an audit. [`StoreError::Conflict`] if the id exists;
    /// [`StoreError::NotFound`] if the office does not exist or the user is
    /// not an account of that office. A negative count is refused. Text has
    /// NUL replaced as [`without_nul`](crate::without_nul) does.
    async fn add_vault_audit(&self, audit: &NewVaultAudit) -> Result<(), StoreError>;

    /// One user's audits in the office, newest first (ties by id), at most
    /// `limit` (0 gives none).
    async fn vault_audits_for(&self, office: OfficeId, user: UserId, limit: u32)
    -> Result<Vec<VaultAudit>, StoreError>;

    /// The newest audit (ties by id) of each user of the office who has one,
    /// ordered by user id.
    async fn latest_vault_audits(&self, office: OfficeId) -> Result<Vec<VaultAudit>, StoreError>;

    /// One audit of the office; `None` for a missing id or another office's.
    async fn vault_audit(&self, office: OfficeId, id: VaultAuditId) -> Result<Option<VaultAudit>, StoreError>;
}

/// A stored source back as an [`AuditSource`].
pub fn vault_source_from(raw: &str) -> Result<AuditSource, StoreError> {
    AuditSource::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("vault_audits.source: '{raw}'")))
}

/// An audit with its text cleaned of NUL as both backends store it.
pub fn cleaned(audit: &NewVaultAudit) -> NewVaultAudit {
    let mut a = audit.clone();
    a.format = crate::without_nul(&a.format);
    a.summary_json = crate::without_nul(&a.summary_json);
    a.entries_json = crate::without_nul(&a.entries_json);
    a
}
