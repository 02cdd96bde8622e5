//! Who may reach what: strangers are sent to sign in, half-finished
//! sign-ins to their next step, and signed-in people only as far as their
//! role and office allow — with every refusal in the office's audit log.
//! (Every route × every role is in `src/routes/tests.rs`; these are the
//! stories behind it.)

mod common;

use axum::http::StatusCode;
use common::{Browser, EMAIL, PASSWORD, config, site};
use portcullis_app::Actor;
use portcullis_types::Role;

#[tokio::test]
async fn strangers_are_sent_to_sign_in_except_for_public_pages() {
    let site = site(config()).await;
    let mut stranger = site.browser();

    for path in ["/", "/audit", "/enrol", "/login/code", "/login/recovery"] {
        stranger.get(path).await.assert_redirect("/login");
    }
    for path in ["/login", "/healthz", "/static/portcullis.css"] {
        assert_eq!(stranger.get(path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_half_finished_sign_in_only_reaches_its_next_step() {
    let site = site(config()).await;
    site.set_up().await;
    let mut browser = site.browser();

    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/enrol");
    for path in ["/", "/audit", "/login", "/login/code", "/login/recovery"] {
        browser.get(path).await.assert_redirect("/enrol");
    }
    let page = browser.get("/enrol").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Sign out"), "a way out of a half-finished sign-in");
    browser.post("/logout", &[("csrf", &Browser::csrf(&page))]).await.assert_redirect("/login");
    browser.get("/enrol").await.assert_redirect("/login");
}

#[tokio::test]
async fn staff_asking_for_the_audit_log_are_refused_and_the_refusal_is_recorded() {
    let site = site(config()).await;
    let office = site.app.create_office("Office of Alex Example MP", false, &Actor::Cli).await.unwrap().id;
    let (mut staff, _) = site.signed_in_as(Role::Staff, Some(office), "Kim Lee").await;

    let home = staff.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains(r#"href="/audit""#), "no link to what they may not open");

    let page = staff.get("/audit").await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("You do not have access to this page"));
    page.assert_security_headers();
    assert!(site.audit_actions(office).await.contains(&"access.denied".to_owned()));
}

#[tokio::test]
async fn the_central_operator_has_no_office_home() {
    let site = site(config()).await;
    let office = site.app.create_office("Office of Alex Example MP", false, &Actor::Cli).await.unwrap().id;
    let (mut operator, _) = site.signed_in_as(Role::Operator, None, "Ola Operator").await;

    operator.get("/").await.assert_redirect("/operator");
    for path in ["/audit", "/people"] {
        let page = operator.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!page.body.contains("Office of Alex Example MP"), "{path} shows nothing of any office");
    }
    assert!(!site.audit_actions(office).await.contains(&"audit.viewed".to_owned()));
}

/// No route takes an office from the request yet: everything is scoped to
/// the signed-in person's own office by `app`. This pins that down — a
/// manager naming another office in the query still sees only their own.
/// (`app.require` answering `Denied::NotFound` for another office's record,
/// shown as a 404 page, is tested in `app`'s policy tests and `error.rs`.)
#[tokio::test]
async fn naming_another_office_in_the_address_shows_only_your_own() {
    let site = site(config()).await;
    let ours = site.app.create_office("Office of Alex Example MP", false, &Actor::Cli).await.unwrap().id;
    let theirs = site.app.create_office("Office of Bo Other MP", false, &Actor::Cli).await.unwrap().id;
    site.app.audit(theirs, &Actor::Cli, "casework.secret_marker", None, "their business").await.unwrap();
    let (mut manager, _) = site.signed_in_as(Role::Manager, Some(ours), "Sam Okafor").await;

    for path in [format!("/audit?office={theirs}"), format!("/?office={theirs}")] {
        let page = manager.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("secret_marker") && !page.body.contains("Bo Other"), "{path}");
    }
    assert!(manager.get("/").await.body.contains("Office of Alex Example MP"));
}

#[tokio::test]
async fn the_audit_log_pages_back_and_filters_by_action() {
    let site = site(config()).await;
    let office = site.app.create_office("Office of Alex Example MP", false, &Actor::Cli).await.unwrap().id;
    for n in 0..60 {
        site.app.audit(office, &Actor::Cli, "test.entry", None, &format!("entry number {n}")).await.unwrap();
    }
    let (mut manager, _) = site.signed_in_as(Role::Mp, Some(office), "Alex Example").await;

    let first = manager.get("/audit?action=test.entry").await;
    assert_eq!(first.body.matches("<code>test.entry</code>").count(), 50);
    assert!(first.body.contains("entry number 59") && !first.body.contains("entry number 9<"));
    assert!(!first.body.contains("office.created"), "filtered to one action");
    let start = first.body.find("/audit?before=").expect("a link to older entries");
    let href = first.body[start..].split('"').next().unwrap().replace("&#38;", "&");
    assert!(href.ends_with("&action=test.entry"), "{href}");

    let older = manager.get(&href).await;
    assert_eq!(older.body.matches("<code>test.entry</code>").count(), 10);
    assert!(older.body.contains("entry number 0<") && !older.body.contains("entry number 59"));
    assert!(!older.body.contains("Older entries"));

    for odd in ["/audit?before=abc", "/audit?before=-1", &format!("/audit?action={}", "x".repeat(10_000))] {
        assert_eq!(manager.get(odd).await.status, StatusCode::OK, "{odd}");
    }
}
