//! Shutdown and supervision, against a real socket: a request in progress
//! when shutdown begins is finished; one that outlives the grace period is
//! stopped (its handler dropped) before `serve` returns; a slow or panicking
//! handler gets an error page; an oversized body is refused with a page.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use portcullis_app::auth::ServerKey;
use portcullis_app::{App, OsRandom, SystemClock};
use portcullis_store_sqlite::SqliteStore;
use portcullis_testkit::http;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

use super::serve_router;
use crate::state::{AppState, Supervisor};
use crate::{WebConfig, build};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Test routes: one that takes a while, one that never finishes (and records
/// when it is dropped), one that panics.
struct Probe {
    started: Notify,
    dropped: AtomicBool,
}

struct DropFlag(Arc<Probe>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

fn probe_routes(probe: &Arc<Probe>) -> Router<AppState> {
    let slow = Arc::clone(probe);
    let stuck = Arc::clone(probe);
    Router::new()
        .route(
            "/slow",
            get(move || async move {
                slow.started.notify_one();
                tokio::time::sleep(Duration::from_millis(400)).await;
                "finished"
            }),
        )
        .route(
            "/stuck",
            get(move || async move {
                let _flag = DropFlag(Arc::clone(&stuck));
                stuck.started.notify_one();
                tokio::time::sleep(Duration::from_secs(3600)).await;
                "never"
            }),
        )
        .route("/panic", get(explode))
        .route("/echo", axum::routing::post(|body: String| async move { body }))
}

async fn explode() -> &'static str {
    panic!("deliberate test panic")
}

struct Running {
    addr: SocketAddr,
    probe: Arc<Probe>,
    trigger: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<Result<(), super::WebError>>,
    _dir: tempfile::TempDir,
}

/// An app over a fresh SQLite database in `dir`.
async fn test_app(dir: &tempfile::TempDir) -> App {
    let store = SqliteStore::open(&dir.path().join("p.db")).await.unwrap();
    App::with_parts(Arc::new(store), Arc::new(SystemClock), Arc::new(OsRandom), ServerKey::from_bytes([7; 32]))
}

fn new_probe() -> Arc<Probe> {
    Arc::new(Probe { started: Notify::new(), dropped: AtomicBool::new(false) })
}

async fn start(grace: Duration, timeout: Duration) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut state = AppState::new(test_app(&dir).await, WebConfig::default());
    state.supervisor = Supervisor::new(timeout);
    let supervisor = state.supervisor.clone();
    let probe = new_probe();
    let router = build(state, probe_routes(&probe));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, stop) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stop.await;
    };
    let served = tokio::spawn(serve_router(listener, router, supervisor, shutdown, grace));
    Running { addr, probe, trigger, served, _dir: dir }
}

#[tokio::test]
async fn a_request_in_progress_is_finished_before_serve_returns() {
    let site = start(Duration::from_secs(10), Duration::from_secs(30)).await;
    let addr = site.addr;
    let client = tokio::spawn(async move { http::get(addr, "/slow", CLIENT_TIMEOUT).await });
    site.probe.started.notified().await;

    site.trigger.send(()).unwrap();
    let served = tokio::time::timeout(Duration::from_secs(5), site.served).await.unwrap().unwrap();

    served.unwrap();
    let res = client.await.unwrap().unwrap();
    assert_eq!(res.status, 200);
    assert_eq!(res.body, "finished");
    assert!(http::get(addr, "/healthz", Duration::from_secs(2)).await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn a_request_outliving_the_grace_period_is_stopped_before_serve_returns() {
    let site = start(Duration::from_millis(200), Duration::from_secs(30)).await;
    let addr = site.addr;
    let client = tokio::spawn(async move { http::get(addr, "/stuck", CLIENT_TIMEOUT).await });
    site.probe.started.notified().await;

    site.trigger.send(()).unwrap();
    let served = tokio::time::timeout(Duration::from_secs(5), site.served).await.unwrap().unwrap();

    served.unwrap();
    assert!(site.probe.dropped.load(Ordering::SeqCst), "the handler (and its database handle) is gone");
    let res = client.await.unwrap().unwrap();
    assert_eq!(res.status, 503);
    assert_eq!(res.header("retry-after"), Some("10"));
    assert!(res.body.contains("Sorry, Portcullis is unavailable"));
}

#[tokio::test]
async fn a_request_that_takes_too_long_gets_a_try_again_page() {
    let site = start(Duration::from_secs(10), Duration::from_millis(100)).await;
    let res = http::get(site.addr, "/stuck", CLIENT_TIMEOUT).await.unwrap();

    assert_eq!(res.status, 503);
    assert!(res.body.contains("Try again in a few minutes."));
    assert!(res.header("content-security-policy").is_some());
    assert!(site.probe.dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_panicking_handler_gets_an_error_page_and_the_server_carries_on() {
    let site = start(Duration::from_secs(10), Duration::from_secs(30)).await;
    let res = http::get(site.addr, "/panic", CLIENT_TIMEOUT).await.unwrap();

    assert_eq!(res.status, 500);
    assert!(res.body.contains("Sorry, there is a problem with Portcullis"));
    assert!(!res.body.contains("deliberate"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    let health = http::get(site.addr, "/healthz", CLIENT_TIMEOUT).await.unwrap();
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn a_visitor_who_goes_away_takes_their_handler_with_them() {
    use tokio::io::AsyncWriteExt;

    let site = start(Duration::from_secs(10), Duration::from_secs(30)).await;
    let mut stream = tokio::net::TcpStream::connect(site.addr).await.unwrap();
    stream.write_all(b"GET /stuck HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    site.probe.started.notified().await;

    drop(stream);

    for _ in 0..50 {
        if site.probe.dropped.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the handler kept running after its visitor disconnected");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_a_page() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(test_app(&dir).await, WebConfig::default());
    let router = build(state, probe_routes(&new_probe()));
    let post = |len: usize| axum::http::Request::post("/echo").body(axum::body::Body::from("x".repeat(len))).unwrap();

    let small = router.clone().oneshot(post(1000)).await.unwrap();
    assert_eq!(small.status(), 200);

    let big = router.oneshot(post(crate::MAX_BODY_BYTES + 1)).await.unwrap();
    assert_eq!(big.status(), 413);
    assert_eq!(big.headers()["content-type"], "text/html; charset=utf-8");
    let body = big.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("What you sent is too large"));
}
