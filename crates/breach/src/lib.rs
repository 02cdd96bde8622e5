//! Passwords: is this password in a breach, is it weak, is it used twice,
//! and does the site offer two-step sign-in the entry has not recorded?
//!
//! - [`index`]: the offline Pwned Passwords index — built once from the
//!   published `HASH:COUNT` corpus, then queried by hash with a read or two
//!   per lookup ([`index::ReadAt`]); the count is exact.
//! - [`range`]: the k-anonymity range format (`/range/{first 5 hex}`): only
//!   five hex digits of a hash ever leave the machine.
//! - [`vault`]: readers for password-manager exports (Bitwarden, 1Password,
//!   KeePass, Chrome, Firefox) into one [`vault::Entry`] shape.
//! - [`audit`]: the per-entry findings (breached, weak, reused, old, 2FA
//!   available but not recorded) and the summary, without a password or a
//!   hash in them.
//!
//! The crate does no I/O of its own: files come in as bytes or through
//! [`index::ReadAt`], breach counts through [`audit::BreachLookup`], time and
//! randomness as arguments. Passwords are held in [`Secret`]s, wiped when
//! dropped and never printed by `Debug`.
#![forbid(unsafe_code)]

pub mod audit;
pub mod hash;
pub mod index;
pub mod range;
mod secret;
pub mod twofa;
pub mod vault;

pub use secret::Secret;
