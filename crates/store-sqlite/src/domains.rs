//! The `watched_domains` and `domain_states` tables: the [`DomainStore`]
//! half of the store.
//!
//! Every check-then-change is one `BEGIN IMMEDIATE` transaction on the single
//! writer connection, so it holds against the server's own concurrent work
//! and against a CLI process writing the same file.

use async_trait::async_trait;
use portcullis_store::{DomainState, DomainStore, NewDomainState, StoreError, WatchedDomain};
use portcullis_types::{OfficeId, Timestamp};
use sqlx::error::ErrorKind;
use sqlx::{Sqlite, Transaction};

use crate::{SqliteStore, decode, errors};

/// `office_id, domain, added_at, added_by, last_checked_at`.
type WatchedRow = (String, String, i64, String, Option<i64>);

/// `id, office_id, domain, first_seen_at, last_seen_at, state_key, worst, report_json`.
type StateRow = (i64, String, String, i64, i64, String, String, String);

use portcullis_store::without_nul;

fn not_watched(domain: &str) -> StoreError {
    StoreError::NotFound(format!("watched domain {domain}"))
}

#[async_trait]
impl DomainStore for SqliteStore {
    async fn watch_domain(
        &self,
        office: OfficeId,
        domain: &str,
        at: Timestamp,
        by: &str,
    ) -> Result<WatchedDomain, StoreError> {
        let (domain, by) = (without_nul(domain), without_nul(by));
        sqlx::query(
            "INSERT INTO watched_domains (office_id, domain, added_at, added_by, last_checked_at) \
             VALUES (?1, ?2, ?3, ?4, NULL)",
        )
        .bind(office.to_string())
        .bind(&domain)
        .bind(at.unix_micros())
        .bind(&by)
        .execute(&self.writer)
        .await
        .map_err(|e| {
            if errors::is_violation(&e, ErrorKind::UniqueViolation) {
                StoreError::Conflict(format!("watched domain {domain}"))
            } else if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
                StoreError::NotFound(format!("office {office}"))
            } else {
                errors::query_failed(&self.location, e)
            }
        })?;
        Ok(WatchedDomain { office_id: office, domain, added_at: at, added_by: by, last_checked_at: None })
    }

    async fn unwatch_domain(&self, office: OfficeId, domain: &str) -> Result<bool, StoreError> {
        // The states go with it: ON DELETE CASCADE, foreign keys being on for
        // every connection.
        let done = sqlx::query("DELETE FROM watched_domains WHERE office_id = ?1 AND domain = ?2")
            .bind(office.to_string())
            .bind(without_nul(domain))
            .execute(&self.writer)
            .await
            .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(done.rows_affected() > 0)
    }

    async fn watched_domains(&self, office: OfficeId) -> Result<Vec<WatchedDomain>, StoreError> {
        let rows: Vec<WatchedRow> = sqlx::query_as(
            "SELECT office_id, domain, added_at, added_by, last_checked_at FROM watched_domains \
             WHERE office_id = ?1 ORDER BY domain",
        )
        .bind(office.to_string())
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(watched_from_row).collect()
    }

    async fn watched_domain(&self, office: OfficeId, domain: &str) -> Result<Option<WatchedDomain>, StoreError> {
        let row: Option<WatchedRow> = sqlx::query_as(
            "SELECT office_id, domain, added_at, added_by, last_checked_at FROM watched_domains \
             WHERE office_id = ?1 AND domain = ?2",
        )
        .bind(office.to_string())
        .bind(without_nul(domain))
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        row.map(watched_from_row).transpose()
    }

    async fn claim_due_domains(
        &self,
        now: Timestamp,
        checked_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<WatchedDomain>, StoreError> {
        claim_due(self, now, checked_before, limit).await
    }

    async fn record_domain_state(
        &self,
        office: OfficeId,
        domain: &str,
        state: &NewDomainState,
    ) -> Result<bool, StoreError> {
        record_state(self, office, &without_nul(domain), state).await
    }

    async fn domain_states(&self, office: OfficeId, domain: &str, limit: u32) -> Result<Vec<DomainState>, StoreError> {
        let rows: Vec<StateRow> = sqlx::query_as(
            "SELECT id, office_id, domain, first_seen_at, last_seen_at, state_key, worst, report_json \
             FROM domain_states WHERE office_id = ?1 AND domain = ?2 ORDER BY id DESC LIMIT ?3",
        )
        .bind(office.to_string())
        .bind(without_nul(domain))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(state_from_row).collect()
    }
}

