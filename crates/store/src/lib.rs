//! The storage boundary of Portcullis.
//!
//! [`Store`] is what the rest of the program sees of a database. There are two
//! implementations, `portcullis-store-sqlite` (the embedded default for one
//! office) and `portcullis-store-postgres` (a central deployment serving many
//! offices), and one behaviour: the [`conformance`] stories run against both.
//!
//! Invariants every implementation keeps:
//! - every row belongs to an office, and every read names the office it reads
//!   from; a row of office B is never returned to a question about office A;
//! - the audit log is append-only: there is no method that changes or removes
//!   an audit entry;
//! - the store never invents time or identifiers; callers pass them in.
#![forbid(unsafe_code)]

mod accounts;
#[cfg(feature = "conformance")]
pub mod conformance;
mod dmarc;
pub mod dmarc_chunks;
pub mod dmarc_rows;
mod domains;
mod error;
mod model;
mod phish;
mod vault;

use async_trait::async_trait;
use portcullis_types::{OfficeId, PersonId};

pub use accounts::{AccountStore, Invitation, NewSession, NewUser, Opaque, Passkey, Session, SessionStage, User};
pub use dmarc::{
    DmarcSettings, DmarcStore, ReportBatch, ReportedDomain, StoredFailure, WholeReport, day_of, json_text, verdict,
};
pub use domains::{DomainState, DomainStore, NewDomainState, WatchedDomain};
pub use error::StoreError;
pub use phish::{
    KnownSender, NewPhishReport, Outcome, PhishKnowledge, PhishReport, PhishStore, ReportId, ReportSource,
    StoredReason, cleaned as cleaned_phish_report, outcome_from, reasons_from_json, reasons_json, score_from,
    source_from,
};
pub use vault::{
    AuditSource, NewVaultAudit, VaultAudit, VaultAuditId, VaultStore, cleaned as cleaned_vault_audit, vault_source_from,
};

/// Free text with every NUL (U+0000) replaced by U+FFFD. PostgreSQL cannot
/// store NUL in text at all; both backends replace it, in what they store
/// and in what they look up, so that nothing is lost over one stray byte and
/// both behave alike.
pub fn without_nul(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}
pub use model::{AuditEntry, AuditQuery, NewAuditEntry, NewOffice, NewPerson, Office, Person};

/// Which backend a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// Lower-case name, as in the `--db` URL scheme.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The whole storage API. Object-safe so that the backend can be chosen at run
/// time from the `--db` URL.
#[async_trait]
pub trait Store:
    AccountStore + DomainStore + DmarcStore + PhishStore + VaultStore + Send + Sync + std::fmt::Debug
{
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Answer a trivial query; used by `/healthz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Finish writes and close every connection. Later calls fail.
    async fn close(&self);

    // ---- offices ---------------------------------------------------------

    /// Create an office. Fails with [`StoreError::Conflict`] if the id exists.
    async fn create_office(&self, office: &NewOffice) -> Result<Office, StoreError>;

    /// One office by id.
    async fn office(&self, id: OfficeId) -> Result<Option<Office>, StoreError>;

    /// Every office, oldest first. Only the central operator's views use this.
    async fn list_offices(&self) -> Result<Vec<Office>, StoreError>;

    // ---- people ----------------------------------------------------------

    /// Add a person to an office. [`StoreError::NotFound`] if the office does
    /// not exist; [`StoreError::Conflict`] if the id exists.
    async fn add_person(&self, person: &NewPerson) -> Result<Person, StoreError>;

    /// One person, only if they belong to `office`.
    async fn person(&self, office: OfficeId, id: PersonId) -> Result<Option<Person>, StoreError>;

    /// The people of one office, by name.
    async fn list_people(&self, office: OfficeId) -> Result<Vec<Person>, StoreError>;

    // ---- audit log (append-only) -----------------------------------------

    /// Append an entry; the store assigns its sequence number.
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError>;

    /// Entries of one office, newest first.
    async fn list_audit(&self, office: OfficeId, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;
}
