//! The [`DmarcStore`] half of the SQLite store: reports, what summaries read
//! back, the office's report settings and the reverse-DNS cache.

use std::collections::HashMap;
use std::net::IpAddr;

use async_trait::async_trait;
use portcullis_dmarc::{ReportSpan, Tally, TlsReport};
use portcullis_store::dmarc_chunks::{self, ChunkRow};
use portcullis_store::dmarc_rows::{SpanRow, TlsRow, failure_of, ip_column, span_of, tls_reports_of, unsigned};
use portcullis_store::{
    DmarcSettings, DmarcStore, ReportBatch, ReportedDomain, StoreError, StoredFailure, without_nul,
};
use portcullis_types::{OfficeId, Timestamp};
use sqlx::error::ErrorKind;
use sqlx::{QueryBuilder, Sqlite};

use crate::{SqliteStore, decode, dmarc_batch, errors};

/// Addresses per `IN (…)` list.
const IPS_PER_QUERY: usize = 500;

/// TLS report rows read at most (policies, newest first).
const TLS_ROWS: i64 = 2000;

fn office_missing(office: OfficeId) -> impl Fn(sqlx::Error, &str) -> StoreError {
    move |e, location| {
        if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
            StoreError::NotFound(format!("office {office}"))
        } else {
            errors::query_failed(location, e)
        }
    }
}

#[async_trait]
impl DmarcStore for SqliteStore {
    async fn begin_batch(&self) -> Result<Box<dyn ReportBatch>, StoreError> {
        dmarc_batch::begin(self).await
    }

    async fn purge_failure_reports(&self, office: OfficeId, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM dmarc_failures WHERE office_id = ?1 AND expires_at <= ?2")
            .bind(office.to_string())
            .bind(now.unix_micros())
            .execute(&self.writer)
            .await
            .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(done.rows_affected())
    }

