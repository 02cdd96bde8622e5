//! The network side of `portcullis-dnscheck`: an [`HttpsFetcher`] for the
//! checks that read web pages, and a [`Resolver`] that sends
//! each query to a recursive resolver (the one `--resolver` names, or the
//! system's from `/etc/resolv.conf`) and reuses each answer for a minute, so
//! checking hundreds of domains that share a mail provider asks about the
//! provider once.
//!
//! Wire format is hickory-proto's; transport is ours: UDP with EDNS (1232
//! bytes, DO set so the validating resolver reports the AD flag), TCP when
//! the answer is truncated, a timeout per attempt and a bounded number of
//! attempts, so a server that never answers costs a known, short time.
#![forbid(unsafe_code)]

mod cache;
mod dkim;
mod fetch;
pub mod imap;
mod pwned;
mod system;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use portcullis_dnscheck::{Answer, LookupError, RecordType, Resolver};
use portcullis_types::Random;

pub use dkim::{DkimSetupError, DkimVerifier, verify_dkim};
pub use fetch::HttpsFetcher;
pub use imap::{ImapAccount, ImapError, ImapSecurity, Mailbox};
pub use pwned::{RangeApi, RangeApiError};
pub use system::{SystemConfError, system_nameservers};

/// How long to wait for one answer, and how many times to ask each server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// Per attempt.
    pub timeout: Duration,
    /// Attempts per server (at least 1).
    pub attempts: u8,
}

impl Default for Patience {
    /// 3 s per attempt, twice: a slow authoritative server behind a
    /// recursive resolver still answers; a dead one costs 6 s.
    fn default() -> Self {
        Self { timeout: Duration::from_secs(3), attempts: 2 }
    }
}

/// Queries DNS servers and reuses each answer for a minute.
#[derive(Debug, Clone)]
pub struct NetResolver {
    servers: Arc<[SocketAddr]>,
    patience: Patience,
    random: Arc<dyn Random>,
    cache: Arc<cache::Cache>,
}

impl NetResolver {
    /// A resolver asking `servers` in turn (the next only when one fails to
    /// answer). `random` picks query ids and source ports are the OS's.
    pub fn new(servers: Vec<SocketAddr>, patience: Patience, random: Arc<dyn Random>) -> Self {
        Self { servers: servers.into(), patience, random, cache: Arc::new(cache::Cache::default()) }
    }

    /// How many distinct questions went to the network so far.
    pub fn queries_sent(&self) -> usize {
        self.cache.asked()
    }

    async fn ask(&self, name: &str, rtype: RecordType) -> Result<Answer, LookupError> {
        let mut last = LookupError::Other("no DNS server is configured".to_owned());
        for server in self.servers.iter() {
            for _ in 0..self.patience.attempts.max(1) {
                let mut id = [0u8; 2];
                self.random.fill(&mut id);
                match wire::query(*server, name, rtype, u16::from_be_bytes(id), self.patience.timeout).await {
                    // Only silence and network errors are worth asking again;
                    // a SERVFAIL or REFUSED is the server's considered answer.
                    Err(e @ (LookupError::Timeout | LookupError::Other(_))) => last = e,
                    result => return result,
                }
            }
        }
        Err(last)
    }
}

#[async_trait::async_trait]
impl Resolver for NetResolver {
    async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Answer, LookupError> {
        let key = (name.to_ascii_lowercase(), rtype);
        self.cache.get_or_ask(key, || self.ask(name, rtype)).await
    }
}
