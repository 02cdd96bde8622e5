//! Report addresses at other domains must be authorised by that domain
//! (RFC 7489 7.1), or receivers will not send the reports: a stranger could
//! otherwise point a flood of reports at someone else's mailbox.

use super::record::DmarcRecord;
use super::tags;
use crate::finding::{Check, Finding, Status};
use crate::resolver::Resolver;

/// At most this many other domains are asked about: a record may list many
/// addresses, and each costs a query.
const MAX_DESTINATIONS: usize = 10;

/// One external report destination domain and the addresses there.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Destination {
    domain: String,
    mailboxes: Vec<String>,
}

/// Findings for every `rua`/`ruf` mailbox whose domain is outside `org`
/// (the domain the DMARC record was found at).
pub(super) async fn findings(dns: &dyn Resolver, org: &str, record: &DmarcRecord) -> Vec<Finding> {
    let mut out = Vec::new();
    for dest in external_destinations(org, record).into_iter().take(MAX_DESTINATIONS) {
        out.push(authorisation(dns, org, &dest).await);
    }
    out
}

/// Mailboxes in `rua` then `ruf`, grouped by domain, leaving out the ones
/// inside the organisation.
fn external_destinations(org: &str, record: &DmarcRecord) -> Vec<Destination> {
    let mut out: Vec<Destination> = Vec::new();
    for uri in record.rua.iter().chain(&record.ruf) {
        let (Some(mailbox), Some(domain)) = (uri.mailbox(), uri.domain()) else { continue };
        if is_internal(org, &domain) || !is_plain_host(&domain) {
            continue;
        }
        match out.iter_mut().find(|d| d.domain == domain) {
            Some(dest) if !dest.mailboxes.iter().any(|m| m == mailbox) => dest.mailboxes.push(mailbox.to_owned()),
            Some(_) => {}
            None => out.push(Destination { domain, mailboxes: vec![mailbox.to_owned()] }),
        }
    }
    out
}

/// RFC 7489 7.1 compares organisational domains. Without the Public Suffix
/// List we take the domain the record was found at as the organisation: a
/// destination at it, under it, or above it (reports for `sub.example.org`
/// sent to `example.org`) is the same organisation.
fn is_internal(org: &str, dest: &str) -> bool {
    dest == org || dest.ends_with(&format!(".{org}")) || org.ends_with(&format!(".{dest}"))
}

/// Only names that could be asked about in DNS are looked up.
fn is_plain_host(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Ask `<org>._report._dmarc.<destination>` for a `v=DMARC1` record.
async fn authorisation(dns: &dyn Resolver, org: &str, dest: &Destination) -> Finding {
    let name = format!("{org}._report._dmarc.{}", dest.domain);
    let who = dest.mailboxes.join(", ");
    match tags::texts(dns, &name).await {
        Err(error) => Finding::new(
            Check::Dmarc,
            Status::Unknown,
            "lookup_failed",
            format!("Could not check whether {} accepts reports for {org} (looking up {name}): {error}", dest.domain),
        ),
        Ok(answer) if answer.texts.iter().any(|t| tags::starts_with_version(t, "DMARC1")) => Finding::new(
            Check::Dmarc,
            Status::Ok,
            "external_reports_authorised",
            format!(
                "Reports go to {who} at another organisation, {}, which has confirmed it accepts them ({name}).",
                dest.domain
            ),
        ),
        Ok(_) => Finding::new(
            Check::Dmarc,
            Status::Warn,
            "external_reports_unauthorised",
            format!(
                "Reports are meant to go to {who}, but {} has not published the record that says it accepts \
                 reports for {org}, so mail providers will not send them. Ask {} (your report provider) to \
                 publish the record below, or use a report address at {org}.",
                dest.domain, dest.domain
            ),
        )
        .fix(format!("{name} TXT \"v=DMARC1\"")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::dmarc::parse;

    #[test]
    fn addresses_inside_the_organisation_need_no_authorisation() {
        assert!(is_internal("example.org", "example.org"));
        assert!(is_internal("example.org", "reports.example.org"));
        assert!(is_internal("sub.example.org", "example.org"));
        assert!(!is_internal("example.org", "badexample.org"));
        assert!(!is_internal("example.org", "dmarc-reports.test"));
    }

    #[test]
    fn external_destinations_are_grouped_by_domain() {
        let rec = parse(
            "v=DMARC1; p=none; rua=mailto:a@reports.test,mailto:me@example.org; \
             ruf=mailto:b@reports.test,mailto:a@reports.test,https://x.test/r",
        )
        .unwrap();
        let dests = external_destinations("example.org", &rec);
        assert_eq!(
            dests,
            vec![Destination {
                domain: "reports.test".to_owned(),
                mailboxes: vec!["a@reports.test".to_owned(), "b@reports.test".to_owned()]
            }]
        );
    }
}
