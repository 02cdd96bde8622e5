//! The append-only `audit_log` table: INSERT and SELECT only. The database
//! refuses UPDATE, DELETE and TRUNCATE too (see the migration's triggers).

use portcullis_store::{AuditEntry, AuditQuery, NewAuditEntry, StoreError};
use portcullis_types::OfficeId;
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use uuid::Uuid;

use crate::{PgStore, decode, errors};

/// `seq, office_id, at, actor, action, target, detail` as PostgreSQL returns them.
type AuditRow = (i64, Uuid, OffsetDateTime, String, String, Option<String>, String);

use portcullis_store::without_nul;

pub(crate) async fn append(store: &PgStore, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
    let entry = NewAuditEntry {
        office_id: entry.office_id,
        at: entry.at,
        actor: without_nul(&entry.actor),
        action: without_nul(&entry.action),
        target: entry.target.as_deref().map(without_nul),
        detail: without_nul(&entry.detail),
    };
    // The identity column hands out numbers atomically, and RETURNING reports
    // the one this statement got, so concurrent writers never share one.
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (office_id, at, actor, action, target, detail) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
    )
    .bind(entry.office_id.as_uuid())
    .bind(entry.at.to_datetime())
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(entry.target.as_deref())
    .bind(&entry.detail)
    .fetch_one(&store.pool)
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

pub(crate) async fn list(store: &PgStore, office: OfficeId, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
    // `seq < coalesce($2, max)` rather than `$2 IS NULL OR seq < $2` keeps the
    // condition a plain range, so paging deep into a long log still seeks in
    // the (office_id, seq) index.
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT seq, office_id, at, actor, action, target, detail FROM audit_log \
         WHERE office_id = $1 AND seq < coalesce($2, 9223372036854775807) AND ($3::text IS NULL OR action = $3) \
         ORDER BY seq DESC LIMIT $4",
    )
    .bind(office.as_uuid())
    .bind(query.before_seq)
    // The filter gets the same NUL replacement as stored actions did, so an
    // action code looked up as it was written still finds its entries.
    .bind(query.action.as_deref().map(without_nul))
    .bind(i64::from(query.effective_limit()))
    .fetch_all(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

fn from_row((seq, office_id, at, actor, action, target, detail): AuditRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq,
        office_id: OfficeId::from_uuid(office_id),
        at: decode::timestamp("audit_log.at", at)?,
        actor,
        action,
        target,
        detail,
    })
}
