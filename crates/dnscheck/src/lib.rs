//! Email-domain security checks: can someone send mail that looks as if it
//! came from this domain, and what exactly should the office publish to stop
//! them?
//!
//! Every check is pure over the [`Resolver`] trait: it asks for DNS records
//! and returns typed [`Finding`]s, each with a status, a stable code, a
//! plain-English message and, where something should change, the exact
//! record to publish. A lookup that fails (timeout, SERVFAIL) gives
//! `unknown` with the reason: a failure to look is never reported as a
//! record being missing.
#![forbid(unsafe_code)]

mod finding;
mod name;
mod resolver;

pub mod dnssec;
mod domain;
pub mod reach;

pub mod bimi;
pub mod caa;
pub mod dkim;
pub mod dmarc;
pub mod fake;
pub mod fetch;
pub mod https;
pub mod mta_sts;
pub mod mx;
pub mod spf;
mod sts_policy;
pub mod suggest;
pub mod tlsrpt;

pub use domain::{DomainReport, Options, check_domain, check_domains};
pub use finding::{Check, Finding, Status};
pub use name::{DomainName, NameError};
pub use resolver::{Answer, LookupError, Rcode, Rdata, RecordType, Resolver, reverse_lookup, reverse_name};