    async fn reported_domains(&self, office: OfficeId) -> Result<Vec<ReportedDomain>, StoreError> {
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT domain, COUNT(*), CAST(TOTAL(messages) AS INTEGER), MAX(end_at) FROM dmarc_reports WHERE office_id = ?1 \
             GROUP BY domain ORDER BY domain",
        )
        .bind(office.to_string())
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(rows
            .into_iter()
            .map(|(domain, reports, messages, latest)| ReportedDomain {
                domain,
                reports: unsigned(reports),
                messages: unsigned(messages),
                latest,
            })
            .collect())
    }

    async fn dmarc_tallies(&self, office: OfficeId, domain: &str, since: i64) -> Result<Vec<Tally>, StoreError> {
        let rows: Vec<ChunkRow> = sqlx::query_as(
            "SELECT r.begin_at, r.policy_p, c.data FROM dmarc_record_chunks c JOIN dmarc_reports r ON r.id = c.report \
             WHERE r.office_id = ?1 AND r.domain = ?2 AND r.begin_at >= ?3 ORDER BY r.begin_at, c.report, c.seq",
        )
        .bind(office.to_string())
        .bind(without_nul(domain))
        .bind(since)
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        dmarc_chunks::tallies(rows)
    }

    async fn dmarc_spans(&self, office: OfficeId, domain: &str, since: i64) -> Result<Vec<ReportSpan>, StoreError> {
        let rows: Vec<SpanRow> = sqlx::query_as(
            "SELECT org_name, begin_at, end_at, policy_p, policy_pct, messages FROM dmarc_reports \
             WHERE office_id = ?1 AND domain = ?2 AND begin_at >= ?3 ORDER BY begin_at, id",
        )
        .bind(office.to_string())
        .bind(without_nul(domain))
        .bind(since)
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter().map(span_of).collect()
    }

    async fn tls_reports(&self, office: OfficeId, domain: &str, since: i64) -> Result<Vec<TlsReport>, StoreError> {
        let rows: Vec<TlsRow> = sqlx::query_as(
            "SELECT r.id, r.org_name, r.report_id, r.begin_at, r.end_at, r.contact, p.policy_type, \
             p.policy_domain, p.successful, p.failed, p.failures_json \
             FROM tls_reports r JOIN tls_policies p ON p.report = r.id \
             WHERE r.office_id = ?1 AND p.policy_domain = ?2 AND r.begin_at >= ?3 \
             ORDER BY r.begin_at DESC, r.id DESC, p.position LIMIT ?4",
        )
        .bind(office.to_string())
        .bind(without_nul(domain))
        .bind(since)
        .bind(TLS_ROWS)
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        tls_reports_of(rows)
    }

    async fn failure_reports(
        &self,
        office: OfficeId,
        domain: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredFailure>, StoreError> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT received_at, expires_at, report_json FROM dmarc_failures \
             WHERE office_id = ?1 AND (?2 IS NULL OR reported_domain = ?2) \
             ORDER BY received_at DESC, fingerprint LIMIT ?3",
        )
        .bind(office.to_string())
        .bind(domain.map(without_nul))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        rows.into_iter()
            .map(|(received, expires, json)| {
                Ok(StoredFailure {
                    received_at: decode::timestamp("dmarc_failures.received_at", received)?,
                    expires_at: decode::timestamp("dmarc_failures.expires_at", expires)?,
                    report: failure_of(&json)?,
                })
            })
            .collect()
    }

    async fn dmarc_settings(&self, office: OfficeId) -> Result<DmarcSettings, StoreError> {
        let row: Option<(bool, i64)> = sqlx::query_as(
            "SELECT keep_failure_reports, failure_retention_days FROM dmarc_settings WHERE office_id = ?1",
        )
        .bind(office.to_string())
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| errors::query_failed(&self.location, e))?;
        Ok(match row {
            Some((keep, days)) => DmarcSettings {
                keep_failure_reports: keep,
                failure_retention_days: decode::count("dmarc_settings.failure_retention_days", days)?,
            },
            None => DmarcSettings::default(),
        })
    }

    async fn set_dmarc_settings(&self, office: OfficeId, settings: &DmarcSettings) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO dmarc_settings (office_id, keep_failure_reports, failure_retention_days) \
             VALUES (?1, ?2, ?3) ON CONFLICT (office_id) DO UPDATE SET \
             keep_failure_reports = excluded.keep_failure_reports, \
             failure_retention_days = excluded.failure_retention_days",
        )
        .bind(office.to_string())
        .bind(settings.keep_failure_reports)
        .bind(i64::from(settings.failure_retention_days))
        .execute(&self.writer)
        .await
        .map_err(|e| office_missing(office)(e, &self.location))?;
        Ok(())
    }

    async fn cached_names(
        &self,
        ips: &[IpAddr],
        fresh_since: Timestamp,
    ) -> Result<HashMap<IpAddr, Option<String>>, StoreError> {
        let mut found = HashMap::new();
        for chunk in ips.chunks(IPS_PER_QUERY) {
            let mut query = QueryBuilder::<Sqlite>::new("SELECT ip, name FROM rdns_cache WHERE looked_up_at >= ");
            query.push_bind(fresh_since.unix_micros()).push(" AND ip IN (");
            let mut list = query.separated(", ");
            for ip in chunk {
                list.push_bind(ip.to_string());
            }
            query.push(")");
            let rows: Vec<(String, Option<String>)> = query
                .build_query_as()
                .fetch_all(&self.reader)
                .await
                .map_err(|e| errors::query_failed(&self.location, e))?;
            for (ip, name) in rows {
                found.insert(ip_column("rdns_cache.ip", &ip)?, name);
            }
        }
        Ok(found)
    }

    async fn cache_names(&self, names: &[(IpAddr, Option<String>)], at: Timestamp) -> Result<(), StoreError> {
        for chunk in names.chunks(IPS_PER_QUERY) {
            let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO rdns_cache (ip, name, looked_up_at) ");
            query.push_values(chunk, |mut b, (ip, name)| {
                b.push_bind(ip.to_string()).push_bind(name.as_deref().map(without_nul)).push_bind(at.unix_micros());
            });
            query.push(" ON CONFLICT (ip) DO UPDATE SET name = excluded.name, looked_up_at = excluded.looked_up_at");
            query.build().execute(&self.writer).await.map_err(|e| errors::query_failed(&self.location, e))?;
        }
        Ok(())
    }
}
