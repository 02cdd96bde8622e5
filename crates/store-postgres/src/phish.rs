//! The `phish_reports`, `phish_senders` and `phish_servers` tables: the
//! [`PhishStore`] half of the store.

use async_trait::async_trait;
use portcullis_store::{
    KnownSender, NewPhishReport, Outcome, PhishKnowledge, PhishReport, PhishStore, ReportId, StoreError,
    cleaned_phish_report, outcome_from, reasons_from_json, reasons_json, score_from, source_from, without_nul,
};
use portcullis_types::{OfficeId, Timestamp, UserId};
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use uuid::Uuid;

use crate::{PgStore, decode, errors};

/// Every column of `phish_reports`, in the order [`ReportRow`] reads them
/// (a macro, so that the queries stay `&'static str`).
macro_rules! report_columns {
    () => {
        "id, office_id, reported_at, reported_by, source, subject, from_address, \
         message_sha256, verdict, score, reasons, outcome, outcome_by, outcome_at"
    };
}

/// A `phish_reports` row.
#[derive(sqlx::FromRow)]
struct ReportRow {
    id: Uuid,
    office_id: Uuid,
    reported_at: OffsetDateTime,
    reported_by: Option<Uuid>,
    source: String,
    subject: String,
    from_address: String,
    message_sha256: String,
    verdict: String,
    score: i16,
    reasons: String,
    outcome: Option<String>,
    outcome_by: Option<String>,
    outcome_at: Option<OffsetDateTime>,
}

/// `office_id, value, note, added_by, added_at`.
type SenderRow = (Uuid, String, String, String, OffsetDateTime);

