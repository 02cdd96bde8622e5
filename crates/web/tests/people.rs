//! People and invitations: a manager invites a colleague by email, the
//! colleague sets a password and a second factor; managers change roles and
//! suspend accounts; nobody reaches another office's accounts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Browser, HOST, OFFICE, Site, config, signed_in_manager, site, site_without_mail};
use portcullis_app::Actor;
use portcullis_types::{Clock as _, Role};

const NEW_PASSWORD: &str = "walnut compass lantern";

/// The manager fills in the invitation form; returns the page after.
async fn invite(manager: &mut Browser, name: &str, email: &str, role: &str) -> common::Page {
    let form = manager.get("/people/invite").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    manager
        .post("/people/invite", &[("csrf", &Browser::csrf(&form)), ("name", name), ("email", email), ("role", role)])
        .await
}

/// The path of the link in the only email sent so far.
async fn emailed_path(site: &Site) -> String {
    let mail = site.mail.as_ref().unwrap().wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1, "one email");
    let link = mail[0].link().expect("a link in the email");
    link.strip_prefix(&format!("http://{HOST}")).unwrap().to_owned()
}

#[tokio::test]
async fn an_invited_colleague_joins_by_the_emailed_link_and_must_enrol() {
    let site = site(config()).await;
    let (mut manager, _) = signed_in_manager(&site).await;

    let made = invite(&mut manager, "Priya Shah", "priya.shah@example.org.uk", "caseworker").await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(made.body.contains("We have emailed a link to <strong>priya.shah@example.org.uk</strong>"));
    assert!(!made.body.contains("/invite?token="), "the link is not shown when it was emailed");

    let mail = site.mail.as_ref().unwrap().wait_for(1, Duration::from_secs(10)).await;
    assert!(mail[0].rcpt_to[0].contains("priya.shah@example.org.uk"));
    assert!(mail[0].data.contains(&format!("Subject: You are invited to Portcullis for {OFFICE}")));
    let path = emailed_path(&site).await;
    assert!(path.starts_with("/invite?token="), "{path}");

    let mut priya = site.browser();
    let page = priya.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(OFFICE) && page.body.contains("Caseworker"));
    let joined = priya
        .post(
            "/invite",
            &[("csrf", &Browser::csrf(&page)), ("token", &page.input("token")), ("password", NEW_PASSWORD)],
        )
        .await;
    joined.assert_redirect("/enrol");
    // Nothing but enrolment until a second factor exists.
    priya.get("/").await.assert_redirect("/enrol");
    let (_, codes) = priya.enrol(site.clock.now()).await;
    assert!(codes.body.contains("Save your recovery codes"));
    let home = priya.get("/").await;
    assert!(home.body.contains("Priya Shah") && home.body.contains("Caseworker"));

    // The link worked once.
    let again = site.browser().get(&path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("This invitation link does not work"));

    let people = manager.get("/people").await;
    assert!(people.body.contains("Priya Shah") && people.body.contains("Accepted"));
    let actions = site.audit_actions(site.office().await).await;
    for action in ["invitation.created", "invitation.accepted", "account.created", "auth.second_factor_enrolled"] {
        assert!(actions.contains(&action.to_owned()), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn without_email_the_manager_is_shown_the_link_to_pass_on() {
    let site = site_without_mail(config()).await;
    let (mut manager, _) = signed_in_manager(&site).await;

    let made = invite(&mut manager, "Tom Evans", "tom.evans@example.org.uk", "staff").await;

    assert_eq!(made.status, StatusCode::OK);
    assert!(made.body.contains("Email is not set up"));
    assert!(made.body.contains(&format!("http://{HOST}/invite?token=")), "{}", made.body);
}

#[tokio::test]
async fn an_invitation_link_expires_after_a_week() {
    let site = site(config()).await;
    let (mut manager, _) = signed_in_manager(&site).await;
    invite(&mut manager, "Tom Evans", "tom.evans@example.org.uk", "staff").await;
    let path = emailed_path(&site).await;

    site.clock.advance_secs(7 * 86_400 + 1);

    let page = site.browser().get(&path).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("It may have expired"));
}

#[tokio::test]
async fn the_invitation_form_explains_each_mistake() {
    let site = site(config()).await;
    let (mut manager, _) = signed_in_manager(&site).await;

    let empty = invite(&mut manager, "", "", "").await;
    assert_eq!(empty.status, StatusCode::OK);
    for message in ["Enter their full name", "Enter their email address", "Choose the role they will have"] {
        assert!(empty.body.contains(message), "{message}");
    }
    assert!(empty.body.contains(r##"<a href="#role">"##), "the summary links to the first radio");

    let operator = invite(&mut manager, "Eve", "eve@example.org.uk", "operator").await;
    assert!(operator.body.contains("Choose the role they will have"), "nobody is invited as operator");

    let taken = invite(&mut manager, "Sam Again", common::EMAIL, "staff").await;
    assert!(taken.body.contains("That address cannot be invited"));

    let script = invite(&mut manager, "<script>alert(1)</script>", "x@example.org.uk", "staff").await;
    assert!(!script.body.contains("<script>alert(1)</script>"), "names are escaped");
    assert!(site.mail.as_ref().unwrap().messages().len() <= 1);
}

#[tokio::test]
async fn a_manager_changes_a_role_and_suspends_an_account() {
    let site = site(config()).await;
    let (mut manager, _) = signed_in_manager(&site).await;
    let office = site.office().await;
    let (mut kim, kim_user) = site.signed_in_as(Role::Staff, Some(office), "Kim Lee").await;
    let path = format!("/people/{}", kim_user.id);

    let page = manager.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let changed =
        manager.post(&format!("{path}/role"), &[("csrf", &Browser::csrf(&page)), ("role", "caseworker")]).await;
    changed.assert_redirect(&path);
    assert_eq!(site.app.store().user(kim_user.id).await.unwrap().unwrap().role, Role::Caseworker);
    kim.get("/").await.assert_redirect("/login");

    let page = manager.get(&path).await;
    let suspended =
        manager.post(&format!("{path}/suspend"), &[("csrf", &Browser::csrf(&page)), ("suspend", "yes")]).await;
    suspended.assert_redirect(&path);
    assert!(site.app.store().user(kim_user.id).await.unwrap().unwrap().suspended);
    let shown = manager.get(&format!("{path}?done=suspended")).await;
    assert!(shown.body.contains("Suspended") && shown.body.contains("Restore account"));

    let actions = site.audit_actions(office).await;
    assert!(actions.contains(&"account.role_changed".to_owned()) && actions.contains(&"account.suspended".to_owned()));
}

#[tokio::test]
async fn a_manager_cannot_change_their_own_role() {
    let site = site(config()).await;
    let (mut manager, _) = signed_in_manager(&site).await;
    let me =
        site.app.store().user_by_email(&portcullis_types::Email::new(common::EMAIL).unwrap()).await.unwrap().unwrap();
    let path = format!("/people/{}", me.id);
    let page = manager.get(&path).await;
    assert!(page.body.contains("This is your own account"));

    let refused = manager.post(&format!("{path}/role"), &[("csrf", &Browser::csrf(&page)), ("role", "staff")]).await;

    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains("You cannot change your own role"));
    assert_eq!(site.app.store().user(me.id).await.unwrap().unwrap().role, Role::Manager);
}

#[tokio::test]
async fn another_offices_account_is_not_found_to_anyone_and_the_attempt_is_audited() {
    let site = site(config()).await;
    let (_, _) = signed_in_manager(&site).await;
    let office_a = site.office().await;
    let (_, victim) = site.signed_in_as(Role::Caseworker, Some(office_a), "Priya Shah").await;
    let office_b = site.app.create_office("Office of Bo Other MP", false, &Actor::Cli).await.unwrap().id;

    for role in [Role::Manager, Role::Staff] {
        let (mut intruder, _) = site.signed_in_as(role, Some(office_b), "Nosy Parker").await;
        let home = intruder.get("/").await;
        let csrf = Browser::csrf(&home);
        let path = format!("/people/{}", victim.id);

        for page in [
            intruder.get(&path).await,
            intruder.post(&format!("{path}/role"), &[("csrf", &csrf), ("role", "readonly")]).await,
            intruder.post(&format!("{path}/suspend"), &[("csrf", &csrf), ("suspend", "yes")]).await,
        ] {
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{role:?}: 404, not 403");
            assert!(page.body.contains("Page not found"));
            assert!(!page.body.contains("Priya"));
        }
    }
    let after = site.app.store().user(victim.id).await.unwrap().unwrap();
    assert_eq!((after.role, after.suspended), (Role::Caseworker, false));
    let denials = site.audit_actions(office_b).await.iter().filter(|a| *a == "access.denied").count();
    assert_eq!(denials, 6, "every attempt is in the intruders' office's audit log");
    assert!(!site.audit_actions(office_a).await.contains(&"access.denied".to_owned()));
}
