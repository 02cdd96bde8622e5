//! Cross-site request forgery: every state-changing request must prove it
//! came from one of our own pages.
//!
//! Three defences, any one of which stops a forged form:
//! - cookies are `SameSite=Strict`, so another site's form arrives without a
//!   session;
//! - the form must carry a `csrf` field equal to the visitor's token: the
//!   session's own secret once signed in, or the `portcullis_csrf`
//!   double-submit cookie before (sign-in and setup forms), compared in
//!   constant time;
//! - a request whose `Origin` names another site is refused outright.
//!
//! `Origin: null` is treated as absent, not as a mismatch: our pages are
//! served with `Referrer-Policy: no-referrer`, under which browsers send
//! `null` as the origin of our own form posts. The token still decides.

use axum::body::Body;
use axum::extract::{FromRequest as _, Multipart, Request};
use axum::http::{Extensions, HeaderMap, Uri, header};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::error::PageError;

/// The form field that carries the token.
pub(crate) const FIELD: &str = "csrf";

/// Check an unsafe request (POST) against the visitor's token `expected`.
/// The body, at most `limit` bytes, may be a URL-encoded form or, on upload
/// routes, `multipart/form-data`. Returns the request with its body
/// restored for the handler.
pub(crate) async fn verify(req: Request, expected: &str, limit: usize) -> Result<Request, PageError> {
    if !same_origin(req.headers(), req.uri()) {
        tracing::info!(path = req.uri().path(), "refused a form posted from another site");
        return Err(PageError::FormExpired);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| PageError::TooLarge)?;
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let sent = if content_type.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") {
        multipart_token(content_type, &parts.extensions, bytes.clone()).await
    } else {
        url::form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == FIELD)
            .map(|(_, value)| Zeroizing::new(value.into_owned()))
    };
    match sent {
        Some(sent) if tokens_match(&sent, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => {
            tracing::info!(path = parts.uri.path(), "refused a form without a valid CSRF token");
            Err(PageError::FormExpired)
        }
    }
}

/// The `csrf` field of a multipart form (upload forms put it first, so the
/// file after it is not read twice over).
/// `extensions` carry the route's body limit, which the multipart reader obeys.
async fn multipart_token(
    content_type: &str,
    extensions: &Extensions,
    bytes: axum::body::Bytes,
) -> Option<Zeroizing<String>> {
    let mut req =
        axum::http::Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(bytes)).ok()?;
    extensions.clone_into(req.extensions_mut());
    let mut form = Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(FIELD) {
            return field.text().await.ok().map(Zeroizing::new);
        }
    }
    None
}

/// Constant-time equality of two non-empty tokens: how much of a guess was
/// right must not show in the response time.
fn tokens_match(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// Whether the `Origin` header, when a browser sent one, names this host.
/// The scheme is not compared: behind a TLS-terminating proxy the server
/// cannot know it.
fn same_origin(headers: &HeaderMap, uri: &Uri) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    if origin == "null" {
        return true;
    }
    let Some(origin_host) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()));
    host.is_some_and(|host| !host.is_empty() && host.eq_ignore_ascii_case(origin_host))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(origin: Option<&'static str>, host: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_static(o));
        }
        if let Some(host) = host {
            h.insert(header::HOST, HeaderValue::from_static(host));
        }
        h
    }

    #[test]
    fn origin_must_name_this_host_when_present() {
        let uri = Uri::from_static("/login");
        assert!(same_origin(&headers(None, Some("portcullis.example")), &uri));
        assert!(same_origin(&headers(Some("https://portcullis.example"), Some("portcullis.example")), &uri));
        assert!(same_origin(&headers(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080")), &uri));
        assert!(same_origin(&headers(Some("null"), Some("portcullis.example")), &uri));
        assert!(!same_origin(&headers(Some("https://evil.example"), Some("portcullis.example")), &uri));
        assert!(!same_origin(&headers(Some("https://portcullis.example.evil"), Some("portcullis.example")), &uri));
        assert!(!same_origin(&headers(Some("http://127.0.0.1:9999"), Some("127.0.0.1:8080")), &uri));
        assert!(!same_origin(&headers(Some("https://portcullis.example"), None), &uri));
        assert!(!same_origin(&headers(Some("portcullis.example"), Some("portcullis.example")), &uri));
    }

    #[test]
    fn tokens_must_match_exactly_and_never_be_empty() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
        assert!(!tokens_match("ab", "abc"));
        assert!(!tokens_match("", ""));
    }
}
