//! Security headers, set on every response whatever produced it.
//!
//! The policy assumes the pages load nothing but our own stylesheet and our
//! one script file (passkeys): no inline script or style, no third-party
//! anything. A page that needs more must change the policy here, where a
//! reviewer will see it.

use axum::extract::Request;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// `default-src 'none'` refuses everything not listed: frames, fonts,
/// connections. `script-src 'self'` allows only script files we serve (the
/// passkey script), never inline script. `img-src data:` allows inline images such as a TOTP
/// QR code. `form-action 'self'` stops an injected form posting elsewhere;
/// `frame-ancestors 'none'` stops clickjacking; `base-uri 'none'` stops an
/// injected `<base>` redirecting relative links.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Powerful browser features no page of ours uses.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=()";

/// The headers every response carries, whatever a handler set.
pub(crate) const SECURITY_HEADERS: [(HeaderName, &str); 7] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // Casework URLs may name people or incidents; never leak them to
    // another site.
    (header::REFERRER_POLICY, "no-referrer"),
    // For browsers too old for `frame-ancestors`.
    (header::X_FRAME_OPTIONS, "DENY"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
    (HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY),
];

/// Responses that say nothing about caching are not stored: pages show
/// casework, and a shared or back-button cache must not keep them. Static
/// assets opt in to caching explicitly.
const DEFAULT_CACHE_CONTROL: &str = "no-store";

/// Middleware: add the security headers to the response.
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(DEFAULT_CACHE_CONTROL));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_no_inline_code_and_no_other_origins() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
        assert!(!CONTENT_SECURITY_POLICY.contains('*'));
        assert!(!CONTENT_SECURITY_POLICY.contains("http"));
    }

    #[test]
    fn every_header_value_is_valid() {
        for (_, value) in SECURITY_HEADERS {
            assert!(HeaderValue::from_str(value).is_ok(), "{value}");
        }
    }
}
