//! The shared conformance stories, each in a fresh PostgreSQL schema that is
//! dropped afterwards. Needs `PORTCULLIS_TEST_POSTGRES_URL`; see `support`.

// Test code: a broken assumption should stop the test loudly, and what a
// test prints is for the person reading its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

mod support;

use std::sync::Arc;

use async_trait::async_trait;
use portcullis_store::conformance::Harness;
use portcullis_store::{Store, StoreError};
use portcullis_store_postgres::PgStore;

struct PgHarness {
    url: String,
    schema: String,
}

#[async_trait]
impl Harness for PgHarness {
    async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(Arc::new(PgStore::connect_in_schema(&self.url, &self.schema).await?))
    }

    async fn cleanup(&self) {
        if let Err(e) = PgStore::drop_schema(&self.url, &self.schema).await {
            eprintln!("could not drop test schema {}: {e}", self.schema);
        }
    }
}

async fn harness() -> Option<Box<dyn Harness>> {
    let story = support::current_test();
    let url = support::server_url(&format!("conformance story {story}"))?;
    Some(Box::new(PgHarness { url, schema: support::fresh_schema() }))
}

portcullis_store::conformance_tests!(harness);
