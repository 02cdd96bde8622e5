//! Static files, compiled into the binary so a deployment is one file.
//!
//! Pages link the stylesheet as `/static/portcullis.css?v=HASH`. A request
//! carrying the current hash may be cached for a year (a new build has a new
//! hash, hence a new URL); any other request is told to revalidate, and the
//! `ETag` makes that revalidation a cheap 304.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// A file compiled into the binary, served with a content hash.
pub(crate) struct Asset {
    body: &'static str,
    content_type: &'static str,
    /// `PATH?v=HASH`, for pages to link.
    href: LazyLock<String>,
    /// The hash, as the `v` query parameter and (quoted) the `ETag`.
    version: LazyLock<String>,
}

macro_rules! asset {
    ($path:literal, $file:literal, $type:literal) => {
        Asset {
            body: include_str!($file),
            content_type: $type,
            href: LazyLock::new(|| format!("{}?v={:016x}", $path, fnv1a_64(include_str!($file).as_bytes()))),
            version: LazyLock::new(|| format!("{:016x}", fnv1a_64(include_str!($file).as_bytes()))),
        }
    };
}

/// The stylesheet.
pub(crate) static STYLESHEET: Asset =
    asset!("/static/portcullis.css", "../static/portcullis.css", "text/css; charset=utf-8");
/// The passkey script: the one piece of JavaScript, a progressive
/// enhancement (every page works without it; it adds passkeys).
pub(crate) static PASSKEY_SCRIPT: Asset =
    asset!("/static/passkey.js", "../static/passkey.js", "text/javascript; charset=utf-8");

/// Where the stylesheet is served.
pub(crate) const STYLESHEET_PATH: &str = "/static/portcullis.css";
/// Where the passkey script is served.
pub(crate) const PASSKEY_SCRIPT_PATH: &str = "/static/passkey.js";

/// FNV-1a (64-bit), computed at compile time where it can be. Only a cache
/// key: nothing relies on it resisting deliberate collisions.
const fn fnv1a_64(mut bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    while let [first, rest @ ..] = bytes {
        hash ^= *first as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        bytes = rest;
    }
    hash
}

/// The stylesheet URL pages should link to.
pub(crate) fn stylesheet_href() -> &'static str {
    &STYLESHEET.href
}

/// The passkey script URL pages with passkey forms link to.
pub(crate) fn passkey_script_href() -> &'static str {
    &PASSKEY_SCRIPT.href
}

const CACHE_VERSIONED: &str = "public, max-age=31536000, immutable";
const CACHE_REVALIDATE: &str = "no-cache";

impl Asset {
    fn respond(&self, uri: &Uri, request_headers: &HeaderMap) -> Response {
        let version = self.version.as_str();
        let versioned = uri.query().and_then(|q| q.strip_prefix("v=")) == Some(version);
        let cache = if versioned { CACHE_VERSIONED } else { CACHE_REVALIDATE };
        let etag_text = format!("\"{version}\"");
        let etag = HeaderValue::from_str(&etag_text).unwrap_or(HeaderValue::from_static("\"\""));
        let fresh = request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag_text || t.trim() == "*"));
        let headers = [(header::CACHE_CONTROL, HeaderValue::from_static(cache)), (header::ETAG, etag)];
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        (headers, [(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type))], self.body).into_response()
    }
}

/// `GET /static/portcullis.css`
pub(crate) async fn stylesheet(uri: Uri, request_headers: HeaderMap) -> Response {
    STYLESHEET.respond(&uri, &request_headers)
}

/// `GET /static/passkey.js`
pub(crate) async fn passkey_script(uri: Uri, request_headers: HeaderMap) -> Response {
    PASSKEY_SCRIPT.respond(&uri, &request_headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_reference_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn href_carries_the_hash() {
        let hash = fnv1a_64(include_str!("../static/portcullis.css").as_bytes());
        assert_eq!(stylesheet_href(), format!("/static/portcullis.css?v={hash:016x}"));
        assert!(passkey_script_href().starts_with("/static/passkey.js?v="));
    }
}
