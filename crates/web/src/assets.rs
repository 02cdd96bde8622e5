//! Static files, compiled into the binary so a deployment is one file.
//!
//! Pages link the stylesheet as `/static/portcullis.css?v=HASH`. A request
//! carrying the current hash may be cached for a year (a new build has a new
//! hash, hence a new URL); any other request is told to revalidate, and the
//! `ETag` makes that revalidation a cheap 304.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// Where the stylesheet is served.
pub(crate) const STYLESHEET_PATH: &str = "/static/portcullis.css";

const STYLESHEET: &str = include_str!("../static/portcullis.css");

/// FNV-1a (64-bit) of the stylesheet, computed at compile time. Only a cache
/// key: nothing relies on it resisting deliberate collisions.
const STYLESHEET_HASH: u64 = fnv1a_64(STYLESHEET.as_bytes());

const fn fnv1a_64(mut bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    while let [first, rest @ ..] = bytes {
        hash ^= *first as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        bytes = rest;
    }
    hash
}

static VERSION: LazyLock<String> = LazyLock::new(|| format!("{STYLESHEET_HASH:016x}"));
static HREF: LazyLock<String> = LazyLock::new(|| format!("{STYLESHEET_PATH}?v={}", *VERSION));
static ETAG: LazyLock<String> = LazyLock::new(|| format!("\"{}\"", *VERSION));

/// The stylesheet URL pages should link to.
pub(crate) fn stylesheet_href() -> &'static str {
    &HREF
}

const CACHE_VERSIONED: &str = "public, max-age=31536000, immutable";
const CACHE_REVALIDATE: &str = "no-cache";

/// `GET /static/portcullis.css`
pub(crate) async fn stylesheet(uri: Uri, request_headers: HeaderMap) -> Response {
    let versioned = uri.query().and_then(|q| q.strip_prefix("v=")) == Some(VERSION.as_str());
    let cache = if versioned { CACHE_VERSIONED } else { CACHE_REVALIDATE };
    let etag = HeaderValue::from_str(&ETAG).unwrap_or(HeaderValue::from_static("\"\""));
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == ETAG.as_str() || t.trim() == "*"));
    let headers = [(header::CACHE_CONTROL, HeaderValue::from_static(cache)), (header::ETAG, etag)];
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, [(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"))], STYLESHEET).into_response()
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
        assert_eq!(stylesheet_href(), format!("/static/portcullis.css?v={STYLESHEET_HASH:016x}"));
    }
}
