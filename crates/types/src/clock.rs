//! Time and randomness as injected capabilities.
//!
//! Engines never read the system clock or the OS random source directly
//! (clippy's `disallowed-methods` enforces this); they are handed a [`Clock`]
//! and a [`Random`]. The real adapters live in `portcullis-app`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::Timestamp;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// A source of cryptographically strong random bytes.
pub trait Random: Send + Sync + std::fmt::Debug {
    /// Fill `buf` entirely with random bytes.
    fn fill(&self, buf: &mut [u8]);

    /// Sixteen random bytes, the usual size for identifiers.
    fn bytes16(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        b
    }

    /// Thirty-two random bytes, the usual size for secrets and tokens.
    fn bytes32(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        self.fill(&mut b);
        b
    }
}

/// A clock that stands still until told to move; for tests and replays.
#[derive(Debug)]
pub struct FixedClock {
    micros: AtomicI64,
}

impl FixedClock {
    /// A clock showing `at`.
    pub fn new(at: Timestamp) -> Self {
        Self { micros: AtomicI64::new(at.unix_micros()) }
    }

    /// Move the clock forward by `seconds`.
    pub fn advance_secs(&self, seconds: i64) {
        self.micros.fetch_add(seconds.saturating_mul(1_000_000), Ordering::SeqCst);
    }

    /// Set the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        self.micros.store(at.unix_micros(), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_micros_saturating(self.micros.load(Ordering::SeqCst))
    }
}

/// A deterministic, non-secret byte source (a counter run through SplitMix64).
///
/// For tests only: it makes identifiers reproducible. Never use it for keys.
#[derive(Debug)]
pub struct SeqRandom {
    state: AtomicU64,
    lock: Mutex<()>,
}

impl SeqRandom {
    /// A sequence starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: AtomicU64::new(seed), lock: Mutex::new(()) }
    }

    fn next_u64(&self) -> u64 {
        // SplitMix64: a good spread from a simple counter.
        let mut z = self.state.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Random for SeqRandom {
    fn fill(&self, buf: &mut [u8]) {
        // The lock keeps one fill's bytes contiguous in the sequence when
        // several threads draw at once, so a seed gives the same ids.
        let _guard = self.lock.lock();
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            for (dst, src) in chunk.iter_mut().zip(word) {
                *dst = src;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_advances_by_whole_seconds() {
        let start = Timestamp::from_unix_micros(1_700_000_000_000_000).unwrap();
        let clock = FixedClock::new(start);
        clock.advance_secs(90);
        assert_eq!(clock.now().unix_micros(), 1_700_000_090_000_000);
    }

    #[test]
    fn seq_random_is_reproducible_and_not_constant() {
        let a = SeqRandom::new(7);
        let b = SeqRandom::new(7);
        let (x, y) = (a.bytes32(), b.bytes32());
        assert_eq!(x, y);
        assert_ne!(a.bytes16(), a.bytes16());
        assert!(x.iter().any(|&byte| byte != x[0]));
    }
}
