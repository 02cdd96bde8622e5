//! A batch of reports in one `BEGIN IMMEDIATE` transaction, each report in
//! a savepoint: the header row first (or nothing, for a report already
//! stored), then the records in multi-row INSERTs, then the totals.

use async_trait::async_trait;
use portcullis_dmarc::{FailureReport, Record, ReportHeader, TlsReport};
use portcullis_store::{RecordRow, ReportBatch, StoreError, without_nul};
use portcullis_types::{OfficeId, Timestamp};
use sqlx::error::ErrorKind;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use crate::{SqliteStore, errors};

/// Records per INSERT: 10 columns each stays far below SQLite's limit of
/// 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 500;

/// The aggregate report open in a batch.
struct Open {
    report: i64,
    records: i64,
    messages: i64,
}

/// An open batch.
struct Batch {
    tx: Transaction<'static, Sqlite>,
    open: Option<Open>,
    location: String,
}

/// Start a batch.
pub(crate) async fn begin(store: &SqliteStore) -> Result<Box<dyn ReportBatch>, StoreError> {
    let tx = store.writer.begin_with("BEGIN IMMEDIATE").await.map_err(|e| errors::query_failed(&store.location, e))?;
    Ok(Box::new(Batch { tx, open: None, location: store.location.clone() }))
}

impl Batch {
    fn failed(&self, e: sqlx::Error) -> StoreError {
        errors::query_failed(&self.location, e)
    }

    /// A failed insert: a missing office, or the database's own failure.
    fn refused(&self, office: OfficeId, e: sqlx::Error) -> StoreError {
        if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
            StoreError::NotFound(format!("office {office}"))
        } else {
            self.failed(e)
        }
    }

    async fn run(&mut self, sql: &'static str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&mut *self.tx).await.map(drop).map_err(|e| self.failed(e))
    }

    /// Leave the open report's savepoint, rolling it back first if asked.
    async fn close(&mut self, keep: bool) -> Result<(), StoreError> {
        if !keep {
            self.run("ROLLBACK TO report").await?;
        }
        self.run("RELEASE report").await
    }
}

#[async_trait]
impl ReportBatch for Batch {
    async fn begin_aggregate(
        &mut self,
        office: OfficeId,
        header: &ReportHeader,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        if self.open.take().is_some() {
            self.close(false).await?;
        }
        self.run("SAVEPOINT report").await?;
        let inserted: Result<Option<(i64,)>, sqlx::Error> = sqlx::query_as(
            "INSERT INTO dmarc_reports (office_id, org_name, report_id, email, domain, begin_at, end_at, schema, \
             policy_p, policy_pct, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (office_id, org_name, report_id) DO NOTHING RETURNING id",
        )
        .bind(office.to_string())
        .bind(without_nul(&header.org_name))
        .bind(without_nul(&header.report_id))
        .bind(header.email.as_deref().map(without_nul))
        .bind(without_nul(&header.policy.domain))
        .bind(header.begin)
        .bind(header.end)
        .bind(header.schema.as_str())
        .bind(header.policy.p.map(portcullis_dmarc::Policy::as_str))
        .bind(header.policy.pct.map(i64::from))
        .bind(at.unix_micros())
        .fetch_optional(&mut *self.tx)
        .await;
        match inserted {
            Ok(Some((report,))) => {
                self.open = Some(Open { report, records: 0, messages: 0 });
                Ok(true)
            }
            Ok(None) => self.close(true).await.map(|()| false),
            Err(e) => {
                let error = self.refused(office, e);
                self.close(false).await?;
                Err(error)
            }
        }
    }

