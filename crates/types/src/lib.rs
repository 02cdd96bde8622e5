//! Shared value types for Portcullis.
//!
//! Everything here is plain data that validates on construction: an
//! [`OfficeId`] is always a UUID, an [`OfficeName`] is never empty or full of
//! control characters, a [`Timestamp`] is always whole microseconds. Crates
//! pass these types across their boundaries instead of strings.
//!
//! Time and randomness are reached only through the [`Clock`] and [`Random`]
//! traits so that engines and tests stay deterministic.
#![forbid(unsafe_code)]

mod clock;
mod dmarc_policy;
mod email;
mod finding;
mod ids;
pub mod mbox;
mod role;
mod text;
mod timestamp;

pub use clock::{Clock, FixedClock, Random, SeqRandom};
pub use dmarc_policy::DmarcPolicy;
pub use email::{Email, EmailError};
pub use finding::{Finding, Status};
pub use ids::{IdError, OfficeId, PersonId, UserId};
pub use role::{Role, RoleError};
pub use text::{OfficeName, PersonName, TextError};
pub use timestamp::{Timestamp, TimestampError};
