//! Connecting to PostgreSQL: fail fast with a plain reason, give every pooled
//! connection the right search_path, and bring the schema up to date.

use std::time::Duration;

use portcullis_store::StoreError;
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};

use crate::schema::{self, SchemaName};
use crate::{PgStore, errors, location};

/// The schema, compiled into the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A wrong address should fail while the operator is still looking at it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per app server. Several servers can share one database, so
/// this stays well under PostgreSQL's default max_connections (100).
const MAX_CONNECTIONS: u32 = 10;

/// Parse `url` into settings and a password-free location.
fn settings(url: &str) -> Result<(PgConnectOptions, String), StoreError> {
    match url.parse::<PgConnectOptions>() {
        Ok(options) => {
            let location = location::describe(&options);
            Ok((options, location))
        }
        Err(_) => Err(errors::unavailable(
            &location::unreadable(url),
            "the URL could not be read; expected postgres://user:password@host:port/database",
        )),
    }
}

/// One connection outside any pool, within [`CONNECT_TIMEOUT`]. Doing this
/// first matters: the pool retries a refused connection until its timeout and
/// then reports only "timed out", losing the reason.
async fn first_connection(options: &PgConnectOptions, location: &str) -> Result<PgConnection, StoreError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(errors::connect_failed(location, e)),
        Err(_) => Err(errors::unavailable(location, "the server did not answer within 5 seconds")),
    }
}

pub(crate) async fn connect(url: &str, schema: Option<&str>) -> Result<PgStore, StoreError> {
    let (options, location) = settings(url)?;
    let schema = schema.map(|s| SchemaName::new(&location, s)).transpose()?;

    let mut first = first_connection(&options, &location).await?;
    if let Some(schema) = &schema
        && let Err(e) = schema::create(&mut first, schema).await
    {
        return Err(errors::connect_failed(&location, e));
    }
    // Closing politely is a courtesy; the server copes if it fails.
    if let Err(e) = first.close().await {
        tracing::debug!(error = %e, "closing the first connection failed");
    }

    let mut pool = PgPoolOptions::new().max_connections(MAX_CONNECTIONS).acquire_timeout(CONNECT_TIMEOUT);
    if let Some(schema) = &schema {
        // search_path is per session, so it is set on each new connection
        // before the pool hands it out; every unqualified table name then
        // resolves in this schema, migrations included.
        let search_path = schema.quoted();
        pool = pool.after_connect(move |conn, _meta| {
            let search_path = search_path.clone();
            Box::pin(async move {
                sqlx::query("SELECT set_config('search_path', $1, false)").bind(search_path).execute(conn).await?;
                Ok(())
            })
        });
    }
    let pool = pool.connect_with(options).await.map_err(|e| errors::connect_failed(&location, e))?;

    // The migrator holds a PostgreSQL advisory lock while it works, so app
    // servers starting together apply each migration once, one after another;
    // the others then find it recorded and do nothing.
    if let Err(e) = MIGRATOR.run(&pool).await {
        pool.close().await;
        return Err(errors::migration_failed(&e));
    }

    tracing::info!(%location, "connected to PostgreSQL");
    Ok(PgStore { pool, location })
}

pub(crate) async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
    let (options, location) = settings(url)?;
    let schema = SchemaName::new(&location, schema)?;
    let mut conn = first_connection(&options, &location).await?;
    let dropped = schema::drop(&mut conn, &schema).await;
    if let Err(e) = conn.close().await {
        tracing::debug!(error = %e, "closing the connection failed");
    }
    dropped.map_err(|e| errors::query_failed(&location, e))
}
