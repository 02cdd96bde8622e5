//! Naming a PostgreSQL server in messages without ever showing its password.
//!
//! The location is rebuilt from the parsed connection settings (user, host,
//! port, database) rather than by editing the URL text, so a password can not
//! leak through an odd URL shape or a `?password=` parameter.

use sqlx::postgres::PgConnectOptions;

/// `postgres://user@host:port/database` for settings that parsed.
pub(crate) fn describe(options: &PgConnectOptions) -> String {
    let user = options.get_username();
    let database = options.get_database().unwrap_or_default();
    match options.get_socket() {
        Some(socket) => format!("postgres://{user}@{}/{database}", socket.display()),
        None => {
            let host = options.get_host();
            // An IPv6 address needs brackets to be read back as one (the
            // parser keeps them when the URL had them).
            let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() };
            format!("postgres://{user}@{host}:{}/{database}", options.get_port())
        }
    }
}

/// What to call a URL that did not parse: its scheme only, since anything
/// after it might be a password.
pub(crate) fn unreadable(url: &str) -> String {
    let scheme = url.trim().split_once("://").map(|(scheme, _)| scheme).unwrap_or_default();
    if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+') {
        format!("{scheme}://…")
    } else {
        "the PostgreSQL URL given".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> String {
        describe(&url.parse::<PgConnectOptions>().unwrap())
    }

    #[test]
    fn passwords_are_never_part_of_the_location() {
        assert_eq!(
            parsed("postgres://app:s3cret@db.example.org:6543/portcullis"),
            "postgres://app@db.example.org:6543/portcullis"
        );
        assert_eq!(
            parsed("postgres://app@10.0.0.5/portcullis?password=s3cret"),
            "postgres://app@10.0.0.5:5432/portcullis"
        );
        assert_eq!(parsed("postgresql://app:p%40ss@[::1]:5432/db"), "postgres://app@[::1]:5432/db");
    }

    #[test]
    fn an_unreadable_url_shows_only_its_scheme() {
        assert_eq!(unreadable("postgres://app:s3cret@host:notaport/db"), "postgres://…");
        assert_eq!(unreadable("app:s3cret@host"), "the PostgreSQL URL given");
    }
}
