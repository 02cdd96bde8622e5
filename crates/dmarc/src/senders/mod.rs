//! Who is a source? Turns a sending IP address, its reverse DNS name and
//! the domains its mail was authenticated for into a plain-English sender
//! ("Microsoft 365", "Mailchimp", "Your own mail servers") with a stable key
//! to group by.
//!
//! The order of evidence: a well-known provider recognised from the reverse
//! DNS name, then from the DKIM signing domain, then from the SPF domain;
//! then the office's own servers (only when the reverse DNS name *and* a
//! DKIM or SPF domain are the office's own: SPF alone can pass for a shared
//! host that is not the office's); then the organisational part of the
//! reverse DNS name; then the bare IP address. Forwarders and mailing lists
//! are not special-cased: they appear under the name of the service that
//! relayed the mail.
//!
//! Reverse DNS names are whatever the caller looked up; the app should pass
//! forward-confirmed names, since anyone can set the PTR record of their own
//! address to any name.

mod providers;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use serde::Serialize;

pub use providers::{PROVIDERS, Provider, match_host, provider};

/// Grouping key of the office's own mail servers.
pub const OWN_KEY: &str = "own";

/// Who sent some mail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SenderId {
    /// Stable grouping key: `provider:ID`, `own`, `domain:NAME`, `ip:ADDRESS`
    /// (or `other` for the roll-up of small senders in a summary).
    pub key: String,
    /// Plain-English name, e.g. "Microsoft 365", "Your own mail servers",
    /// "example.net (reverse DNS)", "Unknown sender 192.0.2.1".
    pub name: String,
    /// The provider's id when it is a well-known service (see [`PROVIDERS`]).
    pub provider: Option<&'static str>,
}

impl SenderId {
    fn from_provider(p: &'static Provider) -> Self {
        Self { key: format!("provider:{}", p.id), name: p.name.to_owned(), provider: Some(p.id) }
    }
}

/// Classify one source of mail for `own_domain`.
///
/// `ptr` is the reverse DNS name of `ip`, `dkim_domain` the DKIM signing
/// domain reported for its mail and `spf_domain` the domain SPF checked.
/// Names are compared without regard to case or a trailing dot.
pub fn classify(
    ip: IpAddr,
    ptr: Option<&str>,
    dkim_domain: Option<&str>,
    spf_domain: Option<&str>,
    own_domain: &str,
) -> SenderId {
    let ptr = ptr.and_then(normalise);
    let dkim = dkim_domain.and_then(normalise);
    let spf = spf_domain.and_then(normalise);
    let found = [&ptr, &dkim, &spf].into_iter().flatten().find_map(|name| match_host(name));
    if let Some(p) = found {
        return SenderId::from_provider(p);
    }
    let own = normalise(own_domain).map(|d| organisational_domain(&d).to_owned()).unwrap_or_default();
    let is_own =
        |name: &Option<String>| name.as_deref().is_some_and(|n| !own.is_empty() && organisational_domain(n) == own);
    if is_own(&ptr) && (is_own(&dkim) || is_own(&spf)) {
        return SenderId { key: OWN_KEY.to_owned(), name: "Your own mail servers".to_owned(), provider: None };
    }
    match ptr {
        Some(name) => {
            let org = organisational_domain(&name);
            SenderId { key: format!("domain:{org}"), name: format!("{org} (reverse DNS)"), provider: None }
        }
        None => SenderId { key: format!("ip:{ip}"), name: format!("Unknown sender {ip}"), provider: None },
    }
}

/// Lower case, trimmed, without a trailing dot; `None` when nothing is left.
fn normalise(name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

/// Second-level suffixes under which names are registered one level deeper
/// (`example.co.uk`, not `co.uk`). A small built-in list, so the result is
/// approximate: it covers the UK and the countries whose mail an MP's office
/// most often sees, not the whole Public Suffix List.
pub const SECOND_LEVEL_SUFFIXES: &[&str] = &[
    "co.uk",
    "org.uk",
    "gov.uk",
    "ac.uk",
    "ltd.uk",
    "plc.uk",
    "me.uk",
    "net.uk",
    "sch.uk",
    "nhs.uk",
    "police.uk",
    "mod.uk",
    "com.au",
    "net.au",
    "org.au",
    "gov.au",
    "edu.au",
    "co.nz",
    "org.nz",
    "govt.nz",
    "co.jp",
    "ne.jp",
    "or.jp",
    "ac.jp",
    "go.jp",
    "co.za",
    "org.za",
    "gov.za",
    "com.br",
    "com.cn",
    "com.hk",
    "com.sg",
    "com.mx",
    "co.in",
    "co.kr",
    "co.il",
    "com.tr",
    "com.ar",
];

/// The organisational part of a name: its last two labels, or last three
/// under a known second-level suffix (see [`SECOND_LEVEL_SUFFIXES`]).
/// Approximate by design; expects a lower-case name.
pub fn organisational_domain(name: &str) -> &str {
    let labels = if ends_with_second_level(name) { 3 } else { 2 };
    // Byte offset just after the dot that precedes the last `labels` labels.
    let start = name.rmatch_indices('.').nth(labels - 1).map_or(0, |(i, _)| i + 1);
    name.get(start..).unwrap_or(name)
}

fn ends_with_second_level(name: &str) -> bool {
    SECOND_LEVEL_SUFFIXES.iter().any(|s| name.len() > s.len() && providers::has_suffix(name, s))
}
