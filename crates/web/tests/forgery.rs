//! Cross-site request forgery: a form that did not come from one of our own
//! pages is refused with "This form has expired", and nothing changes.

mod common;

use axum::http::StatusCode;
use common::{Browser, EMAIL, PASSWORD, SETUP_TOKEN, config, signed_in_manager, site};

#[tokio::test]
async fn signing_out_without_the_token_is_refused_and_the_session_carries_on() {
    let site = site(config()).await;
    let (mut browser, _) = signed_in_manager(&site).await;

    browser.post("/logout", &[]).await.assert_form_expired();
    browser.post("/logout", &[("csrf", "guessed")]).await.assert_form_expired();
    browser.post("/logout", &[("csrf", "")]).await.assert_form_expired();

    assert_eq!(browser.get("/").await.status, StatusCode::OK, "still signed in");
    assert!(!site.audit_actions(site.office().await).await.contains(&"auth.sign_out".to_owned()));
}

#[tokio::test]
async fn another_sessions_token_does_not_work() {
    let site = site(config()).await;
    let (mut mine, _) = signed_in_manager(&site).await;
    let theirs = site.signed_in_as(portcullis_types::Role::Staff, Some(site.office().await), "Kim Lee").await.0;
    let their_token = Browser::csrf(&theirs.clone().get("/").await);

    mine.post("/logout", &[("csrf", &their_token)]).await.assert_form_expired();
    assert_eq!(mine.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_the_token() {
    let site = site(config()).await;
    let (mut browser, _) = signed_in_manager(&site).await;
    let token = Browser::csrf(&browser.get("/").await);

    for origin in ["https://evil.example", "http://portcullis.test.evil.example", "https://portcullis.test:8443"] {
        let page = browser.post_from("/logout", &[("csrf", &token)], Some(origin)).await;
        page.assert_form_expired();
        page.assert_security_headers();
    }
    assert_eq!(browser.get("/").await.status, StatusCode::OK, "still signed in");

    // Our own pages are served with `Referrer-Policy: no-referrer`, under
    // which browsers send `Origin: null` on their own forms: allowed, the
    // token decides.
    browser.post_from("/logout", &[("csrf", &token)], Some("null")).await.assert_redirect("/login");
}

#[tokio::test]
async fn the_sign_in_form_needs_its_double_submit_cookie() {
    let site = site(config()).await;
    signed_in_manager(&site).await;
    let office = site.office().await;
    let audit_before = site.audit_actions(office).await.len();

    // A forged sign-in (to plant the attacker's account on a victim) has no
    // cookie of ours to match.
    let mut stranger = site.browser();
    let forged = stranger.post("/login", &[("csrf", "x"), ("email", EMAIL), ("password", PASSWORD)]).await;
    forged.assert_form_expired();
    assert!(forged.set_cookie("portcullis_session").is_none());

    // The cookie is set by the page; a field that does not match it fails.
    let mut stranger = site.browser();
    let page = stranger.get("/login").await;
    let cookie = page.set_cookie("portcullis_csrf").expect("the sign-in page sets the CSRF cookie");
    assert!(cookie.ends_with("; Path=/; Secure; HttpOnly; SameSite=Strict") && !cookie.contains("Max-Age"), "{cookie}");
    let wrong = stranger.post("/login", &[("csrf", "not-the-cookie"), ("email", EMAIL), ("password", PASSWORD)]).await;
    wrong.assert_form_expired();
    assert_eq!(site.audit_actions(office).await.len(), audit_before, "no sign-in was even attempted");

    // With both, it goes through.
    let right =
        stranger.post("/login", &[("csrf", &Browser::csrf(&page)), ("email", EMAIL), ("password", PASSWORD)]).await;
    right.assert_redirect("/login/code");
}

#[tokio::test]
async fn setup_without_the_token_changes_nothing() {
    let site = site(config()).await;
    let mut browser = site.browser();
    let page = browser.get(&format!("/setup?token={SETUP_TOKEN}")).await;
    let fields = |csrf: &'static str| {
        [
            ("csrf", csrf),
            ("token", SETUP_TOKEN),
            ("office_name", "Office"),
            ("name", "Mallory"),
            ("email", "m@example.org"),
            ("password", "a perfectly good passphrase"),
        ]
    };

    browser.post("/setup", &fields("forged")).await.assert_form_expired();

    assert!(site.app.needs_setup().await.unwrap(), "no account was made");
    assert!(site.app.offices().await.unwrap().is_empty(), "no office was made");
    assert_eq!(page.status, StatusCode::OK);
}
