//! Every write SQLite acknowledged is still there after the process is killed
//! without warning (SIGKILL: no destructors, no checkpoint, no close).
//!
//! The test re-runs this test binary as a child that appends audit entries
//! and prints each acknowledged sequence number; the parent kills it mid-run,
//! reopens the file and looks for every number the child reported.

// Test code: a broken assumption should stop the test loudly, and what a
// test prints is for the person reading its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portcullis_store::{AuditQuery, NewAuditEntry, NewOffice, Store};
use portcullis_store_sqlite::SqliteStore;
use portcullis_types::{OfficeId, OfficeName, SeqRandom, Timestamp};

/// Set only in the child: the database file it writes to.
const CHILD_DB: &str = "PORTCULLIS_DURABILITY_CHILD_DB";

/// Acknowledgements to collect before pulling the plug.
const ACKS_BEFORE_KILL: usize = 60;

#[tokio::test]
#[ignore = "the writer half of acknowledged_writes_survive_sigkill; runs only as its child"]
async fn durability_child_writer() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let store = SqliteStore::open(std::path::Path::new(&path)).await.unwrap();
    let t = Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap();
    let office = OfficeId::generate(&SeqRandom::new(3));
    let name = OfficeName::new("Durable office").unwrap();
    store.create_office(&NewOffice { id: office, name, created_at: t, demo: false }).await.unwrap();
    println!("OFFICE {office}");
    // Bounded, and println! fails once the parent has gone, so an orphaned
    // child cannot write for ever.
    for i in 0..100_000_i64 {
        let entry = NewAuditEntry {
            office_id: office,
            at: t.plus_secs(i),
            actor: "system".into(),
            action: "durability.write".into(),
            target: None,
            detail: format!("write {i}"),
        };
        let stored = store.append_audit(&entry).await.unwrap();
        // Printed only after append_audit returned: this is the acknowledgement.
        println!("ACK {}", stored.seq);
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portcullis.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["durability_child_writer", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let started = Instant::now();
    let mut office: Option<OfficeId> = None;
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // With one test thread libtest prints "test durability_child_writer ... "
        // without a newline, so the first report shares its line.
        if let Some((_, id)) = line.split_once("OFFICE ") {
            office = Some(id.parse().unwrap());
        } else if let Some(seq) = line.strip_prefix("ACK ") {
            acked.push(seq.parse::<i64>().unwrap());
        }
        if acked.len() >= ACKS_BEFORE_KILL || started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    // std's Child::kill sends SIGKILL on Unix.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(acked.len(), ACKS_BEFORE_KILL, "the child stopped early or was too slow");
    let office = office.expect("the child reported its office");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        let all = AuditQuery { limit: AuditQuery::MAX_LIMIT, ..AuditQuery::default() };
        let stored: Vec<i64> = store.list_audit(office, &all).await.unwrap().iter().map(|e| e.seq).collect();
        for seq in &acked {
            assert!(stored.contains(seq), "acknowledged entry {seq} was lost");
        }
        store.close().await;
    });
}
