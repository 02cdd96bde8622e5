//! The `vault_audits` table: the [`VaultStore`] half of the store.

use async_trait::async_trait;
use portcullis_store::{
    NewVaultAudit, StoreError, VaultAudit, VaultAuditId, VaultStore, cleaned_vault_audit, vault_source_from,
};
use portcullis_types::{OfficeId, UserId};
use sqlx::error::ErrorKind;

use crate::{SqliteStore, decode, errors};

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
    id: String,
    office_id: String,
    user_id: String,
    recorded_at: i64,
    recorded_by: Option<String>,
    source: String,
    format: String,
    entries: i64,
    needs_action: i64,
    summary_json: String,
    entries_json: String,
}

#[async_trait]
impl VaultStore for SqliteStore {
    async fn add_vault_audit(&self, audit: &NewVaultAudit) -> Result<(), StoreError> {
        let a = cleaned_vault_audit(audit);
        sqlx::query(concat!(
            "INSERT INTO vault_audits (",
            audit_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ))
        .bind(a.id.to_string())
        .bind(a.office_id.to_string())
        .bind(a.user_id.to_string())
        .bind(a.recorded_at.unix_micros())
        .bind(a.recorded_by.map(|u| u.to_string()))
        .bind(a.source.as_str())
        .bind(&a.format)
        .bind(a.entries)
        .bind(a.needs_action)
        .bind(&a.summary_json)
        .bind(&a.entries_json)
        .execute(&self.writer)
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
            " FROM vault_audits WHERE office_id = ?1 AND user_id = ?2 ORDER BY recorded_at DESC, id DESC LIMIT ?3"
        ))
        .bind(office.to_string())
        .bind(user.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(audit_from_row).collect()
    }

    async fn latest_vault_audits(&self, office: OfficeId) -> Result<Vec<VaultAudit>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM (SELECT ",
            audit_columns!(),
            ", row_number() OVER (PARTITION BY user_id ORDER BY recorded_at DESC, id DESC) AS newness \
             FROM vault_audits WHERE office_id = ?1) WHERE newness = 1 ORDER BY user_id"
        ))
        .bind(office.to_string())
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(audit_from_row).collect()
    }

    async fn vault_audit(&self, office: OfficeId, id: VaultAuditId) -> Result<Option<VaultAudit>, StoreError> {
        let row: Option<AuditRow> =
            sqlx::query_as(concat!("SELECT ", audit_columns!(), " FROM vault_audits WHERE office_id = ?1 AND id = ?2"))
                .bind(office.to_string())
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await
                .map_err(|e| errors::query_failed(&self.location, e))?;
        row.map(audit_from_row).transpose()
    }
}

fn audit_from_row(row: AuditRow) -> Result<VaultAudit, StoreError> {
    let audit = NewVaultAudit {
        id: decode::parse::<VaultAuditId>("vault_audits.id", &row.id)?,
        office_id: decode::parse::<OfficeId>("vault_audits.office_id", &row.office_id)?,
        user_id: decode::parse::<UserId>("vault_audits.user_id", &row.user_id)?,
        recorded_at: decode::timestamp("vault_audits.recorded_at", row.recorded_at)?,
        recorded_by: row
            .recorded_by
            .as_deref()
            .map(|u| decode::parse::<UserId>("vault_audits.recorded_by", u))
            .transpose()?,
        source: vault_source_from(&row.source)?,
        format: row.format,
        entries: row.entries,
        needs_action: row.needs_action,
        summary_json: row.summary_json,
        entries_json: row.entries_json,
    };
    Ok(VaultAudit { audit })
}
