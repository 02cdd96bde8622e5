//! The two cookies Portcullis sets, and reading them back.
//!
//! Both are `Secure` (never sent over plain HTTP to a remote host; browsers
//! treat `localhost` and `127.0.0.1` as secure, so local use still works),
//! `HttpOnly` (no script can read them; we have no script, but an injected
//! one must not get a session), `SameSite=Strict` (never sent with a request
//! another site starts, the first defence against cross-site forgery) and
//! `Path=/`. Neither has `Max-Age`: they end with the browser session, and the
//! server ends the session itself well before that.

use axum::http::header::{self, HeaderMap, HeaderValue};
use zeroize::Zeroizing;

/// The session token. The server keeps only its digest.
pub(crate) const SESSION: &str = "portcullis_session";

/// The double-submit CSRF token for forms used before signing in.
pub(crate) const CSRF: &str = "portcullis_csrf";

const ATTRIBUTES: &str = "Path=/; Secure; HttpOnly; SameSite=Strict";

/// The value of cookie `name` in the request, if sent (the first one, if a
/// browser sends several).
pub(crate) fn read(headers: &HeaderMap, name: &str) -> Option<Zeroizing<String>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| Zeroizing::new(v.trim().trim_matches('"').to_owned()))
}

/// `Set-Cookie` for `name=value`. `None` only if the value holds characters a
/// header cannot carry, which our base64url tokens never do.
pub(crate) fn set(name: &str, value: &str) -> Option<HeaderValue> {
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return None;
    }
    HeaderValue::from_str(&format!("{name}={value}; {ATTRIBUTES}")).ok()
}

/// `Set-Cookie` that makes the browser forget cookie `name` now.
pub(crate) fn clear(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{name}=; Max-Age=0; {ATTRIBUTES}")).unwrap_or(HeaderValue::from_static(
        "portcullis_session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict",
    ))
}

/// Whether a response already sets (or clears) cookie `name`.
pub(crate) fn is_set_in(headers: &HeaderMap, name: &str) -> bool {
    let prefix = format!("{name}=");
    headers.get_all(header::SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; portcullis_session=tok-en_1"));
        headers.append(header::COOKIE, HeaderValue::from_static("portcullis_csrf=c"));
        assert_eq!(read(&headers, SESSION).as_deref().map(String::as_str), Some("tok-en_1"));
        assert_eq!(read(&headers, CSRF).as_deref().map(String::as_str), Some("c"));
        assert!(read(&headers, "portcullis").is_none());
    }

    #[test]
    fn cookies_are_secure_http_only_strict_and_end_with_the_browser_session() {
        let v = set(SESSION, "abc_DEF-1").unwrap();
        assert_eq!(v, "portcullis_session=abc_DEF-1; Path=/; Secure; HttpOnly; SameSite=Strict");
        assert!(set(SESSION, "a;b").is_none(), "no attribute injection");
        assert_eq!(clear(CSRF), "portcullis_csrf=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict");
    }
}
