//! The central operator's console: list offices, open one and invite its
//! manager, who then runs their own office; the operator sees no further in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Browser, HOST, config, site, site_without_mail};
use portcullis_types::{Clock as _, Role};

const PASSWORD: &str = "walnut compass lantern";

async fn open_office(operator: &mut Browser, office: &str, name: &str, email: &str) -> common::Page {
    let page = operator.get("/operator").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    operator
        .post(
            "/operator/offices",
            &[("csrf", &Browser::csrf(&page)), ("office_name", office), ("name", name), ("email", email)],
        )
        .await
}

#[tokio::test]
async fn the_operator_opens_an_office_whose_manager_joins_by_email() {
    let site = site(config()).await;
    let (mut operator, _) = site.signed_in_as(Role::Operator, None, "Ola Operator").await;
    let empty = operator.get("/operator").await;
    assert!(empty.body.contains("There are no offices yet"), "{}", empty.body);
    assert!(empty.body.contains(r#"href="/operator""#) && !empty.body.contains(r#"href="/audit""#), "nav");

    let made = open_office(&mut operator, "Office of <i>Jane</i> Smith MP", "Sam Okafor", "sam@example.org.uk").await;

    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(made.body.contains("Office of &#60;i&#62;Jane&#60;/i&#62; Smith MP is set up"), "{}", made.body);
    assert!(made.body.contains("We have emailed a link to <strong>sam@example.org.uk</strong>"));
    let listed = operator.get("/operator").await;
    assert!(listed.body.contains("1 office") && listed.body.contains("Office of &#60;i&#62;Jane"));

    let mail = site.mail.as_ref().unwrap().wait_for(1, Duration::from_secs(10)).await;
    assert!(mail[0].rcpt_to[0].contains("sam@example.org.uk"));
    assert!(mail[0].text().contains("Ola Operator has invited you"), "{}", mail[0].text());
    let path = mail[0].link().unwrap().strip_prefix(&format!("http://{HOST}")).unwrap().to_owned();
    let mut sam = site.browser();
    let page = sam.get(&path).await;
    assert!(page.body.contains("Office manager") || page.body.contains("Manager"), "{}", page.body);
    sam.post("/invite", &[("csrf", &Browser::csrf(&page)), ("token", &page.input("token")), ("password", PASSWORD)])
        .await
        .assert_redirect("/enrol");
    sam.enrol(site.clock.now()).await;
    let people = sam.get("/people").await;
    assert_eq!(people.status, StatusCode::OK, "the new manager manages their office");
    assert!(people.body.contains("Sam Okafor"));

    let office = site.app.offices().await.unwrap()[0].id;
    let actions = site.audit_actions(office).await;
    for action in ["office.created", "invitation.created", "invitation.accepted"] {
        assert!(actions.contains(&action.to_owned()), "{action} in {actions:?}");
    }
    // The operator still sees only the name and the head count.
    let listed = operator.get("/operator").await;
    assert!(!listed.body.contains("sam@example.org.uk"));
}

#[tokio::test]
async fn without_email_the_operator_is_shown_the_link_to_pass_on() {
    let site = site_without_mail(config()).await;
    let (mut operator, _) = site.signed_in_as(Role::Operator, None, "Ola Operator").await;

    let made = open_office(&mut operator, "Office of Jane Smith MP", "Sam Okafor", "sam@example.org.uk").await;

    assert!(made.body.contains(&format!("http://{HOST}/invite?token=")), "{}", made.body);
    assert!(made.body.contains(r#"href="/operator">Back to offices"#));
}

#[tokio::test]
async fn the_new_office_form_explains_each_mistake_and_opens_nothing() {
    let site = site(config()).await;
    let (mut operator, user) = site.signed_in_as(Role::Operator, None, "Ola Operator").await;

    let blank = open_office(&mut operator, " ", "", "").await;
    assert_eq!(blank.status, StatusCode::OK);
    for message in [
        "Enter the office&#39;s name",
        "Enter the office manager&#39;s full name",
        "Enter the office manager&#39;s email address",
    ] {
        assert!(blank.body.contains(message) || blank.body.contains(&message.replace("&#39;", "'")), "{message}");
    }
    assert!(blank.body.contains(r##"href="#office_name""##), "the error summary links to the field");
    let taken = open_office(&mut operator, "Office of Jane Smith MP", "Sam Okafor", user.email.as_str()).await;
    assert!(taken.body.contains("That address cannot be invited"), "{}", taken.body);
    let long = "x".repeat(1000);
    let too_long = open_office(&mut operator, &long, "Sam Okafor", "sam@example.org.uk").await;
    assert!(too_long.body.contains("pc-error-summary"), "{}", too_long.body);
    assert!(site.app.offices().await.unwrap().is_empty());

    let forged = operator
        .post("/operator/offices", &[("office_name", "Forged"), ("name", "Eve"), ("email", "eve@example.org.uk")])
        .await;
    forged.assert_form_expired();
    assert!(site.app.offices().await.unwrap().is_empty());
}
