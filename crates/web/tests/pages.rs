//! What a visitor's browser receives: pages, headers, the stylesheet, errors.

mod common;

use axum::http::{Method, StatusCode};
use common::{SETUP_TOKEN, config, site};
use portcullis_web::WebConfig;

#[tokio::test]
async fn the_sign_in_page_is_html_in_the_layout_with_the_security_headers() {
    let site = site(WebConfig::default()).await;
    let page = site.get("/login").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-store");
    page.assert_security_headers();
    assert!(page.body.starts_with("<!DOCTYPE html>"));
    assert!(page.body.contains(r#"<html lang="en-GB">"#));
    assert!(page.body.contains(r#"<main class="pc-main" id="main-content">"#));
    assert!(page.body.contains(r##"<a href="#main-content" class="pc-skip-link">"##));
    assert!(page.body.contains("<title>Sign in – Portcullis</title>"));
    assert!(!page.body.contains("pc-phase-banner"), "no demo banner unless asked");
    assert!(!page.body.contains("Sign out"), "nobody is signed in");
}

#[tokio::test]
async fn skip_link_is_the_first_focusable_element() {
    let site = site(WebConfig::default()).await;
    let body = site.get("/login").await.body;
    let skip = body.find("pc-skip-link").unwrap();
    let first_link = body.find("<a ").unwrap();
    assert!(body.find("<body>").unwrap() < first_link);
    assert!(first_link < skip && body[first_link..skip].find('>').is_none());
    for focusable in ["<button", "<input", "<select", "<textarea", "tabindex"] {
        assert!(body.find(focusable).is_none_or(|at| at > skip), "{focusable} before the skip link");
    }
}

#[tokio::test]
async fn pages_carry_no_script_and_no_inline_style() {
    let site = site(WebConfig { demo: true, ..config() }).await;
    for path in ["/login", "/no-such-page", &format!("/setup?token={SETUP_TOKEN}")] {
        let page = site.get(path).await;
        assert!(!page.body.contains("<script"), "{path}");
        assert!(!page.body.contains("style="), "{path}");
        assert!(!page.body.contains("<style"), "{path}");
    }
}

#[tokio::test]
async fn demo_mode_shows_the_banner_on_every_page() {
    let site = site(WebConfig { demo: true, ..WebConfig::default() }).await;
    for path in ["/login", "/no-such-page"] {
        let page = site.get(path).await;
        assert!(page.body.contains("pc-phase-banner"), "{path}");
        assert!(page.body.contains("This is a demonstration."), "{path}");
    }
}

#[tokio::test]
async fn unknown_route_is_a_404_page_with_the_headers() {
    let site = site(WebConfig::default()).await;
    let page = site.get("/no/such/page?x=%3Cscript%3E").await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    page.assert_security_headers();
    assert!(page.body.contains("<h1 class=\"pc-heading-l\">Page not found</h1>"));
    assert!(page.body.contains("<title>Page not found – Portcullis</title>"));
    assert!(page.body.contains(r#"id="main-content""#));
    assert!(!page.body.contains("script"), "the path is not echoed");
}

#[tokio::test]
async fn wrong_method_gets_a_page_and_keeps_the_allow_header() {
    let site = site(WebConfig::default()).await;
    let page = site.request(Method::POST, "/").await;

    assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(page.header("allow").contains("GET"));
    page.assert_security_headers();
    assert!(page.body.contains("That page cannot be used that way"));
}

#[tokio::test]
async fn head_is_answered_without_a_body() {
    let site = site(WebConfig::default()).await;
    for (path, status) in [
        ("/login", StatusCode::OK),
        ("/healthz", StatusCode::OK),
        ("/nope", StatusCode::NOT_FOUND),
        ("/", StatusCode::SEE_OTHER),
    ] {
        let page = site.request(Method::HEAD, path).await;
        assert_eq!(page.status, status, "{path}");
        assert!(page.body.is_empty(), "{path}");
        page.assert_security_headers();
    }
}

#[tokio::test]
async fn stylesheet_is_css_cached_by_content_hash() {
    let site = site(WebConfig::default()).await;
    let home = site.get("/login").await.body;
    let start = home.find("/static/portcullis.css?v=").unwrap();
    let href = &home[start..start + home[start..].find('"').unwrap()];

    let css = site.get(href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(css.header("cache-control"), "public, max-age=31536000, immutable");
    css.assert_security_headers();
    assert!(css.body.contains(".pc-skip-link"));
    assert!(css.set_cookie("portcullis_csrf").is_none(), "no cookies on static files");
    let etag = css.header("etag").to_owned();
    assert!(etag.len() > 2 && href.ends_with(etag.trim_matches('"')));

    // Without the current hash, the browser must revalidate.
    let plain = site.get("/static/portcullis.css").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header("cache-control"), "no-cache");
    assert_eq!(plain.header("etag"), etag);
    let stale = site.get("/static/portcullis.css?v=0000").await;
    assert_eq!(stale.header("cache-control"), "no-cache");
}

#[tokio::test]
async fn stylesheet_revalidation_is_a_304() {
    let site = site(WebConfig::default()).await;
    let etag = site.get("/static/portcullis.css").await.header("etag").to_owned();
    let req = axum::http::Request::builder()
        .uri("/static/portcullis.css")
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(site.router.clone(), req).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"], etag.as_str());
}

#[tokio::test]
async fn css_needs_no_unsafe_policy() {
    let site = site(WebConfig::default()).await;
    let css = site.get("/static/portcullis.css").await.body;
    assert!(!css.contains("@import") && !css.contains("url("), "the stylesheet loads nothing else");
    assert!(css.lines().count() <= 340);
}
