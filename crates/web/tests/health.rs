//! `/healthz`: what a load balancer sees; and what a person sees when the
//! database is gone.

mod common;

use axum::http::StatusCode;
use common::site;
use portcullis_types::Role;
use portcullis_web::WebConfig;

#[tokio::test]
async fn healthz_is_ok_while_the_database_answers() {
    let site = site(WebConfig::default()).await;
    let page = site.get("/healthz").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, "ok");
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(page.set_cookie("portcullis_csrf").is_none(), "no cookies for machines");
    page.assert_security_headers();
}

#[tokio::test]
async fn healthz_is_503_once_the_database_is_closed() {
    let site = site(WebConfig::default()).await;
    site.app.close().await;

    let page = site.get("/healthz").await;

    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.body, "unavailable", "a plain answer for machines, no detail");
    page.assert_security_headers();
}

#[tokio::test]
async fn a_closed_database_gives_a_signed_in_person_an_error_page_without_internals() {
    let site = site(WebConfig::default()).await;
    let office = site.app.create_office("Office", false, &portcullis_app::Actor::Cli).await.unwrap().id;
    let (mut browser, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;
    site.app.close().await;

    let page = browser.get("/").await;

    assert!(page.status.is_server_error(), "{}", page.status);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    page.assert_security_headers();
    assert!(page.body.contains("Sorry, "));
    for internal in ["sqlite", "SQLite", "database error", "pool", ".db"] {
        assert!(!page.body.contains(internal), "page mentions {internal}: {}", page.body);
    }
}
