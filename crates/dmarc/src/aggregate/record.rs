//! Collecting one `<record>` into a [`Record`].

use std::net::IpAddr;

use super::node::Node;
use super::values;
use crate::{AuthResult, DkimAuth, ParseError, Policy, Reason, Record, SpfAuth, Verdict};

/// The `auth_results/dkim`, `auth_results/spf` or `reason` being read.
#[derive(Debug, Default)]
struct Entry {
    /// `domain`, or a reason's `type`.
    name: String,
    /// `selector`, `scope`, or a reason's `comment`.
    detail: Option<String>,
    /// `result`.
    result: Option<AuthResult>,
}

/// One record's values as they are read.
#[derive(Debug)]
pub(super) struct RecordBuilder {
    source_ip: Option<IpAddr>,
    count: Option<u64>,
    disposition: Option<Policy>,
    dkim: Verdict,
    spf: Verdict,
    reasons: Vec<Reason>,
    header_from: Option<String>,
    envelope_from: Option<String>,
    envelope_to: Option<String>,
    dkim_results: Vec<DkimAuth>,
    spf_results: Vec<SpfAuth>,
    entry: Entry,
    /// Most results (and reasons) of each kind kept.
    max_results: usize,
}

impl RecordBuilder {
    /// An empty builder keeping at most `max_results` DKIM results, SPF
    /// results and reasons each.
    pub(super) fn new(max_results: usize) -> Self {
        Self {
            source_ip: None,
            count: None,
            disposition: None,
            dkim: Verdict::Fail,
            spf: Verdict::Fail,
            reasons: Vec::new(),
            header_from: None,
            envelope_from: None,
            envelope_to: None,
            dkim_results: Vec::new(),
            spf_results: Vec::new(),
            entry: Entry::default(),
            max_results,
        }
    }

    /// A new `<record>` begins: forget the last one.
    pub(super) fn start(&mut self) {
        *self = Self::new(self.max_results);
    }

    /// A `dkim`/`spf` result or a `reason` begins.
    pub(super) fn open_entry(&mut self) {
        self.entry = Entry::default();
    }

    /// A `dkim`/`spf` result or a `reason` ended: keep it, within bounds.
    /// Results without a domain and reasons with neither type nor comment
    /// say nothing and are dropped.
    pub(super) fn close_entry(&mut self, node: Node) {
        let Entry { name, detail, result } = std::mem::take(&mut self.entry);
        match node {
            Node::AuthDkim if !name.is_empty() && self.dkim_results.len() < self.max_results => {
                let result = result.unwrap_or(AuthResult::Temperror);
                self.dkim_results.push(DkimAuth { domain: name, selector: detail, result });
            }
            Node::AuthSpf if !name.is_empty() && self.spf_results.len() < self.max_results => {
                let result = result.unwrap_or(AuthResult::Temperror);
                self.spf_results.push(SpfAuth { domain: name, scope: detail, result });
            }
            Node::Reason if (!name.is_empty() || detail.is_some()) && self.reasons.len() < self.max_results => {
                let kind = if name.is_empty() { "other".to_owned() } else { name };
                self.reasons.push(Reason { kind, comment: detail });
            }
            _ => {}
        }
    }

    /// The value of an element inside the record.
    pub(super) fn set(&mut self, node: Node, text: &str) -> Result<(), ParseError> {
        match node {
            Node::SourceIp => self.source_ip = Some(values::ip(text)?),
            Node::Count => self.count = Some(values::count(text)?),
            Node::Disposition => self.disposition = values::disposition(text),
            Node::VerdictDkim => self.dkim = values::verdict(text),
            Node::VerdictSpf => self.spf = values::verdict(text),
            Node::HeaderFrom => self.header_from = values::optional_domain(text),
            Node::EnvelopeFrom => self.envelope_from = values::optional_domain(text),
            Node::EnvelopeTo => self.envelope_to = values::optional_domain(text),
            Node::DkimDomain | Node::SpfDomain | Node::ReasonType => self.entry.name = values::domain(text),
            Node::DkimSelector => self.entry.detail = values::optional(text),
            Node::SpfScope => self.entry.detail = values::optional_domain(text),
            Node::ReasonComment => self.entry.detail = values::optional(text),
            Node::DkimResult | Node::SpfResult => self.entry.result = Some(values::auth_result(text)),
            _ => {}
        }
        Ok(())
    }

    /// The finished record; `None` when its count is 0 (nothing to keep).
    /// A missing `header_from` is the policy domain's.
    pub(super) fn finish(&mut self, policy_domain: &str) -> Result<Option<Record>, ParseError> {
        let source_ip = self.source_ip.ok_or(ParseError::Missing("source IP in one of its records"))?;
        let count = self.count.ok_or(ParseError::Missing("message count in one of its records"))?;
        if count == 0 {
            return Ok(None);
        }
        Ok(Some(Record {
            source_ip,
            count,
            disposition: self.disposition,
            dkim: self.dkim,
            spf: self.spf,
            reasons: std::mem::take(&mut self.reasons),
            header_from: self.header_from.take().unwrap_or_else(|| policy_domain.to_owned()),
            envelope_from: self.envelope_from.take(),
            envelope_to: self.envelope_to.take(),
            dkim_results: std::mem::take(&mut self.dkim_results),
            spf_results: std::mem::take(&mut self.spf_results),
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn results_are_bounded_and_empty_ones_dropped() {
        let mut b = RecordBuilder::new(2);
        b.start();
        b.set(Node::SourceIp, " 192.0.2.1 ").unwrap();
        b.set(Node::Count, "3").unwrap();
        for domain in ["", "a.example", "b.example", "c.example"] {
            b.open_entry();
            b.set(Node::DkimDomain, domain).unwrap();
            b.close_entry(Node::AuthDkim);
        }
        b.open_entry();
        b.set(Node::ReasonType, " ").unwrap();
        b.close_entry(Node::Reason);
        let record = b.finish("policy.example").unwrap().unwrap();
        let domains: Vec<_> = record.dkim_results.iter().map(|d| d.domain.as_str()).collect();
        assert_eq!(domains, ["a.example", "b.example"]);
        assert_eq!(record.dkim_results[0].result, AuthResult::Temperror);
        assert!(record.reasons.is_empty());
        assert_eq!(record.header_from, "policy.example");
    }

    #[test]
    fn zero_counts_are_skipped_and_missing_counts_refused() {
        let mut b = RecordBuilder::new(2);
        b.set(Node::SourceIp, "2001:db8::1").unwrap();
        b.set(Node::Count, "0").unwrap();
        assert_eq!(b.finish("x").unwrap(), None);
        b.start();
        b.set(Node::SourceIp, "2001:db8::1").unwrap();
        assert!(matches!(b.finish("x"), Err(ParseError::Missing(_))));
    }
}
