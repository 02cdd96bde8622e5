//! Secure (TLS) connections to PostgreSQL: a URL that requires TLS either
//! gets it or fails fast with a reason an operator can act on, never falling
//! back to plain text and never showing the password.

// Test code: a broken assumption should stop the test loudly, and what a
// test prints is for the person reading its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

mod support;

use std::time::{Duration, Instant};

use portcullis_store::{Store, StoreError};
use portcullis_store_postgres::PgStore;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PASSWORD: &str = "hunter2-secret";

/// Connect, insisting on an answer within ten seconds.
async fn connect_quickly(url: &str) -> Result<PgStore, StoreError> {
    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(10), PgStore::connect(url))
        .await
        .unwrap_or_else(|_| panic!("connecting to {url} took more than 10 seconds"));
    eprintln!("{:?}: {:?}", started.elapsed(), outcome.as_ref().err().map(ToString::to_string));
    outcome
}

/// The URL with `sslmode` set, keeping any other parameters.
fn with_sslmode(url: &str, mode: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode={mode}")
}

fn assert_plain_tls_refusal(err: &StoreError) {
    let StoreError::Unavailable { reason, .. } = err else { panic!("expected Unavailable, got {err:?}") };
    let message = err.to_string();
    assert!(reason.contains("secure (TLS) connection"), "{message}");
    assert!(reason.contains("does not offer one"), "{message}");
    assert!(!message.contains(PASSWORD) && !format!("{err:?}").contains(PASSWORD), "password shown in: {err:?}");
    for debug_marker in ["Os {", "kind:", "Error {", "Tls("] {
        assert!(!message.contains(debug_marker), "debug output in: {message}");
    }
}

/// A stand-in for a PostgreSQL server with TLS turned off: it answers every
/// SSLRequest with `N`, exactly as such a server does, and says no more.
async fn server_without_tls() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                // SSLRequest: length 8, then the code 80877103.
                let mut request = [0u8; 8];
                if socket.read_exact(&mut request).await.is_ok() && request == [0, 0, 0, 8, 4, 210, 22, 47] {
                    let _ = socket.write_all(b"N").await;
                }
                // Hold the connection as a real server would while waiting
                // for a StartupMessage; the client must give up by itself.
                let mut rest = Vec::new();
                let _ = socket.read_to_end(&mut rest).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn sslmode_require_against_a_server_without_tls_fails_fast_in_plain_words() {
    let port = server_without_tls().await;
    let url = format!("postgres://portcullis:{PASSWORD}@127.0.0.1:{port}/portcullis?sslmode=require");
    let started = Instant::now();
    let err = connect_quickly(&url).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_plain_tls_refusal(&err);
    assert!(
        matches!(&err, StoreError::Unavailable { location, .. } if location == &format!("postgres://portcullis@127.0.0.1:{port}/portcullis"))
    );
}

/// Whether the test server has TLS turned on (`SHOW ssl`).
async fn server_offers_tls(url: &str) -> bool {
    let mut conn = PgConnection::connect(&with_sslmode(url, "disable")).await.unwrap();
    let ssl: String = sqlx::query_scalar("SHOW ssl").fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    ssl == "on"
}

#[tokio::test]
async fn sslmode_require_against_the_test_server_gets_tls_or_fails_fast() {
    let Some(url) = support::server_url(&format!("test {}", support::current_test())) else {
        return;
    };
    let required = with_sslmode(&url, "require");
    if !server_offers_tls(&url).await {
        // The server this test was promised: no TLS, so a clear refusal.
        let err = connect_quickly(&required).await.unwrap_err();
        assert_plain_tls_refusal(&err);
        return;
    }
    // The server offers TLS: the store connects (in a schema of its own, so
    // the test database's default schema is left alone), and the session
    // really is encrypted (this is what the sqlx TLS feature buys).
    let schema = support::fresh_schema();
    let store = PgStore::connect_in_schema(&required, &schema).await.unwrap();
    store.ping().await.unwrap();
    store.close().await;
    PgStore::drop_schema(&required, &schema).await.unwrap();
    let options: PgConnectOptions = required.parse().unwrap();
    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert!(encrypted, "sslmode=require connected without TLS");
}

#[tokio::test]
async fn an_unverifiable_certificate_is_refused_in_plain_words() {
    let Some(url) = support::server_url(&format!("test {}", support::current_test())) else {
        return;
    };
    if !server_offers_tls(&url).await {
        eprintln!("SKIPPED: the test server does not offer TLS, so it has no certificate to refuse");
        return;
    }
    // A test server's certificate is self-signed (Debian's "snakeoil"), so
    // full verification against the public roots must fail, and say why.
    // (Were it to succeed, the schema keeps the default one untouched.)
    let verify = with_sslmode(&url, "verify-full");
    let schema = support::fresh_schema();
    let outcome = tokio::time::timeout(Duration::from_secs(10), PgStore::connect_in_schema(&verify, &schema)).await;
    let err = match outcome.expect("an answer within 10 seconds") {
        Ok(store) => {
            store.close().await;
            PgStore::drop_schema(&verify, &schema).await.unwrap();
            panic!("a self-signed certificate was accepted under sslmode=verify-full");
        }
        Err(err) => err,
    };
    eprintln!("{err}");
    let StoreError::Unavailable { reason, .. } = &err else { panic!("expected Unavailable, got {err:?}") };
    assert!(reason.contains("certificate") && reason.contains("sslrootcert"), "{err}");
}
