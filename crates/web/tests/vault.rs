//! The password pages: a person uploads the findings of `vault audit --json`
//! and sees their to-do list and progress; the MP and managers see everyone's
//! counts but never another person's entry names; junk is refused plainly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use axum::http::StatusCode;
use common::{Browser, Site, config, site_without_mail};
use portcullis_app::Actor;
use portcullis_breach::Secret;
use portcullis_breach::audit::{MemoryLookup, Options, audit};
use portcullis_breach::twofa::Directory;
use portcullis_breach::vault::Entry;
use portcullis_types::{OfficeId, Role, Timestamp};

/// The findings file for a vault with a leaked, reused password on two
/// sites and a strong one.
fn results() -> Vec<u8> {
    let entry = |title: &str, site: &str, password: &str| Entry {
        title: title.into(),
        site: Some(site.into()),
        password: Secret::from(password),
        ..Entry::default()
    };
    let entries = [
        entry("Chirp", "https://chirp.example/login", "letmein"),
        entry("Constituency bank", "https://bank.example/", "letmein"),
        entry("Quiet", "https://quiet.example/", "Glacier-Mango-Typewriter-88"),
    ];
    let directory =
        Directory::from_json(br#"{"Chirp": {"domain": "chirp.example", "tfa": ["totp"], "categories": []}}"#).unwrap();
    let mut breach = MemoryLookup::sha1_of(&[("letmein", 250_000)]);
    let now = Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap();
    let report = audit(&entries, Some(&directory), Some(&mut breach), &Options::new(now, [4; 32])).unwrap();
    serde_json::to_vec(&report).unwrap()
}

async fn office_site() -> (Site, OfficeId) {
    let site = site_without_mail(config()).await;
    let office = site.app.create_office("Office of Jane Smith MP", false, &Actor::Cli).await.unwrap().id;
    (site, office)
}

async fn upload(browser: &mut Browser, content: &[u8]) -> common::Page {
    let page = browser.get("/vault").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    browser.post_file("/vault", &[("csrf", &Browser::csrf(&page))], ("results", "results.json", content)).await
}

#[tokio::test]
async fn a_caseworker_uploads_findings_and_sees_what_to_do() {
    let (site, office) = office_site().await;
    let (mut kim, kim_user) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    let done = upload(&mut kim, &results()).await;
    done.assert_redirect(&format!("/vault/{}", kim_user.id));
    let page = kim.get(done.location()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_security_headers();
    assert!(page.body.contains("Your results have been recorded"), "{}", page.body);
    assert!(page.body.contains("Do now") && page.body.contains("In a known breach"), "{}", page.body);
    assert!(page.body.contains("Constituency bank") && page.body.contains("250,000 times"));
    assert!(page.body.contains("<svg") && page.body.contains("Recorded checks, newest first"));
    assert!(!page.body.contains("letmein"));
    assert!(site.audit_actions(office).await.contains(&"vault.recorded".to_owned()));

    let list = kim.get("/vault").await;
    assert!(list.body.contains("Your latest check") && !list.body.contains("Everyone in the office"));
}

#[tokio::test]
async fn a_manager_sees_counts_but_not_entry_names_and_staff_see_only_themselves() {
    let (site, office) = office_site().await;
    let (mut kim, kim_user) = site.signed_in_as(Role::Staff, Some(office), "Kim Lee").await;
    let (mut sam, sam_user) = site.signed_in_as(Role::Manager, Some(office), "Sam Okafor").await;
    upload(&mut kim, &results()).await.assert_redirect(&format!("/vault/{}", kim_user.id));

    let overview = sam.get("/vault").await;
    assert!(overview.body.contains("Everyone in the office") && overview.body.contains("Kim Lee"), "{}", overview.body);
    assert!(overview.body.contains("Not checked yet"), "Sam has no audit yet");
    let kims = sam.get(&format!("/vault/{}", kim_user.id)).await;
    assert_eq!(kims.status, StatusCode::OK);
    assert!(kims.body.contains("Only Kim Lee sees the names"), "{}", kims.body);
    assert!(!kims.body.contains("Constituency bank") && !kims.body.contains("Chirp"), "{}", kims.body);

    assert_eq!(kim.get(&format!("/vault/{}", sam_user.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(kim.get("/vault/not-an-id").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_file_that_is_not_findings_is_refused_plainly() {
    let (site, office) = office_site().await;
    let (mut kim, _) = site.signed_in_as(Role::Caseworker, Some(office), "Kim Lee").await;
    for (content, words) in [
        (&b"url,username,password\nhttps://x.example,kim,hunter2\n"[..], "not the results of portcullis vault audit"),
        (b"", "The selected file is empty"),
    ] {
        let page = upload(&mut kim, content).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("There is a problem") && page.body.contains(words), "{}", page.body);
        assert!(!page.body.contains("hunter2"));
    }
    assert!(!site.audit_actions(office).await.contains(&"vault.recorded".to_owned()));
}
