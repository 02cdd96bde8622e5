//! A Pwned Passwords range server for tests: real HTTP/1.1 on loopback,
//! answering `GET /range/{PREFIX}` (and `?mode=ntlm`) from a `HASH:COUNT`
//! corpus held in memory, as `api.pwnedpasswords.com` does: the matching
//! suffixes as `SUFFIX:COUNT` lines joined by CRLF, sorted, and with
//! `Add-Padding: true` enough random `SUFFIX:0` lines for 800 to 1,000 lines.
//! A malformed prefix gets 400. One request per connection
//! (`Connection: close`).
//!
//! Knobs for client tests: [`RangeServer::fail_next`] answers 503 to the
//! next requests (retries), [`RangeServer::paths`] lists what was asked (so
//! a test can check that only five hex digits ever left the client).

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Hex digits of a range prefix.
const PREFIX_LEN: usize = 5;
/// Fewest lines in a padded answer; up to 200 more are added at random.
const MIN_PADDED: usize = 800;
/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// Suffix lines by upper-case prefix.
type Corpus = BTreeMap<String, Vec<(String, u64)>>;

/// A running range server; it stops when dropped.
#[derive(Debug)]
pub struct RangeServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug)]
struct State {
    sha1: Corpus,
    ntlm: Option<Corpus>,
    fail_next: AtomicU32,
    requests: AtomicU64,
    paths: Mutex<Vec<String>>,
}

impl Drop for RangeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RangeServer {
    /// Serves `sha1_corpus` (`HASH:COUNT` lines, 40 hex digits, LF or CRLF)
    /// on a free loopback port.
    ///
    /// # Errors
    /// A malformed corpus line (`InvalidData`, naming the line), or binding.
    pub async fn start(sha1_corpus: &str) -> std::io::Result<Self> {
        Self::launch(parse_corpus(sha1_corpus, 40)?, None).await
    }

    /// Serves `sha1_corpus`, and `ntlm_corpus` (32 hex digits) for
    /// `?mode=ntlm`.
    ///
    /// # Errors
    /// As [`RangeServer::start`].
    pub async fn with_ntlm(sha1_corpus: &str, ntlm_corpus: &str) -> std::io::Result<Self> {
        Self::launch(parse_corpus(sha1_corpus, 40)?, Some(parse_corpus(ntlm_corpus, 32)?)).await
    }

