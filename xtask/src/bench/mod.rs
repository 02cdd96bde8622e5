//! Benchmarks.

pub mod server;
pub mod web;
