//! The `vault_audits` table: the [`VaultStore`] half of the store.

use async_trait::async_trait;
use portcullis_store::{
    NewVaultAudit, StoreError, VaultAudit, VaultAuditId, VaultStore, cleaned_vault_audit, vault_source_from,
};
use portcullis_types::{OfficeId, UserId};
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use uuid::Uuid;

use crate::{PgStore, decode, errors};

/// Every column of `vault_audits`, in the order [`AuditRow`] reads them
/// (a macro, so that the queries stay `&'static str`).
macro_rules! audit_columns {
    () => {
        "id, office_id, user_id, recorded_at, recorded_by, source, format, \
         entries, needs_action, summary_json, entries_json"
    };
}

/// A `vault_audits` row.
#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    office_id: Uuid,
    user_id: Uuid,
    recorded_at: OffsetDateTime,
    recorded_by: Option<Uuid>,
    source: String,
    format: String,
    entries: i64,
    needs_action: i64,
    summary_json: String,
    entries_json: String,
}

#[async_trait]
impl VaultStore for PgStore {
    async fn add_vault_audit(&self, audit: &NewVaultAudit) -> Result<(), StoreError> {
        let a = cleaned_vault_audit(audit);
        sqlx::query(concat!(
            "INSERT INTO vault_audits (",
            audit_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(a.id.as_uuid())
        .bind(a.office_id.as_uuid())
        .bind(a.user_id.as_uuid())
        .bind(a.recorded_at.to_datetime())
        .bind(a.recorded_by.map(|u| u.as_uuid()))
        .bind(a.source.as_str())
        .bind(&a.format)
        .bind(a.entries)
        .bind(a.needs_action)
        .bind(&a.summary_json)
        .bind(&a.entries_json)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if errors::is_violation(&e, ErrorKind::UniqueViolation) {
                StoreError::Conflict(format!("password audit {}", a.id))
            } else if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
                StoreError::NotFound(format!("office {} or its account {}", a.office_id, a.user_id))
            } else {
                errors::query_failed(&self.location, e)
            }
        })?;
        Ok(())
    }

    async fn vault_audits_for(
        &self,
        office: OfficeId,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<VaultAudit>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM vault_audits WHERE office_id = $1 AND user_id = $2 ORDER BY recorded_at DESC, id DESC LIMIT $3"
        ))
        .bind(office.as_uuid())
        .bind(user.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(audit_from_row).collect()
    }

    async fn latest_vault_audits(&self, office: OfficeId) -> Result<Vec<VaultAudit>, StoreError> {
        // uuid sorts by its bytes, which is the order of its hyphenated text
        // that SQLite sorts: both stores list users alike.
        let rows: Vec<AuditRow> = sqlx::query_as(concat!(
            "SELECT DISTINCT ON (user_id) ",
            audit_columns!(),
            " FROM vault_audits WHERE office_id = $1 ORDER BY user_id, recorded_at DESC, id DESC"
        ))
        .bind(office.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(audit_from_row).collect()
    }

    async fn vault_audit(&self, office: OfficeId, id: VaultAuditId) -> Result<Option<VaultAudit>, StoreError> {
        let row: Option<AuditRow> =
            sqlx::query_as(concat!("SELECT ", audit_columns!(), " FROM vault_audits WHERE office_id = $1 AND id = $2"))
                .bind(office.as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| errors::query_failed(&self.location, e))?;
        row.map(audit_from_row).transpose()
    }
}

fn audit_from_row(row: AuditRow) -> Result<VaultAudit, StoreError> {
    let audit = NewVaultAudit {
        id: VaultAuditId::from_uuid(row.id),
        office_id: OfficeId::from_uuid(row.office_id),
        user_id: UserId::from_uuid(row.user_id),
        recorded_at: decode::timestamp("vault_audits.recorded_at", row.recorded_at)?,
        recorded_by: row.recorded_by.map(UserId::from_uuid),
        source: vault_source_from(&row.source)?,
        format: row.format,
        entries: row.entries,
        needs_action: row.needs_action,
        summary_json: row.summary_json,
        entries_json: row.entries_json,
    };
    Ok(VaultAudit { audit })
}
