//! Passkeys around the edges (the whole ceremony with a real authenticator
//! is in the browser test): where they are offered, and that answers which
//! are forged, altered, late or from another session are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use axum::http::StatusCode;
use common::{Browser, EMAIL, PASSWORD, config, site};

/// The value of `data-options` on the passkey form.
fn options(page: &common::Page) -> String {
    let at = page.body.find("data-options=\"").expect("a passkey form");
    let rest = &page.body[at + 14..];
    rest[..rest.find('"').unwrap()].replace("&#34;", "\"").replace("&quot;", "\"")
}

#[tokio::test]
async fn enrolment_offers_a_passkey_to_browsers_that_can_use_one() {
    let site = site(config()).await;
    let mut browser = site.set_up().await;
    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/enrol");

    let page = browser.get("/enrol").await;

    assert!(page.body.contains("data-passkey-section hidden"), "hidden until the script shows it");
    assert!(page.body.contains(r#"<script src="/static/passkey.js?v="#));
    let options: serde_json::Value = serde_json::from_str(&options(&page)).unwrap();
    assert_eq!(options["publicKey"]["rp"]["id"], "portcullis.test");
    assert_eq!(options["publicKey"]["authenticatorSelection"]["userVerification"], "required");
    let script = site.get("/static/passkey.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.header("content-type").starts_with("text/javascript"));
}

#[tokio::test]
async fn a_forged_or_foreign_passkey_answer_is_refused_and_nothing_is_enrolled() {
    let site = site(config()).await;
    let mut first = site.set_up().await;
    first.sign_in(EMAIL, PASSWORD).await.assert_redirect("/enrol");
    let page = first.get("/enrol").await;
    let state = page.input("state");
    // Another sign-in of the same account: its session cannot open the first one's state.
    let mut second = site.browser();
    second.sign_in(EMAIL, PASSWORD).await.assert_redirect("/enrol");
    let other = second.get("/enrol").await;

    let forged = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"attestationObject":"AAAA","clientDataJSON":"AAAA"},"extensions":{}}"#;
    for (mut browser, csrf, state, credential) in [
        (first.clone(), Browser::csrf(&page), state.clone(), forged.to_owned()),
        (first.clone(), Browser::csrf(&page), state.clone(), "not json".to_owned()),
        (first.clone(), Browser::csrf(&page), format!("{state}x"), forged.to_owned()),
        (second.clone(), Browser::csrf(&other), state.clone(), forged.to_owned()),
    ] {
        let answer = browser
            .post(
                "/enrol/passkey",
                &[("csrf", &csrf), ("state", &state), ("credential", &credential), ("passkey_name", "x")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(answer.body.contains("Your passkey was not accepted"), "{}", answer.body);
    }
    let user = site.app.store().user_by_email(&portcullis_types::Email::new(EMAIL).unwrap()).await.unwrap().unwrap();
    assert!(user.second_factor_at.is_none());
    assert!(site.app.store().passkeys(user.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn sign_in_offers_no_passkey_to_an_account_without_one() {
    let site = site(config()).await;
    let (_, _) = common::signed_in_manager(&site).await;
    let mut browser = site.browser();
    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/login/code");

    let page = browser.get("/login/code").await;

    assert!(!page.body.contains("data-passkey"));
    let refused = browser
        .post("/login/passkey", &[("csrf", &Browser::csrf(&page)), ("state", "v1.AAAA"), ("credential", "{}")])
        .await;
    assert!(refused.body.contains("Your passkey was not accepted"));
    assert!(site.audit_actions(site.office().await).await.contains(&"auth.second_factor_failed".to_owned()));
}

#[tokio::test]
async fn a_server_reached_by_ip_address_offers_no_passkeys() {
    let mut site = site(config()).await;
    site.app = site.app.clone().with_public_url(&url::Url::parse("http://192.0.2.10:8080/").unwrap());
    site.router = portcullis_web::router(site.app.clone(), site.config.clone());
    let mut browser = site.set_up().await;
    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/enrol");

    let page = browser.get("/enrol").await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("data-passkey"), "passkeys need a host name");
    assert!(page.body.contains("Set up your authenticator app"));
}

fn stored_passkey(
    user: &portcullis_store::User,
    id: &str,
    name: &str,
    at: portcullis_types::Timestamp,
) -> portcullis_store::Passkey {
    portcullis_store::Passkey {
        credential_id: id.to_owned(),
        user_id: user.id,
        name: name.to_owned(),
        data: "{}".to_owned(),
        created_at: at,
        last_used_at: None,
    }
}

#[tokio::test]
async fn a_passkey_is_removed_from_the_account_page_but_never_the_last_second_factor() {
    let site = site(config()).await;
    let office =
        site.app.create_office("Office of Alex Example MP", false, &portcullis_app::Actor::Cli).await.unwrap().id;
    let (mut browser, user) = site.signed_in_as(portcullis_types::Role::Caseworker, Some(office), "Sam").await;
    let store = site.app.store();
    let now = portcullis_types::Clock::now(&*site.clock);
    store.add_passkey(&stored_passkey(&user, "laptop-id", "Work <b>laptop</b>", now)).await.unwrap();
    store.add_passkey(&stored_passkey(&user, "phone-id", "Phone", now)).await.unwrap();

    let page = browser.get("/account").await;
    assert!(
        page.body
            .contains("Remove<span class=\"pc-visually-hidden\"> passkey Work &#60;b&#62;laptop&#60;/b&#62;</span>"),
        "{}",
        page.body
    );
    let csrf = Browser::csrf(&page);

    // Without a CSRF token nothing happens.
    let forged = browser.post("/account/passkeys/remove", &[("credential", "laptop-id")]).await;
    forged.assert_form_expired();
    // Someone else's (or no such) credential: not found, nothing removed.
    let missing = browser.post("/account/passkeys/remove", &[("csrf", &csrf), ("credential", "nope")]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(store.passkeys(user.id).await.unwrap().len(), 2);

    let removed = browser.post("/account/passkeys/remove", &[("csrf", &csrf), ("credential", "laptop-id")]).await;
    removed.assert_redirect("/account");
    assert_eq!(removed.location(), "/account?done=passkey-removed");
    let ids: Vec<_> = store.passkeys(user.id).await.unwrap().into_iter().map(|p| p.credential_id).collect();
    assert_eq!(ids, vec!["phone-id".to_owned()]);
    assert!(browser.get("/account?done=passkey-removed").await.body.contains("Your passkey has been removed"));
    assert!(site.audit_actions(office).await.contains(&"auth.passkey_removed".to_owned()));

    // The account has no authenticator app: the last passkey stays.
    let last = browser.post("/account/passkeys/remove", &[("csrf", &csrf), ("credential", "phone-id")]).await;
    assert_eq!(last.status, StatusCode::OK);
    assert!(last.body.contains("This is your only way to confirm it is you"), "{}", last.body);
    assert_eq!(store.passkeys(user.id).await.unwrap().len(), 1);
    let removals = site.audit_actions(office).await.into_iter().filter(|a| a == "auth.passkey_removed").count();
    assert_eq!(removals, 1);
}
