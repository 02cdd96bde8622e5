//! Whether and where the PostgreSQL tests run.
//!
//! `PORTCULLIS_TEST_POSTGRES_URL` names the server. Without it the tests skip
//! and say so on stderr — unless `PORTCULLIS_REQUIRE_POSTGRES=1`, which the
//! test script and CI set so that a missing server fails loudly instead of
//! silently skipping.

/// The environment variable naming the test server.
pub const URL_VAR: &str = "PORTCULLIS_TEST_POSTGRES_URL";
/// The environment variable that turns a skip into a failure.
pub const REQUIRE_VAR: &str = "PORTCULLIS_REQUIRE_POSTGRES";

/// What a PostgreSQL test should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgTarget {
    /// Run against this URL.
    Run(String),
    /// Skip, for this reason.
    Skip(String),
    /// Fail: the server was required but not named.
    Missing(String),
}

/// Decide from the given environment values (passed in for testability).
pub fn target_from(url: Option<String>, require: Option<String>) -> PgTarget {
    match url.filter(|u| !u.trim().is_empty()) {
        Some(u) => PgTarget::Run(u),
        None if require.as_deref() == Some("1") => {
            PgTarget::Missing(format!("{REQUIRE_VAR}=1 but {URL_VAR} is not set"))
        }
        None => PgTarget::Skip(format!("{URL_VAR} is not set")),
    }
}

/// Decide from the process environment.
pub fn target() -> PgTarget {
    target_from(std::env::var(URL_VAR).ok(), std::env::var(REQUIRE_VAR).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_run_skip_or_missing() {
        assert_eq!(target_from(Some("postgres://x".into()), None), PgTarget::Run("postgres://x".into()));
        assert!(matches!(target_from(None, None), PgTarget::Skip(_)));
        assert!(matches!(target_from(Some(" ".into()), Some("1".into())), PgTarget::Missing(_)));
    }
}
