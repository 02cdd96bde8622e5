//! DMARC aggregate reports (RFC 7489 Appendix C, RFC 9990), SMTP TLS reports
//! (RFC 8460) and DMARC failure reports (RFC 6591 ARF): bounded, streaming
//! parsing of whatever container they arrive in, and the pure aggregation
//! and readiness rules the summary and dashboard show.
//!
//! This crate does no I/O of its own: callers hand it readers and a
//! [`ReportSink`]; it never opens files, sockets or clocks.
#![forbid(unsafe_code)]

pub mod aggregate;
pub mod failure;
mod limits;
mod model;
pub mod readiness;
mod report;
pub mod scan;
pub mod senders;
pub mod summary;
pub mod tlsrpt;

pub use limits::Limits;
pub use model::*;
pub use report::{Found, InputOutcome, Kind, ParseError, RECORD_BATCH, ReportSink, Status};
