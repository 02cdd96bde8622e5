//! The real [`Fetcher`]: HTTPS GET with rustls (Mozilla's root store; plain
//! HTTP only for the check that it redirects),
//! connecting to the addresses the checks' resolver gave rather than
//! asking the system, never following redirects, and never reading more
//! than the caller's limit or waiting longer than the timeout.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use portcullis_dnscheck::fetch::{FetchError, Fetched, Fetcher};

/// Fetches web pages for the checks.
#[derive(Debug, Clone)]
pub struct HttpsFetcher {
    timeout: Duration,
}

impl HttpsFetcher {
    /// A fetcher giving each request at most `timeout` in all.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl Default for HttpsFetcher {
    /// Ten seconds a request.
    fn default() -> Self {
        Self::new(Duration::from_secs(10))
    }
}

#[async_trait::async_trait]
impl Fetcher for HttpsFetcher {
    async fn get(&self, url: &str, addrs: &[IpAddr], limit: usize) -> Result<Fetched, FetchError> {
        let parsed = url::Url::parse(url).map_err(|e| FetchError::Other(format!("bad address {url}: {e}")))?;
        let host = parsed.host_str().ok_or_else(|| FetchError::Other(format!("no host in {url}")))?.to_owned();
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(FetchError::Other(format!("not a web address: {url}")));
        }
        let port = parsed.port_or_known_default().unwrap_or(443);
        let mut last = FetchError::Other(format!("{host} has no address"));
        for ip in addrs.iter().take(4) {
            match self.get_from(&parsed, &host, SocketAddr::new(*ip, port), limit).await {
                // Another address may answer where this one did not.
                Err(e @ (FetchError::Connect(_) | FetchError::Timeout)) => last = e,
                done => return done,
            }
        }
        Err(last)
    }
}

impl HttpsFetcher {
    async fn get_from(
        &self,
        url: &url::Url,
        host: &str,
        addr: SocketAddr,
        limit: usize,
    ) -> Result<Fetched, FetchError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .resolve(host, addr)
            .user_agent(concat!("Portcullis/", env!("CARGO_PKG_VERSION"), " (domain security check)"))
            .build()
            .map_err(|e| FetchError::Other(e.to_string()))?;
        let mut response = client.get(url.clone()).send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > limit {
                return Err(FetchError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { status, headers, body })
    }
}

/// Say which of our kinds of failure a reqwest error is.
fn classify(error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    let chain = causes(&error);
    if is_tls_failure(&error) {
        FetchError::Tls(chain)
    } else if error.is_connect() {
        FetchError::Connect(chain)
    } else {
        FetchError::Other(chain)
    }
}

/// TLS failures (a bad certificate, a peer that speaks no TLS) reach us as
/// rustls errors, or I/O errors of kind `InvalidData` wrapping them.
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::InvalidData => return true,
            // An I/O error's `source()` skips the error it wraps: look inside.
            Some(io) => io.get_ref().map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

/// The most telling part of an error and its causes.
pub(crate) fn causes(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    // The innermost cause says what happened ("Connection refused"); the
    // outer ones repeat the address the caller already knows.
    parts.pop().unwrap_or_default()
}
