//! Opening an SQLite file: create it safely, configure every connection for
//! durability, and bring the schema up to date.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use portcullis_store::StoreError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::{SqliteStore, errors};

/// The schema, compiled into the binary so a single file is all an office runs.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a connection waits on another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a write may queue for the single writer connection. Queueing is
/// expected under bursts (fifty appends at once), so this is generous.
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a read may wait for a free reader connection.
const READ_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// Readers run in parallel under WAL; an office's handful of users needs few.
const READERS: u32 = 4;

pub(crate) async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
    let location = path.display().to_string();
    prepare_file(path).await.map_err(|e| errors::file_unavailable(&location, &e))?;

    let options = connect_options(path);

    // SQLite allows one writer at a time. Funnelling every write through a
    // pool of one connection queues writers in-process instead of letting
    // them race for the file lock, so a burst of writes cannot fail with
    // SQLITE_BUSY; busy_timeout still covers other processes (the CLI).
    let writer = SqlitePoolOptions::new().max_connections(1).acquire_timeout(WRITE_QUEUE_TIMEOUT);
    let writer = connect(writer, options.clone()).await.map_err(|e| errors::open_failed(&location, e))?;

    if let Err(e) = migrate(&writer, &location).await {
        writer.close().await;
        return Err(e);
    }

    // query_only makes a stray write on a reader fail loudly rather than
    // contend with the writer.
    let reader = SqlitePoolOptions::new().max_connections(READERS).acquire_timeout(READ_QUEUE_TIMEOUT);
    let reader = match connect(reader, options.pragma("query_only", "ON")).await {
        Ok(reader) => reader,
        Err(e) => {
            writer.close().await;
            return Err(errors::open_failed(&location, e));
        }
    };

    tracing::info!(%location, "opened the SQLite database");
    Ok(SqliteStore { writer, reader, location })
}

/// Open a pool, retrying briefly while the file is busy.
///
/// Switching a new file into WAL mode needs an exclusive lock that SQLite
/// does not wait for (busy_timeout does not apply), so a program opening a
/// fresh file while another is creating it can be told "busy" at once.
async fn connect(pool: SqlitePoolOptions, options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(10);
    loop {
        match pool.clone().connect_with(options.clone()).await {
            Err(e) if errors::is_busy(&e) && Instant::now() < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(250));
            }
            outcome => return outcome,
        }
    }
}

/// Apply pending migrations; re-running finds every version recorded and
/// does nothing.
///
/// SQLx takes no lock for SQLite, so two programs opening a fresh file at once
/// (the server and a CLI command) could both try to create the tables.
/// `BEGIN IMMEDIATE` takes SQLite's write lock before the migrator looks at
/// what is applied: the second program waits (up to the busy timeout), then
/// finds the work done. The migrator's own transactions nest as savepoints.
async fn migrate(writer: &SqlitePool, location: &str) -> Result<(), StoreError> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(|e| errors::open_failed(location, e))?;
    // `run_direct` rather than `run`: `run(&mut *tx)` trips SQLx's
    // higher-ranked `Acquire` bound and makes this future not `Send`
    // (launchbadge/sqlx#2016); `run_direct` exists for exactly this.
    MIGRATOR.run_direct(None, &mut *tx, false).await.map_err(|e| errors::migration_failed(&e))?;
    tx.commit().await.map_err(|e| errors::open_failed(location, e))
}

/// Settings applied to every connection as it opens.
fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL lets readers carry on while a write commits.
        .journal_mode(SqliteJournalMode::Wal)
        // FULL syncs the WAL on every commit: an acknowledged write survives a
        // crash or power cut, not just a killed process.
        .synchronous(SqliteSynchronous::Full)
        // SQLite leaves foreign keys off unless asked, per connection.
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
}

/// Create the folder and an empty file before SQLite does, so that both are
/// private to the account running Portcullis (casework is sensitive). SQLite
/// gives the -wal and -shm files the same permissions as the database file.
async fn prepare_file(path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut folder = tokio::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        folder.mode(0o700);
        folder.create(parent).await?;
    }
    match tokio::fs::metadata(path).await {
        Ok(meta) if meta.is_dir() => return Err(io::Error::from(io::ErrorKind::IsADirectory)),
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut file = tokio::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    file.mode(0o600);
    match file.open(path).await {
        // Another process created it between our look and our create: fine.
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn number(pool: &SqlitePool, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    }

    #[tokio::test]
    async fn every_connection_is_durable_and_enforces_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("p.db")).await.unwrap();
        for pool in [&store.writer, &store.reader] {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
            assert_eq!(mode, "wal");
            assert_eq!(number(pool, "PRAGMA synchronous").await, 2, "synchronous should be FULL (2)");
            assert_eq!(number(pool, "PRAGMA foreign_keys").await, 1);
            assert_eq!(number(pool, "PRAGMA busy_timeout").await, 5000);
        }
        assert_eq!(number(&store.writer, "PRAGMA query_only").await, 0);
        assert_eq!(number(&store.reader, "PRAGMA query_only").await, 1);
        store.writer.close().await;
        store.reader.close().await;
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_database_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new-folder").join("p.db");
        let store = open(&path).await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("new-folder")), 0o700);
        store.writer.close().await;
        store.reader.close().await;
    }
}
