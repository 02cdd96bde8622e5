//! A router over a real SQLite database in a temporary directory.

// Test support: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used, dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use portcullis_app::{App, OsRandom, SystemClock};
use portcullis_store_sqlite::SqliteStore;
use portcullis_web::{WebConfig, router};
use tempfile::TempDir;
use tower::ServiceExt;

/// The headers every response must carry, with their exact values.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
];

/// One test's Portcullis: the app, its router, and the directory to keep alive.
pub struct Site {
    pub app: App,
    pub router: Router,
    _dir: TempDir,
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// Panics naming the header when one is missing or wrong.
    pub fn assert_security_headers(&self) {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(self.header(name), *value, "header {name} on a {} response", self.status);
        }
        assert!(!self.header("content-security-policy").contains("unsafe-inline"));
        assert!(!self.header("cache-control").is_empty(), "cache-control on a {} response", self.status);
    }
}

pub async fn site(config: WebConfig) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("portcullis.db")).await.unwrap();
    let app = App::with_parts(Arc::new(store), Arc::new(SystemClock), Arc::new(OsRandom));
    let router = router(app.clone(), config);
    Site { app, router, _dir: dir }
}

impl Site {
    pub async fn request(&self, method: Method, path: &str) -> Page {
        let req = Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        Page { status: parts.status, headers: parts.headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.request(Method::GET, path).await
    }
}
