//! The `watched_domains` and `domain_states` tables: the [`DomainStore`]
//! half of the store.
//!
//! Several app servers may share the database and each may run the scheduled
//! re-check, so claiming skips rows another server has locked, and recording
//! a check locks the domain's row before it looks at the newest state.

use async_trait::async_trait;
use portcullis_store::{DomainState, DomainStore, NewDomainState, StoreError, WatchedDomain};
use portcullis_types::{OfficeId, Timestamp};
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::{PgStore, decode, errors};

/// `office_id, domain, added_at, added_by, last_checked_at`.
type WatchedRow = (Uuid, String, OffsetDateTime, String, Option<OffsetDateTime>);

/// `id, office_id, domain, first_seen_at, last_seen_at, state_key, worst, report_json`.
type StateRow = (i64, Uuid, String, OffsetDateTime, OffsetDateTime, String, String, String);

use portcullis_store::without_nul;

fn not_watched(domain: &str) -> StoreError {
    StoreError::NotFound(format!("watched domain {domain}"))
}

#[async_trait]
impl DomainStore for PgStore {
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
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(office.as_uuid())
        .bind(&domain)
        .bind(at.to_datetime())
        .bind(&by)
        .execute(&self.pool)
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
        // The states go with it (ON DELETE CASCADE), in the same statement.
        let done = sqlx::query("DELETE FROM watched_domains WHERE office_id = $1 AND domain = $2")
            .bind(office.as_uuid())
            .bind(without_nul(domain))
            .execute(&self.pool)
            .await
            .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(done.rows_affected() > 0)
    }

    async fn watched_domains(&self, office: OfficeId) -> Result<Vec<WatchedDomain>, StoreError> {
        // domain is COLLATE "C" in the schema: byte order, as on SQLite.
        let rows: Vec<WatchedRow> = sqlx::query_as(
            "SELECT office_id, domain, added_at, added_by, last_checked_at FROM watched_domains \
             WHERE office_id = $1 ORDER BY domain",
        )
        .bind(office.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(watched_from_row).collect()
    }

    async fn watched_domain(&self, office: OfficeId, domain: &str) -> Result<Option<WatchedDomain>, StoreError> {
        let row: Option<WatchedRow> = sqlx::query_as(
            "SELECT office_id, domain, added_at, added_by, last_checked_at FROM watched_domains \
             WHERE office_id = $1 AND domain = $2",
        )
        .bind(office.as_uuid())
        .bind(without_nul(domain))
        .fetch_optional(&self.pool)
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
             FROM domain_states WHERE office_id = $1 AND domain = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(office.as_uuid())
        .bind(without_nul(domain))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(state_from_row).collect()
    }
}

/// Pick and mark the due domains in one statement.
///
/// `FOR UPDATE SKIP LOCKED` makes a second server's claim pass over rows the
/// first has picked but not yet committed, rather than wait for them and
/// take them too; a row the first has already committed is re-checked
/// against the cutoff under its lock and dropped, since it is no longer due.
/// The final SELECT returns them in the order they were picked, which the
/// UPDATE alone would not promise.
async fn claim_due(
    store: &PgStore,
    now: Timestamp,
    checked_before: Timestamp,
    limit: u32,
) -> Result<Vec<WatchedDomain>, StoreError> {
    let rows: Vec<WatchedRow> = sqlx::query_as(
        "WITH due AS ( \
             SELECT office_id, domain, last_checked_at AS previous FROM watched_domains \
             WHERE last_checked_at IS NULL OR last_checked_at < $2 \
             ORDER BY last_checked_at NULLS FIRST, added_at, office_id, domain \
             LIMIT $3 FOR UPDATE SKIP LOCKED \
         ), claimed AS ( \
             UPDATE watched_domains w SET last_checked_at = $1 FROM due \
             WHERE w.office_id = due.office_id AND w.domain = due.domain \
             RETURNING w.office_id, w.domain, w.added_at, w.added_by, w.last_checked_at, due.previous \
         ) \
         SELECT office_id, domain, added_at, added_by, last_checked_at FROM claimed \
         ORDER BY previous NULLS FIRST, added_at, office_id, domain",
    )
    .bind(now.to_datetime())
    .bind(checked_before.to_datetime())
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(watched_from_row).collect()
}

/// Mark the domain checked, then extend its newest state or add a new one,
/// in one transaction. The first UPDATE locks the domain's row, so a second
/// check of the same domain waits here and then sees this one's state.
async fn record_state(
    store: &PgStore,
    office: OfficeId,
    domain: &str,
    state: &NewDomainState,
) -> Result<bool, StoreError> {
    let failed = |e| errors::query_failed(&store.location, e);
    let mut tx = store.pool.begin().await.map_err(failed)?;
    let done = sqlx::query("UPDATE watched_domains SET last_checked_at = $3 WHERE office_id = $1 AND domain = $2")
        .bind(office.as_uuid())
        .bind(domain)
        .bind(state.checked_at.to_datetime())
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
        "SELECT id, state_key FROM domain_states WHERE office_id = $1 AND domain = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(office.as_uuid())
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
    tx: &mut Transaction<'static, Postgres>,
    office: OfficeId,
    id: i64,
    state: &NewDomainState,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE domain_states SET last_seen_at = $3, worst = $4, report_json = $5 WHERE office_id = $1 AND id = $2",
    )
    .bind(office.as_uuid())
    .bind(id)
    .bind(state.checked_at.to_datetime())
    .bind(&state.worst)
    .bind(&state.report_json)
    .execute(&mut **tx)
    .await
    .map(drop)
}

async fn insert_state(
    tx: &mut Transaction<'static, Postgres>,
    office: OfficeId,
    domain: &str,
    state: &NewDomainState,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO domain_states \
         (office_id, domain, first_seen_at, last_seen_at, state_key, worst, report_json) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(office.as_uuid())
    .bind(domain)
    .bind(state.checked_at.to_datetime())
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
        office_id: OfficeId::from_uuid(office_id),
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
        office_id: OfficeId::from_uuid(office_id),
        domain,
        first_seen_at: decode::timestamp("domain_states.first_seen_at", first_seen_at)?,
        last_seen_at: decode::timestamp("domain_states.last_seen_at", last_seen_at)?,
        state_key,
        worst,
        report_json,
    })
}
