//! The `throttles` table: how many events a key (an address, an account) has
//! seen in its current window.

use portcullis_store::StoreError;
use portcullis_types::Timestamp;

use crate::{SqliteStore, decode, errors};

pub(crate) async fn hit(store: &SqliteStore, key: &str, window_start: Timestamp) -> Result<u32, StoreError> {
    // One upsert, returning the count this very statement produced: every
    // hit counts once and concurrent hits each see a different total.
    //
    // A later window starts again from 1. An earlier one (a request that
    // computed its window just before the boundary and arrived just after,
    // or another server whose clock lags) counts against the current window
    // and never moves it back, so alternating between windows cannot keep
    // resetting the count.
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO throttles (key, window_start, count) VALUES (?1, ?2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN excluded.window_start > throttles.window_start THEN 1 ELSE throttles.count + 1 END, \
           window_start = max(throttles.window_start, excluded.window_start) \
         RETURNING count",
    )
    .bind(key)
    .bind(window_start.unix_micros())
    .fetch_one(&store.writer)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    decode::count("throttles.count", count)
}

pub(crate) async fn clear(store: &SqliteStore, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM throttles WHERE key = ?1")
        .bind(key)
        .execute(&store.writer)
        .await
        .map(drop)
        .map_err(|e| errors::query_failed(&store.location, e))
}
