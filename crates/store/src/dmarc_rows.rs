//! Reading DMARC rows back: the column tuples both backends select, and
//! their conversion to report types, written once so the backends cannot
//! drift apart in how they decode.

use portcullis_dmarc::{FailureReport, Policy, ReportSpan, TlsFailure, TlsPolicy, TlsReport};

use crate::StoreError;

/// `id, org_name, report_id, begin_at, end_at, contact, policy_type, policy_domain, successful, failed, failures_json`.
pub type TlsRow = (i64, String, String, i64, i64, Option<String>, String, String, i64, i64, String);

/// `org_name, begin_at, end_at, policy_p, policy_pct, messages`.
pub type SpanRow = (String, i64, i64, Option<String>, Option<i64>, i64);

/// A stored policy name, `None` when the column is NULL.
pub fn policy_column(column: &str, raw: Option<String>) -> Result<Option<Policy>, StoreError> {
    raw.map(|p| Policy::from_value(p.trim()).ok_or_else(|| StoreError::Corrupt(format!("{column} holds '{p}'"))))
        .transpose()
}

/// A stored count (never negative as written; a negative one reads as 0).
pub fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn parsed<T: std::str::FromStr>(column: &str, raw: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    raw.parse::<T>().map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// An address column.
pub fn ip_column(column: &str, raw: &str) -> Result<std::net::IpAddr, StoreError> {
    parsed(column, raw)
}

/// One report's span.
pub fn span_of(row: SpanRow) -> Result<ReportSpan, StoreError> {
    let (org_name, begin, end, p, pct, messages) = row;
    Ok(ReportSpan {
        org_name,
        begin,
        end,
        policy: policy_column("dmarc_reports.policy_p", p)?,
        pct: pct.and_then(|n| u8::try_from(n).ok()),
        messages: unsigned(messages),
    })
}

/// Rows of (report, policy) back into reports, keeping their order.
pub fn tls_reports_of(rows: Vec<TlsRow>) -> Result<Vec<TlsReport>, StoreError> {
    let mut reports: Vec<(i64, TlsReport)> = Vec::new();
    for (id, org_name, report_id, begin, end, contact, policy_type, policy_domain, ok, failed, json) in rows {
        let failures: Vec<TlsFailure> =
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("tls_policies.failures_json: {e}")))?;
        let policy =
            TlsPolicy { policy_type, policy_domain, successful: unsigned(ok), failed: unsigned(failed), failures };
        match reports.last_mut() {
            Some((last, report)) if *last == id => report.policies.push(policy),
            _ => reports.push((id, TlsReport { org_name, report_id, begin, end, contact, policies: vec![policy] })),
        }
    }
    Ok(reports.into_iter().map(|(_, r)| r).collect())
}

/// A stored failure report's JSON.
pub fn failure_of(json: &str) -> Result<FailureReport, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("dmarc_failures.report_json: {e}")))
}
