//! A batch of reports in one transaction. Reports read whole are stored
//! several at once, as arrays the server unnests, under one savepoint; a
//! report too big to hold gets a savepoint of its own: the header row first
//! (or nothing, for a report already stored), then its records a chunk at
//! a time, then the totals.

use async_trait::async_trait;
use portcullis_dmarc::{FailureReport, Record, ReportHeader, TlsReport};
use std::collections::HashMap;

use portcullis_store::dmarc_chunks::{self, Chunk};
use portcullis_store::{ReportBatch, StoreError, WholeReport, without_nul};
use portcullis_types::{OfficeId, Timestamp};
use sqlx::error::ErrorKind;
use sqlx::{Postgres, Transaction};

use crate::{PgStore, errors};

/// The aggregate report open in a batch.
struct Open {
    report: i64,
    /// The next chunk's number.
    seq: i32,
    records: i64,
    messages: i64,
}

/// An open batch.
struct Batch {
    tx: Transaction<'static, Postgres>,
    open: Option<Open>,
    location: String,
}

/// Start a batch.
pub(crate) async fn begin(store: &PgStore) -> Result<Box<dyn ReportBatch>, StoreError> {
    let tx = store.pool.begin().await.map_err(|e| errors::query_failed(&store.location, e))?;
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

/// Report headers as one array per column, with their totals.
#[derive(Default)]
struct Headers {
    org_name: Vec<String>,
    report_id: Vec<String>,
    email: Vec<Option<String>>,
    domain: Vec<String>,
    begin: Vec<i64>,
    end: Vec<i64>,
    schema: Vec<&'static str>,
    p: Vec<Option<&'static str>>,
    pct: Vec<Option<i16>>,
    records: Vec<i64>,
    messages: Vec<i64>,
}

impl Headers {
    fn push(&mut self, h: &ReportHeader, records: i64, messages: i64) {
        self.org_name.push(without_nul(&h.org_name));
        self.report_id.push(without_nul(&h.report_id));
        self.email.push(h.email.as_deref().map(without_nul));
        self.domain.push(without_nul(&h.policy.domain));
        self.begin.push(h.begin);
        self.end.push(h.end);
        self.schema.push(h.schema.as_str());
        self.p.push(h.policy.p.map(portcullis_dmarc::Policy::as_str));
        self.pct.push(h.policy.pct.map(i16::from));
        self.records.push(records);
        self.messages.push(messages);
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
        let mut headers = Headers::default();
        headers.push(header, 0, 0);
        match self.insert_headers(office, &headers, at).await {
            Ok(ids) => match ids.first().copied().flatten() {
                Some(report) => {
                    self.open = Some(Open { report, seq: 0, records: 0, messages: 0 });
                    Ok(true)
                }
                None => self.close(true).await.map(|()| false),
            },
            Err(error) => {
                self.close(false).await?;
                Err(error)
            }
        }
    }

    async fn add_records(&mut self, records: &[Record]) -> Result<(), StoreError> {
        let Some(open) = self.open.as_ref() else {
            return Err(StoreError::Database("records were added with no report open".into()));
        };
        if records.is_empty() {
            return Ok(());
        }
        let (report, seq) = (open.report, open.seq);
        let chunk = dmarc_chunks::encode(records)?;
        self.insert_chunks(&[(report, seq, &chunk)]).await?;
        if let Some(open) = self.open.as_mut() {
            open.seq = open.seq.saturating_add(1);
            open.records = open.records.saturating_add(chunk.records);
            open.messages = open.messages.saturating_add(chunk.messages);
        }
        Ok(())
    }

    async fn end_aggregate(&mut self) -> Result<(), StoreError> {
        let Some(open) = self.open.take() else { return Ok(()) };
        let updated = sqlx::query("UPDATE dmarc_reports SET records = $2, messages = $3 WHERE id = $1")
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

    async fn store_aggregates(
        &mut self,
        office: OfficeId,
        reports: &[WholeReport<'_>],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        self.abort_aggregate().await?;
        self.run("SAVEPOINT reports").await?;
        let stored = self.insert_whole(office, reports, at).await;
        if stored.is_err() {
            self.run("ROLLBACK TO reports").await?;
        }
        self.run("RELEASE reports").await?;
        stored
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.abort_aggregate().await?;
        let Batch { tx, location, .. } = *self;
        tx.commit().await.map_err(|e| errors::query_failed(&location, e))
    }
}

impl Batch {
    /// Whole reports: their headers with totals, then a chunk each for
    /// those that are new.
    async fn insert_whole(
        &mut self,
        office: OfficeId,
        reports: &[WholeReport<'_>],
        at: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        let chunks = reports.iter().map(|r| dmarc_chunks::encode(r.records)).collect::<Result<Vec<Chunk>, _>>()?;
        let mut headers = Headers::default();
        for (r, c) in reports.iter().zip(&chunks) {
            headers.push(r.header, c.records, c.messages);
        }
        let ids = self.insert_headers(office, &headers, at).await?;
        let rows: Vec<(i64, i32, &Chunk)> =
            ids.iter().zip(&chunks).filter_map(|(id, chunk)| id.map(|id| (id, 0, chunk))).collect();
        self.insert_chunks(&rows).await?;
        Ok(ids.iter().map(Option::is_some).collect())
    }

    /// Insert report headers; for each, in order, its new id or `None`
    /// when the office already has it (or it came earlier in `headers`).
    async fn insert_headers(
        &mut self,
        office: OfficeId,
        h: &Headers,
        at: Timestamp,
    ) -> Result<Vec<Option<i64>>, StoreError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "INSERT INTO dmarc_reports (office_id, org_name, report_id, email, domain, begin_at, end_at, schema, \
             policy_p, policy_pct, records, messages, received_at) \
             SELECT $1, u.*, $13 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], \
             $7::bigint[], $8::text[], $9::text[], $10::smallint[], $11::bigint[], $12::bigint[]) AS u \
             ON CONFLICT (office_id, org_name, report_id) DO NOTHING RETURNING id, org_name, report_id",
        )
        .bind(office.as_uuid())
        .bind(&h.org_name)
        .bind(&h.report_id)
        .bind(&h.email)
        .bind(&h.domain)
        .bind(&h.begin)
        .bind(&h.end)
        .bind(&h.schema)
        .bind(&h.p)
        .bind(&h.pct)
        .bind(&h.records)
        .bind(&h.messages)
        .bind(at.to_datetime())
        .fetch_all(&mut *self.tx)
        .await
        .map_err(|e| self.refused(office, e))?;
        let mut ids: HashMap<(String, String), i64> =
            rows.into_iter().map(|(id, org, report)| ((org, report), id)).collect();
        Ok(h.org_name
            .iter()
            .zip(&h.report_id)
            .map(|(org, report)| ids.remove(&(org.clone(), report.clone())))
            .collect())
    }

    /// Insert chunks: (report, seq, chunk).
    async fn insert_chunks(&mut self, rows: &[(i64, i32, &Chunk)]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let report: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let seq: Vec<i32> = rows.iter().map(|r| r.1).collect();
        let records: Vec<i32> = rows.iter().map(|r| i32::try_from(r.2.records).unwrap_or(i32::MAX)).collect();
        let data: Vec<&str> = rows.iter().map(|r| r.2.data.as_str()).collect();
        sqlx::query(
            "INSERT INTO dmarc_record_chunks (report, seq, records, data) \
             SELECT * FROM UNNEST($1::bigint[], $2::integer[], $3::integer[], $4::text[])",
        )
        .bind(&report)
        .bind(&seq)
        .bind(&records)
        .bind(&data)
        .execute(&mut *self.tx)
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    async fn insert_tls(&mut self, office: OfficeId, report: &TlsReport, at: Timestamp) -> Result<bool, StoreError> {
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO tls_reports (office_id, org_name, report_id, begin_at, end_at, contact, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (office_id, org_name, report_id) DO NOTHING RETURNING id",
        )
        .bind(office.as_uuid())
        .bind(without_nul(&report.org_name))
        .bind(without_nul(&report.report_id))
        .bind(report.begin)
        .bind(report.end)
        .bind(report.contact.as_deref().map(without_nul))
        .bind(at.to_datetime())
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(|e| self.refused(office, e))?;
        let Some((id,)) = inserted else { return Ok(false) };
        for (position, p) in report.policies.iter().enumerate() {
            sqlx::query(
                "INSERT INTO tls_policies (report, position, policy_type, policy_domain, successful, failed, \
                 failures_json) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
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
             report_json) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (office_id, fingerprint) DO NOTHING",
        )
        .bind(office.as_uuid())
        .bind(without_nul(&report.fingerprint))
        .bind(without_nul(&report.reported_domain))
        .bind(at.to_datetime())
        .bind(expires_at.to_datetime())
        .bind(portcullis_store::json_text(report)?)
        .execute(&mut *self.tx)
        .await
        .map_err(|e| self.refused(office, e))?;
        Ok(done.rows_affected() > 0)
    }
}
