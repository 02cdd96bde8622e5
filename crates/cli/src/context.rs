//! Turning global options into an opened `App`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use portcullis_app::auth::{ServerKey, default_key_path};
use portcullis_app::{App, DbUrl, OsRandom, default_data_dir};

use crate::args::Cli;

/// Send diagnostics to stderr: warnings by default, debug with `--verbose`,
/// or whatever `RUST_LOG` says.
pub fn init_logging(verbose: bool) {
    let default = if verbose { "debug,sqlx=warn,hyper=info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}

/// The data directory from `--data-dir` or the XDG rules.
pub fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(d) = &cli.data_dir {
        return Ok(d.clone());
    }
    let xdg = std::env::var("XDG_DATA_HOME").ok();
    let home = std::env::var("HOME").ok();
    Ok(default_data_dir(xdg.as_deref(), home.as_deref())?)
}

/// The database the options name.
pub fn db_url(cli: &Cli) -> Result<DbUrl> {
    match &cli.db {
        Some(raw) => Ok(DbUrl::parse(raw)?),
        None => Ok(DbUrl::default_for(&data_dir(cli)?)),
    }
}

/// The server key file from `--key-file` or the XDG rules.
pub fn key_path(cli: &Cli) -> Result<PathBuf> {
    if let Some(k) = &cli.key_file {
        return Ok(k.clone());
    }
    let xdg = std::env::var("XDG_CONFIG_HOME").ok();
    let home = std::env::var("HOME").ok();
    default_key_path(xdg.as_deref(), home.as_deref())
        .context("cannot tell where to keep the server key: set HOME or XDG_CONFIG_HOME, or pass --key-file")
}

/// Open (creating and migrating if needed) the database, with the server
/// key (created on first run).
pub async fn open_app(cli: &Cli) -> Result<App> {
    let url = db_url(cli)?;
    let key = ServerKey::load_or_create(&key_path(cli)?, &OsRandom)?;
    App::open(&url, key).await.with_context(|| format!("cannot use the database {}", url.display_safe()))
}
