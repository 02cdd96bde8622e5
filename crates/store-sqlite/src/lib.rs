//! SQLite backend of the Portcullis [`Store`]: the embedded default, one file
//! per office installation.
//!
//! The file runs in WAL mode with `synchronous=FULL`, so every write that
//! returns `Ok` is on disk and survives the process being killed or the power
//! failing. Writes go through a single connection (SQLite has one writer at a
//! time; queueing them here means bursts wait rather than fail with
//! `SQLITE_BUSY`), reads through a few read-only connections.
//!
//! The schema lives in `migrations/`, is compiled in, and is applied on every
//! [`SqliteStore::open`]; applying it again is a no-op.
#![forbid(unsafe_code)]

mod accounts;
mod audit;
mod decode;
mod dmarc;
mod dmarc_batch;
mod domains;
mod errors;
mod offices;
mod open;
mod people;
mod phish;
mod vault;

use std::path::Path;

use async_trait::async_trait;
use portcullis_store::{
    AuditEntry, AuditQuery, Backend, NewAuditEntry, NewOffice, NewPerson, Office, Person, Store, StoreError,
};
use portcullis_types::{OfficeId, PersonId};
use sqlx::SqlitePool;

/// A Portcullis store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    /// Exactly one connection: every INSERT goes here.
    writer: SqlitePool,
    /// A few `query_only` connections for SELECTs.
    reader: SqlitePool,
    /// The file path, for error messages.
    location: String,
}

impl SqliteStore {
    /// Open the database at `path`, creating the folder and the file on first
    /// run (readable only by the current user) and applying any pending
    /// migrations.
    ///
    /// Fails with [`StoreError::Unavailable`] when the file cannot be created
    /// or opened, and [`StoreError::Migration`] when the schema cannot be
    /// brought up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        open::open(path).await
    }

    /// Where the database file is.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Run SQLite's `PRAGMA integrity_check` over the whole file and return its
    /// verdict: `"ok"` for a sound database, otherwise one line per problem.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.reader)
            .await
            .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(lines.join("\n"))
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map(drop)
            .map_err(|e| errors::query_failed(&self.location, e))
    }

    async fn close(&self) {
        // The writer first: Pool::close waits for checked-out connections to
        // come back, so a write already under way finishes and is kept.
        self.writer.close().await;
        self.reader.close().await;
    }

    async fn create_office(&self, office: &NewOffice) -> Result<Office, StoreError> {
        offices::create(self, office).await
    }

    async fn office(&self, id: OfficeId) -> Result<Option<Office>, StoreError> {
        offices::get(self, id).await
    }

    async fn list_offices(&self) -> Result<Vec<Office>, StoreError> {
        offices::list(self).await
    }

    async fn add_person(&self, person: &NewPerson) -> Result<Person, StoreError> {
        people::add(self, person).await
    }

    async fn person(&self, office: OfficeId, id: PersonId) -> Result<Option<Person>, StoreError> {
        people::get(self, office, id).await
    }

    async fn list_people(&self, office: OfficeId) -> Result<Vec<Person>, StoreError> {
        people::list(self, office).await
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
        audit::append(self, entry).await
    }

    async fn list_audit(&self, office: OfficeId, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        audit::list(self, office, query).await
    }
}