#[async_trait]
impl PhishStore for PgStore {
    async fn add_phish_report(&self, report: &NewPhishReport) -> Result<PhishReport, StoreError> {
        let r = cleaned_phish_report(report);
        sqlx::query(concat!(
            "INSERT INTO phish_reports (",
            report_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL)"
        ))
        .bind(r.id.as_uuid())
        .bind(r.office_id.as_uuid())
        .bind(r.reported_at.to_datetime())
        .bind(r.reported_by.map(|u| u.as_uuid()))
        .bind(r.source.as_str())
        .bind(&r.subject)
        .bind(&r.from_address)
        .bind(&r.message_sha256)
        .bind(&r.verdict)
        .bind(i16::from(r.score))
        .bind(reasons_json(&r.reasons)?)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if errors::is_violation(&e, ErrorKind::UniqueViolation) {
                StoreError::Conflict(format!("triage report {}", r.id))
            } else if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
                StoreError::NotFound(format!("office {}", r.office_id))
            } else {
                errors::query_failed(&self.location, e)
            }
        })?;
        Ok(PhishReport { report: r, outcome: None, outcome_by: None, outcome_at: None })
    }

    async fn phish_reports(&self, office: OfficeId, limit: u32) -> Result<Vec<PhishReport>, StoreError> {
        let rows: Vec<ReportRow> = sqlx::query_as(concat!(
            "SELECT ",
            report_columns!(),
            " FROM phish_reports WHERE office_id = $1 ORDER BY reported_at DESC, id DESC LIMIT $2"
        ))
        .bind(office.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(report_from_row).collect()
    }

    async fn phish_report(&self, office: OfficeId, id: ReportId) -> Result<Option<PhishReport>, StoreError> {
        let row: Option<ReportRow> = sqlx::query_as(concat!(
            "SELECT ",
            report_columns!(),
            " FROM phish_reports WHERE office_id = $1 AND id = $2"
        ))
        .bind(office.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        row.map(report_from_row).transpose()
    }

    async fn set_phish_outcome(
        &self,
        office: OfficeId,
        id: ReportId,
        outcome: Outcome,
        by: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE phish_reports SET outcome = $3, outcome_by = $4, outcome_at = $5 \
             WHERE office_id = $1 AND id = $2",
        )
        .bind(office.as_uuid())
        .bind(id.as_uuid())
        .bind(outcome.as_str())
        .bind(without_nul(by))
        .bind(at.to_datetime())
        .execute(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_known_sender(&self, sender: &KnownSender) -> Result<(), StoreError> {
        let value = without_nul(&sender.value);
        sqlx::query(
            "INSERT INTO phish_senders (office_id, value, note, added_by, added_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sender.office_id.as_uuid())
        .bind(&value)
        .bind(without_nul(&sender.note))
        .bind(without_nul(&sender.added_by))
        .bind(sender.added_at.to_datetime())
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if errors::is_violation(&e, ErrorKind::UniqueViolation) {
                StoreError::Conflict(format!("known sender {value}"))
            } else if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
                StoreError::NotFound(format!("office {}", sender.office_id))
            } else {
                errors::query_failed(&self.location, e)
            }
        })?;
        Ok(())
    }

    async fn remove_known_sender(&self, office: OfficeId, value: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM phish_senders WHERE office_id = $1 AND value = $2")
            .bind(office.as_uuid())
            .bind(without_nul(value))
            .execute(&self.pool)
            .await
            .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(done.rows_affected() > 0)
    }

    async fn known_senders(&self, office: OfficeId) -> Result<Vec<KnownSender>, StoreError> {
        let rows: Vec<SenderRow> = sqlx::query_as(
            "SELECT office_id, value, note, added_by, added_at FROM phish_senders WHERE office_id = $1 ORDER BY value",
        )
        .bind(office.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(sender_from_row).collect()
    }

    async fn set_trusted_servers(&self, office: OfficeId, servers: &[String]) -> Result<(), StoreError> {
        let failed = |e| errors::query_failed(&self.location, e);
        let missing = || StoreError::NotFound(format!("office {office}"));
        let mut tx = self.pool.begin().await.map_err(failed)?;
        // Lock the office row: two replacements at once (two servers, a
        // double click) then run one after the other. Without it, under read
        // committed, each DELETE would miss the rows the other is inserting
        // and the office would end up with both lists. NO KEY UPDATE still
        // lets other rows that refer to the office be written meanwhile.
        let locked: Option<Uuid> = sqlx::query_scalar("SELECT id FROM offices WHERE id = $1 FOR NO KEY UPDATE")
            .bind(office.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(failed)?;
        if locked.is_none() {
            return Err(missing());
        }
        sqlx::query("DELETE FROM phish_servers WHERE office_id = $1")
            .bind(office.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        let servers: Vec<String> = servers.iter().map(|s| without_nul(s)).collect();
        // The whole list in one statement; a server given twice is trusted once.
        sqlx::query(
            "INSERT INTO phish_servers (office_id, authserv_id) SELECT $1, s FROM unnest($2::text[]) AS t(s) \
             ON CONFLICT (office_id, authserv_id) DO NOTHING",
        )
        .bind(office.as_uuid())
        .bind(&servers)
        .execute(&mut *tx)
        .await
        .map_err(|e| if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) { missing() } else { failed(e) })?;
        tx.commit().await.map_err(failed)
    }

    async fn phish_knowledge(&self, office: OfficeId) -> Result<PhishKnowledge, StoreError> {
        let known = self.known_senders(office).await?.into_iter().map(|s| s.value).collect();
        Ok(PhishKnowledge {
            known_senders: known,
            marked_phishing: self.addresses_marked(office, Outcome::Phishing).await?,
            seen_safe: self.addresses_marked(office, Outcome::Safe).await?,
            trusted_servers: self.trusted_servers(office).await?,
        })
    }
}

impl PgStore {
    /// The office's trusted receiving servers, sorted.
    async fn trusted_servers(&self, office: OfficeId) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT authserv_id FROM phish_servers WHERE office_id = $1 ORDER BY authserv_id")
            .bind(office.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(|e| errors::query_failed(&self.location, e))
    }

    /// The distinct, non-empty From addresses of the office's reports with `outcome`.
    async fn addresses_marked(&self, office: OfficeId, outcome: Outcome) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT DISTINCT from_address FROM phish_reports \
             WHERE office_id = $1 AND outcome = $2 AND from_address <> '' ORDER BY from_address",
        )
        .bind(office.as_uuid())
        .bind(outcome.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))
    }
}

fn report_from_row(row: ReportRow) -> Result<PhishReport, StoreError> {
    let report = NewPhishReport {
        id: ReportId::from_uuid(row.id),
        office_id: OfficeId::from_uuid(row.office_id),
        reported_at: decode::timestamp("phish_reports.reported_at", row.reported_at)?,
        reported_by: row.reported_by.map(UserId::from_uuid),
        source: source_from(&row.source)?,
        subject: row.subject,
        from_address: row.from_address,
        message_sha256: row.message_sha256,
        verdict: row.verdict,
        score: score_from(i64::from(row.score))?,
        reasons: reasons_from_json(&row.reasons)?,
    };
    Ok(PhishReport {
        report,
        outcome: outcome_from(row.outcome.as_deref())?,
        outcome_by: row.outcome_by,
        outcome_at: decode::maybe_timestamp("phish_reports.outcome_at", row.outcome_at)?,
    })
}

fn sender_from_row((office_id, value, note, added_by, added_at): SenderRow) -> Result<KnownSender, StoreError> {
    Ok(KnownSender {
        office_id: OfficeId::from_uuid(office_id),
        value,
        note,
        added_by,
        added_at: decode::timestamp("phish_senders.added_at", added_at)?,
    })
}
