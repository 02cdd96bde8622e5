//! First-run setup, and how forms treat what people type: errors the GOV.UK
//! way, nothing a person typed ever run as markup, and nothing too long
//! breaking a page.

mod common;

use axum::http::StatusCode;
use common::{Browser, EMAIL, PASSWORD, SETUP_TOKEN, config, site};
use portcullis_types::Clock as _;
use portcullis_web::WebConfig;

#[tokio::test]
async fn setup_is_only_offered_with_the_printed_token() {
    let site = site(config()).await;
    for path in ["/setup", "/setup?token=", "/setup?token=wrong", &format!("/setup?token={SETUP_TOKEN}x")] {
        assert_eq!(site.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    let unconfigured = common::site(WebConfig::default()).await;
    assert_eq!(unconfigured.get(&format!("/setup?token={SETUP_TOKEN}")).await.status, StatusCode::NOT_FOUND);

    // The hidden field is checked again on the form's POST.
    let mut browser = site.browser();
    let page = browser.get(&format!("/setup?token={SETUP_TOKEN}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let sent = [("csrf", Browser::csrf(&page)), ("token", "wrong".into()), ("office_name", "O".into())];
    let posted = browser.post("/setup", &sent.each_ref().map(|(k, v)| (*k, v.as_str()))).await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    assert!(site.app.needs_setup().await.unwrap());
}

#[tokio::test]
async fn after_setup_there_is_no_setup_page() {
    let site = site(config()).await;
    let mut browser = site.set_up().await;

    assert_eq!(site.get(&format!("/setup?token={SETUP_TOKEN}")).await.status, StatusCode::NOT_FOUND);
    let page = browser.get("/login").await;
    let again = [
        ("csrf", Browser::csrf(&page)),
        ("token", SETUP_TOKEN.into()),
        ("office_name", "Second office".into()),
        ("name", "Mallory".into()),
        ("email", "m@example.org".into()),
        ("password", "another good passphrase".into()),
    ];
    let posted = browser.post("/setup", &again.each_ref().map(|(k, v)| (*k, v.as_str()))).await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    assert_eq!(site.app.offices().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_setup_form_shows_every_error_the_gov_uk_way() {
    let site = site(config()).await;
    let mut browser = site.browser();
    let page = browser.get(&format!("/setup?token={SETUP_TOKEN}")).await;
    for (id, autocomplete) in
        [("office_name", "organization"), ("name", "name"), ("email", "username"), ("password", "new-password")]
    {
        assert!(page.body.contains(&format!(r#"<label class="pc-label" for="{id}">"#)), "{id} has a label");
        assert!(page.body.contains(&format!(r#"autocomplete="{autocomplete}""#)), "{id}");
    }

    let sent = [("csrf", Browser::csrf(&page)), ("token", SETUP_TOKEN.into()), ("password", String::new())];
    let errors = browser.post("/setup", &sent.each_ref().map(|(k, v)| (*k, v.as_str()))).await;

    assert_eq!(errors.status, StatusCode::OK);
    assert!(errors.body.contains("<title>Error: Set up Portcullis – Portcullis</title>"));
    assert!(errors.body.contains("There is a problem"));
    for (id, message) in [
        ("office_name", "Enter the name of your office"),
        ("name", "Enter your full name"),
        ("email", "Enter your email address"),
        ("password", "Enter a password"),
    ] {
        assert!(errors.body.contains(&format!(r##"<a href="#{id}">{message}</a>"##)), "summary links to {id}");
        assert!(errors.body.contains(&format!(r#"<p id="{id}-error" class="pc-error-message">"#)), "{id}");
    }
    assert!(site.app.needs_setup().await.unwrap());
}

#[tokio::test]
async fn a_weak_password_is_refused_and_never_shown_again() {
    let site = site(config()).await;
    let mut browser = site.browser();
    let page = browser.get(&format!("/setup?token={SETUP_TOKEN}")).await;
    let sent = [
        ("csrf", Browser::csrf(&page)),
        ("token", SETUP_TOKEN.into()),
        ("office_name", "Office of Alex Example MP".into()),
        ("name", "Sam Okafor".into()),
        ("email", "sam@example.org.uk".into()),
        ("password", "password1234".into()),
    ];
    let refused = browser.post("/setup", &sent.each_ref().map(|(k, v)| (*k, v.as_str()))).await;

    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains(r##"<a href="#password">That password is one attackers try first."##));
    assert!(!refused.body.contains("password1234"), "a password is never put back in the page");
    assert_eq!(refused.input("email"), "sam@example.org.uk", "other answers are kept");
    assert!(site.app.needs_setup().await.unwrap());
}

#[tokio::test]
async fn names_with_markup_are_shown_as_text_on_every_page() {
    let site = site(config()).await;
    let office = r#"<script>alert("office")</script> & Co"#;
    let person = "<b>Sam</b> O'Kafor";
    let mut browser = site.browser();
    let page = browser.get(&format!("/setup?token={SETUP_TOKEN}")).await;
    let sent = [
        ("csrf", Browser::csrf(&page)),
        ("token", SETUP_TOKEN.into()),
        ("office_name", office.into()),
        ("name", person.into()),
        ("email", EMAIL.into()),
        ("password", PASSWORD.into()),
    ];
    browser.post("/setup", &sent.each_ref().map(|(k, v)| (*k, v.as_str()))).await.assert_redirect("/login");
    browser.sign_in(EMAIL, PASSWORD).await;
    let (_, codes) = browser.enrol(site.clock.now()).await;

    let mut pages = vec![codes];
    for path in ["/", "/audit", "/no-such-page"] {
        pages.push(browser.get(path).await);
    }
    for page in &pages {
        assert!(!page.body.contains("<script") && !page.body.contains("<b>Sam"), "{}", page.body);
        assert!(!page.body.contains("style="));
    }
    let home = &pages[1];
    assert!(home.body.contains("&#60;script&#62;alert(&#34;office&#34;)&#60;/script&#62; &#38; Co"));
    assert!(home.body.contains("&#60;b&#62;Sam&#60;/b&#62; O&#39;Kafor"));
    assert!(pages[2].body.contains("&#60;b&#62;Sam&#60;/b&#62;"), "the audit log escapes details too");
}

#[tokio::test]
async fn very_long_answers_get_an_error_message_not_a_crash() {
    let site = site(config()).await;
    let huge = "x".repeat(10_000);
    let huge_email = format!("{huge}@example.org.uk");

    let mut browser = site.browser();
    let page = browser.get(&format!("/setup?token={SETUP_TOKEN}")).await;
    let sent = [
        ("csrf", Browser::csrf(&page)),
        ("token", SETUP_TOKEN.into()),
        ("office_name", huge.clone()),
        ("name", huge.clone()),
        ("email", huge_email.clone()),
        ("password", huge.clone()),
    ];
    let setup = browser.post("/setup", &sent.each_ref().map(|(k, v)| (*k, v.as_str()))).await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.body.contains("There is a problem"));
    assert!(site.app.needs_setup().await.unwrap());

    site.set_up().await;
    let login = browser.sign_in(&huge_email, &huge).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("The email address or password is not right"), "{}", login.body);

    let mut half = site.browser();
    half.sign_in(common::EMAIL, common::PASSWORD).await.assert_redirect("/enrol");
    let enrol = half.get("/enrol").await;
    let long_code = half
        .post("/enrol", &[("csrf", &Browser::csrf(&enrol)), ("pending", &huge), ("secret", &huge), ("code", &huge)])
        .await;
    assert_eq!(long_code.status, StatusCode::OK);
    assert!(long_code.body.contains("Error: "));
}

#[tokio::test]
async fn sign_in_errors_name_neither_field_and_keep_only_the_email() {
    let site = site(config()).await;
    site.set_up().await;
    let mut browser = site.browser();

    let wrong = browser.sign_in(EMAIL, "not the password at all").await;
    let unknown = browser.sign_in("nobody@example.org.uk", "not the password at all").await;

    for page in [&wrong, &unknown] {
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<title>Error: Sign in – Portcullis</title>"));
        assert!(page.body.contains(r##"<a href="#email">The email address or password is not right</a>"##));
        assert!(!page.body.contains("not the password"));
        assert!(page.body.contains(r#"autocomplete="current-password""#));
    }
    assert_eq!(wrong.input("email"), EMAIL);
    let blank = browser.post("/login", &[("csrf", &Browser::csrf(&wrong))]).await;
    assert!(blank.body.contains("Enter your email address") && blank.body.contains("Enter your password"));
}
