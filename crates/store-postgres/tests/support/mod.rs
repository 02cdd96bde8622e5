//! Finding the test server and naming throwaway schemas.

/// The server to test against, from `PORTCULLIS_TEST_POSTGRES_URL`.
///
/// Unset: fail loudly when `PORTCULLIS_REQUIRE_POSTGRES=1` (CI must not pass
/// by skipping), otherwise say which story was skipped and return `None`.
pub fn server_url(what: &str) -> Option<String> {
    match std::env::var("PORTCULLIS_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("PORTCULLIS_REQUIRE_POSTGRES").as_deref() == Ok("1") => panic!(
            "PORTCULLIS_REQUIRE_POSTGRES=1 but PORTCULLIS_TEST_POSTGRES_URL is not set: \
             set it to a server the tests may create schemas in, e.g. postgres://postgres@127.0.0.1:5432/test"
        ),
        _ => {
            eprintln!("SKIPPED: PostgreSQL {what}: PORTCULLIS_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// The running test's name: libtest names each test's thread after it, and
/// `#[tokio::test]` polls the test body on that thread.
pub fn current_test() -> String {
    std::thread::current().name().unwrap_or("(unnamed test)").to_owned()
}

/// A schema name no other test run will pick.
pub fn fresh_schema() -> String {
    format!("portcullis_test_{}", uuid::Uuid::new_v4().simple())
}
