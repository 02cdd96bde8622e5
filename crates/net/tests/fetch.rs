//! The HTTPS fetcher against loopback servers that misbehave: nothing
//! listening, a server that speaks no TLS, a server that never answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use portcullis_dnscheck::fetch::{FetchError, Fetcher};
use portcullis_net::HttpsFetcher;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[tokio::test]
async fn nothing_listening_is_a_connection_failure() {
    let port = TcpListener::bind((LOOPBACK, 0)).await.unwrap().local_addr().unwrap().port();
    let web = HttpsFetcher::new(Duration::from_secs(2));
    let result = web.get(&format!("https://site.test:{port}/"), &[LOOPBACK], 1024).await;
    assert!(matches!(result, Err(FetchError::Connect(_))), "{result:?}");
}

#[tokio::test]
async fn a_server_without_tls_is_a_tls_failure() {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let web = HttpsFetcher::new(Duration::from_secs(2));
    let result = web.get(&format!("https://site.test:{port}/"), &[LOOPBACK], 1024).await;
    assert!(matches!(result, Err(FetchError::Tls(_))), "{result:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let web = HttpsFetcher::new(Duration::from_millis(500));
    let started = Instant::now();
    let result = web.get(&format!("https://site.test:{port}/"), &[LOOPBACK], 1024).await;
    assert!(matches!(result, Err(FetchError::Timeout)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
