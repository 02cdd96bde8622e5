//! The one door to HTTPS, for the checks that must read a web page: the
//! MTA-STS policy file and the website's HSTS header. The real adapter is
//! in `portcullis-net`; tests use [`FakeFetcher`].

use std::collections::BTreeMap;
use std::net::IpAddr;

/// A response, cut to what the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// HTTP status code.
    pub status: u16,
    /// Headers, names in lower case (repeated headers keep each value).
    pub headers: Vec<(String, String)>,
    /// The body, at most the limit the fetcher was asked for.
    pub body: Vec<u8>,
}

impl Fetched {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Why a page could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Nothing answered in time.
    #[error("no answer in time")]
    Timeout,
    /// Nothing listens, or the connection was refused or reset.
    #[error("could not connect ({0})")]
    Connect(String),
    /// The certificate is not valid for the name (expired, self-signed,
    /// another name) or TLS failed.
    #[error("the HTTPS certificate or connection is not valid ({0})")]
    Tls(String),
    /// The body is bigger than the limit.
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Fetches `https://` URLs (and `http://` ones, to see that they redirect).
/// The host's addresses come from the checks'
/// own resolver, so a check pointed at a test resolver fetches from the
/// addresses that resolver gives. Redirects are not followed.
#[async_trait::async_trait]
pub trait Fetcher: Send + Sync + std::fmt::Debug {
    /// GET `url` from one of `addrs`, reading at most `limit` bytes of body.
    async fn get(&self, url: &str, addrs: &[IpAddr], limit: usize) -> Result<Fetched, FetchError>;
}

/// A table of responses by URL, for tests. URLs with no entry fail to connect.
#[derive(Debug, Default)]
pub struct FakeFetcher {
    pages: BTreeMap<String, Result<Fetched, FetchError>>,
}

impl FakeFetcher {
    /// Nothing answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// `url` answers with `status`, `headers` and `body`.
    #[must_use]
    pub fn page(mut self, url: &str, status: u16, headers: &[(&str, &str)], body: &str) -> Self {
        let headers = headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned())).collect();
        self.pages.insert(url.to_owned(), Ok(Fetched { status, headers, body: body.as_bytes().to_vec() }));
        self
    }

    /// `url` fails with `error`.
    #[must_use]
    pub fn error(mut self, url: &str, error: FetchError) -> Self {
        self.pages.insert(url.to_owned(), Err(error));
        self
    }
}

#[async_trait::async_trait]
impl Fetcher for FakeFetcher {
    async fn get(&self, url: &str, _addrs: &[IpAddr], limit: usize) -> Result<Fetched, FetchError> {
        match self.pages.get(url) {
            Some(Ok(page)) if page.body.len() > limit => Err(FetchError::TooLarge(limit)),
            Some(answer) => answer.clone(),
            None => Err(FetchError::Connect("connection refused".into())),
        }
    }
}
