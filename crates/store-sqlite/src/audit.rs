//! The append-only `audit_log` table: INSERT and SELECT only. The database
//! refuses UPDATE and DELETE too (see the migration's triggers).

use portcullis_store::{AuditEntry, AuditQuery, NewAuditEntry, StoreError};
use portcullis_types::OfficeId;
use sqlx::error::ErrorKind;

use crate::{SqliteStore, decode, errors};

/// `seq, office_id, at, actor, action, target, detail` as SQLite returns them.
type AuditRow = (i64, String, i64, String, String, Option<String>, String);

use portcullis_store::without_nul;

pub(crate) async fn append(store: &SqliteStore, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
    let entry = NewAuditEntry {
        office_id: entry.office_id,
        at: entry.at,
        actor: without_nul(&entry.actor),
        action: without_nul(&entry.action),
        target: entry.target.as_deref().map(without_nul),
        detail: without_nul(&entry.detail),
    };
    // RETURNING gives the sequence number from the same statement, so
    // concurrent writers can never be told each other's number.
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (office_id, at, actor, action, target, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
    )
    .bind(entry.office_id.to_string())
    .bind(entry.at.unix_micros())
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(entry.target.as_deref())
    .bind(&entry.detail)
    .fetch_one(&store.writer)
    .await
    .map_err(|e| {
        if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
            StoreError::NotFound(format!("office {}", entry.office_id))
        } else {
            errors::query_failed(&store.location, e)
        }
    })?;
    Ok(AuditEntry {
        seq,
        office_id: entry.office_id,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        detail: entry.detail,
    })
}

pub(crate) async fn list(
    store: &SqliteStore,
    office: OfficeId,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, StoreError> {
    // `seq < coalesce(?2, max)` rather than `?2 IS NULL OR seq < ?2` keeps
    // the condition a plain range, so paging deep into a long log still
    // seeks in the (office_id, seq) index instead of scanning from the top.
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT seq, office_id, at, actor, action, target, detail FROM audit_log \
         WHERE office_id = ?1 AND seq < coalesce(?2, 9223372036854775807) AND (?3 IS NULL OR action = ?3) \
         ORDER BY seq DESC LIMIT ?4",
    )
    .bind(office.to_string())
    .bind(query.before_seq)
    // The filter gets the same NUL replacement as stored actions did, so an
    // action code looked up as it was written still finds its entries.
    .bind(query.action.as_deref().map(without_nul))
    .bind(i64::from(query.effective_limit()))
    .fetch_all(&store.reader)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

fn from_row((seq, office_id, at, actor, action, target, detail): AuditRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq,
        office_id: decode::parse("audit_log.office_id", &office_id)?,
        at: decode::timestamp("audit_log.at", at)?,
        actor,
        action,
        target,
        detail,
    })
}
