//! Errors of the use-cases, phrased for the person who asked.

use portcullis_store::StoreError;
use portcullis_types::{EmailError, TextError};

use crate::DbUrlError;

/// Why a use-case could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The `--db` value could not be understood.
    #[error(transparent)]
    DbUrl(#[from] DbUrlError),
    /// The database refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Input that fails validation.
    #[error(transparent)]
    Invalid(#[from] TextError),
    /// An email address that fails validation.
    #[error(transparent)]
    InvalidEmail(#[from] EmailError),
    /// Something the request refers to does not exist (or is not yours).
    #[error("{0} was not found")]
    NotFound(String),
}