    async fn launch(sha1: Corpus, ntlm: Option<Corpus>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            sha1,
            ntlm,
            fail_next: AtomicU32::new(0),
            requests: AtomicU64::new(0),
            paths: Mutex::new(Vec::new()),
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &shared).await;
                });
            }
        });
        Ok(Self { addr, state, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:PORT` (ranges are under `/range/`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answer 503 to the next `n` requests (whatever they ask).
    pub fn fail_next(&self, n: u32) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    /// Requests answered so far, failed ones included.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The request targets seen (path and query), in order.
    pub fn paths(&self) -> Vec<String> {
        self.state.paths.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

fn parse_corpus(text: &str, digits: usize) -> std::io::Result<Corpus> {
    let mut corpus = Corpus::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("corpus line {}: {what}", index + 1))
        };
        let (hash, count) = line.split_once(':').ok_or_else(|| bad("expected HASH:COUNT"))?;
        if hash.len() != digits || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(&format!("expected {digits} hex digits")));
        }
        let count = count.parse::<u64>().map_err(|_| bad("the count is not a number"))?;
        let hash = hash.to_ascii_uppercase();
        let (prefix, suffix) = hash.split_at(PREFIX_LEN);
        corpus.entry(prefix.to_owned()).or_default().push((suffix.to_owned(), count));
    }
    Ok(corpus)
}

/// One request, one answer, then close.
async fn serve(mut stream: TcpStream, state: &State) -> std::io::Result<()> {
    let head = tokio::time::timeout(Duration::from_secs(10), read_head(&mut stream))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "client went quiet"))??;
    let (status, body) = answer(state, &head);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || head.len() > MAX_HEAD {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "no complete request head"));
        }
        head.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// Status and body for a request head.
fn answer(state: &State, head: &str) -> (u16, String) {
    let mut lines = head.split("\r\n");
    let mut request = lines.next().unwrap_or_default().split(' ');
    let (method, target) = (request.next().unwrap_or_default(), request.next().unwrap_or_default());
    state.requests.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut paths) = state.paths.lock() {
        paths.push(target.to_owned());
    }
    if state.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
        return (503, "try again later".to_owned());
    }
    if method != "GET" {
        return (405, "only GET".to_owned());
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(prefix) = path.strip_prefix("/range/") else { return (404, "not found".to_owned()) };
    if prefix.len() != PREFIX_LEN || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (400, "The hash prefix was not in a valid format".to_owned());
    }
    let corpus = if query.split('&').any(|p| p.eq_ignore_ascii_case("mode=ntlm")) {
        let Some(ntlm) = &state.ntlm else { return (404, "no NTLM corpus was given".to_owned()) };
        (ntlm, 27)
    } else {
        (&state.sha1, 35)
    };
    let padded = lines.any(|l| {
        l.split_once(':').is_some_and(|(n, v)| n.trim().eq_ignore_ascii_case("add-padding") && v.trim() == "true")
    });
    (200, body_for(corpus.0, &prefix.to_ascii_uppercase(), corpus.1, padded))
}

/// The suffix lines of `prefix`, padded when asked, sorted, joined by CRLF.
fn body_for(corpus: &Corpus, prefix: &str, digits: usize, padded: bool) -> String {
    let mut lines = corpus.get(prefix).cloned().unwrap_or_default();
    if padded {
        let mut random = Xorshift::seeded();
        let target = MIN_PADDED + usize::try_from(random.next() % 201).unwrap_or(0);
        let mut seen: HashSet<String> = lines.iter().map(|(s, _)| s.clone()).collect();
        while lines.len() < target {
            let suffix = random.hex(digits);
            if seen.insert(suffix.clone()) {
                lines.push((suffix, 0));
            }
        }
    }
    lines.sort();
    lines.iter().map(|(suffix, count)| format!("{suffix}:{count}")).collect::<Vec<_>>().join("\r\n")
}

/// Padding needs variety, not secrecy: xorshift seeded from the OS.
struct Xorshift(u64);

impl Xorshift {
    fn seeded() -> Self {
        Self(getrandom::u64().unwrap_or(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn hex(&mut self, digits: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        (0..digits)
            .map(|_| char::from(DIGITS.get(usize::try_from(self.next() % 16).unwrap_or(0)).copied().unwrap_or(b'0')))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::http;

    /// SHA-1 of "password" and two neighbours in its range, one elsewhere.
    const SHA1: &str = "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n\
                        5baa6000000000000000000000000000000000aa:3\r\n\
                        5BAA6FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:1\r\n\
                        0000000000000000000000000000000000000001:7\r\n";
    /// NTLM of "password".
    const NTLM: &str = "8846F7EAEE8FB117AD06BDD830B7586C:1000\n";

    async fn get(server: &RangeServer, path: &str, headers: &[(&str, &str)]) -> http::Response {
        http::request(server.addr(), "GET", path, headers, "", Duration::from_secs(5)).await.unwrap()
    }

    #[tokio::test]
    async fn serves_the_suffixes_of_a_prefix_like_the_real_api() {
        let server = RangeServer::with_ntlm(SHA1, NTLM).await.unwrap();
        assert!(server.url().starts_with("http://127.0.0.1:"));
        let response = get(&server, "/range/5BAA6", &[]).await;
        assert_eq!(response.status, 200);
        assert_eq!(
            response.body,
            "000000000000000000000000000000000AA:3\r\n\
             1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n\
             FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:1"
        );
        assert_eq!(get(&server, "/range/5baa6", &[]).await.body.lines().count(), 3);
        assert_eq!(get(&server, "/range/ABCDE", &[]).await.body, "");
        let ntlm = get(&server, "/range/8846F?mode=ntlm", &[]).await;
        assert_eq!((ntlm.status, ntlm.body.as_str()), (200, "7EAEE8FB117AD06BDD830B7586C:1000"));
    }

    #[tokio::test]
    async fn pads_to_at_least_800_lines_when_asked() {
        let server = RangeServer::start(SHA1).await.unwrap();
        let response = get(&server, "/range/5BAA6", &[("Add-Padding", "true")]).await;
        let lines: Vec<&str> = response.body.split("\r\n").collect();
        assert!((800..=1000).contains(&lines.len()), "{} lines", lines.len());
        assert!(lines.iter().all(|l| l.len() > 36 && l.as_bytes()[35] == b':'));
        assert_eq!(lines.iter().filter(|l| !l.ends_with(":0")).count(), 3);
        assert!(lines.contains(&"1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824"));
        let mut sorted = lines.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, lines);
    }

    #[tokio::test]
    async fn refuses_bad_prefixes_and_counts_and_fails_on_request() {
        let server = RangeServer::start(SHA1).await.unwrap();
        for (path, status) in [("/range/5BAA", 400), ("/range/5BAA6F", 400), ("/range/XYZ12", 400), ("/other", 404)] {
            assert_eq!(get(&server, path, &[]).await.status, status, "{path}");
        }
        assert_eq!(get(&server, "/range/5BAA6?mode=ntlm", &[]).await.status, 404, "no NTLM corpus given");
        server.fail_next(2);
        assert_eq!(get(&server, "/range/5BAA6", &[]).await.status, 503);
        assert_eq!(get(&server, "/range/5BAA6", &[]).await.status, 503);
        assert_eq!(get(&server, "/range/5BAA6", &[]).await.status, 200);
        assert_eq!(server.requests(), 8);
        assert_eq!(server.paths().first().map(String::as_str), Some("/range/5BAA"));
        assert_eq!(server.paths().last().map(String::as_str), Some("/range/5BAA6"));
    }

    #[tokio::test]
    async fn refuses_a_malformed_corpus_and_stops_when_dropped() {
        let error = RangeServer::start("5BAA6:1\n").await.unwrap_err();
        assert!(error.to_string().contains("corpus line 1"), "{error}");
        let server = RangeServer::start(SHA1).await.unwrap();
        let addr = server.addr();
        drop(server);
        let mut refused = false;
        for _ in 0..50 {
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(refused, "the server still accepts connections");
    }
}
