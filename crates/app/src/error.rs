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
    /// The policy refused the request.
    #[error("{}", match .0 {
        crate::policy::Denied::NotFound => "That page was not found",
        crate::policy::Denied::Forbidden => "Your role does not allow this. Ask your office manager if you need it.",
    })]
    Denied(crate::policy::Denied),
    /// Something the request refers to does not exist (or is not yours).
    #[error("{0} was not found")]
    NotFound(String),
    /// A rule of the office stops this, in words for the person who asked
    /// ("You cannot change your own role").
    #[error("{0}")]
    Refused(String),
    /// Sign-in machinery failed (a stored secret would not open, hashing failed).
    #[error(transparent)]
    Auth(Box<crate::auth::AuthError>),
}

impl From<crate::auth::AuthError> for AppError {
    fn from(e: crate::auth::AuthError) -> Self {
        match e {
            crate::auth::AuthError::Store(s) => Self::Store(s),
            other => Self::Auth(Box::new(other)),
        }
    }
}
