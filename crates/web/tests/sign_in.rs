//! Signing in through the pages, as the people of an office experience it:
//! first-run setup, enrolling an authenticator, the code step, recovery
//! codes, timeouts and signing out.

mod common;

use axum::http::StatusCode;
use common::{Browser, EMAIL, MANAGER, OFFICE, PASSWORD, config, secret_from, signed_in_manager, site};
use portcullis_testkit::browserless::input_value;
use portcullis_types::Clock as _;

#[tokio::test]
async fn a_manager_sets_up_enrols_reads_the_audit_log_and_signs_out() {
    let site = site(config()).await;

    // First run: the link the server printed, then the sign-in page.
    let mut browser = site.set_up().await;
    let login = browser.get("/login?done=set-up").await;
    assert!(login.body.contains("Your office and account are ready"));

    // The password alone gives a session that can only enrol.
    let step = browser.sign_in(EMAIL, PASSWORD).await;
    step.assert_redirect("/enrol");
    let cookie = step.set_cookie("portcullis_session").unwrap();
    assert!(cookie.ends_with("; Path=/; Secure; HttpOnly; SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "ends with the browser session");
    browser.get("/").await.assert_redirect("/enrol");
    browser.get("/audit").await.assert_redirect("/enrol");

    // Enrol: a QR code drawn on the server, and the same key as text.
    let page = browser.get("/enrol").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<img class="pc-qr-code" src="data:image/svg+xml;base64,"#), "{}", page.body);
    assert!(page.body.contains(r#"alt="QR code for your authenticator app""#));
    assert!(!page.body.contains(OFFICE), "no office details before the second factor");
    let secret = secret_from(&page);
    let code = secret.code_at(site.clock.now());
    let codes_page = browser
        .post("/enrol", &[("csrf", &Browser::csrf(&page)), ("pending", &page.input("pending")), ("code", &code)])
        .await;

    // The recovery codes, once.
    assert_eq!(codes_page.status, StatusCode::OK, "{}", codes_page.body);
    assert_eq!(codes_page.body.matches("<li><code>").count(), 10);
    assert!(codes_page.body.contains(r#"<a class="pc-button" href="/">I have saved my recovery codes – continue</a>"#));
    codes_page.set_cookie("portcullis_session").expect("the full session replaces the half one");

    // Home: who, which office, what comes next; sign-out in the header.
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    for text in [OFFICE, MANAGER, "Office manager", "What comes next", "Audit log"] {
        assert!(home.body.contains(text), "home lacks {text}");
    }
    assert!(home.body.contains(r#"<form method="post" action="/logout""#));
    assert!(home.body.contains(r#"<button type="submit" class="pc-header__button">Sign out</button>"#));

    // The audit log shows what just happened, with times in UTC.
    let audit = browser.get("/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    for action in ["office.created", "account.created", "auth.second_factor_enrolled", "auth.sign_in"] {
        assert!(audit.body.contains(&format!("<code>{action}</code>")), "audit lacks {action}");
    }
    assert!(audit.body.contains("Time (UTC)") && audit.body.contains("25 November 2025, 09:30:00"));

    // Sign out: the session ends and the cookie is cleared.
    let out = browser.post("/logout", &[("csrf", &Browser::csrf(&home))]).await;
    out.assert_redirect("/login");
    assert!(out.set_cookie("portcullis_session").unwrap().contains("Max-Age=0"));
    let after = browser.get(out.location()).await;
    assert!(after.body.contains("You have signed out"));
    browser.get("/").await.assert_redirect("/login");

    // Back in, with the app's next code.
    site.clock.advance_secs(30);
    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/login/code");
    browser.enter_code(&secret.code_at(site.clock.now())).await.assert_redirect("/");
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    assert!(site.audit_actions(site.office().await).await.contains(&"auth.sign_out".to_owned()));
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_the_person_stays_at_the_code_step() {
    let site = site(config()).await;
    let (mut browser, secret) = signed_in_manager(&site).await;
    browser.sign_out().await;
    site.clock.advance_secs(60);
    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/login/code");

    let right = secret.code_at(site.clock.now());
    let wrong: String = right.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect();
    let page = browser.enter_code(&wrong).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<title>Error: Enter the code from your authenticator app – Portcullis</title>"));
    assert!(page.body.contains(r##"<a href="#code">That code is not right."##), "{}", page.body);
    assert!(page.body.contains(r#"id="code-error""#));
    assert!(page.body.contains(r#"autocomplete="one-time-code" inputmode="numeric""#));
    browser.get("/").await.assert_redirect("/login/code");
    assert!(site.audit_actions(site.office().await).await.contains(&"auth.second_factor_failed".to_owned()));
}

#[tokio::test]
async fn a_code_already_used_is_refused() {
    let site = site(config()).await;
    let (mut browser, secret) = signed_in_manager(&site).await;
    let used_at_enrolment = secret.code_at(site.clock.now());
    browser.sign_out().await;

    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/login/code");
    let page = browser.enter_code(&used_at_enrolment).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("That code has already been used"), "{}", page.body);
    browser.get("/").await.assert_redirect("/login/code");
}

#[tokio::test]
async fn five_wrong_codes_lock_the_account_and_end_the_sign_in() {
    let site = site(config()).await;
    let (mut browser, _) = signed_in_manager(&site).await;
    browser.sign_out().await;
    site.clock.advance_secs(60);
    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/login/code");

    let mut last = None;
    for _ in 0..5 {
        last = Some(browser.enter_code("000000").await);
    }
    let last = last.unwrap();

    assert!(last.body.contains("Too many wrong codes: this account is locked for 15 minutes"), "{}", last.body);
    assert!(last.set_cookie("portcullis_session").unwrap().contains("Max-Age=0"));
    browser.get("/login/code").await.assert_redirect("/login");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let site = site(config()).await;
    let mut browser = site.set_up().await;
    browser.sign_in(EMAIL, PASSWORD).await;
    let (_, codes_page) = browser.enrol(site.clock.now()).await;
    let first = codes_page.body.split("<li><code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
    browser.sign_out().await;

    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/login/code");
    let code_page = browser.get("/login/code").await;
    assert!(code_page.body.contains(r#"href="/login/recovery""#));
    let form = browser.get("/login/recovery").await;
    let used = browser.post("/login/recovery", &[("csrf", &Browser::csrf(&form)), ("code", &first)]).await;

    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    assert!(used.body.contains("You have 9 recovery codes left."));
    assert_eq!(browser.get("/").await.status, StatusCode::OK);

    browser.sign_out().await;
    browser.sign_in(EMAIL, PASSWORD).await;
    let form = browser.get("/login/recovery").await;
    let again = browser.post("/login/recovery", &[("csrf", &Browser::csrf(&form)), ("code", &first)]).await;
    assert!(again.body.contains("Error: "), "the same code does not work twice");
    browser.get("/").await.assert_redirect("/login/code");
}

#[tokio::test]
async fn a_session_idle_for_31_minutes_has_ended() {
    let site = site(config()).await;
    let (mut browser, _) = signed_in_manager(&site).await;
    assert_eq!(browser.get("/").await.status, StatusCode::OK);

    site.clock.advance_secs(31 * 60);
    let page = browser.get("/").await;

    page.assert_redirect("/login");
    assert!(page.set_cookie("portcullis_session").unwrap().contains("Max-Age=0"), "the dead cookie is cleared");
    browser.get("/audit").await.assert_redirect("/login");
}

#[tokio::test]
async fn a_wrong_code_at_enrolment_keeps_the_same_key_on_the_page() {
    let site = site(config()).await;
    let mut browser = site.set_up().await;
    browser.sign_in(EMAIL, PASSWORD).await;
    let page = browser.get("/enrol").await;
    let key = secret_from(&page).base32_grouped();
    assert!(input_value(&page.body, "secret").is_none(), "the key is never carried in a form field");
    let (csrf, pending) = (Browser::csrf(&page), page.input("pending"));
    let send = |code| [("csrf", csrf.as_str()), ("pending", pending.as_str()), ("code", code)];

    let wrong = browser.post("/enrol", &send("000000")).await;

    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("That code is not right"), "{}", wrong.body);
    assert_eq!(secret_from(&wrong).base32_grouped(), key, "the key already in the app still works");
    assert_eq!(wrong.input("pending"), page.input("pending"));
    let blank = browser.post("/enrol", &send("")).await;
    assert!(blank.body.contains("Enter the 6-digit code from your authenticator app"));
}
