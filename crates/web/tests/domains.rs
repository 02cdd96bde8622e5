//! The email domains pages: a manager adds the office's domain and sees
//! each check with what to do; staff read and re-check but cannot add or
//! remove; nothing typed reaches the page unescaped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Browser, Site, config, site};
use portcullis_app::Actor;
use portcullis_dnscheck::fake::FakeResolver;
use portcullis_dnscheck::fetch::FakeFetcher;
use portcullis_dnscheck::{Rdata, RecordType};
use portcullis_types::Role;

/// A site whose domain checks see a domain with SPF but no DMARC.
async fn checking_site() -> Site {
    let mut site = site(config()).await;
    let dns = FakeResolver::new()
        .record("jane-smith.test", RecordType::Soa, Rdata::Soa)
        .mx("jane-smith.test", 10, "mx.jane-smith.test")
        .a("mx.jane-smith.test", [192, 0, 2, 25])
        .txt("jane-smith.test", &["v=spf1 include:_spf.provider.test -all"])
        .txt("_spf.provider.test", &["v=spf1 ip4:192.0.2.0/24 -all"]);
    site.app = site.app.clone().with_network(Arc::new(dns), Arc::new(FakeFetcher::new()));
    site.router = portcullis_web::router(site.app.clone(), site.config.clone());
    site
}

async fn add(browser: &mut Browser, domain: &str) -> common::Page {
    let page = browser.get("/domains").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    browser.post("/domains", &[("csrf", &Browser::csrf(&page)), ("domain", domain)]).await
}

#[tokio::test]
async fn a_manager_adds_the_office_domain_and_sees_what_to_fix() {
    let site = checking_site().await;
    let office = site.app.create_office("Office of Jane Smith MP", false, &Actor::Cli).await.unwrap().id;
    let (mut manager, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;

    let added = add(&mut manager, "Jane-Smith.test").await;
    added.assert_redirect("/domains/jane-smith.test");

    let page = manager.get("/domains/jane-smith.test?done=added").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("has been added and checked"));
    assert!(page.body.contains("Needs fixing"), "no DMARC is a failure");
    assert!(page.body.contains("_dmarc.jane-smith.test TXT"), "the fix is the record to publish");
    assert!(page.body.contains("SPF include tree") && page.body.contains("_spf.provider.test"));
    let list = manager.get("/domains").await;
    assert!(list.body.contains(r#"href="/domains/jane-smith.test""#) && list.body.contains("pc-tag--red"));
    assert!(site.audit_actions(office).await.contains(&"domain.added".to_owned()));

    let again = add(&mut manager, "jane-smith.test").await;
    assert!(again.body.contains("already watches this domain"), "{}", again.body);

    let page = manager.get("/domains/jane-smith.test").await;
    let removed = manager.post("/domains/jane-smith.test/remove", &[("csrf", &Browser::csrf(&page))]).await;
    removed.assert_redirect("/domains");
    assert!(manager.get("/domains?done=removed").await.body.contains("No domains yet"));
}

#[tokio::test]
async fn staff_read_and_recheck_but_cannot_add_or_remove() {
    let site = checking_site().await;
    let office = site.app.create_office("Office of Jane Smith MP", false, &Actor::Cli).await.unwrap().id;
    let (mut manager, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;
    add(&mut manager, "jane-smith.test").await.assert_redirect("/domains/jane-smith.test");
    let (mut staff, _) = site.signed_in_as(Role::Staff, Some(office), "Kim Lee").await;

    let list = staff.get("/domains").await;
    assert!(list.body.contains("jane-smith.test") && !list.body.contains("Add and check"));
    let page = staff.get("/domains/jane-smith.test").await;
    assert!(page.body.contains("Check again now") && !page.body.contains("Remove jane-smith.test"));
    let checked = staff.post("/domains/jane-smith.test/check", &[("csrf", &Browser::csrf(&page))]).await;
    checked.assert_redirect("/domains/jane-smith.test");
    let refused = staff.post("/domains", &[("csrf", &Browser::csrf(&page)), ("domain", "other.test")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Another office's manager cannot see it.
    let theirs = site.app.create_office("Office of Bo Other MP", false, &Actor::Cli).await.unwrap().id;
    let (mut other, _) = site.signed_in_as(Role::Manager, Some(theirs), "Bo Other").await;
    assert_eq!(other.get("/domains/jane-smith.test").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn what_is_typed_is_checked_and_escaped() {
    let site = checking_site().await;
    let office = site.app.create_office("Office of Jane Smith MP", false, &Actor::Cli).await.unwrap().id;
    let (mut manager, _) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;

    for (typed, message) in [
        ("<script>alert(1)</script>.test", "is not a valid domain name"),
        ("192.0.2.1", "is an IP address"),
        ("", "Enter a domain"),
        (&"a".repeat(300), "longer than 253"),
    ] {
        let page = add(&mut manager, typed).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(message), "{typed}: {}", page.body);
        assert!(!page.body.contains("<script>alert"), "escaped");
        assert!(page.body.contains(r##"href="#domain""##), "the error summary links to the field");
    }
    assert!(site.app.store().watched_domains(office).await.unwrap().is_empty());
}
