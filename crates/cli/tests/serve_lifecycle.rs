//! `portcullis serve` as an office runs it: it starts on a fresh machine,
//! answers, and stops cleanly on SIGTERM while requests and writes are under
//! way, leaving a consistent SQLite file behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use portcullis_testkit::http;

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the server on a free port and wait until `/healthz` answers.
async fn start(data_dir: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("PORTCULLIS_KEY_FILE", data_dir.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("portcullis starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    // The first line says where it listens: "Portcullis is running at http://ADDR/ …"
    // Read the first line, then keep draining so the server never writes
    // into a closed pipe.
    let (first_tx, first_rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = first_tx.send(lines.next().and_then(Result::ok).unwrap_or_default());
        for _ in lines {}
    });
    let line = first_rx.await.unwrap();
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in first line: {line:?}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http::get(addr, "/healthz", Duration::from_secs(2)).await
            && r.status == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, addr }
}

fn sigterm(pid: u32) {
    let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success());
}

async fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "server did not stop within {limit:?} of SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_command_serves_the_home_page_on_a_fresh_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("new"), &[]).await;
    let home = http::get(server.addr, "/", Duration::from_secs(5)).await.unwrap();
    assert_eq!(home.status, 303, "the home page needs sign-in");
    assert_eq!(home.header("location"), Some("/login"));
    let login = http::get(server.addr, "/login", Duration::from_secs(5)).await.unwrap();
    assert_eq!(login.status, 200);
    assert!(login.body.contains("Sign in to Portcullis"));
    let csp = login.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(dir.path().join("new/portcullis.db").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_requests_and_writes_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), &["--demo"]).await;
    let addr = server.addr;

    // Readers hammer the server while writers add offices through the same
    // database file from other processes.
    let mut readers = Vec::new();
    for _ in 0..8 {
        readers.push(tokio::spawn(async move {
            let mut answered = 0u32;
            let mut refused = 0u32;
            for i in 0..400 {
                let path = if i % 2 == 0 { "/login" } else { "/healthz" };
                match http::get(addr, path, Duration::from_secs(10)).await {
                    Ok(r) => {
                        assert!(r.status == 200, "in-flight request got {}", r.status);
                        answered += 1;
                    }
                    // After shutdown begins, new connections are refused.
                    Err(_) => refused += 1,
                }
            }
            (answered, refused)
        }));
    }
    let data_dir = dir.path().to_path_buf();
    let writers = tokio::task::spawn_blocking(move || {
        let mut created = 0;
        for i in 0..6 {
            let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
                .args(["office", "create", &format!("Writer office {i}")])
                .env("PORTCULLIS_DATA_DIR", &data_dir)
                .env("PORTCULLIS_KEY_FILE", data_dir.join("secret.key"))
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            created += 1;
        }
        created
    });

    tokio::time::sleep(Duration::from_millis(400)).await;
    sigterm(server.child.id());
    let status = wait_exit(&mut server.child, Duration::from_secs(20)).await;
    assert!(status.success(), "server exited with {status:?} after SIGTERM");

    let mut answered = 0;
    for r in readers {
        answered += r.await.unwrap().0;
    }
    assert!(answered > 0, "no request was answered before shutdown");
    let created = writers.await.unwrap();

    // The file is consistent and holds every acknowledged write.
    let store = portcullis_store_sqlite::SqliteStore::open(&dir.path().join("portcullis.db")).await.unwrap();
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    use portcullis_store::Store as _;
    let offices = store.list_offices().await.unwrap();
    assert_eq!(offices.len(), created + 1, "demo office plus every office the writers were told was created");
    store.close().await;
}
