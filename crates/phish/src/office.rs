//! What the office knows that makes triage sharper: its own domains, the
//! mail servers whose Authentication-Results it trusts, and the senders it
//! knows to be genuine.

/// An office's knowledge, as triage uses it. All domains lowercase.
#[derive(Debug, Clone, Default)]
pub struct Office {
    /// The office's own domains (its mail and website), besides parliament.uk.
    pub domains: Vec<String>,
    /// `authserv-id`s of the office's own receiving servers: only their
    /// Authentication-Results headers are believed (anyone can write one).
    pub authserv_ids: Vec<String>,
    /// Known suppliers and contacts: addresses or whole domains (`@example.org` or `example.org`).
    pub known_senders: Vec<String>,
    /// People whose names an attacker might borrow (the MP, staff), lowercase.
    pub people: Vec<String>,
}

impl Office {
    /// Whether `address` (lowercase) is a known sender, by address or domain.
    pub fn knows(&self, address: &str) -> bool {
        let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
        self.known_senders.iter().any(|k| {
            let k = k.trim_start_matches('@');
            k == address || crate::lookalike::is_within(domain, k)
        })
    }

    /// The office's own domains plus parliament.uk.
    pub fn protected_domains(&self) -> impl Iterator<Item = &str> {
        self.domains.iter().map(String::as_str).chain(std::iter::once("parliament.uk"))
    }
}
