//! The `dns` check: does the domain answer at all? Every other check needs
//! it to; when it does not, they are not run (and say so) instead of each
//! reporting its own record as missing.

use crate::finding::{Check, Finding, Status};
use crate::name::DomainName;
use crate::resolver::{LookupError, Rcode, RecordType, Resolver};

/// What the first lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The name exists; `signed` when the validating resolver vouched for it.
    Answers {
        /// The AD flag of the answer.
        authenticated: bool,
    },
    /// NXDOMAIN: there is no such domain.
    NoSuchDomain,
    /// No usable answer.
    Failed(LookupError),
}

/// Look the domain up (its SOA: every zone has one, and a name inside a
/// zone answers "no data" rather than "no such name").
pub async fn reach(dns: &dyn Resolver, domain: &DomainName) -> Reach {
    match dns.lookup(domain.as_str(), RecordType::Soa).await {
        Ok(answer) if answer.rcode == Rcode::NxDomain => Reach::NoSuchDomain,
        Ok(answer) => Reach::Answers { authenticated: answer.authenticated },
        Err(e) => Reach::Failed(e),
    }
}

/// The `dns` finding for what [`reach`] found.
pub fn finding(domain: &DomainName, reach: &Reach) -> Finding {
    match reach {
        Reach::Answers { .. } => Finding::new(Check::Dns, Status::Ok, "resolves", format!("{domain} answers in DNS")),
        Reach::NoSuchDomain => Finding::new(
            Check::Dns,
            Status::Fail,
            "nxdomain",
            format!(
                "{domain} does not exist in DNS (NXDOMAIN). Check the spelling, and that the domain is registered and delegated to its name servers."
            ),
        ),
        Reach::Failed(LookupError::Timeout) => Finding::new(
            Check::Dns,
            Status::Fail,
            "timeout",
            format!(
                "{domain} did not answer in time: its name servers may be down or unreachable, so mail to it and checks of it fail. Ask whoever hosts the domain's DNS."
            ),
        ),
        Reach::Failed(e) => Finding::new(
            Check::Dns,
            Status::Fail,
            "lookup_failed",
            format!(
                "{domain} could not be looked up: {e}. Its name servers are misconfigured (a lame delegation or a broken zone) or its DNSSEC signatures are invalid; mail to it may fail. Ask whoever hosts the domain's DNS."
            ),
        ),
    }
}

/// The finding for `check` when the domain itself could not be reached:
/// not checked, with the reason (never "missing").
pub fn not_checked(check: Check, domain: &DomainName, reach: &Reach) -> Finding {
    match reach {
        Reach::NoSuchDomain => {
            Finding::new(check, Status::Unknown, "no_domain", format!("Not checked: {domain} does not exist."))
        }
        Reach::Failed(e) => Finding::new(
            check,
            Status::Unknown,
            "not_checked",
            format!("Not checked: the domain's DNS did not answer ({e})."),
        ),
        Reach::Answers { .. } => Finding::new(check, Status::Unknown, "not_checked", "Not checked."),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::fake::FakeResolver;
    use crate::resolver::Rdata;

    fn name(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    #[tokio::test]
    async fn a_domain_answers_does_not_exist_or_cannot_be_reached() {
        let dns = FakeResolver::new()
            .record("ok.test", RecordType::Soa, Rdata::Soa)
            .a("www.inside.test", [192, 0, 2, 1])
            .fail("broken.test", RecordType::Soa, LookupError::ServFail)
            .fail("silent.test", RecordType::Soa, LookupError::Timeout);

        let ok = reach(&dns, &name("ok.test")).await;
        assert_eq!(finding(&name("ok.test"), &ok).status, Status::Ok);
        // A name inside a zone: no SOA of its own, but it exists.
        assert!(matches!(reach(&dns, &name("www.inside.test")).await, Reach::Answers { .. }));
        let gone = reach(&dns, &name("gone.test")).await;
        assert_eq!(finding(&name("gone.test"), &gone).code, "dns.nxdomain");
        assert_eq!(not_checked(Check::Spf, &name("gone.test"), &gone).code, "spf.no_domain");
        let broken = reach(&dns, &name("broken.test")).await;
        assert_eq!(finding(&name("broken.test"), &broken).code, "dns.lookup_failed");
        let skipped = not_checked(Check::Dmarc, &name("broken.test"), &broken);
        assert_eq!((skipped.status, skipped.code.as_str()), (Status::Unknown, "dmarc.not_checked"));
        assert!(skipped.message.contains("SERVFAIL"));
        let silent = reach(&dns, &name("silent.test")).await;
        assert_eq!(finding(&name("silent.test"), &silent).code, "dns.timeout");
    }
}
