//! Benchmarks.

pub mod dmarc;
pub mod domain;
pub mod python;
pub mod server;
pub mod web;
