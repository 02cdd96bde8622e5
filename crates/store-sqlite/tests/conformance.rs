//! The shared conformance stories, each against a fresh SQLite file in its
//! own temporary folder.

// Test code: a broken assumption should stop the test loudly, and what a
// test prints is for the person reading its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use portcullis_store::conformance::Harness;
use portcullis_store::{Store, StoreError};
use portcullis_store_sqlite::SqliteStore;
use tempfile::TempDir;

struct SqliteHarness {
    /// Held until cleanup; dropping it deletes the folder and the database.
    dir: Mutex<Option<TempDir>>,
    path: PathBuf,
}

#[async_trait]
impl Harness for SqliteHarness {
    async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(Arc::new(SqliteStore::open(&self.path).await?))
    }

    async fn cleanup(&self) {
        drop(self.dir.lock().unwrap().take());
    }
}

async fn harness() -> Option<Box<dyn Harness>> {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    // A sub-folder that does not exist yet, as on a first run.
    let path = dir.path().join("data").join("portcullis.db");
    Some(Box::new(SqliteHarness { dir: Mutex::new(Some(dir)), path }))
}

portcullis_store::conformance_tests!(harness);
