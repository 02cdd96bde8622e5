//! Why an export could not be read.

/// Why an export could not be read. Messages never include a password (nor
/// any other value read from the export, apart from column names).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    /// The format is not one we read (for example a KeePass 1 `.kdb`).
    #[error("{0}")]
    Unsupported(String),
    /// `auto` could not tell the format.
    #[error("could not tell what kind of export this is; say which with --format, one of: {names}")]
    UnknownFormat {
        /// The `--format` names, comma-separated.
        names: String,
    },
    /// The file has no bytes (or only a byte-order mark).
    #[error("the file is empty")]
    Empty,
    /// The export is bigger than [`super::Limits::max_export_bytes`].
    #[error("the export is {size} bytes, more than the limit of {limit} bytes")]
    TooBig {
        /// The export's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// More entries than [`super::Limits::max_entries`].
    #[error("the export has more than {limit} entries, the most read at once")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// One field is longer than [`super::Limits::max_field_bytes`].
    #[error("{at}: the {field} is longer than {limit} bytes")]
    FieldTooLong {
        /// Where: "line 4", "item 3".
        at: String,
        /// Which field (column name, or "password", "title", ...).
        field: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A CSV file that is not well formed at `line` (1-based, where the
    /// record starts).
    #[error("line {line}: {message}")]
    Csv {
        /// The line the bad record starts on.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A CSV header without a column the format needs.
    #[error("the header has no {column:?} column (it has: {found}); is this the right --format?")]
    MissingColumn {
        /// The column that is missing.
        column: String,
        /// The columns the header has, comma-separated.
        found: String,
    },
    /// JSON that does not parse, or has the wrong shape.
    #[error("{part} {message} at line {line}, column {column}")]
    Json {
        /// The file or archive member ("export.data", "the export").
        part: String,
        /// What is wrong (never a value from the file).
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A Bitwarden export that is encrypted.
    #[error(
        "this Bitwarden export is encrypted, so it cannot be checked; export the vault again as unencrypted \
         \".json\" (or \".csv\"), and delete that file as soon as the check is done"
    )]
    EncryptedExport,
    /// A `.1pux` archive that cannot be read, or is missing a part.
    #[error("{part} {message}")]
    Archive {
        /// The member (or "the archive").
        part: String,
        /// What is wrong.
        message: String,
    },
    /// The KeePass master password or key file is wrong.
    #[error("the master password or key file is wrong")]
    WrongKey,
    /// A KeePass database was given without a master password or key file.
    #[error("a KeePass database needs its master password or key file")]
    KeyNeeded,
    /// A KeePass file that is truncated or corrupt.
    #[error("the file is damaged or not a KeePass database ({0})")]
    Damaged(String),
}

impl VaultError {
    /// A [`VaultError::Csv`] at `line`.
    pub(crate) fn csv(line: u64, message: impl Into<String>) -> Self {
        Self::Csv { line, message: message.into() }
    }

    /// A [`VaultError::Archive`] about `part`.
    pub(crate) fn archive(part: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Archive { part: part.into(), message: message.into() }
    }

    /// A [`VaultError::Json`] from a `serde_json` error, without the value
    /// that caused it (a type error would otherwise quote it).
    pub(crate) fn json(part: &str, err: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let message = match err.classify() {
            Category::Io => "could not be read",
            Category::Syntax => "is not valid JSON",
            Category::Data => "has a value of the wrong type or shape",
            Category::Eof => "ends too early (the file is cut short)",
        };
        Self::Json { part: part.to_owned(), message: message.to_owned(), line: err.line(), column: err.column() }
    }
}
