//! Benchmarks.

pub mod breach;
pub mod dmarc;
pub mod domain;
pub mod phish;
pub mod python;
pub mod server;
pub mod web;

use std::path::{Path, PathBuf};

/// Where the shared tools and data live: `PORTCULLIS_SHARED`, else
/// `shared/` beside the repository, as the tests find it.
pub fn shared_dir(root: &Path) -> PathBuf {
    std::env::var_os("PORTCULLIS_SHARED").map_or_else(|| root.join("../shared"), PathBuf::from)
}