/// Select the due domains and mark them in one write transaction: SQLite has
/// one writer at a time, so no other claim can read them between the two.
async fn claim_due(
    store: &SqliteStore,
    now: Timestamp,
    checked_before: Timestamp,
    limit: u32,
) -> Result<Vec<WatchedDomain>, StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.writer.begin_with("BEGIN IMMEDIATE").await.map_err(failed)?;
    // Across all offices by design: this is the scheduler's view, not an
    // office's. Ties are broken so the order is the same on every backend.
    let rows: Vec<WatchedRow> = sqlx::query_as(
        "SELECT office_id, domain, added_at, added_by, last_checked_at FROM watched_domains \
         WHERE last_checked_at IS NULL OR last_checked_at < ?1 \
         ORDER BY last_checked_at NULLS FIRST, added_at, office_id, domain LIMIT ?2",
    )
    .bind(checked_before.unix_micros())
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await
    .map_err(failed)?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let mut domain = watched_from_row(row)?;
        sqlx::query("UPDATE watched_domains SET last_checked_at = ?3 WHERE office_id = ?1 AND domain = ?2")
            .bind(domain.office_id.to_string())
            .bind(&domain.domain)
            .bind(now.unix_micros())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        domain.last_checked_at = Some(now);
        claimed.push(domain);
    }
    tx.commit().await.map_err(failed)?;
    Ok(claimed)
}

/// Mark the domain checked, then extend its newest state or add a new one,
/// all in one write transaction so two checks of the same domain cannot both
/// see "no such state yet" and add it twice.
async fn record_state(
    store: &SqliteStore,
    office: OfficeId,
    domain: &str,
    state: &NewDomainState,
) -> Result<bool, StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.writer.begin_with("BEGIN IMMEDIATE").await.map_err(failed)?;
    let done = sqlx::query("UPDATE watched_domains SET last_checked_at = ?3 WHERE office_id = ?1 AND domain = ?2")
        .bind(office.to_string())
        .bind(domain)
        .bind(state.checked_at.unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    if done.rows_affected() == 0 {
        // Dropping the transaction rolls it back.
        return Err(not_watched(domain));
    }
    let state = NewDomainState {
        checked_at: state.checked_at,
        state_key: without_nul(&state.state_key),
        worst: without_nul(&state.worst),
        report_json: without_nul(&state.report_json),
    };
    let newest: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, state_key FROM domain_states WHERE office_id = ?1 AND domain = ?2 ORDER BY id DESC LIMIT 1",
    )
    .bind(office.to_string())
    .bind(domain)
    .fetch_optional(&mut *tx)
    .await
    .map_err(failed)?;
    let changed = match newest {
        Some((id, key)) if key == state.state_key => {
            extend_state(&mut tx, office, id, &state).await.map_err(failed)?;
            false
        }
        _ => {
            insert_state(&mut tx, office, domain, &state).await.map_err(failed)?;
            true
        }
    };
    tx.commit().await.map_err(failed)?;
    Ok(changed)
}

/// Nothing changed: the newest state was seen again, with this report.
async fn extend_state(
    tx: &mut Transaction<'static, Sqlite>,
    office: OfficeId,
    id: i64,
    state: &NewDomainState,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE domain_states SET last_seen_at = ?3, worst = ?4, report_json = ?5 WHERE office_id = ?1 AND id = ?2",
    )
    .bind(office.to_string())
    .bind(id)
    .bind(state.checked_at.unix_micros())
    .bind(&state.worst)
    .bind(&state.report_json)
    .execute(&mut **tx)
    .await
    .map(drop)
}

async fn insert_state(
    tx: &mut Transaction<'static, Sqlite>,
    office: OfficeId,
    domain: &str,
    state: &NewDomainState,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO domain_states \
         (office_id, domain, first_seen_at, last_seen_at, state_key, worst, report_json) \
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
    )
    .bind(office.to_string())
    .bind(domain)
    .bind(state.checked_at.unix_micros())
    .bind(&state.state_key)
    .bind(&state.worst)
    .bind(&state.report_json)
    .execute(&mut **tx)
    .await
    .map(drop)
}

fn watched_from_row(
    (office_id, domain, added_at, added_by, last_checked_at): WatchedRow,
) -> Result<WatchedDomain, StoreError> {
    Ok(WatchedDomain {
        office_id: decode::parse("watched_domains.office_id", &office_id)?,
        domain,
        added_at: decode::timestamp("watched_domains.added_at", added_at)?,
        added_by,
        last_checked_at: decode::maybe_timestamp("watched_domains.last_checked_at", last_checked_at)?,
    })
}

fn state_from_row(
    (id, office_id, domain, first_seen_at, last_seen_at, state_key, worst, report_json): StateRow,
) -> Result<DomainState, StoreError> {
    Ok(DomainState {
        id,
        office_id: decode::parse("domain_states.office_id", &office_id)?,
        domain,
        first_seen_at: decode::timestamp("domain_states.first_seen_at", first_seen_at)?,
        last_seen_at: decode::timestamp("domain_states.last_seen_at", last_seen_at)?,
        state_key,
        worst,
        report_json,
    })
}
