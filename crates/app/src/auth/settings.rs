//! Limits of sign-in, in one place with their reasons.

/// Timeouts and throttles for sign-in and sessions.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// A session unused this long ends (NCSC: short idle timeouts for
    /// services holding sensitive data). Default 30 minutes.
    pub idle_secs: i64,
    /// A session ends this long after sign-in, however active. Default 12 hours.
    pub absolute_secs: i64,
    /// Time allowed between the password and the second factor. Default 10 minutes.
    pub partial_secs: i64,
    /// Failed password attempts for one email address per window. Default 5.
    pub max_password_failures: u32,
    /// Sign-in attempts from one network address per window. Default 30.
    pub max_attempts_per_ip: u32,
    /// Length of a throttling window. Default 15 minutes.
    pub window_secs: i64,
    /// Wrong second-factor codes before the account is locked. Default 5.
    pub max_code_failures: u32,
    /// How long that lock lasts. Default 15 minutes.
    pub lock_secs: i64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 3600,
            partial_secs: 10 * 60,
            max_password_failures: 5,
            max_attempts_per_ip: 30,
            window_secs: 15 * 60,
            max_code_failures: 5,
            lock_secs: 15 * 60,
        }
    }
}
