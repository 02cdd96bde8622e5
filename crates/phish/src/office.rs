//! What the office knows that makes triage sharper: its own domains, the
//! mail servers whose Authentication-Results it trusts, and the senders it
//! knows to be genuine.

/// An office's knowledge, as triage uses it. All domains lowercase.
#[derive(Debug, Clone, Default)]
pub struct Office {
    /// The office's own domains (its mail and website), besides parliament.uk.
    pub domains: Vec<String>,
    /// `authserv-id`s of the office's own receiving servers: only their
    /// Authentication-Results headers are believed when they say "pass"
    /// (anyone can write one). [`crate::signals::auth::MICROSOFT_365`]
    /// stands for Microsoft 365, whose header has no id.
    pub authserv_ids: Vec<String>,
    /// Known suppliers and contacts: addresses or whole domains (`@example.org` or `example.org`).
    pub known_senders: Vec<String>,
    /// People whose names an attacker might borrow (the MP, staff), lowercase.
    pub people: Vec<String>,
    /// Senders (addresses or whole domains) whose mail the office has
    /// already marked as phishing: its own feedback, weighed next time.
    pub marked_phishing: Vec<String>,
    /// Addresses the office has had genuine mail from before (mail it
    /// triaged and found safe). `None` when the office keeps no such
    /// history, so "new sender" is never claimed without knowing.
    pub seen_senders: Option<Vec<String>>,
}

impl Office {
    /// Whether `address` (lowercase) is a known sender, by address or domain.
    pub fn knows(&self, address: &str) -> bool {
        listed(&self.known_senders, address)
    }

    /// Whether the office has marked mail from `address` (lowercase) as
    /// phishing before, by address or domain.
    pub fn marked_as_phishing(&self, address: &str) -> bool {
        listed(&self.marked_phishing, address)
    }

    /// `Some(true)` when the office keeps a history of senders and
    /// `address` is not in it (nor a known sender); `None` without history.
    pub fn is_new_sender(&self, address: &str) -> Option<bool> {
        let seen = self.seen_senders.as_ref()?;
        Some(!self.knows(address) && !seen.iter().any(|s| s == address))
    }

    /// The office's own domains plus parliament.uk.
    pub fn protected_domains(&self) -> impl Iterator<Item = &str> {
        self.domains.iter().map(String::as_str).chain(std::iter::once("parliament.uk"))
    }
}

/// Whether `address` matches an entry of `list`: the same address, or a
/// domain (`@example.org` or `example.org`) it is under.
fn listed(list: &[String], address: &str) -> bool {
    let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
    list.iter().any(|k| {
        let k = k.trim_start_matches('@');
        k == address || crate::lookalike::is_within(domain, k)
    })
}
