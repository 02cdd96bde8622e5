//! The Pwned Passwords range API (k-anonymity): for each password only the
//! first five hex digits of its hash are sent; the answer lists every
//! breached hash under that prefix, padded with decoys (`Add-Padding: true`)
//! so even the answer's size says nothing. The match is made here.
//!
//! Answers are cached for the life of the client (one audit), so passwords
//! sharing a prefix cost one request; nothing is cached on disk, because
//! the set of prefixes an office asked about is itself a small clue.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portcullis_breach::audit::{BreachLookup, LookupError};
use portcullis_breach::hash::{HashKind, PasswordHash};
use portcullis_breach::range;

/// Requests in flight at once.
const PARALLEL: usize = 8;
/// Tries per prefix (the first and two retries).
const ATTEMPTS: u32 = 3;
/// The most an answer may be; real ones are about 30 KB.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// A client for one range API, usable as a [`BreachLookup`] from a blocking
/// thread (it drives its requests on the runtime it was made on).
#[derive(Debug, Clone)]
pub struct RangeApi {
    base: url::Url,
    kind: HashKind,
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    cache: Arc<Mutex<HashMap<String, Arc<Vec<u8>>>>>,
    backoff: Duration,
}

/// Why a range API cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RangeApiError {
    /// The address is not one we will send prefixes to.
    #[error("{0}")]
    BadAddress(String),
    /// The HTTP client could not be set up.
    #[error("the HTTP client could not start: {0}")]
    Client(String),
}

impl RangeApi {
    /// A client for the API at `base` (`https://api.pwnedpasswords.com`, or
    /// a mirror; plain `http` only on loopback, for tests), on the current
    /// tokio runtime.
    ///
    /// # Errors
    /// [`RangeApiError`] for an unusable address or client.
    pub fn new(base: &str, kind: HashKind, timeout: Duration) -> Result<Self, RangeApiError> {
        let mut base = url::Url::parse(base.trim())
            .map_err(|error| RangeApiError::BadAddress(format!("{base} is not a web address: {error}")))?;
        check_scheme(&base)?;
        let path = base.path().trim_end_matches('/').trim_end_matches("/range").to_owned();
        base.set_path(&format!("{path}/"));
        base.set_query(None);
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| RangeApiError::Client("no async runtime to run requests on".into()))?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Portcullis/", env!("CARGO_PKG_VERSION"), " (password audit)"))
            .build()
            .map_err(|error| RangeApiError::Client(error.to_string()))?;
        Ok(Self { base, kind, client, runtime, cache: Arc::default(), backoff: Duration::from_millis(300) })
    }

    /// Waits `backoff`, then twice that, between tries (default 300 ms).
    #[must_use]
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// How often `hash` appears, asking the API (or the cache) for its
    /// prefix.
    ///
    /// # Errors
    /// [`LookupError`] in plain English when the API cannot answer.
    pub async fn count(&self, hash: &PasswordHash) -> Result<u64, LookupError> {
        let body = self.range_body(&range::prefix(hash)).await?;
        range::count_in(&body, hash)
            .map_err(|error| LookupError(format!("the range API's answer is not valid: {error}")))
    }

    async fn range_body(&self, prefix: &str) -> Result<Arc<Vec<u8>>, LookupError> {
        if let Some(hit) = self.cache.lock().ok().and_then(|cache| cache.get(prefix).cloned()) {
            return Ok(hit);
        }
        let body = Arc::new(self.fetch_with_retries(prefix).await?);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(prefix.to_owned(), Arc::clone(&body));
        }
        Ok(body)
    }

    async fn fetch_with_retries(&self, prefix: &str) -> Result<Vec<u8>, LookupError> {
        let mut wait = self.backoff;
        let mut attempt = 1;
        loop {
            match self.fetch(prefix).await {
                Ok(body) => return Ok(body),
                Err(Failure::Final(message)) => return Err(LookupError(message)),
                Err(Failure::Retry(message, _)) if attempt >= ATTEMPTS => {
                    return Err(LookupError(format!("{message} (tried {ATTEMPTS} times)")));
                }
                Err(Failure::Retry(_, asked_wait)) => {
                    tokio::time::sleep(asked_wait.unwrap_or(wait).min(Duration::from_secs(10))).await;
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
            }
        }
    }

    async fn fetch(&self, prefix: &str) -> Result<Vec<u8>, Failure> {
        let mut url = self.base.join(&format!("range/{prefix}")).map_err(|e| Failure::Final(e.to_string()))?;
        if self.kind == HashKind::Ntlm {
            url.set_query(Some("mode=ntlm"));
        }
        let offline = |error: reqwest::Error| {
            let why =
                if error.is_timeout() { "it did not answer in time".to_owned() } else { crate::fetch::causes(&error) };
            Failure::Retry(
                format!(
                    "could not reach the Pwned Passwords range API at {}: {why}. Check the connection, or check \
                     offline with an index (portcullis breach index build CORPUS --out INDEX, then --index INDEX)",
                    self.base
                ),
                None,
            )
        };
        let mut response = self.client.get(url).header("Add-Padding", "true").send().await.map_err(offline)?;
        let status = response.status();
        if status.as_u16() == 429 || status.is_server_error() {
            let asked = retry_after(&response);
            return Err(Failure::Retry(format!("the range API at {} answered {status}", self.base), asked));
        }
        if !status.is_success() {
            return Err(Failure::Final(format!("the range API at {} answered {status}", self.base)));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(offline)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(Failure::Final(format!("the range API at {} sent more than 8 MiB", self.base)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

enum Failure {
    /// Worth trying again (no connection, timeout, 429, 5xx), maybe after
    /// the wait the server asked for.
    Retry(String, Option<Duration>),
    /// Not worth trying again.
    Final(String),
}

fn check_scheme(base: &url::Url) -> Result<(), RangeApiError> {
    let loopback = match base.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match base.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(RangeApiError::BadAddress(format!(
            "{base}: the range API must be reached over https (plain http only on this machine)"
        ))),
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl BreachLookup for RangeApi {
    fn kind(&self) -> HashKind {
        self.kind
    }

    fn source(&self) -> &'static str {
        "api"
    }

    /// Must be called from a blocking thread (`spawn_blocking`), never from
    /// inside the runtime.
    fn counts(&mut self, hashes: &[PasswordHash]) -> Result<Vec<u64>, LookupError> {
        let api = self.clone();
        let hashes = hashes.to_vec();
        self.runtime.block_on(async move { api.counts_async(hashes).await })
    }
}

impl RangeApi {
    async fn counts_async(&self, hashes: Vec<PasswordHash>) -> Result<Vec<u64>, LookupError> {
        let mut prefixes: Vec<String> = hashes.iter().map(range::prefix).collect();
        prefixes.sort();
        prefixes.dedup();
        let mut tasks = tokio::task::JoinSet::new();
        let mut waiting = prefixes.into_iter();
        for prefix in waiting.by_ref().take(PARALLEL) {
            let api = self.clone();
            tasks.spawn(async move { api.range_body(&prefix).await.map(|_| ()) });
        }
        while let Some(done) = tasks.join_next().await {
            done.map_err(|error| LookupError(format!("a range request failed: {error}")))??;
            if let Some(prefix) = waiting.next() {
                let api = self.clone();
                tasks.spawn(async move { api.range_body(&prefix).await.map(|_| ()) });
            }
        }
        let mut counts = Vec::with_capacity(hashes.len());
        for hash in &hashes {
            counts.push(self.count(hash).await?);
        }
        Ok(counts)
    }
}
