//! The domains an office watches, and the history of what their checks
//! found: one row per distinct state, not per check, so a nightly check of
//! an unchanged domain adds nothing but a "last seen" time.

use async_trait::async_trait;
use portcullis_types::{OfficeId, Timestamp};

use crate::StoreError;

/// A domain an office has asked Portcullis to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedDomain {
    /// The office watching it.
    pub office_id: OfficeId,
    /// The domain, ASCII lower case (punycode for internationalised names).
    pub domain: String,
    /// When it was added.
    pub added_at: Timestamp,
    /// Who added it (an email, or `cli`/`system`).
    pub added_by: String,
    /// When it was last checked (or claimed for checking); `None` before the first.
    pub last_checked_at: Option<Timestamp>,
}

/// One check's outcome, as the app records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDomainState {
    /// When the check ran.
    pub checked_at: Timestamp,
    /// What identifies the state: equal keys mean "nothing changed" (the
    /// app derives it from each check's status and code).
    pub state_key: String,
    /// The worst status: `ok`, `warn`, `fail` or `unknown`.
    pub worst: String,
    /// The whole report as JSON.
    pub report_json: String,
}

/// A distinct state a domain was in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainState {
    /// Sequence number, increasing with time within the store.
    pub id: i64,
    /// The office.
    pub office_id: OfficeId,
    /// The domain.
    pub domain: String,
    /// The first check that found this state.
    pub first_seen_at: Timestamp,
    /// The last check that found it still so.
    pub last_seen_at: Timestamp,
    /// See [`NewDomainState::state_key`].
    pub state_key: String,
    /// See [`NewDomainState::worst`].
    pub worst: String,
    /// The report of the last check that found this state, as JSON.
    pub report_json: String,
}

/// Watched domains and their history.
#[async_trait]
pub trait DomainStore: Send + Sync {
    /// Start watching `domain` for `office`. [`StoreError::Conflict`] if the
    /// office already watches it; [`StoreError::NotFound`] if the office does
    /// not exist.
    async fn watch_domain(
        &self,
        office: OfficeId,
        domain: &str,
        at: Timestamp,
        by: &str,
    ) -> Result<WatchedDomain, StoreError>;

    /// Stop watching, forgetting the domain's history; `false` if it was not watched.
    async fn unwatch_domain(&self, office: OfficeId, domain: &str) -> Result<bool, StoreError>;

    /// The office's watched domains, by name.
    async fn watched_domains(&self, office: OfficeId) -> Result<Vec<WatchedDomain>, StoreError>;

    /// One watched domain of the office.
    async fn watched_domain(&self, office: OfficeId, domain: &str) -> Result<Option<WatchedDomain>, StoreError>;

    /// For the scheduled re-check, across all offices (the one query on an
    /// office's table not scoped to one office: it serves the system job,
    /// never a person): up to `limit` (0 gives none) domains never checked
    /// or last checked before `checked_before` (which must not be after
    /// `now`), never-checked first, then the stalest, ties by when they were
    /// added; each marked as checked at `now` in the same transaction, so two
    /// servers running the job never take the same domain.
    async fn claim_due_domains(
        &self,
        now: Timestamp,
        checked_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<WatchedDomain>, StoreError>;

    /// Record a check of a watched domain: if its newest state has the same
    /// key, only that state's `last_seen_at` (and report) move on and the
    /// answer is `false`; otherwise a new state is added and the answer is
    /// `true`. The domain's `last_checked_at` becomes `checked_at` either
    /// way (callers record checks in the order they finish). Text has NUL
    /// replaced as [`without_nul`](crate::without_nul) does.
    /// [`StoreError::NotFound`] if the office does not watch it.
    async fn record_domain_state(
        &self,
        office: OfficeId,
        domain: &str,
        state: &NewDomainState,
    ) -> Result<bool, StoreError>;

    /// The domain's states, newest first, at most `limit` (0 gives none).
    async fn domain_states(&self, office: OfficeId, domain: &str, limit: u32) -> Result<Vec<DomainState>, StoreError>;
}
