//! Rebuild when a migration is added, not only when an existing one changes:
//! `sqlx::migrate!` embeds the files, but the compiler cannot see a new file
//! appear in `migrations/` by itself.
// Cargo reads build-script instructions from standard output.
#![allow(clippy::print_stdout)]

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
