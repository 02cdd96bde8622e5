//! What the app reaches the outside world through for domain checks: a DNS
//! resolver and an HTTPS fetcher. `serve` passes real ones; until then (and
//! in tests that do not check domains) every lookup says none is set up.

use std::net::IpAddr;

use portcullis_dnscheck::fetch::{FetchError, Fetched, Fetcher};
use portcullis_dnscheck::{Answer, LookupError, RecordType, Resolver};

/// A resolver for an app given none.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoResolver;

#[async_trait::async_trait]
impl Resolver for NoResolver {
    async fn lookup(&self, _name: &str, _rtype: RecordType) -> Result<Answer, LookupError> {
        Err(LookupError::Other("no DNS resolver is set up for this server".into()))
    }
}

/// A fetcher for an app given none.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoFetcher;

#[async_trait::async_trait]
impl Fetcher for NoFetcher {
    async fn get(&self, _url: &str, _addrs: &[IpAddr], _limit: usize) -> Result<Fetched, FetchError> {
        Err(FetchError::Other("web checks are not set up for this server".into()))
    }
}
