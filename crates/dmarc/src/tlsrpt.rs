//! SMTP TLS reports (RFC 8460): a JSON document, read whole into memory
//! (at most [`MAX_JSON_BYTES`]) and deserialised into bounded, owned values.
//!
//! Tolerated deviations seen in real reports: `failure-details` entries
//! without the optional addresses (Mail.ru), counts written as strings,
//! missing session counts (taken as 0), unknown fields (ignored), and
//! `report-id`s written as numbers. Policies beyond [`MAX_POLICIES`] and
//! failure details beyond [`MAX_FAILURES_PER_POLICY`] per policy are read
//! over and dropped (the summary counts still say how many sessions
//! failed); every kept string is cut to [`MAX_VALUE_BYTES`].

use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::{Limits, ParseError, TlsFailure, TlsPolicy, TlsReport};

/// Largest TLS report JSON read, in bytes (real ones are a few KiB).
pub const MAX_JSON_BYTES: u64 = 16 * 1024 * 1024;
/// Policies kept per report.
pub const MAX_POLICIES: usize = 1000;
/// Failure details kept per policy.
pub const MAX_FAILURES_PER_POLICY: usize = 100;
/// Longest string kept from a report, in bytes.
pub const MAX_VALUE_BYTES: usize = 1024;

/// Parse one SMTP TLS report from its JSON text (an optional UTF-8
/// byte-order mark is skipped).
///
/// Fails with [`ParseError::TooDeep`] when arrays and objects nest deeper
/// than `limits.max_depth` (checked before any parsing), and with
/// [`ParseError::NotAReport`] for JSON that has none of a TLS report's
/// fields.
pub fn parse_tls(bytes: &[u8], limits: &Limits) -> Result<TlsReport, ParseError> {
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(ParseError::TooLarge { what: "the TLS report", limit: MAX_JSON_BYTES });
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(ParseError::Encoding { detail: format!(" (at byte {})", e.valid_up_to()) });
    }
    check_depth(bytes, limits.max_depth)?;
    let raw: RawReport = serde_json::from_slice(bytes).map_err(json_error)?;
    raw.into_report()
}

/// Refuse JSON whose arrays and objects nest deeper than `max_depth`
/// (serde_json's own recursion limit would stop at 128; ours is tighter and
/// gives a clear message).
fn check_depth(bytes: &[u8], max_depth: usize) -> Result<(), ParseError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    return Err(ParseError::TooDeep { limit: max_depth });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn json_error(e: serde_json::Error) -> ParseError {
    match e.classify() {
        serde_json::error::Category::Data => ParseError::Invalid { field: "TLS report", value: e.to_string() },
        _ => ParseError::Malformed { format: "JSON", detail: e.to_string() },
    }
}

