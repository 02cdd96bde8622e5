//! Test support for Portcullis: small, honest helpers shared by the test
//! suites of several crates. Nothing here is used by the shipped program.
//!
//! It deliberately does not depend on `app` or the store backends, so any
//! crate can use it as a dev-dependency without a cycle.
#![forbid(unsafe_code)]

pub mod browserless;
pub mod dovecot;
pub mod http;
pub mod postgres;
pub mod pwned;
pub mod smtp;

pub use portcullis_types::{FixedClock, SeqRandom};

/// The shared data, generators and labs beside the repository:
/// `PORTCULLIS_SHARED`, else `../shared` from the workspace root.
pub fn shared_dir() -> std::path::PathBuf {
    std::env::var_os("PORTCULLIS_SHARED").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        std::path::PathBuf::from,
    )
}
