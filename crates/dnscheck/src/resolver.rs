//! The one door to DNS. Checks ask a [`Resolver`] for records of a type at a
//! name and get an [`Answer`] or a [`LookupError`]. The real adapter sends
//! queries over the network (`dnscheck::net`); tests use
//! [`FakeResolver`](crate::fake::FakeResolver).

use std::net::{Ipv4Addr, Ipv6Addr};

/// The record types the checks ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Mail exchanger.
    Mx,
    /// Text (SPF, DMARC, DKIM, MTA-STS, TLS-RPT, BIMI).
    Txt,
    /// Alias.
    Cname,
    /// Certification Authority Authorization.
    Caa,
    /// Name server.
    Ns,
    /// Delegation signer (in the parent zone).
    Ds,
    /// Zone signing keys.
    Dnskey,
    /// Start of authority.
    Soa,
    /// Pointer (reverse DNS: the name of an address).
    Ptr,
}

/// How the server answered a lookup that worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rcode {
    /// The name exists (the answer may still hold no records of the type:
    /// "no data").
    NoError,
    /// The name does not exist.
    NxDomain,
}

/// One record's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rdata {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// A mail exchanger; `exchange` is lower-case without the trailing dot
    /// (empty for the root: a null MX).
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The host mail goes to.
        exchange: String,
    },
    /// A TXT record's character-strings, as sent (up to 255 bytes each).
    Txt(Vec<Vec<u8>>),
    /// An alias to another name.
    Cname(String),
    /// A CAA property.
    Caa {
        /// The issuer-critical flag.
        critical: bool,
        /// `issue`, `issuewild`, `iodef`, …
        tag: String,
        /// The value as text.
        value: String,
    },
    /// A name server.
    Ns(String),
    /// A DS record (its contents are not needed: presence is).
    Ds,
    /// A DNSKEY record.
    Dnskey,
    /// A SOA record.
    Soa,
    /// A pointer's target name, lower-case without the trailing dot.
    Ptr(String),
}

/// A lookup that worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Whether the name exists.
    pub rcode: Rcode,
    /// Records of the type asked for (at the end of any CNAME chain).
    pub records: Vec<Rdata>,
    /// The CNAME chain followed from the name asked about, as (from, to).
    pub cnames: Vec<(String, String)>,
    /// The validating resolver vouched for the answer (the AD flag).
    pub authenticated: bool,
}

impl Answer {
    /// A "no such name" answer.
    pub fn nxdomain() -> Self {
        Self { rcode: Rcode::NxDomain, records: Vec::new(), cnames: Vec::new(), authenticated: false }
    }

    /// An answer with these records.
    pub fn with(records: Vec<Rdata>) -> Self {
        Self { rcode: Rcode::NoError, records, cnames: Vec::new(), authenticated: false }
    }

    /// Whether no record of the type came back (no such name, or no data).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Each TXT record as one string: its character-strings joined with
    /// nothing between them (RFC 7208 3.3), invalid UTF-8 replaced.
    pub fn texts(&self) -> Vec<String> {
        self.records
            .iter()
            .filter_map(|r| match r {
                Rdata::Txt(parts) => Some(String::from_utf8_lossy(&parts.concat()).into_owned()),
                _ => None,
            })
            .collect()
    }
}

/// Why a lookup gave no answer. None of these means the record is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// SERVFAIL: the resolver could not get an answer (a broken or
    /// unreachable name server, or DNSSEC validation failed).
    #[error("the DNS server failed to answer (SERVFAIL)")]
    ServFail,
    /// REFUSED.
    #[error("the DNS server refused to answer (REFUSED)")]
    Refused,
    /// No answer in time.
    #[error("no answer from DNS in time")]
    Timeout,
    /// Anything else: a malformed reply, a network error.
    #[error("the DNS lookup failed: {0}")]
    Other(String),
}

/// Asks DNS. Implementations must bound their own time: a lookup returns
/// (perhaps [`LookupError::Timeout`]) within the time they were built with.
#[async_trait::async_trait]
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// Records of `rtype` at `name` (lower-case ASCII, no trailing dot).
    async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Answer, LookupError>;
}

/// The name reverse DNS keeps an address's name under:
/// `4.3.2.1.in-addr.arpa` for 1.2.3.4, nibbles under `ip6.arpa` for IPv6.
pub fn reverse_name(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        std::net::IpAddr::V6(v6) => {
            let mut name = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0x0f, byte >> 4));
            }
            name.push_str("ip6.arpa");
            name
        }
    }
}

/// The name of `ip` by reverse DNS: the first PTR record's target, `None`
/// when there is none.
pub async fn reverse_lookup(dns: &dyn Resolver, ip: std::net::IpAddr) -> Result<Option<String>, LookupError> {
    let answer = dns.lookup(&reverse_name(ip), RecordType::Ptr).await?;
    Ok(answer.records.into_iter().find_map(|r| match r {
        Rdata::Ptr(name) if !name.is_empty() => Some(name),
        _ => None,
    }))
}

#[cfg(test)]
mod reverse_tests {
    use super::reverse_name;

    #[test]
    fn reverse_names_follow_rfc_1035_and_3596() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into())),
            "10.2.0.192.in-addr.arpa"
        );
        let v6 = reverse_name("2001:db8::567:89ab".parse().unwrap_or(std::net::Ipv6Addr::LOCALHOST.into()));
        assert_eq!(v6, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }
}
