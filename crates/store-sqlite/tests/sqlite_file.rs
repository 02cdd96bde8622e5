//! What only the SQLite backend promises: plain-English failures for paths
//! it cannot use, a sound WAL-mode file, and an audit log the database itself
//! refuses to rewrite.

// Test code: a broken assumption should stop the test loudly, and what a
// test prints is for the person reading its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

use std::path::Path;

use portcullis_store::{NewAuditEntry, NewOffice, Store, StoreError};
use portcullis_store_sqlite::SqliteStore;
use portcullis_types::{OfficeId, OfficeName, SeqRandom, Timestamp};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

fn assert_plain_unavailable(err: &StoreError, path: &Path) {
    let StoreError::Unavailable { location, reason } = err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert_eq!(location, &path.display().to_string());
    assert!(!reason.is_empty());
    let message = err.to_string();
    eprintln!("{message}");
    for debug_marker in ["Os {", "kind:", "Custom {", "Error {", "code: "] {
        assert!(!message.contains(debug_marker), "debug output in: {message}");
    }
}

#[tokio::test]
async fn a_path_inside_proc_is_unavailable_with_a_plain_reason() {
    // Tests run as root, so permissions cannot provoke this; /proc refuses
    // new folders and files even to root.
    let path = Path::new("/proc/portcullis-no-such-dir/portcullis.db");
    let err = SqliteStore::open(path).await.unwrap_err();
    assert_plain_unavailable(&err, path);
}

#[tokio::test]
async fn a_path_under_a_regular_file_is_unavailable_with_a_plain_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "not a folder").unwrap();
    let path = file.join("data").join("portcullis.db");
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_plain_unavailable(&err, &path);
    assert!(err.to_string().contains("is a file where a folder is needed"), "{err}");
}

#[tokio::test]
async fn a_folder_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(dir.path()).await.unwrap_err();
    assert_plain_unavailable(&err, dir.path());
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.db");
    std::fs::write(&path, "Dear constituent, this is a letter and not a database. ".repeat(100)).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_plain_unavailable(&err, &path);
    assert!(err.to_string().contains("not a Portcullis (SQLite) database"), "{err}");
}

#[tokio::test]
async fn a_new_database_is_sound_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portcullis.db");
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    store.close().await;

    // journal_mode=WAL is recorded in the file itself, so a fresh connection
    // that asks for nothing still sees it.
    let mut raw = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path)).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut raw).await.unwrap();
    assert_eq!(mode, "wal");
    raw.close().await.unwrap();
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_audit_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portcullis.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let t = Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap();
    let office = OfficeId::generate(&SeqRandom::new(7));
    store
        .create_office(&NewOffice { id: office, name: OfficeName::new("Office").unwrap(), created_at: t, demo: false })
        .await
        .unwrap();
    let entry = NewAuditEntry {
        office_id: office,
        at: t,
        actor: "cli".into(),
        action: "office.created".into(),
        target: None,
        detail: "original".into(),
    };
    store.append_audit(&entry).await.unwrap();
    store.close().await;

    // Someone with the file and the sqlite3 shell, bypassing Portcullis.
    let mut raw = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path)).await.unwrap();
    for sql in ["UPDATE audit_log SET detail = 'rewritten'", "DELETE FROM audit_log"] {
        let err = sqlx::query(sql).execute(&mut raw).await.unwrap_err();
        assert!(err.to_string().contains("the audit log is append-only"), "{sql}: {err}");
    }
    let kept: (i64, String) =
        sqlx::query_as("SELECT count(*), max(detail) FROM audit_log").fetch_one(&mut raw).await.unwrap();
    assert_eq!(kept, (1, "original".to_owned()));
    raw.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programs_opening_a_new_file_together_all_succeed() {
    // The server and a CLI command started at the same moment on first run:
    // only one may create the schema, and the other must wait, not fail.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portcullis.db");
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            tokio::spawn(async move { SqliteStore::open(&path).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.unwrap().expect("every opener succeeds"));
    }
    assert_eq!(stores[0].integrity_check().await.unwrap(), "ok");
    for store in &stores {
        store.close().await;
    }
}
