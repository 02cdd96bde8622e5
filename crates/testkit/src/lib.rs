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
pub mod smtp;

pub use portcullis_types::{FixedClock, SeqRandom};
