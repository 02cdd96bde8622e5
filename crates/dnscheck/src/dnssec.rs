//! The `dnssec` check: is the zone signed, and does a validating resolver
//! accept its signatures? The answer's AD flag says the resolver validated
//! it; a DS record in the parent says the zone is meant to be signed. Both
//! come from the resolver the check is pointed at, so the result is only
//! as good as that resolver's validation (the lab's is validating).

use crate::finding::{Check, Finding, Status};
use crate::name::DomainName;
use crate::reach::Reach;
use crate::resolver::RecordType;
use crate::resolver::{LookupError, Resolver};

/// Check DNSSEC for `domain`, given what the first lookup found.
pub async fn check(dns: &dyn Resolver, domain: &DomainName, reach: &Reach) -> Finding {
    if let Reach::Answers { authenticated: true } = reach {
        return Finding::new(
            Check::Dnssec,
            Status::Ok,
            "secure",
            "Signed with DNSSEC and the signatures validate, so answers about this domain cannot be forged on the way.",
        );
    }
    if *reach == Reach::NoSuchDomain {
        // Nothing to ask the parent about a name that does not exist.
        return crate::reach::not_checked(Check::Dnssec, domain, reach);
    }
    let ds = dns.lookup(domain.as_str(), RecordType::Ds).await;
    let has_ds = matches!(&ds, Ok(answer) if !answer.is_empty());
    match (reach, ds) {
        (Reach::NoSuchDomain, _) => crate::reach::not_checked(Check::Dnssec, domain, reach),
        (Reach::Failed(e), _) if has_ds => Finding::new(
            Check::Dnssec,
            Status::Fail,
            "bogus",
            format!("The parent zone says {domain} is signed (it has a DS record), but its answers do not validate ({e}): expired signatures or a key that does not match the DS. Every validating resolver treats the domain as broken, so mail to it fails."),
        )
        .fix("Ask whoever hosts the domain's DNS to re-sign the zone, or to publish a DS record in the parent that matches the zone's current key (or remove the DS if the zone is no longer signed)."),
        (Reach::Failed(e), _) => Finding::new(
            Check::Dnssec,
            Status::Unknown,
            "no_answer",
            format!("Not checked: the domain's DNS did not answer ({e})."),
        ),
        (Reach::Answers { .. }, Err(e)) => lookup_failed(&e),
        (Reach::Answers { .. }, Ok(_)) if has_ds => Finding::new(
            Check::Dnssec,
            Status::Warn,
            "not_validated",
            format!("{domain} has a DS record in its parent zone, but the resolver used did not vouch for its answers. Check with a validating resolver."),
        ),
        (Reach::Answers { .. }, Ok(_)) => Finding::new(
            Check::Dnssec,
            Status::Warn,
            "unsigned",
            format!("{domain} is not signed with DNSSEC (no DS record in its parent zone), so a resolver cannot tell a forged answer from a real one. It is extra protection rather than a fault; many UK registrars and DNS hosts can turn it on with one setting."),
        )
        .fix("Turn on DNSSEC at your DNS host, then publish the DS record it gives you at your registrar."),
    }
}

fn lookup_failed(e: &LookupError) -> Finding {
    Finding::new(Check::Dnssec, Status::Unknown, "lookup_failed", format!("Could not check for a DS record: {e}."))
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
    async fn signed_unsigned_and_bogus_zones() {
        let dns = FakeResolver::new().record("bogus.test", RecordType::Ds, Rdata::Ds).record(
            "plain.test",
            RecordType::Soa,
            Rdata::Soa,
        );

        let secure = check(&dns, &name("signed.test"), &Reach::Answers { authenticated: true }).await;
        assert_eq!((secure.status, secure.code.as_str()), (Status::Ok, "dnssec.secure"));
        let plain = check(&dns, &name("plain.test"), &Reach::Answers { authenticated: false }).await;
        assert_eq!((plain.status, plain.code.as_str()), (Status::Warn, "dnssec.unsigned"));
        assert!(plain.fix.is_some());
        let bogus = check(&dns, &name("bogus.test"), &Reach::Failed(LookupError::ServFail)).await;
        assert_eq!((bogus.status, bogus.code.as_str()), (Status::Fail, "dnssec.bogus"));
        let lame = check(&dns, &name("lame.test"), &Reach::Failed(LookupError::ServFail)).await;
        assert_eq!((lame.status, lame.code.as_str()), (Status::Unknown, "dnssec.no_answer"));
    }
}
