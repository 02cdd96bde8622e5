//! The range API client against a real HTTP server on loopback: counts,
//! padding, the cache, retries with backoff, and a clear error when the
//! service cannot be reached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use portcullis_breach::Secret;
use portcullis_breach::audit::BreachLookup as _;
use portcullis_breach::hash::{HashKind, PasswordHash};
use portcullis_net::RangeApi;
use portcullis_testkit::pwned::RangeServer;

fn hash(password: &str) -> PasswordHash {
    HashKind::Sha1.of(&Secret::from(password))
}

fn corpus() -> String {
    let mut lines = [format!("{}:250000", hash("letmein").to_hex()), format!("{}:3", hash("Password1").to_hex())];
    lines.sort();
    lines.join("\n")
}

fn client(server: &RangeServer) -> RangeApi {
    RangeApi::new(&server.url(), HashKind::Sha1, Duration::from_secs(5))
        .unwrap()
        .with_backoff(Duration::from_millis(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_come_back_and_only_prefixes_leave() {
    let server = RangeServer::start(&corpus()).await.unwrap();
    let api = client(&server);
    assert_eq!(api.count(&hash("letmein")).await.unwrap(), 250_000);
    assert_eq!(api.count(&hash("Password1")).await.unwrap(), 3);
    assert_eq!(api.count(&hash("Heron-Lantern-Parcel-61")).await.unwrap(), 0, "padding lines never match");
    assert_eq!(api.count(&hash("letmein")).await.unwrap(), 250_000);
    assert_eq!(server.requests(), 3, "a prefix asked before comes from the cache");
    for path in server.paths() {
        let prefix = path.strip_prefix("/range/").unwrap();
        assert!(prefix.len() == 5 && prefix.chars().all(|c| c.is_ascii_hexdigit()), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_lookup_batches_distinct_prefixes() {
    let server = RangeServer::start(&corpus()).await.unwrap();
    let mut api = client(&server);
    let hashes = vec![hash("letmein"), hash("Password1"), hash("letmein"), hash("unseen-one")];
    let counts = tokio::task::spawn_blocking(move || api.counts(&hashes)).await.unwrap().unwrap();
    assert_eq!(counts, vec![250_000, 3, 250_000, 0]);
    assert_eq!(server.requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_server_is_retried_then_given_up_on() {
    let server = RangeServer::start(&corpus()).await.unwrap();
    let api = client(&server);
    server.fail_next(2);
    assert_eq!(api.count(&hash("letmein")).await.unwrap(), 250_000, "the third try succeeds");
    assert_eq!(server.requests(), 3);
    server.fail_next(10);
    let error = api.count(&hash("Password1")).await.unwrap_err();
    assert!(error.0.contains("503") && error.0.contains("tried 3 times"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_service_says_so_and_how_to_work_offline() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let api =
        RangeApi::new(&url, HashKind::Sha1, Duration::from_secs(2)).unwrap().with_backoff(Duration::from_millis(10));
    let error = api.count(&hash("letmein")).await.unwrap_err();
    assert!(error.0.contains("could not reach") && error.0.contains("--index"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_refused_off_this_machine() {
    let error = RangeApi::new("http://api.pwnedpasswords.example", HashKind::Sha1, Duration::from_secs(1)).unwrap_err();
    assert!(error.to_string().contains("https"), "{error}");
    assert!(RangeApi::new("https://api.pwnedpasswords.com/range/", HashKind::Sha1, Duration::from_secs(1)).is_ok());
}
