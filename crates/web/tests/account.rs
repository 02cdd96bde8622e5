//! One's own account, and a forgotten password: changing or resetting it
//! ends every session; a reset never skips the second factor; the reset
//! form says the same thing whether or not an account exists.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Browser, EMAIL, HOST, PASSWORD, config, signed_in_manager, site};
use portcullis_types::Clock as _;

const NEW_PASSWORD: &str = "copper lighthouse meadow";

#[tokio::test]
async fn changing_the_password_signs_out_every_other_session() {
    let site = site(config()).await;
    let (mut here, secret) = signed_in_manager(&site).await;
    // The same person signed in on a second device.
    let mut there = site.browser();
    site.clock.advance_secs(30);
    there.sign_in(EMAIL, PASSWORD).await.assert_redirect("/login/code");
    there.enter_code(&secret.code_at(site.clock.now())).await.assert_redirect("/");

    let page = here.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    let wrong = here
        .post(
            "/account/password",
            &[("csrf", &Browser::csrf(&page)), ("current", "not it"), ("password", NEW_PASSWORD)],
        )
        .await;
    assert!(wrong.body.contains("Your current password is not right"));
    let weak = here
        .post(
            "/account/password",
            &[("csrf", &Browser::csrf(&page)), ("current", PASSWORD), ("password", "password123")],
        )
        .await;
    assert!(weak.body.contains("pc-error-message"), "{}", weak.body);

    let done = here
        .post(
            "/account/password",
            &[("csrf", &Browser::csrf(&page)), ("current", PASSWORD), ("password", NEW_PASSWORD)],
        )
        .await;

    done.assert_redirect("/account");
    assert!(here.get("/account?done=password").await.body.contains("Your password has been changed"));
    there.get("/").await.assert_redirect("/login");
    let mut later = site.browser();
    assert!(later.sign_in(EMAIL, PASSWORD).await.body.contains("pc-error-message"), "the old password is gone");
    later.sign_in(EMAIL, NEW_PASSWORD).await.assert_redirect("/login/code");
    assert!(site.audit_actions(site.office().await).await.contains(&"account.password_changed".to_owned()));
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones() {
    let site = site(config()).await;
    let (mut browser, _) = signed_in_manager(&site).await;
    let page = browser.get("/account").await;
    assert!(page.body.contains("10 of 10"));

    let codes = browser.post("/account/recovery-codes", &[("csrf", &Browser::csrf(&page))]).await;

    assert_eq!(codes.status, StatusCode::OK);
    assert!(codes.body.contains("The old ones no longer work"));
    assert_eq!(codes.body.matches("<li><code>").count(), 10);
}

/// Ask for a reset link on the forgotten-password page.
async fn ask_reset(browser: &mut Browser, email: &str) -> common::Page {
    let page = browser.get("/login/forgot").await;
    assert_eq!(page.status, StatusCode::OK);
    browser.post("/login/forgot", &[("csrf", &Browser::csrf(&page)), ("email", email)]).await
}

#[tokio::test]
async fn the_reset_page_answers_the_same_for_any_address() {
    let site = site(config()).await;
    signed_in_manager(&site).await;
    let mut stranger = site.browser();

    let known = ask_reset(&mut stranger, EMAIL).await;
    let unknown = ask_reset(&mut stranger, "nobody@example.org.uk").await;

    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body, "the page does not say whether an account exists");
    assert!(known.body.contains("Check your email"));
    let mail = site.mail.as_ref().unwrap().wait_for(2, Duration::from_millis(1500)).await;
    assert_eq!(mail.len(), 1, "only the real account gets an email");
    assert!(mail[0].rcpt_to[0].contains(EMAIL));
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_the_second_factor_is_still_needed() {
    let site = site(config()).await;
    let (mut old_session, secret) = signed_in_manager(&site).await;
    ask_reset(&mut site.browser(), EMAIL).await;
    let mail = site.mail.as_ref().unwrap().wait_for(1, Duration::from_secs(10)).await;
    let path = mail[0].link().unwrap().strip_prefix(&format!("http://{HOST}")).unwrap().to_owned();

    let mut browser = site.browser();
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let done = browser
        .post(
            "/login/reset",
            &[("csrf", &Browser::csrf(&page)), ("token", &page.input("token")), ("password", NEW_PASSWORD)],
        )
        .await;
    done.assert_redirect("/login");

    old_session.get("/").await.assert_redirect("/login");
    let again = site.browser().get(&path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "a reset link works once");
    browser.sign_in(EMAIL, NEW_PASSWORD).await.assert_redirect("/login/code");
    site.clock.advance_secs(30);
    browser.enter_code(&secret.code_at(site.clock.now())).await.assert_redirect("/");
    assert!(site.audit_actions(site.office().await).await.contains(&"account.password_reset".to_owned()));
}

#[tokio::test]
async fn a_reset_link_expires_and_a_forged_one_never_works() {
    let site = site(config()).await;
    signed_in_manager(&site).await;
    ask_reset(&mut site.browser(), EMAIL).await;
    let mail = site.mail.as_ref().unwrap().wait_for(1, Duration::from_secs(10)).await;
    let path = mail[0].link().unwrap().strip_prefix(&format!("http://{HOST}")).unwrap().to_owned();
    let forged = format!("{}0", &path[..path.len() - 1]);

    assert_eq!(site.browser().get(&forged).await.status, StatusCode::NOT_FOUND);
    site.clock.advance_secs(61 * 60);
    let late = site.browser().get(&path).await;
    assert_eq!(late.status, StatusCode::NOT_FOUND);
    assert!(late.body.contains("This reset link does not work"));
}

#[tokio::test]
async fn reset_requests_are_throttled_per_address() {
    let site = site(config()).await;
    signed_in_manager(&site).await;
    let mut browser = site.browser();
    for _ in 0..6 {
        let page = ask_reset(&mut browser, EMAIL).await;
        assert!(page.body.contains("Check your email"), "the answer never changes");
    }
    let mail = site.mail.as_ref().unwrap().wait_for(6, Duration::from_millis(1500)).await;
    assert_eq!(mail.len(), 3, "at most three links per address per window");
}
