//! The real clock and random source. These are the only places in the
//! libraries that read the system time or the OS entropy pool; everything
//! else receives them as [`Clock`] and [`Random`].

use portcullis_types::{Clock, Random, Timestamp};

/// The system's wall clock, UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one sanctioned read of the system clock.
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Timestamp::from_unix_micros_saturating(micros)
    }
}

/// The operating system's cryptographic random source.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // getrandom fails only when the OS has no entropy source at all, in
        // which case no secret Portcullis makes can be trusted: stop the
        // process rather than hand out predictable tokens.
        if let Err(e) = getrandom::fill(buf) {
            tracing::error!("the operating system's random source failed: {e}");
            std::process::abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2025() {
        assert!(SystemClock.now().unix_seconds() > 1_735_689_600);
    }

    #[test]
    fn os_random_differs_between_draws() {
        assert_ne!(OsRandom.bytes32(), OsRandom.bytes32());
    }
}
