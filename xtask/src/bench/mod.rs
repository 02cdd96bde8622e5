//! Benchmarks.

pub mod domain;
pub mod server;
pub mod web;