#[derive(Deserialize)]
#[serde(expecting = "an SMTP TLS report (a JSON object)")]
struct RawReport {
    #[serde(rename = "organization-name")]
    org_name: Option<Text>,
    #[serde(rename = "date-range")]
    date_range: Option<RawRange>,
    #[serde(rename = "contact-info")]
    contact: Option<Text>,
    #[serde(rename = "report-id")]
    report_id: Option<Text>,
    policies: Option<Capped<RawPolicy, MAX_POLICIES>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a date-range object")]
struct RawRange {
    #[serde(rename = "start-datetime")]
    start: Option<Text>,
    #[serde(rename = "end-datetime")]
    end: Option<Text>,
}

#[derive(Deserialize)]
#[serde(expecting = "a policy entry (an object)")]
struct RawPolicy {
    policy: Option<RawPolicyId>,
    summary: Option<RawSummary>,
    #[serde(rename = "failure-details")]
    failures: Option<Capped<RawFailure, MAX_FAILURES_PER_POLICY>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a policy object")]
struct RawPolicyId {
    #[serde(rename = "policy-type")]
    policy_type: Option<Text>,
    #[serde(rename = "policy-domain")]
    policy_domain: Option<Text>,
}

#[derive(Deserialize)]
#[serde(expecting = "a summary object")]
struct RawSummary {
    #[serde(rename = "total-successful-session-count")]
    successful: Option<Count>,
    #[serde(rename = "total-failure-session-count")]
    failed: Option<Count>,
}

#[derive(Deserialize)]
#[serde(expecting = "a failure-details entry (an object)")]
struct RawFailure {
    #[serde(rename = "result-type")]
    result_type: Option<Text>,
    #[serde(rename = "sending-mta-ip")]
    sending_mta_ip: Option<Text>,
    #[serde(rename = "receiving-mx-hostname")]
    receiving_mx: Option<Text>,
    #[serde(rename = "receiving-ip")]
    receiving_ip: Option<Text>,
    #[serde(rename = "failed-session-count")]
    sessions: Option<Count>,
    #[serde(rename = "failure-reason-code")]
    reason: Option<Text>,
}

impl RawReport {
    fn into_report(self) -> Result<TlsReport, ParseError> {
        if self.org_name.is_none() && self.date_range.is_none() && self.policies.is_none() {
            return Err(ParseError::NotAReport {
                detail: "a JSON document without organization-name, date-range or policies".into(),
            });
        }
        let org_name = required(self.org_name, "organization-name")?;
        let report_id = required(self.report_id, "report-id")?;
        let range = self.date_range.ok_or(ParseError::Missing("date-range"))?;
        let begin = datetime(range.start, "date-range start-datetime")?;
        let end = datetime(range.end, "date-range end-datetime")?;
        if end < begin {
            return Err(ParseError::PeriodReversed);
        }
        let policies = self.policies.ok_or(ParseError::Missing("policies"))?;
        Ok(TlsReport {
            org_name,
            report_id,
            begin,
            end,
            contact: self.contact.map(|t| clean(&t.0)).filter(|c| !c.is_empty()),
            policies: policies.items.into_iter().map(RawPolicy::into_policy).collect::<Result<_, _>>()?,
        })
    }
}

impl RawPolicy {
    fn into_policy(self) -> Result<TlsPolicy, ParseError> {
        let id = self.policy.ok_or(ParseError::Missing("policy in a policies entry"))?;
        let summary = self.summary.ok_or(ParseError::Missing("summary in a policies entry"))?;
        Ok(TlsPolicy {
            policy_type: required(id.policy_type, "policy-type")?.to_ascii_lowercase(),
            policy_domain: domain(&required(id.policy_domain, "policy-domain")?),
            successful: count(summary.successful, "total-successful-session-count")?,
            failed: count(summary.failed, "total-failure-session-count")?,
            failures: self
                .failures
                .map(|f| f.items)
                .unwrap_or_default()
                .into_iter()
                .map(RawFailure::into_failure)
                .collect::<Result<_, _>>()?,
        })
    }
}

impl RawFailure {
    fn into_failure(self) -> Result<TlsFailure, ParseError> {
        Ok(TlsFailure {
            result_type: required(self.result_type, "result-type in a failure-details entry")?.to_ascii_lowercase(),
            sending_mta_ip: self.sending_mta_ip.and_then(|t| ip(&t.0)),
            receiving_mx: self.receiving_mx.map(|t| domain(&t.0)).filter(|d| !d.is_empty()),
            receiving_ip: self.receiving_ip.and_then(|t| ip(&t.0)),
            sessions: count(self.sessions, "failed-session-count")?,
            reason: self.reason.map(|t| clean(&t.0)).filter(|r| !r.is_empty()),
        })
    }
}

fn required(text: Option<Text>, what: &'static str) -> Result<String, ParseError> {
    text.map(|t| clean(&t.0)).filter(|s| !s.is_empty()).ok_or(ParseError::Missing(what))
}

fn datetime(text: Option<Text>, what: &'static str) -> Result<i64, ParseError> {
    let text = text.ok_or(ParseError::Missing(what))?;
    mail_parser::DateTime::parse_rfc3339(text.0.trim())
        .filter(mail_parser::DateTime::is_valid)
        .map(|dt| dt.to_timestamp())
        .ok_or_else(|| ParseError::Invalid { field: what, value: shown(&text.0) })
}

fn count(value: Option<Count>, what: &'static str) -> Result<u64, ParseError> {
    match value {
        None => Ok(0),
        Some(Count::Valid(n)) => Ok(n),
        Some(Count::Bad(shown)) => Err(ParseError::Invalid { field: what, value: shown }),
    }
}

fn ip(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

fn domain(text: &str) -> String {
    clean(text).trim_end_matches('.').to_ascii_lowercase()
}

/// Trimmed, without control characters, at most [`MAX_VALUE_BYTES`].
fn clean(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > MAX_VALUE_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

/// A value as shown in an error message: at most 64 characters.
fn shown(text: &str) -> String {
    let cleaned: String = text.chars().filter(|c| !c.is_control()).take(64).collect();
    if text.chars().count() > 64 { format!("{cleaned}…") } else { cleaned }
}

/// A string field; numbers are taken as their decimal text.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A session count: a non-negative integer (or its decimal text). Anything
/// else is kept as its text so the error can show it.
enum Count {
    Valid(u64),
    Bad(String),
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a session count")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count::Valid(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(u64::try_from(v).map_or_else(|_| Count::Bad(v.to_string()), Count::Valid))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                Ok(Count::Bad(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                Ok(v.trim().parse().map_or_else(|_| Count::Bad(shown(v)), Count::Valid))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A JSON array of which the first `N` elements are kept and the rest are
/// read over without being stored.
struct Capped<T, const N: usize> {
    items: Vec<T>,
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Capped<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for V<T, N> {
            type Value = Capped<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while items.len() < N {
                    match seq.next_element()? {
                        Some(item) => items.push(item),
                        None => return Ok(Capped { items }),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Capped { items })
            }
        }
        deserializer.deserialize_seq(V(PhantomData))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<TlsReport, ParseError> {
        parse_tls(json.as_bytes(), &Limits::default())
    }

    const MINIMAL: &str = r#"{"organization-name":" Org ","report-id":"r1","contact-info":"c@example.org",
        "date-range":{"start-datetime":"2024-01-09T00:00:00Z","end-datetime":"2024-01-09T23:59:59+01:00"},
        "policies":[{"policy":{"policy-type":"STS","policy-domain":"Example.COM."},
          "summary":{"total-successful-session-count":5,"total-failure-session-count":"2"},
          "failure-details":[{"result-type":"validation-failure","sending-mta-ip":"2001:db8::1",
            "receiving-mx-hostname":"MX.example.com","failed-session-count":2,"receiving-ip":"nonsense"}]}]}"#;

    #[test]
    fn reads_the_rfc_fields() {
        let r = parse(MINIMAL).unwrap();
        assert_eq!(r.org_name, "Org");
        assert_eq!(r.report_id, "r1");
        assert_eq!(r.begin, 1_704_758_400);
        assert_eq!(r.end, 1_704_758_400 + 86_399 - 3600);
        assert_eq!(r.contact.as_deref(), Some("c@example.org"));
        let p = &r.policies[0];
        assert_eq!((p.policy_type.as_str(), p.policy_domain.as_str()), ("sts", "example.com"));
        assert_eq!((p.successful, p.failed), (5, 2));
        let f = &p.failures[0];
        assert_eq!(f.sending_mta_ip, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(f.receiving_mx.as_deref(), Some("mx.example.com"));
        assert_eq!(f.receiving_ip, None);
        assert_eq!(f.sessions, 2);
    }

    #[test]
    fn bad_counts_and_periods_are_refused() {
        let negative =
            MINIMAL.replace(r#""total-successful-session-count":5"#, r#""total-successful-session-count":-5"#);
        assert!(matches!(parse(&negative), Err(ParseError::Invalid { field: "total-successful-session-count", .. })));
        let huge =
            MINIMAL.replace(r#"failed-session-count":2"#, r#"failed-session-count":1000000000000000000000000000000"#);
        assert!(matches!(parse(&huge), Err(ParseError::Invalid { field: "failed-session-count", .. })));
        let reversed = MINIMAL.replace("2024-01-09T23:59:59+01:00", "2024-01-08T00:00:00Z");
        assert_eq!(parse(&reversed).unwrap_err(), ParseError::PeriodReversed);
        let bad_date = MINIMAL.replace("2024-01-09T00:00:00Z", "yesterday");
        assert!(matches!(parse(&bad_date), Err(ParseError::Invalid { field: "date-range start-datetime", .. })));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(parse(&deep).unwrap_err(), ParseError::TooDeep { limit: 32 });
        // Brackets inside strings do not count.
        let in_string = MINIMAL.replace("c@example.org", &"[{".repeat(100));
        assert!(parse(&in_string).is_ok());
    }

    #[test]
    fn other_json_is_not_a_report() {
        assert!(matches!(parse(r#"{"hello":"world"}"#), Err(ParseError::NotAReport { .. })));
        assert!(matches!(parse("[1,2,3]"), Err(ParseError::Invalid { .. })));
        assert!(matches!(parse(r#"{"organization-name":"x""#), Err(ParseError::Malformed { format: "JSON", .. })));
        assert!(matches!(parse_tls(b"{\"a\":\"\xff\"}", &Limits::default()), Err(ParseError::Encoding { .. })));
    }

    #[test]
    fn missing_parts_are_named() {
        let no_id = MINIMAL.replace(r#""report-id":"r1","#, "");
        assert_eq!(parse(&no_id).unwrap_err(), ParseError::Missing("report-id"));
        let no_domain = MINIMAL.replace(r#","policy-domain":"Example.COM.""#, "");
        assert_eq!(parse(&no_domain).unwrap_err(), ParseError::Missing("policy-domain"));
    }

    #[test]
    fn lists_and_values_are_bounded() {
        let failure = r#"{"result-type":"x","failed-session-count":1}"#;
        let many = vec![failure; MAX_FAILURES_PER_POLICY + 50].join(",");
        let json = MINIMAL.replace(r#""failure-details":["#, &format!(r#""failure-details":[{many},"#));
        let r = parse(&json).unwrap();
        assert_eq!(r.policies[0].failures.len(), MAX_FAILURES_PER_POLICY);
        let long = MINIMAL.replace(" Org ", &"o".repeat(100_000));
        assert_eq!(parse(&long).unwrap().org_name.len(), MAX_VALUE_BYTES);
    }
}
