//! The `--db` value: which backend, and where.
//!
//! Accepted forms:
//! - `sqlite:///absolute/path.db`, `sqlite://relative/path.db`, `sqlite:path.db`
//!   or a bare path ending in `.db`/`.sqlite`;
//! - `postgres://…` or `postgresql://…` (passed to the driver unchanged).
//!
//! With no `--db`, the SQLite file `portcullis.db` in the data directory
//! (`$XDG_DATA_HOME/portcullis/`, default `~/.local/share/portcullis/`).

use std::fmt;
use std::path::{Path, PathBuf};

/// A database location.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

/// A `--db` value Portcullis does not understand.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DbUrlError {
    /// Neither SQLite nor PostgreSQL.
    #[error(
        "'{0}' is not a database Portcullis can use: give sqlite:///path/to/file.db or postgres://user@host/dbname"
    )]
    UnknownScheme(String),
    /// An SQLite URL with no path.
    #[error("the SQLite database URL '{0}' names no file: give sqlite:///path/to/file.db")]
    EmptyPath(String),
    /// No data directory could be determined.
    #[error("cannot tell where to keep data: set XDG_DATA_HOME or HOME, or pass --db sqlite:///path/to/file.db")]
    NoDataDir,
}

impl DbUrl {
    /// Parse a `--db` value.
    pub fn parse(raw: &str) -> Result<Self, DbUrlError> {
        let s = raw.trim();
        let shown = || redact(s);
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        let path = if let Some(rest) = s.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = s.strip_prefix("sqlite:") {
            rest
        } else if !s.contains("://") && (s.ends_with(".db") || s.ends_with(".sqlite")) {
            s
        } else {
            return Err(DbUrlError::UnknownScheme(shown()));
        };
        // Drop any `?mode=…` style parameters; the store sets its own options.
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(DbUrlError::EmptyPath(shown()));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// The default: `portcullis.db` in the data directory.
    pub fn default_for(data_dir: &Path) -> Self {
        Self::Sqlite(data_dir.join("portcullis.db"))
    }

    /// The location without any password, for messages and logs.
    pub fn display_safe(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{}", p.display()),
            Self::Postgres(u) => redact(u),
        }
    }
}

impl fmt::Debug for DbUrl {
    // Never print a password, even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_safe())
    }
}

/// Replace the password of `scheme://user:password@host` with `***`.
fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            // set_password fails only for URLs that cannot have one.
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => raw.chars().take(200).collect(),
        Err(_) => raw.chars().filter(|c| !c.is_control()).take(200).collect(),
    }
}

/// `$XDG_DATA_HOME/portcullis`, else `$HOME/.local/share/portcullis`.
///
/// Per the XDG Base Directory specification, a relative `XDG_DATA_HOME` is
/// invalid and ignored. The environment is passed in so this stays testable.
pub fn default_data_dir(xdg_data_home: Option<&str>, home: Option<&str>) -> Result<PathBuf, DbUrlError> {
    if let Some(x) = xdg_data_home.filter(|x| Path::new(x).is_absolute()) {
        return Ok(Path::new(x).join("portcullis"));
    }
    match home.filter(|h| !h.is_empty()) {
        Some(h) => Ok(Path::new(h).join(".local/share/portcullis")),
        None => Err(DbUrlError::NoDataDir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_forms() {
        assert_eq!(DbUrl::parse("sqlite:///var/lib/p.db").unwrap(), DbUrl::Sqlite("/var/lib/p.db".into()));
        assert_eq!(DbUrl::parse("sqlite://data/p.db").unwrap(), DbUrl::Sqlite("data/p.db".into()));
        assert_eq!(DbUrl::parse("sqlite:p.db?mode=rwc").unwrap(), DbUrl::Sqlite("p.db".into()));
        assert_eq!(DbUrl::parse("./office.db").unwrap(), DbUrl::Sqlite("./office.db".into()));
        assert!(matches!(DbUrl::parse("sqlite://"), Err(DbUrlError::EmptyPath(_))));
    }

    #[test]
    fn postgres_urls_are_kept_and_redacted_for_display() {
        let u = DbUrl::parse("postgres://app:s3cret@db.internal/portcullis").unwrap();
        assert!(matches!(u, DbUrl::Postgres(_)));
        assert!(!u.display_safe().contains("s3cret"));
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn nonsense_is_refused_with_guidance() {
        let err = DbUrl::parse("nonsense://x").unwrap_err();
        assert!(err.to_string().contains("sqlite:///path/to/file.db"));
        assert!(DbUrl::parse("mysql://root@localhost/x").is_err());
    }

    #[test]
    fn data_dir_follows_xdg() {
        assert_eq!(default_data_dir(Some("/x"), Some("/home/a")).unwrap(), PathBuf::from("/x/portcullis"));
        assert_eq!(
            default_data_dir(Some("relative"), Some("/home/a")).unwrap(),
            PathBuf::from("/home/a/.local/share/portcullis")
        );
        assert_eq!(default_data_dir(None, None), Err(DbUrlError::NoDataDir));
    }
}
