//! Storage errors, in words an office manager can act on.

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or reached.
    #[error("cannot open the database at {location}: {reason}")]
    Unavailable {
        /// Where (a path or a URL with any password removed).
        location: String,
        /// Why, in plain words.
        reason: String,
    },
    /// Applying the schema migrations failed.
    #[error("could not bring the database schema up to date: {0}")]
    Migration(String),
    /// A row with that identity already exists.
    #[error("{0} already exists")]
    Conflict(String),
    /// A row the operation depends on does not exist (in that office).
    #[error("{0} was not found")]
    NotFound(String),
    /// A stored value could not be read back as the type it should be.
    #[error("the database holds a value Portcullis cannot read ({0}); it may have been edited by hand")]
    Corrupt(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(String),
}