    async fn add_records(&mut self, records: &[Record]) -> Result<(), StoreError> {
        let Some(open) = self.open.as_mut() else {
            return Err(StoreError::Database("records were added with no report open".into()));
        };
        let report = open.report;
        for chunk in records.chunks(ROWS_PER_INSERT) {
            let rows: Vec<RecordRow> = chunk.iter().map(RecordRow::of).collect();
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO dmarc_records (report, source_ip, count, disposition, dkim, spf, header_from, \
                 dkim_domain, dkim_selector, spf_domain) ",
            );
            insert.push_values(&rows, |mut b, row| {
                b.push_bind(report)
                    .push_bind(&row.source_ip)
                    .push_bind(row.count)
                    .push_bind(row.disposition)
                    .push_bind(row.dkim)
                    .push_bind(row.spf)
                    .push_bind(&row.header_from)
                    .push_bind(&row.dkim_domain)
                    .push_bind(&row.dkim_selector)
                    .push_bind(&row.spf_domain);
            });
            insert.build().execute(&mut *self.tx).await.map_err(|e| errors::query_failed(&self.location, e))?;
            if let Some(open) = self.open.as_mut() {
                open.records = open.records.saturating_add(i64::try_from(rows.len()).unwrap_or(i64::MAX));
                open.messages = rows.iter().fold(open.messages, |sum, row| sum.saturating_add(row.count));
            }
        }
        Ok(())
    }

    async fn end_aggregate(&mut self) -> Result<(), StoreError> {
        let Some(open) = self.open.take() else { return Ok(()) };
        let updated = sqlx::query("UPDATE dmarc_reports SET records = ?2, messages = ?3 WHERE id = ?1")
            .bind(open.report)
            .bind(open.records)
            .bind(open.messages)
            .execute(&mut *self.tx)
            .await;
        if let Err(e) = updated {
            let error = self.failed(e);
            self.close(false).await?;
            return Err(error);
        }
        self.close(true).await
    }

    async fn abort_aggregate(&mut self) -> Result<(), StoreError> {
        if self.open.take().is_some() { self.close(false).await } else { Ok(()) }
    }

    async fn store_tls_report(
        &mut self,
        office: OfficeId,
        report: &TlsReport,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.abort_aggregate().await?;
        self.run("SAVEPOINT report").await?;
        let stored = self.insert_tls(office, report, at).await;
        self.close(stored.is_ok()).await?;
        stored
    }

    async fn store_failure_report(
        &mut self,
        office: OfficeId,
        report: &FailureReport,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.abort_aggregate().await?;
        self.run("SAVEPOINT report").await?;
        let stored = self.insert_failure(office, report, at, expires_at).await;
        self.close(stored.is_ok()).await?;
        stored
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.abort_aggregate().await?;
        let Batch { tx, location, .. } = *self;
        tx.commit().await.map_err(|e| errors::query_failed(&location, e))
    }
}

impl Batch {
    async fn insert_tls(&mut self, office: OfficeId, report: &TlsReport, at: Timestamp) -> Result<bool, StoreError> {
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO tls_reports (office_id, org_name, report_id, begin_at, end_at, contact, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (office_id, org_name, report_id) DO NOTHING RETURNING id",
        )
        .bind(office.to_string())
        .bind(without_nul(&report.org_name))
        .bind(without_nul(&report.report_id))
        .bind(report.begin)
        .bind(report.end)
        .bind(report.contact.as_deref().map(without_nul))
        .bind(at.unix_micros())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(|e| self.refused(office, e))?;
        let Some((id,)) = inserted else { return Ok(false) };
        for (position, p) in report.policies.iter().enumerate() {
            sqlx::query(
                "INSERT INTO tls_policies (report, position, policy_type, policy_domain, successful, failed, \
                 failures_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(without_nul(&p.policy_type))
            .bind(without_nul(&p.policy_domain))
            .bind(i64::try_from(p.successful).unwrap_or(i64::MAX))
            .bind(i64::try_from(p.failed).unwrap_or(i64::MAX))
            .bind(portcullis_store::json_text(&p.failures)?)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| self.failed(e))?;
        }
        Ok(true)
    }

    async fn insert_failure(
        &mut self,
        office: OfficeId,
        report: &FailureReport,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO dmarc_failures (office_id, fingerprint, reported_domain, received_at, expires_at, \
             report_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (office_id, fingerprint) DO NOTHING",
        )
        .bind(office.to_string())
        .bind(without_nul(&report.fingerprint))
        .bind(without_nul(&report.reported_domain))
        .bind(at.unix_micros())
        .bind(expires_at.unix_micros())
        .bind(portcullis_store::json_text(report)?)
        .execute(&mut *self.tx)
        .await
        .map_err(|e| self.refused(office, e))?;
        Ok(done.rows_affected() > 0)
    }
}
