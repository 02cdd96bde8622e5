//! Portcullis use-cases.
//!
//! `app` is where the engines meet the store: it opens the database named by
//! `--db`, owns the real clock and random source, and offers one method per
//! thing a person can do ("create an office", "add a person"), each writing
//! its audit entry. It knows nothing of HTTP or terminals; `web` and `cli`
//! call it and render what it returns.
#![forbid(unsafe_code)]

mod accounts;
mod audit_view;
pub mod auth;
mod db_url;
mod demo;
pub mod dmarc;
mod error;
mod invitations;
pub mod mail;
mod network;
mod offices;
mod operator;
mod people;
pub mod phish_mailbox;
pub mod policy;
mod system;
mod triage;
pub mod vault;
mod watch;

use std::sync::Arc;

use portcullis_store::Store;
use portcullis_types::{Clock, Random};

use url::Url;

use crate::auth::{AuthSettings, ServerKey};
use crate::mail::{Mailer, NoMailer};

pub use accounts::{AccountError, AccountForm};
pub use db_url::{DbUrl, DbUrlError, default_data_dir};
pub use demo::{DEMO_MANAGER_EMAIL, DEMO_OFFICE_NAME, Demo};
pub use error::AppError;
pub use invitations::{INVITATION_DAYS, InviteError, InviteRequest, Invited};
pub use offices::{Actor, OfficeSummary};
pub use operator::{NewOfficeRequest, OpenOfficeError};
pub use system::{OsRandom, SystemClock};
pub use triage::{PhishError, RECENT_REPORTS, Triaged, size_in_words};
pub use watch::{DomainChange, DomainDetail, DomainError, DomainOverview, RECHECK_AFTER_SECS, label as check_label};

/// Where links point until [`App::with_public_url`] says otherwise: the
/// default listening address.
const DEFAULT_ORIGIN: &str = "http://127.0.0.1:8080";

/// The running application: a store plus the capabilities use-cases need.
#[derive(Debug, Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    key: ServerKey,
    auth: AuthSettings,
    mailer: Arc<dyn Mailer>,
    /// Where people reach this server (an origin: scheme, host, port, no
    /// trailing slash); links in emails start with it.
    public_origin: String,
    /// DNS for domain checks.
    dns: Arc<dyn portcullis_dnscheck::Resolver>,
    /// HTTPS for domain checks.
    web: Arc<dyn portcullis_dnscheck::fetch::Fetcher>,
    /// Bounds on one triaged email (the upload limit is its message size).
    triage_limits: portcullis_phish::Limits,
}

impl App {
    /// Open the database named by `url` (creating and migrating it when
    /// needed) with the system clock and the OS random source.
    pub async fn open(url: &DbUrl, key: ServerKey) -> Result<Self, AppError> {
        let store = open_store(url).await?;
        Ok(Self::with_parts(store, Arc::new(SystemClock), Arc::new(OsRandom), key))
    }

    /// Assemble from parts; tests pass fakes here.
    pub fn with_parts(store: Arc<dyn Store>, clock: Arc<dyn Clock>, random: Arc<dyn Random>, key: ServerKey) -> Self {
        Self {
            store,
            clock,
            random,
            key,
            auth: AuthSettings::default(),
            mailer: Arc::new(NoMailer),
            public_origin: DEFAULT_ORIGIN.to_owned(),
            dns: Arc::new(network::NoResolver),
            web: Arc::new(network::NoFetcher),
            triage_limits: portcullis_phish::Limits::default(),
        }
    }

    /// The same app checking domains through `dns` and `web`.
    #[must_use]
    pub fn with_network(
        mut self,
        dns: Arc<dyn portcullis_dnscheck::Resolver>,
        web: Arc<dyn portcullis_dnscheck::fetch::Fetcher>,
    ) -> Self {
        self.dns = dns;
        self.web = web;
        self
    }

    /// The same app triaging email within `limits` (tests, configuration).
    #[must_use]
    pub fn with_triage_limits(mut self, limits: portcullis_phish::Limits) -> Self {
        self.triage_limits = limits;
        self
    }

    /// The same app sending mail through `mailer`.
    #[must_use]
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// The same app with links in emails starting at `url` (its path is
    /// ignored; Portcullis lives at the root of its origin).
    #[must_use]
    pub fn with_public_url(mut self, url: &Url) -> Self {
        self.public_origin = url.origin().ascii_serialization();
        self
    }

    /// The origin people reach this server at, like `https://portcullis.example.org.uk`.
    pub fn public_origin(&self) -> &str {
        &self.public_origin
    }

    pub(crate) fn mailer(&self) -> &dyn Mailer {
        &*self.mailer
    }

    /// An absolute link to `path_and_query` on this server.
    pub(crate) fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_origin)
    }

    /// The same app with other sign-in limits (tests, configuration).
    #[must_use]
    pub fn with_auth_settings(mut self, auth: AuthSettings) -> Self {
        self.auth = auth;
        self
    }

    /// The sign-in limits in force.
    pub fn auth_settings(&self) -> &AuthSettings {
        &self.auth
    }

    pub(crate) fn server_key(&self) -> &ServerKey {
        &self.key
    }

    /// The store, for use-cases in sibling modules and for tests.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// The random source.
    pub fn random(&self) -> &dyn Random {
        &*self.random
    }

    /// Whether the database answers; `/healthz` reports this.
    pub async fn health(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }

    /// Finish outstanding writes and close the database.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// Open the backend the URL names.
pub async fn open_store(url: &DbUrl) -> Result<Arc<dyn Store>, AppError> {
    Ok(match url {
        DbUrl::Sqlite(path) => Arc::new(portcullis_store_sqlite::SqliteStore::open(path).await?),
        DbUrl::Postgres(url) => Arc::new(portcullis_store_postgres::PgStore::connect(url).await?),
    })
}
