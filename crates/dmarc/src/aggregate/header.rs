//! Collecting `report_metadata` and `policy_published` into a
//! [`ReportHeader`].

use super::node::Node;
use super::values;
use crate::{Alignment, ParseError, Policy, PolicyPublished, ReportHeader, Schema};

/// The header's values as they are read; [`HeaderBuilder::finish`] checks
/// that the required ones are there.
#[derive(Debug, Default)]
pub(super) struct HeaderBuilder {
    org_name: Option<String>,
    email: Option<String>,
    report_id: Option<String>,
    begin: Option<i64>,
    end: Option<i64>,
    errors: Vec<String>,
    domain: Option<String>,
    p: Option<Policy>,
    sp: Option<Policy>,
    np: Option<Policy>,
    pct: Option<u8>,
    adkim: Option<Alignment>,
    aspf: Option<Alignment>,
    testing: bool,
    /// `report_metadata` was seen.
    seen_metadata: bool,
    /// `policy_published` was seen.
    seen_policy: bool,
}

impl HeaderBuilder {
    /// A `report_metadata` or `policy_published` section begins; a second
    /// one of either is refused (which would we believe?).
    pub(super) fn open_section(&mut self, node: Node) -> Result<(), ParseError> {
        let seen = match node {
            Node::Metadata => &mut self.seen_metadata,
            Node::Policy => &mut self.seen_policy,
            _ => return Ok(()),
        };
        if *seen {
            let section = if node == Node::Metadata { "report_metadata" } else { "policy_published" };
            return Err(ParseError::Invalid { field: "layout", value: format!("it has two <{section}> sections") });
        }
        *seen = true;
        Ok(())
    }

    /// The value of a header element. `max_errors` bounds the `<error>`s kept.
    pub(super) fn set(&mut self, node: Node, text: &str, max_errors: usize) -> Result<(), ParseError> {
        match node {
            Node::OrgName => self.org_name = values::optional(text),
            Node::Email => self.email = values::optional(text),
            Node::ReportId => self.report_id = values::optional(text),
            Node::MetaError => {
                if let Some(error) = values::optional(text).filter(|_| self.errors.len() < max_errors) {
                    self.errors.push(error);
                }
            }
            Node::Begin => self.begin = Some(values::timestamp("period start", text)?),
            Node::End => self.end = Some(values::timestamp("period end", text)?),
            Node::PolicyDomain => self.domain = values::optional_domain(text),
            Node::P => self.p = Policy::from_value(text.trim()),
            Node::Sp => self.sp = Policy::from_value(text.trim()),
            Node::Np => self.np = Policy::from_value(text.trim()),
            Node::Pct => self.pct = values::pct(text),
            Node::Adkim => self.adkim = values::alignment(text),
            Node::Aspf => self.aspf = values::alignment(text),
            Node::Testing => self.testing = values::testing(text),
            _ => {}
        }
        Ok(())
    }

    /// The finished header, or what is missing or wrong.
    pub(super) fn finish(&mut self, schema: Schema) -> Result<ReportHeader, ParseError> {
        let org_name = match self.org_name.take() {
            Some(name) => name,
            None => self.email_domain().ok_or(ParseError::Missing("reporting organisation (org_name)"))?,
        };
        let report_id = self.report_id.take().ok_or(ParseError::Missing("report id"))?;
        let (Some(begin), Some(end)) = (self.begin, self.end) else {
            return Err(ParseError::Missing("date range"));
        };
        if end < begin {
            return Err(ParseError::PeriodReversed);
        }
        let domain = self.domain.take().ok_or(ParseError::Missing("policy domain"))?;
        Ok(ReportHeader {
            schema,
            org_name,
            email: self.email.take(),
            report_id,
            begin,
            end,
            errors: std::mem::take(&mut self.errors),
            policy: PolicyPublished {
                domain,
                p: self.p,
                sp: self.sp,
                np: self.np,
                pct: self.pct,
                adkim: self.adkim,
                aspf: self.aspf,
                testing: self.testing,
            },
        })
    }

    /// The domain of the contact address, standing in for a missing
    /// `org_name` (some reporters leave it empty).
    fn email_domain(&self) -> Option<String> {
        let email = self.email.as_deref()?;
        let (_, domain) = email.rsplit_once('@')?;
        values::optional_domain(domain.trim_end_matches('>'))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn complete() -> HeaderBuilder {
        let mut h = HeaderBuilder::default();
        h.set(Node::Email, " dmarc@Reporter.Example ", 4).unwrap();
        h.set(Node::ReportId, " id-1 ", 4).unwrap();
        h.set(Node::Begin, "100", 4).unwrap();
        h.set(Node::End, "200", 4).unwrap();
        h.set(Node::PolicyDomain, " Example.COM ", 4).unwrap();
        h
    }

    #[test]
    fn org_name_falls_back_to_the_email_domain() {
        let header = complete().finish(Schema::Rfc7489).unwrap();
        assert_eq!(header.org_name, "reporter.example");
        assert_eq!(header.report_id, "id-1");
        assert_eq!(header.policy.domain, "example.com");
    }

    #[test]
    fn missing_parts_are_named() {
        let mut h = complete();
        h.set(Node::ReportId, "  ", 4).unwrap();
        assert_eq!(h.finish(Schema::Rfc7489).unwrap_err(), ParseError::Missing("report id"));
        let mut h = HeaderBuilder::default();
        h.set(Node::ReportId, "x", 4).unwrap();
        assert_eq!(h.finish(Schema::Rfc7489).unwrap_err(), ParseError::Missing("reporting organisation (org_name)"));
    }

    #[test]
    fn errors_are_bounded_and_a_second_section_is_refused() {
        let mut h = complete();
        for _ in 0..10 {
            h.set(Node::MetaError, "oops", 3).unwrap();
        }
        h.open_section(Node::Metadata).unwrap();
        assert!(h.open_section(Node::Metadata).is_err());
        h.open_section(Node::Policy).unwrap();
        assert_eq!(h.finish(Schema::Rfc9990).unwrap().errors.len(), 3);
    }
}
