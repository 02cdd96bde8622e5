//! PostgreSQL backend of the Portcullis [`Store`]: one central database
//! serving many offices, possibly from several app servers at once.
//!
//! Offices are kept apart by an `office_id` on every row and in every query,
//! not by separate databases. The schema lives in `migrations/`, is compiled
//! in, and is applied on connect under an advisory lock, so servers starting
//! together are safe. The audit log is append-only in the database itself: a
//! trigger refuses UPDATE, DELETE and TRUNCATE.
//!
//! Messages name the server as `postgres://user@host:port/database`; the
//! password never appears in an error or a log line.
#![forbid(unsafe_code)]

mod accounts;
mod audit;
mod connect;
mod decode;
mod dmarc;
mod dmarc_batch;
mod domains;
mod errors;
mod location;
mod offices;
mod people;
mod phish;
mod schema;
mod vault;

use std::fmt;

use async_trait::async_trait;
use portcullis_store::{
    AuditEntry, AuditQuery, Backend, NewAuditEntry, NewOffice, NewPerson, Office, Person, Store, StoreError,
};
use portcullis_types::{OfficeId, PersonId};
use sqlx::PgPool;

/// A Portcullis store in a PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    /// The server, without password, for messages.
    location: String,
}

impl PgStore {
    /// Connect to the database at `url` (`postgres://user:password@host:port/db`)
    /// and apply any pending migrations in its default schema (normally `public`).
    ///
    /// TLS (rustls, with the Mozilla root certificates) is used whenever the
    /// server offers it. `?sslmode=require` in the URL refuses to continue
    /// without it; `verify-full` also checks the certificate and host name,
    /// against `sslrootcert=/path/to/ca.pem` for a private authority.
    ///
    /// Fails within about five seconds with [`StoreError::Unavailable`] when the
    /// server cannot be reached, refuses the login or cannot give the TLS the
    /// URL requires, and with [`StoreError::Migration`] when the schema cannot
    /// be brought up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        connect::connect(url, None).await
    }

    /// As [`Self::connect`], but keep every table in `schema`, creating it if
    /// missing. The name must be a plain identifier (lower-case letters,
    /// digits, underscores). Used to give each test a database of its own.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        connect::connect(url, Some(schema)).await
    }

    /// Remove `schema` and everything in it. For tests; there is no undo.
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        connect::drop_schema(url, schema).await
    }

    /// The server, as `postgres://user@host:port/database` (no password).
    pub fn location(&self) -> &str {
        &self.location
    }
}

/// Written by hand so that no connection setting beyond the password-free
/// location can ever reach a log.
impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .field("connections", &self.pool.size())
            .field("closed", &self.pool.is_closed())
            .finish()
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop).map_err(|e| errors::query_failed(&self.location, e))
    }

    async fn close(&self) {
        // Waits for checked-out connections to come back, so a write already
        // under way finishes first.
        self.pool.close().await;
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
